// Runs every benchmark in bench/ in turn. Each prints its figures beside the peer tool's.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir)
  .filter((name) => /\.bench\.(mjs|ts)$/.test(name) || name === 'startup.mjs')
  .filter((name) => !only || name.startsWith(only));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
let failed = 0;
for (const name of benches) {
  console.log(`\n== ${name}`);
  // TypeScript benches reuse the test environment's code (services, fixtures) through tsx.
  const [command, args] = name.endsWith('.ts')
    ? [tsx, [`${dir}/${name}`]]
    : [process.execPath, [`${dir}/${name}`]];
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
