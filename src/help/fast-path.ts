/**
 * The help fast path: dist/bundle/help.cjs (scripts/bundle.mjs builds it from this file with the
 * commands' help model made at build time), which the loader (scripts/bundle-start.cjs) runs
 * before reading the bundle. It answers the plain help forms (no arguments, `--help`, `-h`,
 * `help`, `help CMD`, `CMD --help`, `CMD -h`) with the text oclif would print
 * (src/render/help.ts), and declines anything else, or anything oclif would print differently
 * here (a user's help theme, DEBUG, WSL, Windows, kubectl's completion link): oclif then answers
 * as always.
 */
import { existsSync, readFileSync } from 'node:fs';
import { arch, homedir, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import ansis from 'ansis';
import supportsColor from 'supports-color';
import {
  commandHelp,
  helpCommandIds,
  rootHelp,
  UnsupportedHelp,
  type HelpModel,
  type HelpTarget,
} from '../render/help.js';
import { displayName, invokedAsCompletion } from '../cli/display-name.js';

/** What a help form asks for: the root (`''`) or a command's id; undefined when it is no plain help form. */
export function helpSubject(argv: readonly string[], ids: readonly string[]): string | undefined {
  const [first, second] = argv;
  if (first === undefined) return '';
  if (argv.length === 1) return first === '--help' || first === '-h' || first === 'help' ? '' : undefined;
  if (argv.length !== 2 || second === undefined) return undefined;
  if (first === 'help') return ids.includes(second) ? second : undefined;
  return ids.includes(first) && (second === '--help' || second === '-h') ? first : undefined;
}

/** oclif's screen.js: OCLIF_COLUMNS, else the terminal's width (at least 40), else 80. */
export function helpWidth(env: NodeJS.ProcessEnv, stdout: NodeJS.WriteStream): number {
  const columns = Number.parseInt(env['OCLIF_COLUMNS'] ?? '', 10);
  if (columns) return columns;
  if (!stdout.isTTY) return 80;
  const width = stdout.getWindowSize()[0] ?? 0;
  return width < 1 ? 80 : Math.max(width, 40);
}

/** wsl-utils' isWsl, as oclif asks it for its platform (`wsl` in the user agent): any sign of it declines. */
function maybeWsl(): boolean {
  if (process.platform !== 'linux') return false;
  if (release().toLowerCase().includes('microsoft')) return true;
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return true;
  } catch {
    // No /proc: nothing says WSL.
  }
  return existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL');
}

/**
 * Whether oclif would print something other than the model's help here: debug output (DEBUG,
 * oclif's own variables), a theme file in its configuration directory, another platform.
 */
function oclifWouldDiffer(env: NodeJS.ProcessEnv, bin: string, dirname: string): boolean {
  if (process.platform === 'win32' || invokedAsCompletion()) return true;
  if (env['DEBUG'] || Object.keys(env).some((key) => key.startsWith('OCLIF_') && key !== 'OCLIF_COLUMNS'))
    return true;
  // oclif's scopedEnvVar: the bin (as we set it) in capitals, `-` and `/` as `_`.
  const scoped = (key: string) =>
    env[`${bin.replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()];
  if (scoped('DEBUG') || scoped('DISABLE_THEME')) return true;
  const home = env['HOME'] || homedir() || tmpdir();
  const configDir = scoped('CONFIG_DIR') || join(env['XDG_CONFIG_HOME'] || join(home, '.config'), dirname);
  return existsSync(join(configDir, 'theme.json')) || maybeWsl();
}

// scripts/bundle.mjs defines these (esbuild's define).
declare const TKN_HELP_MODEL: HelpModel;
declare const TKN_HELP_DIRNAME: string;

/** Prints the help argv asks for and says true, or says false (oclif is to answer). */
export function answerHelp(argv: readonly string[]): boolean {
  const model = TKN_HELP_MODEL;
  const id = helpSubject(argv, helpCommandIds(model));
  if (id === undefined) return false;
  const bin = displayName();
  if (oclifWouldDiffer(process.env, bin, TKN_HELP_DIRNAME)) return false;
  const target: HelpTarget = {
    bin,
    width: helpWidth(process.env, process.stdout),
    // oclif colours through its theme's colorize(), which asks supports-color for both streams,
    // then through ansis, which decides on its own.
    color: Boolean(supportsColor.stdout) && Boolean(supportsColor.stderr) && ansis.bold('x') !== 'x',
    platform: process.platform,
    arch: arch() === 'ia32' ? 'x86' : arch(),
    nodeVersion: process.version,
  };
  let text: string;
  try {
    text = id ? commandHelp(model, id, target) : rootHelp(model, target);
  } catch (error) {
    // A template only ejs can read, at this width: oclif's to print (or to fail on).
    if (error instanceof UnsupportedHelp) return false;
    throw error;
  }
  process.stdout.write(text);
  return true;
}
