// A blob written to a new file as it arrives on a direct GET (direct.ts), hashed on the way: the
// socket reads into one of two write buffers (a piece that arrived elsewhere is copied); a full buffer goes to disk (one
// positioned write, in libuv's thread pool) and is hashed meanwhile, while the other fills, and
// reading pauses when both are busy. (Hashing in a worker thread, on shared buffers, was measured
// too: on two busy cores it cost 15 MiB of RSS and more CPU, and was no faster.) The buffers are the only memory a
// download holds, taken from a pool: no per-read garbage for V8 to collect, so RSS stays flat
// without the memory valve's scavenges. The caller treats the file as unverified until `finish`
// resolves; it checks size and digest.
import { createHash, type Hash } from 'node:crypto';
import { close, open, write } from 'node:fs';
import { promisify } from 'node:util';
import { parseDigest } from '../digest.js';
import { VerificationError, type OciErrorOptions } from '../errors.js';
import type { Descriptor } from '../types.js';
import { BufferPool, DIRECT_READ_BYTES, type BodySink } from './direct.js';

/** Write buffers, two per download, reused by the next. */
const writeBuffers = new BufferPool(512 * 1024);

const openFile = promisify(open);
const closeFile = promisify(close);

export class FileSink implements BodySink {
  private readonly hash: Hash;
  private readonly algorithm: string;
  private filling: Buffer;
  private spare: Buffer | undefined;
  private used = 0;
  private position = 0;
  private count = 0;
  /** The buffer in flight (written and hashed), if any. */
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;
  private control?: { resume(): void; fail(error: Error): void };
  private waiting = false;
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly expected: Descriptor,
    private readonly errorOptions: OciErrorOptions,
    private readonly onBytes?: (bytes: number) => void,
  ) {
    this.filling = writeBuffers.take();
    this.spare = writeBuffers.take();
    this.algorithm = parseDigest(expected.digest).algorithm;
    this.hash = createHash(this.algorithm);
  }

  /** Creates `path` (it must not exist) for the blob `expected`. */
  static async create(
    path: string,
    expected: Descriptor,
    errorOptions: OciErrorOptions,
    onBytes?: (bytes: number) => void,
  ): Promise<FileSink> {
    return new FileSink(await openFile(path, 'wx', 0o644), expected, errorOptions, onBytes);
  }

  bind(control: { resume(): void; fail(error: Error): void }): void {
    this.control = control;
  }

  readInto(): Buffer | undefined {
    // Reading goes on only while there is room for a whole read (take() sees to it), except for
    // the one read that arrives after a pause: that lands in the connection's buffer, and is copied.
    return this.filling.byteLength - this.used >= DIRECT_READ_BYTES
      ? this.filling.subarray(this.used)
      : undefined;
  }

  take(chunk: Buffer): boolean {
    this.count += chunk.byteLength;
    const inPlace =
      chunk.buffer === this.filling.buffer && chunk.byteOffset === this.filling.byteOffset + this.used;
    if (!inPlace) chunk.copy(this.filling, this.used);
    this.used += chunk.byteLength;
    this.onBytes?.(chunk.byteLength);
    // Reading goes on only while the filling buffer has room for a whole read.
    if (this.filling.byteLength - this.used >= DIRECT_READ_BYTES) return true;
    if (this.writing) {
      this.waiting = true;
      return false;
    }
    this.flush();
    return true;
  }

  /** Sends the filling buffer to disk and to the hash, and fills the spare meanwhile. */
  private flush(): void {
    const buffer = this.filling;
    const length = this.used;
    this.filling = this.spare!;
    this.spare = undefined;
    this.used = 0;
    const at = this.position;
    this.position += length;
    const written = writeAll(this.fd, buffer, length, at);
    // Hashed while the thread pool writes it: both only read the buffer.
    this.hash.update(buffer.subarray(0, length));
    this.writing = written.then(
      () => {
        this.spare = buffer;
        this.writing = undefined;
        if (this.waiting) {
          this.waiting = false;
          this.flush();
          this.control?.resume();
        }
      },
      (error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.writing = undefined;
        this.control?.fail(this.failure);
      },
    );
  }

  /** Writes what is left, closes the file and checks size and digest. */
  async finish(): Promise<void> {
    let actual: string;
    try {
      await this.drain();
      if (this.used > 0) this.flush();
      await this.drain();
      actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    } finally {
      await this.close();
    }
    const { size, digest } = this.expected;
    if (this.count !== size)
      throw new VerificationError(
        'SIZE_MISMATCH',
        `content too short for ${digest}: expected ${size} bytes, got ${this.count}`,
        this.expected,
        { size: this.count },
        this.errorOptions,
      );
    if (actual !== digest)
      throw new VerificationError(
        'DIGEST_MISMATCH',
        `digest mismatch: expected ${digest}, got ${actual}`,
        this.expected,
        { digest: actual, size: this.count },
        this.errorOptions,
      );
  }

  /** Waits until no buffer is in flight; a buffer finishing may send the next (the one that waited). */
  private async drain(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
  }

  /** Closes the file after a failure (waiting for the buffer in flight). */
  async abandon(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    await this.close();
  }

  /** Closes the file and returns the buffers (none is in flight by now). */
  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    writeBuffers.give(this.filling);
    if (this.spare) writeBuffers.give(this.spare);
    await closeFile(this.fd);
  }
}

/** `length` bytes of `buffer` at `position`, however many writes that takes. */
function writeAll(fd: number, buffer: Buffer, length: number, position: number): Promise<void> {
  return new Promise<void>((done, fail) => {
    const step = (offset: number): void => {
      write(fd, buffer, offset, length - offset, position + offset, (error, written) => {
        if (error) fail(error);
        else if (offset + written < length) step(offset + written);
        else done();
      });
    };
    step(0);
  });
}
