import { PassThrough } from 'node:stream';
import type { CommandIo } from '../../src/cli/io.js';

/** A command's I/O seam over memory: what was written is read back as text. */
export function memoryIo(
  overrides: Partial<Pick<CommandIo, 'isTTY' | 'columns' | 'color' | 'stderrIsTTY'>> = {},
): CommandIo & { text: () => string; errors: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return {
    stdout,
    stderr,
    isTTY: false,
    columns: 80,
    color: false,
    stderrIsTTY: false,
    ...overrides,
    text: () => Buffer.concat(out).toString(),
    errors: () => Buffer.concat(err).toString(),
  };
}
