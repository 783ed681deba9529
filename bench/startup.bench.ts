// Start-up: `--version`, `--help`, `show --help` and `show` of a root with no referrers (an OCI layout holding
// the example's root alone), for the bundle (bin/tkn-artifacts), the standalone executable
// (dist/release, built here for this platform if missing) and the unbundled tsc output (and with
// BENCH_COMPARE=PATH another build's bin/tkn-artifacts), beside
// `oras version` and `oras discover` of the same root, same run, same machine. Prints medians of
// BENCH_RUNS runs (default 15) and ratios; asserts nothing (timings on shared machines are not tests).
// Targets (issue 16): --version ≤ 40 ms, --help ≤ 60 ms (show --help held to the same), show of an
// empty root ≤ 100 ms.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cacheDir } from '../test/env/services/binaries.js';
import { median } from './support.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 15);
const root = join(import.meta.dirname, '..');
const node = join(root, 'node_modules', 'node', 'bin', 'node');
const bundle = join(root, 'bin', 'tkn-artifacts');
const executable = join(
  root,
  'dist',
  'release',
  `tkn-artifacts-linux-${process.arch === 'x64' ? 'amd64' : 'arm64'}`,
);
const unbundled = join(root, 'dist', 'src', 'cli', 'main.js');

interface Sample {
  ms: number;
  /** user + system CPU: less moved than wall time by other work on a shared machine */
  cpuMs: number;
  rssMiB: number;
}

/** Median wall time, CPU time and peak RSS (GNU time) of `runs` runs after two warm-ups. */
function measure(command: string, args: string[]): Sample {
  const times: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = performance.now();
    const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const elapsed = performance.now() - start;
    if (result.status !== 0)
      throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
    if (i < 2) continue; // the first two fill the page cache and the compile cache
    times.push(elapsed);
    const [user, system, maxRss] = (result.stderr.toString().trim().split('\n').at(-1) ?? '')
      .split(' ')
      .map(Number);
    cpu.push(((user ?? NaN) + (system ?? NaN)) * 1000);
    rss.push((maxRss ?? NaN) / 1024);
  }
  return { ms: median(times), cpuMs: median(cpu), rssMiB: median(rss) };
}

/** An OCI layout holding only the example's root index, tagged as the example tags it. */
function emptyRootLayout(): { dir: string; tag: string } {
  const example = join(root, 'examples', 'layout');
  const index = JSON.parse(readFileSync(join(example, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const tag = 'ci.build-app-x7k2';
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry) throw new Error(`examples/layout has no ${tag}`);
  const dir = mkdtempSync(join(tmpdir(), 'tkn-artifacts-bench-root-'));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const hex = entry.digest.replace('sha256:', '');
  copyFileSync(join(example, 'blobs', 'sha256', hex), join(dir, 'blobs', 'sha256', hex));
  copyFileSync(join(example, 'oci-layout'), join(dir, 'oci-layout'));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ ...index, manifests: [entry] }));
  return { dir, tag };
}

if (!existsSync(executable)) {
  console.log('startup: building the standalone executable (scripts/release.mjs) …');
  const built = spawnSync(node, [join(root, 'scripts', 'release.mjs'), '--platform', executable.slice(-11)], {
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('scripts/release.mjs failed');
}

const layout = emptyRootLayout();
const showArgs = [
  'show',
  `registry.example.com/ci/tekton-artifacts:${layout.tag}`,
  '--oci-layout',
  layout.dir,
];
try {
  const oras = join(cacheDir(), 'bin', 'oras'); // scripts/provision-test-env.sh builds it
  const rows: [string, Sample, Sample | undefined, number | undefined][] = [];
  const versionPeer = measure(oras, ['version']);
  const discoverPeer = measure(oras, [
    'discover',
    '--oci-layout',
    `${layout.dir}:${layout.tag}`,
    '--format',
    'json',
  ]);
  const nodeFloor = measure(node, ['-e', '0']);
  const forms: [string, string, string[]][] = [
    ['bundle', bundle, []],
    ['executable', executable, []],
    ['unbundled', node, [unbundled]],
    // BENCH_COMPARE=PATH: another build's bin/tkn-artifacts (an older checkout) in the same run.
    ...(process.env['BENCH_COMPARE']
      ? [['compare', process.env['BENCH_COMPARE'], []] as [string, string, string[]]]
      : []),
  ];
  for (const [name, command, prefix] of forms) {
    rows.push([`${name} --version`, measure(command, [...prefix, '--version']), versionPeer, 40]);
    rows.push([`${name} --help`, measure(command, [...prefix, '--help']), versionPeer, 60]);
    // A command's help (the longest text the loader's help fast path renders).
    rows.push([`${name} show --help`, measure(command, [...prefix, 'show', '--help']), versionPeer, 60]);
    rows.push([`${name} show (empty root)`, measure(command, [...prefix, ...showArgs]), discoverPeer, 100]);
    rows.push([
      `${name} show -o json`,
      measure(command, [...prefix, ...showArgs, '-o', 'json']),
      discoverPeer,
      100,
    ]);
  }
  const fmt = (s: Sample) =>
    `${s.ms.toFixed(1).padStart(6)} ms  cpu ${s.cpuMs.toFixed(0).padStart(4)} ms ${s.rssMiB.toFixed(0).padStart(4)} MiB`;
  console.log(`startup (median of ${runs}; Node ${process.version} pinned at ${node}):`);
  console.log(`  ${'oras version'.padEnd(32)} ${fmt(versionPeer)}`);
  console.log(`  ${'oras discover (empty root)'.padEnd(32)} ${fmt(discoverPeer)}`);
  console.log(`  ${'node -e 0'.padEnd(32)} ${fmt(nodeFloor)}`);
  for (const [label, sample, peer, target] of rows) {
    const ratio = peer ? `${(sample.ms / peer.ms).toFixed(2)}x oras` : '';
    const met =
      target === undefined
        ? ''
        : sample.ms <= target
          ? `target ${target} ms met`
          : `target ${target} ms MISSED`;
    console.log(`  ${label.padEnd(32)} ${fmt(sample)}   ${ratio.padEnd(10)}  ${met}`);
  }
} finally {
  rmSync(layout.dir, { recursive: true, force: true });
}
