// Runs every benchmark in bench/ in turn. Each prints its figures beside the peer tool's.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir)
  .filter((name) => /\.bench\.(mjs|ts)$/.test(name))
  .filter((name) => !only || name.startsWith(only));
// The Node pinned in devDependencies (24), whatever `node` started this script: the CLI and the
// client code the benches import need it.
const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
const node = existsSync(pinned) ? pinned : process.execPath;
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
let failed = 0;
for (const name of benches) {
  console.log(`\n== ${name}`);
  // TypeScript benches reuse the test environment's code (services, fixtures) through tsx.
  const [command, args] = name.endsWith('.ts') ? [node, [tsx, `${dir}/${name}`]] : [node, [`${dir}/${name}`]];
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
