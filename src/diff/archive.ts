/**
 * An archive's file list, streamed: the blob goes through gunzip and the tar parser, each entry
 * is hashed on the way and nothing is extracted. The listing (path → type, mode, size, sha256,
 * link target) is what two archives are compared by, so a re-compressed archive with the same
 * files lists the same.
 *
 * Hostile archives are refused by pull's rules (src/pull/paths.ts, limits.ts): paths that leave
 * the root, links that point out (lexically and through the links listed before them, checked
 * again once the listing is complete), entries written through a link, devices and FIFOs, and
 * expansion past --max-ratio/--max-size. A diff writes nothing, but a listing that pull would
 * refuse is not one to compare as if it were fine.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { UnsafeArchiveError } from '../pull/errors.js';
import { ExpansionGuard, readTarEntries, type TarEntry } from '../pull/extract.js';
import { expansionBudget, type ExtractLimits } from '../pull/limits.js';
import { checkEntryPath, checkHardlinkTarget, checkSymlinkTarget, joinSegments } from '../pull/paths.js';

export interface ListedEntry {
  type: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** Permission bits, e.g. 0o644. */
  mode: number;
  size?: number;
  digest?: string;
  linkTarget?: string;
}

export type Listing = Map<string, ListedEntry>;

export interface ListOptions {
  archive: 'tar+gzip' | 'tar';
  /** For messages: `archive sha256:… of registry/repo@sha256:…`. */
  source: string;
  compressedSize: number;
  limits: ExtractLimits;
  /** An oras directory layer titled T holds `T/…`: listed without `T/`, as pull extracts it. */
  prefix?: string;
  /** Entries past this many are refused: the listing is what a diff holds in memory. */
  maxEntries: number;
  /** Asked for each regular file: keep its bytes (they arrive whole, at most `size` bytes)? */
  keep?: (path: string, size: number) => boolean;
  /** Given the kept bytes once the entry is hashed. */
  kept?: (path: string, digest: string, bytes: Buffer) => Promise<void>;
  signal?: AbortSignal;
}

const DEVICE_TYPES = new Set(['character-device', 'block-device', 'fifo']);
const MAX_LINK_HOPS = 40;

class ListingBuilder {
  readonly listing: Listing = new Map();
  private readonly prefix: string[];
  constructor(private readonly options: ListOptions) {
    this.prefix = options.prefix ? options.prefix.split('/').filter((p) => p !== '') : [];
  }

  private refuse(entry: string, reason: string): UnsafeArchiveError {
    return new UnsafeArchiveError(
      this.options.source,
      entry,
      reason,
      'Nothing was compared. Archives pull would refuse are refused by diff too.',
    );
  }

  private strip(segments: string[]): string[] | undefined {
    if (this.prefix.some((part, i) => segments[i] !== part)) return undefined;
    return segments.slice(this.prefix.length);
  }

  /**
   * Where `target`, read from the directory `from`, leads once the links listed so far are
   * followed, component by component as the kernel does (pull's rule, in memory): undefined when
   * it leaves the root or loops.
   */
  private resolve(from: readonly string[], target: string, hops: number): string[] | undefined {
    if (target.startsWith('/')) return undefined;
    const current = [...from];
    for (const part of target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (current.length === 0) return undefined;
        current.pop();
        continue;
      }
      const entry = this.listing.get(joinSegments([...current, part]));
      if (entry?.type === 'symlink' && entry.linkTarget !== undefined) {
        if (hops + 1 > MAX_LINK_HOPS) return undefined;
        const resolved = this.resolve(current, entry.linkTarget, hops + 1);
        if (!resolved) return undefined;
        current.splice(0, current.length, ...resolved);
      } else current.push(part);
    }
    return current;
  }

  async add(entry: TarEntry): Promise<void> {
    const header = entry.header;
    const name = header.name;
    const type = header.type ?? 'file';
    if (DEVICE_TYPES.has(type))
      throw this.refuse(name, `is a ${type.replace('-', ' ')}: device and FIFO entries are never extracted`);
    const isFile = type === 'file' || type === 'contiguous-file';
    if (!isFile && type !== 'directory' && type !== 'symlink' && type !== 'link')
      throw this.refuse(name, `has the unsupported entry type ${JSON.stringify(type)}`);
    const checked = checkEntryPath(name);
    if (!checked.ok) throw this.refuse(name, checked.reason);
    const segments = this.strip(checked.segments);
    if (segments === undefined)
      throw this.refuse(name, `is not under ${this.options.prefix}/, the directory the layer's title names`);
    if (segments.length === 0) {
      if (type !== 'directory') throw this.refuse(name, 'names the destination directory itself');
      entry.resume();
      return;
    }
    for (let i = 1; i < segments.length; i++) {
      const parent = this.listing.get(joinSegments(segments.slice(0, i)));
      if (parent?.type === 'symlink')
        throw this.refuse(
          name,
          `would be written through the symbolic link ${joinSegments(segments.slice(0, i))}`,
        );
      if (parent && parent.type !== 'directory')
        throw this.refuse(
          name,
          `needs ${joinSegments(segments.slice(0, i))} to be a directory, but the archive made it a file`,
        );
    }
    const path = joinSegments(segments);
    const existing = this.listing.get(path);
    if (existing?.type === 'directory' && type !== 'directory')
      throw this.refuse(name, 'would replace a directory the archive already made');
    if (!existing && this.listing.size >= this.options.maxEntries)
      throw new ListingTooLarge(this.options.maxEntries);
    const mode = (header.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o7777;

    if (type === 'directory') {
      this.listing.set(path, { type: 'directory', mode });
      entry.resume();
      return;
    }
    if (type === 'symlink') {
      const target = header.linkname ?? '';
      const lexical = checkSymlinkTarget(segments, target);
      if (!lexical.ok) throw this.refuse(name, lexical.reason);
      if (!this.resolve(segments.slice(0, -1), target, 0))
        throw this.refuse(
          name,
          `is a symbolic link that leads outside the destination through other links (${target})`,
        );
      this.listing.set(path, { type: 'symlink', mode, linkTarget: target });
      entry.resume();
      return;
    }
    if (type === 'link') {
      const target = header.linkname ?? '';
      const checkedTarget = checkHardlinkTarget(target);
      if (!checkedTarget.ok) throw this.refuse(name, checkedTarget.reason);
      const targetSegments = this.strip(checkedTarget.segments);
      const source = targetSegments && this.listing.get(joinSegments(targetSegments));
      if (!source || (source.type !== 'file' && source.type !== 'hardlink'))
        throw this.refuse(name, `is a hard link to ${target}, which is not a file listed before it`);
      const listed: ListedEntry = { type: 'hardlink', mode, linkTarget: joinSegments(targetSegments ?? []) };
      if (source.size !== undefined) listed.size = source.size;
      if (source.digest !== undefined) listed.digest = source.digest;
      this.listing.set(path, listed);
      entry.resume();
      return;
    }
    const declared = header.size ?? 0;
    const keep = this.options.keep?.(path, declared) === true;
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.byteLength;
      if (keep) chunks.push(chunk);
    }
    const digest = `sha256:${hash.digest('hex')}`;
    this.listing.set(path, { type: 'file', mode, size, digest });
    if (keep) await this.options.kept?.(path, digest, Buffer.concat(chunks));
  }

  /** Every link checked again with the whole listing: a later link can change where an earlier one leads. */
  finish(): void {
    for (const [path, entry] of this.listing) {
      if (entry.type !== 'symlink' || entry.linkTarget === undefined) continue;
      if (!this.resolve(path.split('/').slice(0, -1), entry.linkTarget, 0))
        throw this.refuse(
          path,
          `is a symbolic link that leads outside the destination once every link is in place (${entry.linkTarget})`,
        );
    }
  }
}

/** More entries than the listing may hold: the comparison is skipped, not failed. */
export class ListingTooLarge extends Error {
  override name = 'ListingTooLarge';
  constructor(readonly maxEntries: number) {
    super(`the archive has more than ${maxEntries} entries`);
  }
}

/**
 * Lists the archive `input` streams (the verifying blob stream). Resolves after the last byte was
 * read and verified; the blob's own error (digest, size, connection) wins over a format error.
 */
export async function listArchive(input: Readable, options: ListOptions): Promise<Listing> {
  const budget = expansionBudget(options.compressedSize, options.limits);
  const guard = new ExpansionGuard(
    budget.bytes,
    (count) =>
      new UnsafeArchiveError(
        options.source,
        undefined,
        `is a decompression bomb: it expands past ${budget.by === 'ratio' ? `${options.limits.maxRatio}x its compressed size` : `${options.limits.maxSize} bytes`} (more than ${count} bytes)`,
        `Nothing was compared. If the archive is legitimate, raise ${budget.by === 'ratio' ? '--max-ratio' : '--max-size'}.`,
      ),
  );
  const builder = new ListingBuilder(options);
  await readTarEntries(
    input,
    {
      archive: options.archive,
      source: options.source,
      guard,
      formatHint: 'Nothing was compared.',
      ...(options.signal ? { signal: options.signal } : {}),
    },
    (entry) => builder.add(entry),
  );
  builder.finish();
  return builder.listing;
}
