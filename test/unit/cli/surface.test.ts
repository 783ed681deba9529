// The CLI's surface scripts depend on: every command's flags (names, kinds, short forms, defaults,
// choices) and the exit codes. A change here is a change for users: the snapshot makes it visible
// in review (update it with `vitest -u` when the change is meant).
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';

interface FlagShape {
  type: string;
  char?: string;
  multiple?: boolean;
  default?: unknown;
  options?: readonly string[];
  hidden?: boolean;
}

function flagsOf(flags: Record<string, FlagShape> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, flag] of Object.entries(flags ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const parts = [flag.type];
    if (flag.char) parts.push(`-${flag.char}`);
    if (flag.multiple) parts.push('multiple');
    if (flag.default !== undefined && typeof flag.default !== 'function')
      parts.push(`default=${JSON.stringify(flag.default)}`);
    if (flag.options) parts.push(`options=${flag.options.join('|')}`);
    if (flag.hidden) parts.push('hidden');
    out[name] = parts.join(' ');
  }
  return out;
}

describe('CLI surface', () => {
  it('every command and its flags', () => {
    const surface = Object.fromEntries(
      Object.entries(COMMANDS).map(([id, command]) => [id, flagsOf(command.flags)]),
    );
    expect(Object.keys(surface)).toEqual([
      '__complete',
      'completion',
      'diff',
      'gc',
      'pull',
      'show',
      'validate',
    ]);
    expect(surface).toMatchSnapshot();
  });

  it('help text is paragraphs oclif reflows to the terminal, with nothing escaped twice', () => {
    for (const [id, command] of Object.entries(COMMANDS)) {
      const texts = [
        command.summary ?? '',
        command.description ?? '',
        ...Object.values(command.flags ?? {}).map(
          (flag) => (flag as { description?: string }).description ?? '',
        ),
      ];
      for (const text of texts) {
        // A hard line break inside a paragraph comes out ragged at any other width.
        for (const paragraph of text.split('\n\n'))
          expect(paragraph, `${id}: ${paragraph}`).not.toContain('\n');
        expect(text, id).not.toMatch(/\\[`'"]/);
      }
    }
  });

  it('the exit codes (README table, src/cli/exit-codes.ts)', () => {
    expect(ExitCode).toMatchInlineSnapshot(`
      {
        "findings": 1,
        "forbidden": 4,
        "integrity": 7,
        "internal": 70,
        "interrupted": 130,
        "notConfigured": 5,
        "notFound": 3,
        "ok": 0,
        "unreachable": 6,
        "unsupported": 8,
        "usage": 2,
      }
    `);
  });
});
