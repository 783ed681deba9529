/**
 * What tar-stream does not do for extraction: sparse files, and knowing that an archive ended
 * where it should.
 *
 * Sparse files (GNU tar --sparse) store only their data regions plus a map. tar-stream hands
 * their stored bytes over as a plain file, so without this a 52 MB sparse file landed as its
 * 4 KB of data, or as `GNUSparseFile.NNN/…` holding the map. Supported, as GNU tar writes them:
 *   - GNU format (typeflag 'S') with the map in the header (up to 4 regions);
 *   - PAX 0.1 (GNU.sparse.map) and PAX 1.0 (the map at the start of the data), GNU tar's
 *     default for --format=posix.
 * Refused, with a message saying so: GNU 'S' with extension headers (more than 4 regions: their
 * blocks are outside the entry's size, which tar-stream cannot be told) and PAX 0.0 (its
 * repeated keys are collapsed by tar-stream's PAX reader, so the map is lost).
 *
 * tar-stream keeps neither the raw header nor the typeflag of types it does not know; the
 * TarTap in front of it keeps a window of recent bytes so that both can be read back by offset.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
/** Bytes kept behind the parser: far more than tar-stream buffers ahead of the entry it emits. */
const WINDOW = 4 * 1024 * 1024;
/** A sparse map longer than this (in regions) is refused: it would only serve to exhaust memory. */
const MAX_REGIONS = 1_000_000;

/** Passes the tar stream through, remembering its recent bytes by absolute offset. */
export class TarTap extends Transform {
  /** Bytes passed so far. */
  total = 0;
  private chunks: { at: number; bytes: Buffer }[] = [];
  private kept = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.chunks.push({ at: this.total, bytes: chunk });
    this.total += chunk.byteLength;
    this.kept += chunk.byteLength;
    while (
      this.chunks.length > 1 &&
      this.kept - (this.chunks[0] as { bytes: Buffer }).bytes.byteLength >= WINDOW
    ) {
      this.kept -= (this.chunks.shift() as { bytes: Buffer }).bytes.byteLength;
    }
    callback(null, chunk);
  }

  /** `length` bytes from absolute `offset`, or undefined when they are not (or no longer) here. */
  bytesAt(offset: number, length: number): Buffer | undefined {
    const first = this.chunks[0];
    if (!first || offset < first.at || offset + length > this.total) return undefined;
    const parts: Buffer[] = [];
    for (const { at, bytes } of this.chunks) {
      const end = at + bytes.byteLength;
      if (end <= offset || at >= offset + length) continue;
      parts.push(bytes.subarray(Math.max(0, offset - at), Math.min(bytes.byteLength, offset + length - at)));
    }
    return Buffer.concat(parts);
  }
}

export interface Region {
  offset: number;
  size: number;
}

/** How an entry's stored bytes become the file. */
export type SparseLayout =
  /** The map is known: the stored bytes are the regions, one after the other. */
  | { kind: 'map'; realSize: number; regions: Region[]; name?: string }
  /** PAX 1.0: the map is at the start of the stored bytes, padded to a block. */
  | { kind: 'inline-map'; realSize: number; name?: string };

/** A sparse entry pull cannot expand, or a map that does not hold together. */
export class SparseError extends Error {}

function octal(block: Buffer, offset: number, length: number): number {
  // Base-256 (GNU's encoding of large numbers): the high bit of the first byte is set.
  const first = block[offset] as number;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (block[offset + i] as number);
    return value;
  }
  const text = block
    .toString('latin1', offset, offset + length)
    .replace(/[\0 ].*$/s, '')
    .trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function number(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new SparseError(`has a sparse map with a bad ${what}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new SparseError(`has a sparse map with a bad ${what}`);
  return value;
}

/** The typeflag character of the header that precedes data at `dataOffset`, when it is still in view. */
export function typeflagAt(tap: TarTap, dataOffset: number): string | undefined {
  const header = tap.bytesAt(dataOffset - BLOCK, BLOCK);
  return header ? String.fromCharCode(header[156] as number) : undefined;
}

/**
 * The sparse layout of an entry, undefined for an ordinary one; throws SparseError for a sparse
 * form pull does not expand. `type` is tar-stream's (null for typeflags it does not know).
 */
export function sparseLayoutOf(
  header: { type: string | null; size?: number; byteOffset?: number; pax?: Record<string, string> | null },
  tap: TarTap,
): SparseLayout | undefined {
  const pax = header.pax ?? undefined;
  if (pax && Object.keys(pax).some((key) => key.startsWith('GNU.sparse.'))) {
    const name = pax['GNU.sparse.name'];
    const named = name !== undefined ? { name } : {};
    if (pax['GNU.sparse.major'] === '1' && pax['GNU.sparse.minor'] === '0')
      return { kind: 'inline-map', realSize: number(pax['GNU.sparse.realsize'], 'real size'), ...named };
    if (pax['GNU.sparse.map'] !== undefined) {
      const values = pax['GNU.sparse.map'] === '' ? [] : pax['GNU.sparse.map'].split(',');
      if (values.length % 2 !== 0) throw new SparseError('has a sparse map with an odd number of values');
      if (values.length / 2 > MAX_REGIONS)
        throw new SparseError(`has more than ${MAX_REGIONS} sparse regions`);
      const regions: Region[] = [];
      for (let i = 0; i < values.length; i += 2)
        regions.push({ offset: number(values[i], 'offset'), size: number(values[i + 1], 'size') });
      const realSize = number(pax['GNU.sparse.realsize'] ?? pax['GNU.sparse.size'], 'real size');
      return { kind: 'map', realSize, regions, ...named };
    }
    throw new SparseError(
      'is a sparse file in the PAX 0.0 format (GNU tar --sparse-version=0.0), which pull does not expand',
    );
  }
  if (header.type !== null || header.byteOffset === undefined) return undefined;
  const block = tap.bytesAt(header.byteOffset - BLOCK, BLOCK);
  if (!block || block[156] !== 'S'.charCodeAt(0)) return undefined;
  if (block[482] !== 0)
    throw new SparseError(
      'is a GNU sparse file with more than 4 regions (extension headers), which pull does not expand',
    );
  const regions: Region[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 386 + i * 24;
    if (block[at] === 0) break;
    regions.push({ offset: octal(block, at, 12), size: octal(block, at + 12, 12) });
  }
  return { kind: 'map', realSize: octal(block, 483, 12), regions };
}

/** Checks a map against the stored bytes: in order, not overlapping, inside the file, all data used. */
function checkRegions(regions: readonly Region[], realSize: number, stored: number): void {
  let end = 0;
  let sum = 0;
  for (const region of regions) {
    if (region.offset < end)
      throw new SparseError('has a sparse map whose regions overlap or are out of order');
    end = region.offset + region.size;
    if (end > realSize) throw new SparseError('has a sparse region past the end of the file');
    sum += region.size;
  }
  if (sum !== stored)
    throw new SparseError(
      `has a sparse map of ${sum} bytes of data, but ${stored} bytes are stored: the map does not match its data`,
    );
}

const ZEROS = Buffer.alloc(64 * 1024);

function hashZeros(hash: ReturnType<typeof createHash>, count: number): void {
  for (let left = count; left > 0; left -= ZEROS.byteLength)
    hash.update(left >= ZEROS.byteLength ? ZEROS : ZEROS.subarray(0, left));
}

/** Reads the PAX 1.0 map off the front of the stored bytes; returns it and the data after it. */
class InlineMapReader {
  private text = '';
  private consumed = 0;
  private values: number[] = [];
  private count: number | undefined;
  done = false;
  regions: Region[] = [];

  /** Takes a chunk; returns what of it is data (after the map and its padding), if any. */
  take(chunk: Buffer): Buffer | undefined {
    if (this.done) return chunk;
    let i = 0;
    while (i < chunk.byteLength && !this.mapRead()) {
      const c = chunk[i] as number;
      i++;
      this.consumed++;
      if (c === 0x0a) {
        const value = number(this.text, 'number');
        this.text = '';
        if (this.count === undefined) {
          if (value > MAX_REGIONS) throw new SparseError(`has more than ${MAX_REGIONS} sparse regions`);
          this.count = value;
        } else this.values.push(value);
      } else {
        if (this.text.length > 20) throw new SparseError('has a sparse map with a bad number');
        this.text += String.fromCharCode(c);
      }
    }
    if (!this.mapRead()) return undefined;
    // The map is padded with zeros to a whole block.
    const padded = Math.ceil(this.consumed / BLOCK) * BLOCK;
    const skip = Math.min(chunk.byteLength - i, padded - this.consumed);
    this.consumed += skip;
    i += skip;
    if (this.consumed < padded) return undefined;
    this.done = true;
    for (let v = 0; v < this.values.length; v += 2)
      this.regions.push({ offset: this.values[v] as number, size: this.values[v + 1] as number });
    return chunk.subarray(i);
  }

  private mapRead(): boolean {
    return this.count !== undefined && this.values.length === this.count * 2;
  }

  /** Bytes of the map and its padding. */
  get mapBytes(): number {
    return this.consumed;
  }
}

/**
 * Writes a sparse entry as the file it stands for: each region at its offset, holes left as
 * holes, the length set to the real size. Returns the size and sha256 of the whole content.
 */
export async function writeSparseFile(
  entry: AsyncIterable<unknown>,
  path: string,
  mode: number,
  layout: SparseLayout,
  stored: number,
): Promise<{ size: number; digest: string }> {
  const handle = await open(path, 'wx', mode);
  const hash = createHash('sha256');
  try {
    const inline = layout.kind === 'inline-map' ? new InlineMapReader() : undefined;
    let regions: Region[] | undefined;
    if (layout.kind === 'map') {
      checkRegions(layout.regions, layout.realSize, stored);
      regions = layout.regions;
    }
    let index = 0;
    let within = 0;
    let hashedTo = 0;
    for await (const raw of entry) {
      let chunk: Buffer | undefined = raw as Buffer;
      if (inline && !inline.done) {
        chunk = inline.take(chunk);
        if (!inline.done || chunk === undefined) continue;
        checkRegions(inline.regions, layout.realSize, stored - inline.mapBytes);
        regions = inline.regions;
      }
      if (!regions) continue;
      while (chunk.byteLength > 0) {
        const region = regions[index];
        if (!region) throw new SparseError('stores more bytes than its sparse map holds');
        const take = Math.min(chunk.byteLength, region.size - within);
        const position = region.offset + within;
        if (position > hashedTo) hashZeros(hash, position - hashedTo);
        const part = chunk.subarray(0, take);
        hash.update(part);
        await handle.write(part, 0, part.byteLength, position);
        hashedTo = position + take;
        within += take;
        chunk = chunk.subarray(take);
        if (within === region.size) {
          index++;
          within = 0;
        }
      }
    }
    if (inline && !inline.done) throw new SparseError('ends inside its sparse map');
    if (layout.realSize > hashedTo) hashZeros(hash, layout.realSize - hashedTo);
    await handle.truncate(layout.realSize);
  } finally {
    await handle.close();
  }
  return { size: layout.realSize, digest: `sha256:${hash.digest('hex')}` };
}

/**
 * Whether the archive ended properly: after the last entry's data (ending at `lastEnd`) comes
 * at least one block of zeros. A blob cut after a header, or between entries, has none. When the
 * bytes after the last entry are beyond the window, tar-stream has read them as null headers
 * (anything else would have been an entry or an error), so they count as the end.
 */
export function endedProperly(tap: TarTap, lastEnd: number): boolean {
  if (tap.total < lastEnd + BLOCK) return false;
  const block = tap.bytesAt(lastEnd, BLOCK);
  if (!block) return true;
  return block.every((byte) => byte === 0);
}

/** Where an entry's data ends, padding included. */
export function entryEnd(dataOffset: number, storedSize: number): number {
  return dataOffset + Math.ceil(storedSize / BLOCK) * BLOCK;
}
