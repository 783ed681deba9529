/**
 * Safe tar / tar+gzip extraction into a fresh staging directory, streaming: the archive goes from
 * the socket through gunzip and the tar parser to disk, one entry at a time, never whole in
 * memory.
 *
 * Every entry is checked before it is written (paths.ts, lexically), and again against what is
 * already on disk: no entry is written through a symbolic link, a link's target is resolved
 * through the links already extracted, and once the archive is complete every symbolic link is
 * resolved again (a later link can change where an earlier one leads). Devices and FIFOs are
 * refused, and the expanded size is bounded by ratio and by total.
 *
 * The caller renames the staging directory into place only after `extractArchive` resolved,
 * which is after the last byte was read and the blob's digest and size verified.
 */
import { createWriteStream } from 'node:fs';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  readlink,
  rename,
  symlink,
  unlink,
  utimes,
} from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar, { type Extract as TarExtract } from 'tar-stream';

/** One entry of the archive being read (tar-stream does not export the type by name). */
type TarEntry = TarExtract extends AsyncIterable<infer T> ? T : never;
import { humanSize } from '../render/units.js';
import { UnsafeArchiveError } from './errors.js';
import { expansionBudget, type ExtractLimits } from './limits.js';
import {
  MARKER_FILE,
  checkEntryPath,
  checkHardlinkTarget,
  checkSymlinkTarget,
  joinSegments,
} from './paths.js';

export interface ExtractOptions {
  /** An empty directory to extract into (a fresh staging directory). */
  root: string;
  /** The archive, for messages: `archive sha256:… of registry/repo@sha256:…`. */
  source: string;
  archive: 'tar+gzip' | 'tar';
  /** The blob's size, for the expansion ratio. */
  compressedSize: number;
  limits: ExtractLimits;
  /** A trusted producer: entries and links may leave the destination (devices still may not). */
  allowPathTraversal?: boolean;
  /** With allowPathTraversal: the final directory that entries outside it are resolved against. */
  finalDir?: string;
  /** With allowPathTraversal: an empty directory where entries bound outside wait for the commit. */
  outsideStaging?: string;
  signal?: AbortSignal;
  /** Told the size of each chunk of the blob as it is read (progress). */
  onBytes?: (bytes: number) => void;
}

/** An entry that belongs outside the destination (allowPathTraversal only), moved there on commit. */
export type OutsideEntry =
  | { kind: 'file'; from: string; to: string }
  | { kind: 'directory'; to: string }
  | { kind: 'symlink'; to: string; target: string };

export interface ExtractResult {
  /** Entries in the archive (files, directories, links). */
  entries: number;
  files: number;
  /** Bytes of the expanded tar stream. */
  expandedBytes: number;
  outside: OutsideEntry[];
}

/** Links are followed at most this deep when resolving (the kernel's ELOOP limit). */
const MAX_LINK_HOPS = 40;

const DEVICE_TYPES = new Set(['character-device', 'block-device', 'fifo']);
const FILE_TYPES = new Set(['file', 'contiguous-file']);

/** Counts the expanded bytes and fails past the budget: the decompression-bomb guard. */
class ExpansionGuard extends Transform {
  count = 0;
  constructor(
    readonly budget: number,
    private readonly describe: (count: number) => UnsafeArchiveError,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.byteLength;
    if (this.count > this.budget) callback(this.describe(this.count));
    else callback(null, chunk);
  }
}

function isErrnoCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Copies an entry's bytes to a new file. Through the entry's async iterator, not stream.pipeline:
 * pipeline never settles on a tar-stream (streamx) entry already destroyed when it is called,
 * which happens when the archive breaks off while the previous entry's directories are made.
 */
async function writeEntryFile(entry: TarEntry, path: string): Promise<void> {
  // 'wx': O_CREAT|O_EXCL never follows a link planted at the final component.
  const out = createWriteStream(path, { flags: 'wx', mode: fileMode(entry.header.mode) });
  await pipeline(async function* () {
    for await (const chunk of entry) yield chunk as Buffer;
  }, out);
}

/** Owner keeps read and write (so the tree can be replaced and removed); set-id bits are dropped. */
function fileMode(mode: number | undefined): number {
  return ((mode ?? 0o644) & 0o777) | 0o600;
}
function directoryMode(mode: number | undefined): number {
  return ((mode ?? 0o755) & 0o777) | 0o700;
}

/** The decompression-bomb refusal, naming the entry when one header alone is too large. */
function expansionError(
  options: ExtractOptions,
  budget: { bytes: number; by: 'ratio' | 'size' },
  name: string | undefined,
  count: number,
): UnsafeArchiveError {
  const { limits, compressedSize } = options;
  const reason =
    budget.by === 'ratio'
      ? `expands past ${limits.maxRatio}x its compressed size (${humanSize(compressedSize)} → more than ${humanSize(count)})`
      : `expands past ${humanSize(limits.maxSize)} (more than ${humanSize(count)})`;
  return new UnsafeArchiveError(
    options.source,
    name,
    name === undefined
      ? `is a decompression bomb: it ${reason}`
      : `makes the archive expand too far: it ${reason}`,
    `Nothing of it was written. If the archive is legitimate, raise the limit with ${budget.by === 'ratio' ? '--max-ratio' : '--max-size'}, or keep it as it is with --raw.`,
  );
}

/** Writes entries into the staging root, refusing anything that could leave it. */
class EntryWriter {
  entries = 0;
  files = 0;
  readonly outside: OutsideEntry[] = [];
  private readonly symlinks: { segments: string[]; target: string; name: string }[] = [];
  private readonly directories: { path: string; mode: number }[] = [];

  constructor(
    private readonly options: ExtractOptions,
    private readonly guard: ExpansionGuard,
    private readonly budget: { bytes: number; by: 'ratio' | 'size' },
  ) {}

  private refuse(entry: string, reason: string): UnsafeArchiveError {
    return new UnsafeArchiveError(this.options.source, entry, reason);
  }

  private abs(segments: readonly string[]): string {
    return join(this.options.root, ...segments);
  }

  async write(entry: TarEntry): Promise<void> {
    const header = entry.header;
    const name = header.name;
    const type = header.type ?? 'file';
    this.entries++;
    if (DEVICE_TYPES.has(type))
      throw new UnsafeArchiveError(
        this.options.source,
        name,
        `is a ${type.replace('-', ' ')}: device and FIFO entries are never extracted`,
        'Nothing of it was written. Archives of build results have no reason to hold device files; --raw keeps the archive as it is.',
      );
    if (!FILE_TYPES.has(type) && type !== 'directory' && type !== 'symlink' && type !== 'link')
      throw this.refuse(name, `has the unsupported entry type ${JSON.stringify(type)}`);

    const checked = checkEntryPath(name);
    if (!checked.ok) {
      if (!this.options.allowPathTraversal || name === '' || name.includes('\0'))
        throw this.refuse(name, checked.reason);
      await this.writeOutside(entry, type);
      return;
    }
    const segments = checked.segments;
    if (segments.length === 0) {
      if (type !== 'directory') throw this.refuse(name, 'names the destination directory itself');
      entry.resume();
      return;
    }
    if (segments.length === 1 && segments[0] === MARKER_FILE)
      throw this.refuse(name, `is ${MARKER_FILE}, the name pull keeps for its marker file`);
    await this.ensureParents(name, segments);
    const path = this.abs(segments);

    if (type === 'directory') {
      await this.makeDirectory(name, path);
      this.directories.push({ path, mode: directoryMode(header.mode) });
      entry.resume();
      return;
    }
    if (type === 'symlink') {
      const target = header.linkname ?? '';
      if (!this.options.allowPathTraversal) {
        const lexical = checkSymlinkTarget(segments, target);
        if (!lexical.ok) throw this.refuse(name, lexical.reason);
        // Through the links already written, it may lead elsewhere than it reads.
        if ((await this.resolvePhysical(segments.slice(0, -1), target, 0)) === undefined)
          throw this.refuse(
            name,
            `is a symbolic link that leads outside the destination through other links (${target})`,
          );
      }
      await this.clearSlot(name, path);
      await symlink(target, path);
      this.symlinks.push({ segments, target, name });
      entry.resume();
      return;
    }
    if (type === 'link') {
      const target = header.linkname ?? '';
      // Refused even for a trusted producer: a hard link to a file outside would alias it.
      const checkedTarget = checkHardlinkTarget(target);
      if (!checkedTarget.ok) throw this.refuse(name, checkedTarget.reason);
      await this.checkHardlinkSource(name, target, checkedTarget.segments);
      await this.clearSlot(name, path);
      await link(this.abs(checkedTarget.segments), path);
      entry.resume();
      return;
    }
    await this.writeFile(entry, name, path);
  }

  private async writeFile(entry: TarEntry, name: string, path: string): Promise<void> {
    const size = entry.header.size ?? 0;
    // Refuse by the header, before the bytes arrive, when the entry alone cannot fit.
    if (this.guard.count + size > this.budget.bytes)
      throw expansionError(this.options, this.budget, name, this.guard.count + size);
    await this.clearSlot(name, path);
    await writeEntryFile(entry, path);
    this.files++;
    const mtime = entry.header.mtime;
    if (mtime instanceof Date && !Number.isNaN(mtime.getTime())) await utimes(path, mtime, mtime);
  }

  /** Creates missing parents; refuses to go through a link or a file (no write through links). */
  private async ensureParents(name: string, segments: readonly string[]): Promise<void> {
    for (let i = 1; i < segments.length; i++) {
      const path = this.abs(segments.slice(0, i));
      const stat = await lstatOrUndefined(path);
      if (!stat) {
        await mkdir(path, { mode: 0o755 });
        continue;
      }
      if (stat.isSymbolicLink())
        throw this.refuse(
          name,
          `would be written through the symbolic link ${joinSegments(segments.slice(0, i))}: entries are never written through links`,
        );
      if (!stat.isDirectory())
        throw this.refuse(
          name,
          `needs ${joinSegments(segments.slice(0, i))} to be a directory, but the archive made it a file`,
        );
    }
  }

  private async makeDirectory(name: string, path: string): Promise<void> {
    const stat = await lstatOrUndefined(path);
    if (stat?.isDirectory()) return;
    if (stat) await this.clearSlot(name, path);
    await mkdir(path, { mode: 0o755 });
  }

  /** A later entry replaces an earlier one of the same name (tar's rule), but never a directory. */
  private async clearSlot(name: string, path: string): Promise<void> {
    const stat = await lstatOrUndefined(path);
    if (!stat) return;
    if (stat.isDirectory()) throw this.refuse(name, 'would replace a directory the archive already made');
    await unlink(path); // unlink removes a link itself, never what it points to
  }

  /** A hard link's source must be a regular file already extracted, reached without links. */
  private async checkHardlinkSource(
    name: string,
    target: string,
    segments: readonly string[],
  ): Promise<void> {
    for (let i = 1; i <= segments.length; i++) {
      const stat = await lstatOrUndefined(this.abs(segments.slice(0, i)));
      const last = i === segments.length;
      if (!stat || stat.isSymbolicLink() || (last ? !stat.isFile() : !stat.isDirectory()))
        throw this.refuse(name, `is a hard link to ${target}, which is not a file extracted before it`);
    }
  }

  /**
   * Where `target`, read from the directory `from` (segments, with no links in it), leads once
   * the links already on disk are followed; undefined when it leaves the root (or loops).
   * Components that do not exist are taken as plain directories.
   */
  async resolvePhysical(
    from: readonly string[],
    target: string,
    hops: number,
  ): Promise<string[] | undefined> {
    if (target.startsWith('/')) return undefined;
    const current = [...from];
    for (const part of target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (current.length === 0) return undefined;
        current.pop();
        continue;
      }
      const next = [...current, part];
      const stat = await lstatOrUndefined(this.abs(next));
      if (stat?.isSymbolicLink()) {
        if (hops + 1 > MAX_LINK_HOPS) return undefined;
        const resolved = await this.resolvePhysical(current, await readlink(this.abs(next)), hops + 1);
        if (resolved === undefined) return undefined;
        current.splice(0, current.length, ...resolved);
      } else {
        current.push(part);
      }
    }
    return current;
  }

  /** With allowPathTraversal: entries bound outside wait in their own staging area. */
  private async writeOutside(entry: TarEntry, type: string): Promise<void> {
    const { finalDir, outsideStaging } = this.options;
    const name = entry.header.name;
    if (!finalDir || !outsideStaging) throw this.refuse(name, 'leaves the destination');
    const to = resolve(finalDir, name);
    if (type === 'directory') {
      this.outside.push({ kind: 'directory', to });
      entry.resume();
    } else if (type === 'symlink') {
      this.outside.push({ kind: 'symlink', to, target: entry.header.linkname ?? '' });
      entry.resume();
    } else if (type === 'link') {
      throw this.refuse(name, 'is a hard link outside the destination: never extracted');
    } else {
      const size = entry.header.size ?? 0;
      if (this.guard.count + size > this.budget.bytes)
        throw expansionError(this.options, this.budget, name, this.guard.count + size);
      const from = join(outsideStaging, String(this.outside.length));
      await writeEntryFile(entry, from);
      this.files++;
      this.outside.push({ kind: 'file', from, to });
    }
  }

  /** After the last entry: every link resolved again, then directory modes applied (deepest first). */
  async finish(): Promise<void> {
    if (!this.options.allowPathTraversal) {
      for (const { segments, target, name } of this.symlinks) {
        if ((await this.resolvePhysical(segments.slice(0, -1), target, 0)) === undefined)
          throw this.refuse(
            name,
            `is a symbolic link that leads outside the destination once every link is in place (${target})`,
          );
      }
    }
    for (const { path, mode } of [...this.directories].sort((a, b) => b.path.length - a.path.length))
      await chmod(path, mode);
  }
}

/** Waits until `stream` can take more, or is gone (its consumer failed). */
function drained(stream: PassThrough): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** A parser or gunzip failure: the bytes are not the archive the media type promised. */
function formatError(source: string, error: unknown): UnsafeArchiveError {
  const what = error instanceof Error ? error.message : String(error);
  return new UnsafeArchiveError(
    source,
    undefined,
    `is not a valid archive: ${what}`,
    'Nothing of it was written. Pull it with --raw to keep the blob as it is and look inside.',
  );
}

/**
 * Extracts `input` (the verifying stream of the blob) into `options.root`. Resolves only when the
 * whole blob was read and verified and every entry written and re-checked; on any failure it
 * rejects and the caller removes the staging directory.
 *
 * Which error wins: the blob's own (digest, size, connection) over a format error, because a
 * corrupted blob also fails to decompress and the digest says why; a refused entry stops the
 * download at once.
 */
export async function extractArchive(input: Readable, options: ExtractOptions): Promise<ExtractResult> {
  const budget = expansionBudget(options.compressedSize, options.limits);
  const guard = new ExpansionGuard(budget.bytes, (count) =>
    expansionError(options, budget, undefined, count),
  );
  const writer = new EntryWriter(options, guard, budget);
  const extract = tar.extract();
  const feed = new PassThrough();
  const stages: NodeJS.ReadWriteStream[] = options.archive === 'tar+gzip' ? [createGunzip()] : [];

  let chainError: unknown;
  let entryError: unknown;
  const chain = pipeline([feed, ...stages, guard, extract]).catch((error: unknown) => {
    chainError ??= error;
  });
  const entries = (async () => {
    try {
      for await (const entry of extract) {
        try {
          await writer.write(entry);
        } catch (error) {
          entryError ??= error;
          feed.destroy();
          break;
        }
      }
    } catch {
      // The parser failed or was torn down: the chain's own error says why.
    }
  })();

  let inputError: unknown;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      options.signal?.throwIfAborted();
      options.onBytes?.(chunk.byteLength);
      if (entryError !== undefined) break;
      if (feed.destroyed) {
        // Our own refusal (a bomb) ends the download; a format error reads on to learn the digest.
        if (chainError instanceof UnsafeArchiveError) break;
        continue;
      }
      if (!feed.write(chunk)) await drained(feed);
    }
    if (!feed.destroyed) feed.end();
  } catch (error) {
    inputError = error;
    feed.destroy();
  }
  await chain;
  await entries;
  if (inputError !== undefined) throw inputError;
  if (entryError !== undefined) throw entryError;
  if (chainError !== undefined)
    throw chainError instanceof UnsafeArchiveError ? chainError : formatError(options.source, chainError);
  await writer.finish();
  return {
    entries: writer.entries,
    files: writer.files,
    expandedBytes: guard.count,
    outside: writer.outside,
  };
}

/** Moves entries bound outside (allowPathTraversal) into place, after the archive was verified. */
export async function commitOutside(entries: readonly OutsideEntry[]): Promise<void> {
  for (const entry of entries) {
    await mkdir(dirname(entry.to), { recursive: true });
    if (entry.kind === 'directory') {
      await mkdir(entry.to, { recursive: true });
    } else if (entry.kind === 'symlink') {
      const stat = await lstatOrUndefined(entry.to);
      if (stat && !stat.isDirectory()) await unlink(entry.to);
      await symlink(entry.target, entry.to);
    } else {
      try {
        await rename(entry.from, entry.to);
      } catch (error) {
        if (!isErrnoCode(error, 'EXDEV')) throw error;
        // Another file system: copy next to the target, then rename there.
        const temporary = `${entry.to}.tkn-partial-${process.pid}`;
        await copyFile(entry.from, temporary);
        await rename(temporary, entry.to);
        await unlink(entry.from);
      }
    }
  }
}
