/**
 * Process entry point: bin/tkn-artifacts runs the bundle (dist/bundle, scripts/bundle.mjs), whose
 * entry calls main() here with the command list, and the standalone executables embed it;
 * dist/src/cli/main.js (tsc) runs on its own too.
 * `--version` is answered before oclif is imported: start-up time is part of a plugin's feel,
 * and scripts call `--version` to check compatibility.
 */
import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, Interfaces } from '@oclif/core';

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
 * How the user typed us, for help and messages. bin/ scripts say so in TKN_ARTIFACTS_INVOKED_AS;
 * a standalone executable is known by its own file name: kubectl-tkn-artifacts is reached as
 * `kubectl tkn artifacts`, kubectl-tkn_artifacts (krew's link) as `kubectl tkn-artifacts`.
 */
function displayName(): string {
  const invokedAs = process.env['TKN_ARTIFACTS_INVOKED_AS'] ?? basename(process.argv0);
  if (invokedAs.startsWith('kubectl-tkn_')) return 'kubectl tkn-artifacts';
  return invokedAs.startsWith('kubectl-') ? 'kubectl tkn artifacts' : 'tkn artifacts';
}

/** The command list, as commands/index.ts exports it (oclif's explicit strategy). */
export type CommandList = Record<string, Command.Class>;

/**
 * oclif's configuration. Given the command list (the bundle's entry passes it: the bundle and the
 * executables have no file for oclif to import it from), it is handed to oclif's root plugin;
 * without it, oclif imports the file package.json names (the tsc build in dist/).
 */
async function oclifConfig(pjson: PackageJson, commands?: CommandList): Promise<Interfaces.Config> {
  const { Config, Plugin } = await import('@oclif/core');
  // Only the fields we read are typed here; the rest of package.json passes through as oclif reads it.
  const oclifPjson = pjson as unknown as Interfaces.PJSON;
  if (!commands) return Config.load({ root, pjson: oclifPjson });
  // The command list is the whole truth: oclif is not to look for an oclif.manifest.json
  // under root (for an executable, two directories above it, which is anyone's), and each look
  // cost two failed opens at every start.
  const plugin = new Plugin({ root, pjson: oclifPjson, isRoot: true, ignoreManifest: true });
  // commandCache is private in oclif's typings; it is where loading the explicit target ends up.
  (plugin as unknown as { commandCache: unknown }).commandCache = commands;
  await plugin.load();
  return Config.load({ root, pjson: oclifPjson, plugins: new Map([[plugin.name, plugin]]) });
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
  // A standalone executable linked as kubectl_complete-tkn-artifacts is kubectl's completion for it.
  const completionLink = basename(process.argv0).startsWith('kubectl_complete-');
  if (argv[0] === '__complete' || completionLink) {
    // kubectl's plugin completion: the words are completed, never parsed (oclif would obey --help).
    const [{ completeForKubectl, completionCommands }, config] = await Promise.all([
      import('./completion.js'),
      oclifConfig(packageJson(), commands),
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
    const config = await oclifConfig(pjson, commands);
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
