// Start-up time: `tkn-artifacts --version` and `--help` beside `oras version`, same run, same machine.
// Prints medians over N runs and the ratio; no assertion (timings on shared machines are not tests).
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median, tool } from './tools.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const cli = fileURLToPath(new URL('../bin/tkn-artifacts', import.meta.url));

function time(command, args) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
    if (i >= 2) samples.push(elapsed); // the first two warm the page cache
  }
  return median(samples);
}

const oras = time(tool('oras'), ['version']);
const version = time(cli, ['--version']);
const help = time(cli, ['--help']);
console.log(`startup (median of ${runs}):`);
console.log(`  oras version              ${oras.toFixed(1)} ms`);
console.log(
  `  tkn-artifacts --version   ${version.toFixed(1)} ms   ratio ${(version / oras).toFixed(2)}x oras`,
);
console.log(`  tkn-artifacts --help      ${help.toFixed(1)} ms   ratio ${(help / oras).toFixed(2)}x oras`);
