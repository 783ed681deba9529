import type { Readable } from 'node:stream';
import { OciError } from './errors.js';

/** Reads a whole stream, refusing more than `limit` bytes (manifests must fit in memory). */
export async function readAllCapped(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stream as AsyncIterable<Buffer | string>) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    total += b.byteLength;
    if (total > limit) {
      stream.destroy();
      throw new OciError('TOO_LARGE', `manifest content is over the ${limit}-byte limit`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
