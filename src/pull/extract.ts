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
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  readlink,
  rename,
  rmdir,
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
export type TarEntry = TarExtract extends AsyncIterable<infer T> ? T : never;
/** What tar-stream's header holds beyond its typings: the data's offset, PAX records, a null type. */
type TarHeader = Omit<TarEntry['header'], 'type' | 'pax'> & {
  type: TarEntry['header']['type'] | null;
  byteOffset?: number;
  pax?: Record<string, string> | null;
};
import { CliError } from '../cli/errors.js';
import { humanSize } from '../units/sizes.js';
import { UnsafeArchiveError } from './errors.js';
import { isErrnoCode, lstatOrUndefined } from './filesystem.js';
import { expansionBudget, type ExtractLimits } from './limits.js';
import {
  MARKER_FILE,
  alwaysRefused,
  checkEntryPath,
  checkHardlinkTarget,
  checkSymlinkTarget,
  joinSegments,
} from './paths.js';
import type { ExtractedFile, ExtractedLink } from './report.js';
import {
  SparseError,
  TarTap,
  endedProperly,
  entryEnd,
  sparseLayoutOf,
  typeflagAt,
  writeSparseFile,
  type SparseLayout,
} from './tar-sparse.js';

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
  /**
   * The directory inside the archive that is extracted (POSIX, normalised): an oras directory
   * layer titled `T` holds `T/…`, and only that is written, with `T/` taken off. Entries outside
   * it are refused, as oras refuses them.
   */
  prefix?: string;
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
  /** Every regular file inside the destination (hard links included), sorted by path. */
  contents: ExtractedFile[];
  /** Every symbolic link inside the destination, sorted by path. */
  symlinks: ExtractedLink[];
  outside: OutsideEntry[];
}

/** Where a link leads once the links on disk are followed, or why it cannot be followed. */
type Resolution =
  | { ok: true; segments: string[] }
  | { ok: false; why: 'outside' }
  | { ok: false; why: 'loop' }
  | { ok: false; why: 'unresolvable'; code: string };

/** Links are followed at most this deep when resolving (the kernel's ELOOP limit). */
const MAX_LINK_HOPS = 40;

const DEVICE_TYPES = new Set(['character-device', 'block-device', 'fifo']);
const FILE_TYPES = new Set(['file', 'contiguous-file']);

/** Counts the expanded bytes and fails past the budget: the decompression-bomb guard. */
export class ExpansionGuard extends Transform {
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

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Copies an entry's bytes to a new file, hashing them on the way (the marker records each file's
 * sha256, so a re-run can tell a changed tree). Through the entry's async iterator, not
 * stream.pipeline: pipeline never settles on a tar-stream (streamx) entry already destroyed when
 * it is called, which happens when the archive breaks off while the previous entry's directories
 * are made.
 */
async function writeEntryFile(
  entry: TarEntry,
  path: string,
  sparse?: SparseLayout,
): Promise<{ size: number; digest: string }> {
  if (sparse)
    return writeSparseFile(entry, path, fileMode(entry.header.mode), sparse, entry.header.size ?? 0);
  // 'wx': O_CREAT|O_EXCL never follows a link planted at the final component.
  const out = createWriteStream(path, { flags: 'wx', mode: fileMode(entry.header.mode) });
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(async function* () {
    for await (const chunk of entry) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.byteLength;
      yield bytes;
    }
  }, out);
  return { size, digest: `sha256:${hash.digest('hex')}` };
}

async function hashFile(path: string): Promise<{ size: number; digest: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
  }
  return { size, digest: `sha256:${hash.digest('hex')}` };
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
  /** Regular files and links inside the root by relative path: what the marker records. */
  private readonly contents = new Map<string, { size: number; digest: string }>();
  private readonly links = new Map<string, string>();
  private readonly symlinks: { segments: string[]; target: string; name: string }[] = [];
  private readonly directories: { path: string; mode: number }[] = [];
  private readonly prefix: string[];
  /** Where the last entry's data ends in the tar stream (the end-of-archive blocks follow). */
  lastEnd = 0;
  /** Bytes of holes in the sparse files written: they count against the expansion budget. */
  private holes = 0;
  /** The current entry's sparse layout, when it is a sparse file. */
  private sparse: SparseLayout | undefined;

  constructor(
    private readonly options: ExtractOptions,
    private readonly guard: ExpansionGuard,
    private readonly budget: { bytes: number; by: 'ratio' | 'size' },
    private readonly tap: TarTap,
  ) {
    this.prefix = options.prefix ? options.prefix.split('/').filter((part) => part !== '') : [];
  }

  private refuse(entry: string, reason: string): UnsafeArchiveError {
    return new UnsafeArchiveError(this.options.source, entry, reason);
  }

  private abs(segments: readonly string[]): string {
    return join(this.options.root, ...segments);
  }

  /** `segments` without the prefix, or undefined when they do not lie below it. */
  private strip(segments: readonly string[]): string[] | undefined {
    if (this.prefix.some((part, i) => segments[i] !== part)) return undefined;
    return segments.slice(this.prefix.length);
  }

  async write(entry: TarEntry): Promise<void> {
    const header = entry.header as TarHeader;
    if (header.byteOffset !== undefined) this.lastEnd = entryEnd(header.byteOffset, header.size ?? 0);
    try {
      this.sparse = sparseLayoutOf(header, this.tap);
    } catch (error) {
      if (!(error instanceof SparseError)) throw error;
      throw new UnsafeArchiveError(
        this.options.source,
        header.name,
        error.message,
        'Nothing of it was written. Pull with --raw to keep the archive as it is, and extract it with GNU tar.',
      );
    }
    // The file's own name (PAX sparse entries are stored as GNUSparseFile.NNN/<name>).
    if (this.sparse?.name !== undefined) header.name = this.sparse.name;
    const name = header.name;
    try {
      await this.writeEntry(entry);
    } catch (error) {
      // Deep nesting can pass PATH_MAX although every component is short: the entry's fault,
      // said with its name (the raw error would name the staging path).
      if (errnoCode(error) === 'ENAMETOOLONG')
        throw this.refuse(name, 'makes a path longer than the file system allows');
      throw error;
    }
  }

  private async writeEntry(entry: TarEntry): Promise<void> {
    const header = entry.header;
    const name = header.name;
    this.entries++;
    const raw = header as TarHeader;
    // tar-stream names no type it does not know (null): a GNU sparse file is read above; any
    // other (volume label, multi-volume part, dump directory) is refused, never taken as a file.
    if (raw.type === null && !this.sparse) {
      const flag = raw.byteOffset !== undefined ? typeflagAt(this.tap, raw.byteOffset) : undefined;
      throw this.refuse(
        name,
        `has an entry type pull does not extract${flag !== undefined ? ` (typeflag ${JSON.stringify(flag)})` : ''}`,
      );
    }
    const type = header.type ?? 'file';
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
      if (!this.options.allowPathTraversal || alwaysRefused(name)) throw this.refuse(name, checked.reason);
      await this.writeOutside(entry, type);
      return;
    }
    const segments = this.strip(checked.segments);
    if (segments === undefined) {
      if (this.options.allowPathTraversal) {
        await this.writeOutside(entry, type);
        return;
      }
      throw this.refuse(
        name,
        `is not under ${this.options.prefix}/, the directory the layer's title names (as oras, pull extracts only that)`,
      );
    }
    if (segments.length === 0) {
      if (type !== 'directory') throw this.refuse(name, 'names the destination directory itself');
      entry.resume();
      return;
    }
    if (segments.length === 1 && segments[0] === MARKER_FILE)
      throw this.refuse(name, `is ${MARKER_FILE}, the name pull keeps for its marker file`);
    await this.ensureParents(name, segments);
    const path = this.abs(segments);
    const relative = joinSegments(segments);

    if (type === 'directory') {
      await this.makeDirectory(name, path, relative);
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
        const resolved = await this.resolvePhysical(segments.slice(0, -1), target, 0);
        if (!resolved.ok) throw this.refuse(name, linkProblem(resolved, target, 'through other links'));
      }
      await this.clearSlot(name, path, relative);
      await symlink(target, path);
      this.symlinks.push({ segments, target, name });
      this.links.set(relative, target);
      entry.resume();
      return;
    }
    if (type === 'link') {
      const target = header.linkname ?? '';
      // Refused even for a trusted producer: a hard link to a file outside would alias it.
      const checkedTarget = checkHardlinkTarget(target);
      if (!checkedTarget.ok) throw this.refuse(name, checkedTarget.reason);
      // Tar names a hard link's target from the archive's root, so it carries the prefix too.
      const targetSegments = this.strip(checkedTarget.segments);
      if (targetSegments === undefined || targetSegments.length === 0)
        throw this.refuse(name, `is a hard link to ${target}, outside ${this.options.prefix}/`);
      await this.checkHardlinkSource(name, target, targetSegments);
      await this.clearSlot(name, path, relative);
      const source = this.abs(targetSegments);
      await link(source, path);
      this.contents.set(
        relative,
        this.contents.get(joinSegments(targetSegments)) ?? (await hashFile(source)),
      );
      entry.resume();
      return;
    }
    await this.writeFile(entry, name, path, relative);
  }

  /** Refuses by the header, before the bytes arrive, when the entry alone cannot fit. */
  private checkBudget(entry: TarEntry, name: string): void {
    const stored = entry.header.size ?? 0;
    if (this.guard.count + stored > this.budget.bytes)
      throw expansionError(this.options, this.budget, name, this.guard.count + stored);
    // A sparse file lands as its real size: its holes count against --max-size (not the ratio:
    // holes are what makes a sparse archive small, and they take no disk).
    const holes = this.sparse ? Math.max(0, this.sparse.realSize - stored) : 0;
    const apparent = this.guard.count + this.holes + stored + holes;
    if (holes > 0 && apparent > this.options.limits.maxSize)
      throw expansionError(this.options, { bytes: this.options.limits.maxSize, by: 'size' }, name, apparent);
    this.holes += holes;
  }

  private async writeFile(entry: TarEntry, name: string, path: string, relative: string): Promise<void> {
    this.checkBudget(entry, name);
    await this.clearSlot(name, path, relative);
    this.contents.set(relative, await writeEntryFile(entry, path, this.sparse));
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

  private async makeDirectory(name: string, path: string, relative: string): Promise<void> {
    const stat = await lstatOrUndefined(path);
    if (stat?.isDirectory()) return;
    if (stat) await this.clearSlot(name, path, relative);
    await mkdir(path, { mode: 0o755 });
  }

  /** A later entry replaces an earlier one of the same name (tar's rule), but never a directory. */
  private async clearSlot(name: string, path: string, relative: string): Promise<void> {
    const stat = await lstatOrUndefined(path);
    if (!stat) return;
    if (stat.isDirectory()) throw this.refuse(name, 'would replace a directory the archive already made');
    await unlink(path); // unlink removes a link itself, never what it points to
    this.contents.delete(relative);
    this.links.delete(relative);
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
   * the links already on disk are followed: outside the root, round in a loop, or through
   * something that cannot be looked up (a file used as a directory, a path too long).
   * Components that do not exist are taken as plain directories.
   */
  async resolvePhysical(from: readonly string[], target: string, hops: number): Promise<Resolution> {
    if (target.startsWith('/')) return { ok: false, why: 'outside' };
    const current = [...from];
    for (const part of target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (current.length === 0) return { ok: false, why: 'outside' };
        current.pop();
        continue;
      }
      const next = [...current, part];
      let stat;
      try {
        stat = await lstat(this.abs(next));
      } catch (error) {
        const code = errnoCode(error) ?? 'error';
        // Missing is fine (a link may point at what a later entry creates); anything else is not
        // something pull can vouch for.
        if (code !== 'ENOENT') return { ok: false, why: 'unresolvable', code };
      }
      if (stat?.isSymbolicLink()) {
        // The kernel's ELOOP rule: a chain this long is a loop, or as good as one.
        if (hops + 1 > MAX_LINK_HOPS) return { ok: false, why: 'loop' };
        const resolved = await this.resolvePhysical(current, await readlink(this.abs(next)), hops + 1);
        if (!resolved.ok) return resolved;
        current.splice(0, current.length, ...resolved.segments);
      } else {
        current.push(part);
      }
    }
    return { ok: true, segments: current };
  }

  /** Where entries outside the destination are resolved from: the destination, or above it by the prefix. */
  private outsideBase(finalDir: string): string {
    return this.prefix.length === 0 ? finalDir : resolve(finalDir, ...this.prefix.map(() => '..'));
  }

  /** With allowPathTraversal: entries bound outside wait in their own staging area. */
  private async writeOutside(entry: TarEntry, type: string): Promise<void> {
    const { finalDir, outsideStaging } = this.options;
    const name = entry.header.name;
    if (!finalDir || !outsideStaging) throw this.refuse(name, 'leaves the destination');
    const to = resolve(this.outsideBase(finalDir), name);
    if (type === 'directory') {
      this.outside.push({ kind: 'directory', to });
      entry.resume();
    } else if (type === 'symlink') {
      this.outside.push({ kind: 'symlink', to, target: entry.header.linkname ?? '' });
      entry.resume();
    } else if (type === 'link') {
      throw this.refuse(name, 'is a hard link outside the destination: never extracted');
    } else {
      this.checkBudget(entry, name);
      const from = join(outsideStaging, String(this.outside.length));
      await writeEntryFile(entry, from, this.sparse);
      this.files++;
      this.outside.push({ kind: 'file', from, to });
    }
  }

  /** After the last entry: every link resolved again, then directory modes applied (deepest first). */
  async finish(): Promise<void> {
    if (!this.options.allowPathTraversal) {
      for (const { segments, target, name } of this.symlinks) {
        const resolved = await this.resolvePhysical(segments.slice(0, -1), target, 0);
        if (!resolved.ok)
          throw this.refuse(name, linkProblem(resolved, target, 'once every link is in place'));
      }
    }
    for (const { path, mode } of [...this.directories].sort((a, b) => b.path.length - a.path.length))
      await chmod(path, mode);
  }

  /** What the marker records, sorted so that equal trees give equal markers. */
  listing(): { contents: ExtractedFile[]; symlinks: ExtractedLink[] } {
    const byPath = (a: { path: string }, b: { path: string }) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    return {
      contents: [...this.contents].map(([path, file]) => ({ path, ...file })).sort(byPath),
      symlinks: [...this.links].map(([path, target]) => ({ path, target })).sort(byPath),
    };
  }
}

/** Why a symbolic link was refused, from what following it found. */
function linkProblem(resolution: Exclude<Resolution, { ok: true }>, target: string, when: string): string {
  switch (resolution.why) {
    case 'outside':
      return `is a symbolic link that leads outside the destination ${when} (${target})`;
    case 'loop':
      return `is a symbolic link that loops ${when}: it is still a link after ${MAX_LINK_HOPS} hops (${target})`;
    case 'unresolvable':
      return `is a symbolic link whose target cannot be followed ${when} (${target}: ${resolution.code === 'ENOTDIR' ? 'a file is used as a directory' : resolution.code === 'ENAMETOOLONG' ? 'the path is too long' : resolution.code})`;
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

/** The error an entry's stream gets when the parser under it fails or is destroyed. */
function isStreamTeardown(error: unknown): boolean {
  return (
    error instanceof Error &&
    !(error instanceof UnsafeArchiveError) &&
    /premature close|destroyed|unexpected end/i.test(error.message)
  );
}

/** A parser or gunzip failure: the bytes are not the archive the media type promised. */
function formatError(source: string, error: unknown, hint: string): UnsafeArchiveError {
  const message = error instanceof Error ? error.message : String(error);
  // tar-stream's words for an archive cut inside an entry (or its header).
  const what = /unexpected end of data/i.test(message) ? 'it is truncated: it ends inside an entry' : message;
  return new UnsafeArchiveError(source, undefined, `is not a valid archive: ${what}`, hint);
}

export interface TarReadOptions {
  archive: 'tar+gzip' | 'tar';
  /** For messages: `archive sha256:… of …`. */
  source: string;
  /** The decompression-bomb guard the expanded bytes pass through. */
  guard: ExpansionGuard;
  /** What to do about bytes that are no archive, for the format error's hint. */
  formatHint: string;
  /** A stage that watches the raw tar bytes (pull's sparse-map and truncation reader). */
  tap?: TarTap;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
}

/**
 * Streams `input` (the verifying stream of a blob) through gunzip, the guard and the tar parser,
 * handing each entry to `onEntry` in order. Resolves only when the whole blob was read and
 * verified and every entry handled; pull extracts with it, diff lists.
 *
 * Which error wins: the blob's own (digest, size, connection) over a format error, because a
 * corrupted blob also fails to decompress and the digest says why; a refused entry stops the
 * download at once.
 */
export async function readTarEntries(
  input: Readable,
  options: TarReadOptions,
  onEntry: (entry: TarEntry) => Promise<void>,
): Promise<void> {
  const extract = tar.extract();
  const feed = new PassThrough();
  const stages: NodeJS.ReadWriteStream[] = options.archive === 'tar+gzip' ? [createGunzip()] : [];

  let chainError: unknown;
  // Boxed, so that a thrown `undefined` still counts as a failure and is rethrown as it was.
  let entryFailure: { error: unknown } | undefined;
  const chain = pipeline([
    feed,
    ...stages,
    options.guard,
    ...(options.tap ? [options.tap] : []),
    extract,
  ]).catch((error: unknown) => {
    chainError ??= error;
  });
  const entries = (async () => {
    try {
      for await (const entry of extract) {
        try {
          await onEntry(entry);
        } catch (error) {
          entryFailure ??= { error };
          feed.destroy();
          break;
        }
      }
    } catch {
      // The parser failed or was torn down: the chain's own error says why.
    }
  })();

  let inputFailure: { error: unknown } | undefined;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      options.signal?.throwIfAborted();
      options.onBytes?.(chunk.byteLength);
      if (entryFailure) break;
      if (feed.destroyed) {
        // Our own refusal (a bomb) ends the download; a format error reads on to learn the digest.
        if (chainError instanceof UnsafeArchiveError) break;
        continue;
      }
      if (!feed.write(chunk)) await drained(feed);
    }
    if (!feed.destroyed) feed.end();
  } catch (error) {
    inputFailure = { error };
    feed.destroy();
  }
  await chain;
  await entries;
  if (inputFailure) throw inputFailure.error;
  // An entry's stream torn down because the parser failed says less than the parser's own error;
  // any other entry error (a refusal, a cap, a write failure) is the cause and wins.
  if (entryFailure && (chainError === undefined || !isStreamTeardown(entryFailure.error)))
    throw entryFailure.error;
  if (chainError !== undefined)
    throw chainError instanceof UnsafeArchiveError
      ? chainError
      : formatError(options.source, chainError, options.formatHint);
}

/**
 * Extracts `input` (the verifying stream of the blob) into `options.root`. Resolves only when the
 * whole blob was read and verified and every entry written and re-checked; on any failure it
 * rejects and the caller removes the staging directory.
 */
export async function extractArchive(input: Readable, options: ExtractOptions): Promise<ExtractResult> {
  const budget = expansionBudget(options.compressedSize, options.limits);
  const guard = new ExpansionGuard(budget.bytes, (count) =>
    expansionError(options, budget, undefined, count),
  );
  const tap = new TarTap();
  const writer = new EntryWriter(options, guard, budget, tap);
  await readTarEntries(
    input,
    {
      archive: options.archive,
      source: options.source,
      guard,
      tap,
      formatHint: 'Nothing of it was written. Pull it with --raw to keep the blob as it is and look inside.',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onBytes ? { onBytes: options.onBytes } : {}),
    },
    (entry) => writer.write(entry),
  );
  // The blob is whole and verified: an archive that stops without its end blocks was cut when made.
  if (writer.entries > 0 && !endedProperly(tap, writer.lastEnd))
    throw new UnsafeArchiveError(
      options.source,
      undefined,
      'is truncated: it stops after an entry without the end-of-archive blocks (cut after a header or between entries)',
      'Nothing of it was written. The producer pushed an incomplete archive; --raw keeps the blob as it is.',
    );
  await writer.finish();
  return {
    entries: writer.entries,
    files: writer.files,
    expandedBytes: guard.count,
    ...writer.listing(),
    outside: writer.outside,
  };
}

function directoryInTheWay(path: string): CliError {
  return new CliError(
    `cannot write ${path}: a directory is in the way`,
    'usage',
    'Nothing of the archive was written. Remove the directory, or pull without --allow-path-traversal.',
  );
}

/** Refuses, before anything moves, an outside entry whose place a directory takes (it cannot replace one). */
export async function checkOutside(entries: readonly OutsideEntry[]): Promise<void> {
  for (const entry of entries) {
    if (entry.kind !== 'directory' && (await lstatOrUndefined(entry.to))?.isDirectory())
      throw directoryInTheWay(entry.to);
  }
}

/** mkdir -p that says how to undo it: the directories it made, deepest first. */
async function makeDirectories(path: string): Promise<string[]> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return [];
  const made: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    made.push(current);
    if (current === first || dirname(current) === current) break;
  }
  return made;
}

/**
 * Moves entries bound outside (allowPathTraversal) into place, after the archive was verified
 * and the destination placed. All or nothing: a file it replaces is set aside until the end, and
 * when a step fails every step before it is undone (what it created removed, what it replaced
 * put back), so a failed pull leaves nothing outside.
 */
export async function commitOutside(entries: readonly OutsideEntry[]): Promise<void> {
  await checkOutside(entries);
  const undo: (() => Promise<unknown>)[] = [];
  const asides: string[] = [];
  try {
    for (const entry of entries) {
      for (const made of await makeDirectories(entry.kind === 'directory' ? entry.to : dirname(entry.to)))
        undo.push(() => rmdir(made));
      if (entry.kind === 'directory') continue;
      const existing = await lstatOrUndefined(entry.to);
      if (existing?.isDirectory()) throw directoryInTheWay(entry.to);
      if (existing) {
        const aside = `${entry.to}.tkn-old-${randomBytes(6).toString('hex')}`;
        await rename(entry.to, aside);
        asides.push(aside);
        undo.push(() => rename(aside, entry.to));
      }
      if (entry.kind === 'symlink') {
        await symlink(entry.target, entry.to);
      } else {
        try {
          await rename(entry.from, entry.to);
        } catch (error) {
          if (!isErrnoCode(error, 'EXDEV')) throw error;
          // Another file system: copy next to the target, then rename there.
          const temporary = `${entry.to}.tkn-partial-${randomBytes(6).toString('hex')}`;
          try {
            await copyFile(entry.from, temporary);
            await rename(temporary, entry.to);
          } catch (copyError) {
            await unlink(temporary).catch(() => undefined);
            throw copyError;
          }
        }
      }
      undo.push(() => unlink(entry.to));
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw error;
  }
  for (const aside of asides) await unlink(aside).catch(() => undefined);
}
