/**
 * Styled lines. Whether to colour is decided once, in src/cli/io.ts (a TTY, no NO_COLOR, no
 * --no-color). Styles are names, not escape codes, so the same lines feed the plain printer and ink.
 */
import { sanitize } from '../text/sanitize.js';

export type Style = 'plain' | 'bold' | 'dim' | 'ok' | 'warn' | 'bad' | 'accent' | 'muted';

export interface Segment {
  text: string;
  style?: Style;
}
export type Line = Segment[];

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

/** A line as text: each segment's text sanitised (it may come from a registry), then coloured. */
export function lineToString(line: Line, colour: boolean): string {
  return line
    .map((segment) => {
      const text = sanitize(segment.text);
      if (!colour || !segment.style || segment.style === 'plain') return text;
      const [open, close] = ansi[segment.style];
      return `${open}${text}${close}`;
    })
    .join('');
}

export function linesToString(lines: Line[], colour: boolean): string {
  return lines.map((line) => lineToString(line, colour)).join('\n') + (lines.length > 0 ? '\n' : '');
}
