/**
 * oclif's configuration for our command list: main.ts runs commands with it; the build
 * (scripts/bundle.mjs) reads the commands' help model from it, and the help tests their oracle.
 */
import type { Command, Interfaces } from '@oclif/core';

/** The command list, as commands/index.ts exports it (oclif's explicit strategy). */
export type CommandList = Record<string, Command.Class>;

/**
 * Given the command list (the bundle's entry passes it: the bundle and the executables have no
 * file for oclif to import it from), it is handed to oclif's root plugin; without it, oclif
 * imports the file package.json names (the tsc build in dist/).
 */
export async function oclifConfig(
  root: string,
  pjson: object,
  commands?: CommandList,
): Promise<Interfaces.Config> {
  const { Config, Plugin } = await import('@oclif/core');
  // Only the fields we read are typed by callers; the rest of package.json passes through as oclif reads it.
  const oclifPjson = pjson as Interfaces.PJSON;
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
