// Which words the loader's help fast path answers (src/help/fast-path.ts): the plain help forms only;
// anything else, however close, is oclif's.
import { describe, expect, it } from 'vitest';
import { helpSubject, helpWidth } from '../../../src/help/fast-path.js';

const IDS = ['completion', 'diff', 'show'];

describe('helpSubject', () => {
  it.each([
    [[], ''],
    [['--help'], ''],
    [['-h'], ''],
    [['help'], ''],
    [['help', 'show'], 'show'],
    [['show', '--help'], 'show'],
    [['show', '-h'], 'show'],
    [['completion', '-h'], 'completion'],
  ])('%j asks for %j', (argv, subject) => {
    expect(helpSubject(argv, IDS)).toBe(subject);
  });

  it.each([
    [['help', 'nosuch']],
    [['nosuch', '--help']],
    [['help', '__complete']],
    [['--help', 'show']],
    [['show', '--help', '-o']],
    [['show', 'run', '--help']],
    [['show', '--no-color', '--help']],
    [['help', 'help']],
    [['-h', '-h']],
    [['--version']],
    [['show']],
    [['show', '--help=1']],
    [['--', '--help']],
  ])('%j is left to oclif', (argv) => {
    expect(helpSubject(argv, IDS)).toBeUndefined();
  });
});

describe('helpWidth, as oclif reads the terminal', () => {
  const tty = (columns: number) =>
    ({ isTTY: true, getWindowSize: () => [columns, 24] }) as unknown as NodeJS.WriteStream;
  const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;
  it.each([
    [{}, pipe, 80],
    [{ OCLIF_COLUMNS: '60' }, pipe, 60],
    [{ OCLIF_COLUMNS: '20' }, tty(100), 20],
    [{ OCLIF_COLUMNS: 'wide' }, tty(100), 100],
    [{}, tty(132), 132],
    [{}, tty(30), 40],
    [{}, tty(0), 80],
  ])('%j on %o: %i', (env, stream, width) => {
    expect(helpWidth(env, stream)).toBe(width);
  });
});
