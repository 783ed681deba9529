/**
 * Draws styled lines with ink on a TTY. Imported lazily: React and ink cost start-up time that
 * plain output (pipes, CI logs) should not pay.
 */
import { sanitize } from './sanitize.js';
import type { Line, Style } from './style.js';

const colours: Partial<Record<Style, string>> = {
  ok: 'green',
  warn: 'yellow',
  bad: 'red',
  accent: 'cyan',
  muted: 'gray',
};

export async function renderLinesWithInk(lines: Line[]): Promise<void> {
  const [{ createElement }, { render, Box, Text }] = await Promise.all([import('react'), import('ink')]);
  const rows = lines.map((line, index) =>
    createElement(
      Text,
      { key: index, wrap: 'truncate-end' },
      ...line.map((segment, segmentIndex) =>
        createElement(
          Text,
          {
            key: segmentIndex,
            color: segment.style ? colours[segment.style] : undefined,
            bold: segment.style === 'bold',
            dimColor: segment.style === 'dim',
          },
          sanitize(segment.text),
        ),
      ),
    ),
  );
  const instance = render(createElement(Box, { flexDirection: 'column' }, ...rows), {
    patchConsole: false,
    exitOnCtrlC: true,
  });
  instance.unmount();
  await instance.waitUntilExit();
}
