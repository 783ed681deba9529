/**
 * The one I/O seam every command's run* takes: where output goes, and what it may assume about
 * the terminal. Commands build it from the process; unit tests build it from strings.
 */
import type { Writable } from 'node:stream';

export interface CommandIo {
  /** Results: documents, tables, trees, content (pull -o -). */
  stdout: Writable;
  /** Progress, warnings and errors. */
  stderr: Writable;
  /** stdout is a terminal (a person is watching: ink, alignment to the width). */
  isTTY: boolean;
  /** Terminal width for stdout (80 when it is not a terminal). */
  columns: number;
  /** Colour on stdout: a TTY, NO_COLOR unset, no --no-color (src/render/style.ts decides). */
  color: boolean;
  /** stderr is a terminal (progress is drawn only there). */
  stderrIsTTY: boolean;
}

/** The process's streams, with colour decided the one way (TTY, NO_COLOR, FORCE_COLOR, --no-color). */
export function processIo(options: { noColor?: boolean | undefined } = {}): CommandIo {
  const isTTY = process.stdout.isTTY === true;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY,
    columns: process.stdout.columns ?? 80,
    color: colourWanted(isTTY, options.noColor === true),
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/** Colour only on a TTY, never when NO_COLOR is set (https://no-color.org) or --no-color is given. */
export function colourWanted(
  isTTY: boolean,
  noColorFlag: boolean,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (noColorFlag) return false;
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (env['FORCE_COLOR'] && env['FORCE_COLOR'] !== '0') return true;
  return isTTY;
}
