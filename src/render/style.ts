/**
 * Colour only on a TTY, never when NO_COLOR is set (https://no-color.org) or --no-color is given.
 * Styles are names, not escape codes, so the same styled lines feed the plain printer and ink.
 */
import { colourWanted } from '../cli/io.js';

export type Style = 'plain' | 'bold' | 'dim' | 'ok' | 'warn' | 'bad' | 'accent' | 'muted';

export interface Segment {
  text: string;
  style?: Style;
}
export type Line = Segment[];

export function colourEnabled(stream: { isTTY?: boolean }, noColorFlag = false): boolean {
  return colourWanted(stream.isTTY === true, noColorFlag);
}

const ansi: Record<Style, [string, string]> = {
  plain: ['', ''],
  bold: ['\u001b[1m', '\u001b[22m'],
  dim: ['\u001b[2m', '\u001b[22m'],
  ok: ['\u001b[32m', '\u001b[39m'],
  warn: ['\u001b[33m', '\u001b[39m'],
  bad: ['\u001b[31m', '\u001b[39m'],
  accent: ['\u001b[36m', '\u001b[39m'],
  muted: ['\u001b[90m', '\u001b[39m'],
};

export function lineToString(line: Line, colour: boolean): string {
  return line
    .map((segment) => {
      if (!colour || !segment.style || segment.style === 'plain') return segment.text;
      const [open, close] = ansi[segment.style];
      return `${open}${segment.text}${close}`;
    })
    .join('');
}

export function linesToString(lines: Line[], colour: boolean): string {
  return lines.map((line) => lineToString(line, colour)).join('\n') + (lines.length > 0 ? '\n' : '');
}
