/**
 * Process entry point: bin/tkn-artifacts runs the bundle (dist/bundle, scripts/bundle.mjs), whose
 * entry calls main() here with the command list, and the standalone executables embed it;
 * dist/src/cli/main.js (tsc) runs on its own too.
 * `--version` is answered before oclif is imported: start-up time is part of a plugin's feel,
 * and scripts call `--version` to check compatibility.
 */
import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayName, invokedAsCompletion } from './display-name.js';
import { oclifConfig, type CommandList } from './oclif-config.js';

interface PackageJson {
  name: string;
  version: string;
  oclif: { bin?: string };
}

// The bundle defines this (esbuild's define): the executables have no package.json beside them.
declare const TKN_ARTIFACTS_PACKAGE: PackageJson | undefined;
const bundled = typeof TKN_ARTIFACTS_PACKAGE !== 'undefined';

// Cache V8's compiled code on disk for what is loaded from here on: under tsc that is oclif and
// every module; the bundle is compiled by its loader (dist/bundle/start.cjs) with a cache of its own.
if (!bundled) enableCompileCache();

// dist/src/cli/main.js or dist/bundle/tkn-artifacts.cjs; oclif looks for nothing there that matters.
const root = resolve(
  dirname(fileURLToPath(import.meta.url)),
  ...(bundled ? ['..', '..'] : ['..', '..', '..']),
);
const argv = process.argv.slice(2);

function packageJson(): PackageJson {
  if (bundled && TKN_ARTIFACTS_PACKAGE) return structuredClone(TKN_ARTIFACTS_PACKAGE);
  return JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * Ctrl-C or SIGTERM: 130, as the README promises, for every command. A command with its own
 * handler (pull cleans up first) answers it itself; otherwise there is nothing to undo.
 */
function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      process.stderr.write(`Interrupted by ${signal}.\n`);
      process.exit(130);
    });
  }
}

export async function main(commands?: CommandList): Promise<void> {
  const completionLink = invokedAsCompletion();
  if (argv[0] === '__complete' || completionLink) {
    // kubectl's plugin completion: the words are completed, never parsed (oclif would obey --help).
    const [{ completeForKubectl, completionCommands }, config] = await Promise.all([
      import('./completion.js'),
      oclifConfig(root, packageJson(), commands),
    ]);
    const words = completionLink ? argv : argv.slice(1);
    process.stdout.write(await completeForKubectl(completionCommands(config.commands), words));
  } else if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
    process.stdout.write(
      `tkn-artifacts ${packageJson().version} (node ${process.version}, ${process.platform}-${process.arch})\n`,
    );
  } else {
    const [{ normalizeArgv, unknownCommandMessage, suggestCommands }, { run, handle }] = await Promise.all([
      import('./argv.js'),
      import('@oclif/core'),
    ]);
    const pjson = packageJson();
    // Help and usage lines then read the way the user typed us.
    pjson.oclif.bin = displayName();
    exitOnSignals();
    const config = await oclifConfig(root, pjson, commands);
    try {
      // stdout writes are synchronous on Linux pipes and files, so there is nothing to flush.
      await run(normalizeArgv(argv), config);
    } catch (error) {
      // oclif's "command X not found": answered as cobra answers it, with the closest commands.
      const missing = /^command (\S+) not found/i.exec((error as Error).message)?.[1];
      if (missing !== undefined) {
        const names = config.commands.map((c) => c.id).filter((id) => !id.startsWith('_'));
        process.stderr.write(unknownCommandMessage(missing, suggestCommands(missing, names), displayName()));
        process.exitCode = 2;
      } else {
        await handle(error as Error);
      }
    }
  }
}

// Under tsc this file is the process entry. The bundle's entry (scripts/bundle.mjs) calls main()
// with the command list instead. No top-level await: the bundle is CommonJS, which is what Node's
// single executable applications run.
if (!bundled) void main();
