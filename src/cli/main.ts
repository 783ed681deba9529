/**
 * Process entry point (bin/tkn-artifacts runs dist/src/cli/main.js).
 * `--version` is answered before oclif is imported: start-up time is part of a plugin's feel,
 * and scripts call `--version` to check compatibility.
 */
import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Interfaces } from '@oclif/core';

// Cache V8's compiled code on disk: most of a cold start is compiling oclif and its dependencies.
enableCompileCache();

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const argv = process.argv.slice(2);

interface PackageJson {
  version: string;
  oclif: { bin?: string };
}

function packageJson(): PackageJson {
  return JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as PackageJson;
}

/** How the user typed us: `kubectl tkn artifacts` or `tkn artifacts`, for help and messages. */
function displayName(): string {
  const invokedAs = process.env['TKN_ARTIFACTS_INVOKED_AS'] ?? 'tkn-artifacts';
  return invokedAs.startsWith('kubectl-') ? 'kubectl tkn artifacts' : 'tkn artifacts';
}

if (argv[0] === '__complete') {
  // kubectl's plugin completion: the words are completed, never parsed (oclif would obey --help).
  const { completeForKubectl, completionCommands, loadCommands } = await import('./completion.js');
  const commands = completionCommands(await loadCommands(root));
  process.stdout.write(await completeForKubectl(commands, argv.slice(1)));
} else if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
  process.stdout.write(
    `tkn-artifacts ${packageJson().version} (node ${process.version}, ${process.platform}-${process.arch})\n`,
  );
} else {
  const { run, handle } = await import('@oclif/core');
  const pjson = packageJson();
  // Help and usage lines then read the way the user typed us.
  pjson.oclif.bin = displayName();
  try {
    // stdout writes are synchronous on Linux pipes and files, so there is nothing to flush.
    // Only the fields we read are typed here; the rest of package.json passes through as oclif reads it.
    await run(argv, { root, pjson: pjson as unknown as Interfaces.PJSON });
  } catch (error) {
    await handle(error as Error);
  }
}
