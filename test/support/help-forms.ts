// The help fast path's forms and how to make oclif answer them instead, for the tests that run
// bin/ and the standalone executable both ways (test/integration/ship).
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The plain help forms the loader answers without oclif (src/help/fast-path.ts helpSubject). */
export const HELP_FORMS: string[][] = [
  [],
  ['--help'],
  ['-h'],
  ['help'],
  ['help', 'show'],
  ['show', '--help'],
  ['diff', '-h'],
  ['gc', '--help'],
  ['pull', '-h'],
  ['validate', '--help'],
  ['help', 'completion'],
];

/**
 * XDG_CONFIG_HOME values under dir: one with an (empty) oclif help theme, which oclif reads and
 * the fast path leaves to it, so oclif answers; one without, so the fast path does. An empty
 * theme changes nothing oclif prints.
 */
export function configHomes(dir: string): { oclif: string; fast: string } {
  const oclif = join(dir, 'themed');
  mkdirSync(join(oclif, 'tkn-artifacts'), { recursive: true });
  writeFileSync(join(oclif, 'tkn-artifacts', 'theme.json'), '{}');
  const fast = join(dir, 'plain');
  mkdirSync(fast, { recursive: true });
  return { oclif, fast };
}

/** A fresh compile cache directory: the bundle's code cache appears in it only when the bundle ran. */
export function freshCacheDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return mkdtempSync(join(dir, 'cache-'));
}

/** Whether the bundle (not the help fast path) ran with this compile cache directory. */
export function bundleRan(cacheDir: string): boolean {
  return readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).some((name) => name.endsWith('.v8'));
}
