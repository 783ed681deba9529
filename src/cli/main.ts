/**
 * Process entry point (bin/tkn-artifacts runs dist/src/cli/main.js).
 * `--version` is answered before oclif is imported: start-up time is part of a plugin's feel,
 * and scripts call `--version` to check compatibility.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const argv = process.argv.slice(2);

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** How the user typed us: `kubectl tkn artifacts` or `tkn artifacts`, for help and messages. */
function displayName(): string {
  const invokedAs = process.env['TKN_ARTIFACTS_INVOKED_AS'] ?? 'tkn-artifacts';
  return invokedAs.startsWith('kubectl-') ? 'kubectl tkn artifacts' : 'tkn artifacts';
}

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
  process.stdout.write(`tkn-artifacts ${packageVersion()} (node ${process.version}, ${process.platform}-${process.arch})\n`);
} else {
  const { Config, run, flush, handle } = await import('@oclif/core');
  const config = await Config.load({ root });
  config.bin = displayName();
  try {
    await run(argv, config);
    await flush();
  } catch (error) {
    await handle(error as Error);
  }
}
