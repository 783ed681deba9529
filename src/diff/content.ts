/**
 * The content level of diff: for each changed artifact, its layers (or inline values) fetched,
 * verified as pull verifies them (the OCI client's stream fails on a wrong digest or size), and
 * compared by kind: archives by their file lists, JSON structurally, SBOMs by package, JUnit by
 * test, text as a unified diff (--content), anything else by digest and size.
 *
 * Bounded: archives are streamed and listed, never extracted; only files a comparison needs
 * (at most --max-content-size each) are kept, on disk in the scratch directory, by digest, so a
 * blob two artifacts share is fetched once. Listings hold at most `maxEntries` entries.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Limiter } from '../oci/concurrency.js';
import { archiveOf, isOrasDirectory } from '../pull/plan.js';
import type { BlobTarget } from '../pull/transfer.js';
import type { ExtractLimits } from '../pull/limits.js';
import { humanSize } from '../units/sizes.js';
import type { ArtifactNode, FileEntry } from '../tree/model.js';
import { ListingTooLarge, listArchive, type Listing } from './archive.js';
import { compareListings } from './files.js';
import { diffJson, parseJsonDocument } from './json.js';
import { readJUnit, diffTests, type TestCase } from './junit.js';
import type { MatchedArtifact } from './match.js';
import type { ContentDiff, ContentKind, ContentSide } from './model.js';
import { diffPackages, sbomFormat, sbomPackages } from './sbom.js';
import { unifiedDiff } from './text.js';

export type SideName = 'a' | 'b';

/** What diff needs of a store: a verified blob stream, as pull (the OCI client checks digest and size). */
export type BlobSource = BlobTarget;

export interface ContentOptions {
  blobs: (side: SideName, repository: string) => BlobSource;
  limits: ExtractLimits;
  /** Files larger than this are compared by digest and size only. */
  maxContentSize: number;
  /** Archive entries listed at most, per archive. */
  maxEntries: number;
  /** --content: unified diffs of text files. */
  unified: boolean;
  /** A private temp directory: the only place diff writes. */
  scratch: string;
  /** Blobs fetched at once. */
  concurrency: number;
  signal?: AbortSignal;
}

/** A side could not be read: says which, keeps the cause (its type decides the exit code). */
export class SideError extends Error {
  override name = 'SideError';
  constructor(
    readonly side: SideName,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

interface Located {
  side: SideName;
  node: ArtifactNode;
  file: FileEntry;
}

function repositoryOf(node: ArtifactNode): string {
  const reference = node.reference ?? node.location ?? '';
  const at = reference.lastIndexOf('@');
  return (at > 0 ? reference.slice(0, at) : reference).replace(/^oci:(\/\/)?/, '');
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function hexOf(digest: string): string {
  return digest.replace(/[^a-z0-9]/gi, '_');
}

/** What a file is, from its bytes (and name and media type as hints). */
export type Classified =
  | { kind: 'spdx' | 'cyclonedx'; document: unknown }
  | { kind: 'json'; document: unknown }
  | { kind: 'junit'; tests: TestCase[] }
  | { kind: 'text'; text: string }
  | { kind: 'binary' };

function isText(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function classifyBytes(bytes: Buffer): Classified {
  if (!isText(bytes)) return { kind: 'binary' };
  const text = bytes.toString('utf8');
  const document = parseJsonDocument(text);
  if (document !== undefined) {
    const sbom = sbomFormat(document);
    return sbom ? { kind: sbom, document } : { kind: 'json', document };
  }
  if (text.trimStart().startsWith('<')) {
    try {
      const tests = readJUnit(text);
      if (tests) return { kind: 'junit', tests };
    } catch {
      // Not well-formed enough for us: compared as text.
    }
  }
  return { kind: 'text', text };
}

/**
 * Two versions of one file compared by what they are. `into` gets the kind and the structural
 * changes; it keeps its path, change letter and sides.
 */
function compareBytes(into: ContentDiff, a: Buffer, b: Buffer, unified: boolean): void {
  const ca = classifyBytes(a);
  const cb = classifyBytes(b);
  const sbom = (c: Classified) => c.kind === 'spdx' || c.kind === 'cyclonedx';
  if (sbom(ca) && sbom(cb)) {
    into.kind = cb.kind;
    into.packages = diffPackages(
      sbomPackages((ca as { document: unknown }).document) ?? [],
      sbomPackages((cb as { document: unknown }).document) ?? [],
    );
    return;
  }
  if (ca.kind === 'junit' && cb.kind === 'junit') {
    into.kind = 'junit';
    into.tests = diffTests(ca.tests, cb.tests);
    return;
  }
  if ('document' in ca && 'document' in cb) {
    into.kind = 'json';
    const diff = diffJson(ca.document, cb.document);
    into.json = diff.changes;
    if (diff.more > 0) into.skipped = `${diff.more} more JSON changes not listed`;
    return;
  }
  if (ca.kind === 'binary' || cb.kind === 'binary') {
    into.kind = 'binary';
    return;
  }
  into.kind = 'text';
  if (unified) {
    const text = unifiedDiff(into.path, a.toString('utf8'), b.toString('utf8'));
    if (text === undefined) into.skipped = 'too many differing lines for a unified diff';
    else into.unified = text;
  }
}

function fileSide(file: { digest: string; size: number }): ContentSide {
  return { digest: file.digest, size: file.size };
}

function byDigest(a: ContentDiff, b: ContentDiff): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Layers paired by title; untitled ones by position among the untitled. */
function pairFiles(a: FileEntry[], b: FileEntry[]): { key: string; a?: FileEntry; b?: FileEntry }[] {
  const keyed = (files: FileEntry[]) => {
    let untitled = 0;
    return new Map(files.map((f) => [f.title ?? `#${untitled++}`, f] as const));
  };
  const left = keyed(a);
  const right = keyed(b);
  const keys = [...left.keys(), ...[...right.keys()].filter((k) => !left.has(k))];
  return keys.map((key) => {
    const pair: { key: string; a?: FileEntry; b?: FileEntry } = { key };
    const fa = left.get(key);
    const fb = right.get(key);
    if (fa) pair.a = fa;
    if (fb) pair.b = fb;
    return pair;
  });
}

export class ContentComparer {
  private readonly listings = new Map<string, Promise<{ listing?: Listing; skipped?: string }>>();
  private readonly kept = new Map<string, Promise<void>>();
  private readonly limiter: Limiter;

  constructor(private readonly options: ContentOptions) {
    this.limiter = new Limiter(options.concurrency);
  }

  private keepPath(digest: string): string {
    return join(this.options.scratch, hexOf(digest));
  }

  private async store(digest: string, bytes: Buffer): Promise<void> {
    await writeFile(this.keepPath(digest), bytes, { flag: 'w' });
  }

  private async open(at: Located): Promise<Readable> {
    const descriptor = { mediaType: at.file.mediaType, digest: at.file.digest, size: at.file.size };
    try {
      return await this.options.blobs(at.side, repositoryOf(at.node)).fetch(descriptor, {
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
    } catch (error) {
      throw new SideError(at.side, error);
    }
  }

  /** A whole (small) file, fetched once per digest whichever side asks first, kept on disk. */
  private async fileBytes(at: Located): Promise<Buffer> {
    let pending = this.kept.get(at.file.digest);
    if (!pending) {
      pending = this.limiter.run(async () => {
        const chunks: Buffer[] = [];
        try {
          for await (const chunk of await this.open(at)) chunks.push(chunk as Buffer);
        } catch (error) {
          throw error instanceof SideError ? error : new SideError(at.side, error);
        }
        await this.store(at.file.digest, Buffer.concat(chunks));
      });
      this.kept.set(at.file.digest, pending);
    }
    await pending;
    return readFile(this.keepPath(at.file.digest));
  }

  /** An archive's listing, once per digest (and prefix). */
  private listing(
    at: Located,
    archive: 'tar+gzip' | 'tar',
  ): Promise<{ listing?: Listing; skipped?: string }> {
    const prefix = isOrasDirectory(at.file) ? at.file.title : undefined;
    const key = `${at.file.digest}\0${prefix ?? ''}`;
    let pending = this.listings.get(key);
    if (!pending) {
      pending = this.limiter.run(async () => {
        const stream = await this.open(at);
        try {
          const listing = await listArchive(stream, {
            archive,
            source: `archive ${at.file.digest} of ${at.node.reference ?? at.node.name}`,
            compressedSize: at.file.size,
            limits: this.options.limits,
            ...(prefix !== undefined ? { prefix } : {}),
            maxEntries: this.options.maxEntries,
            keep: (path, size) =>
              size <= this.options.maxContentSize && (this.options.unified || /\.(json|xml)$/i.test(path)),
            kept: (_path, digest, bytes) =>
              this.kept.has(digest)
                ? Promise.resolve()
                : this.store(digest, bytes).then(() => {
                    this.kept.set(digest, Promise.resolve());
                  }),
            ...(this.options.signal ? { signal: this.options.signal } : {}),
          });
          return { listing };
        } catch (error) {
          stream.destroy();
          if (error instanceof ListingTooLarge)
            return { skipped: `${error.message}: compared by digest only (the limit bounds memory)` };
          throw new SideError(at.side, error);
        }
      });
      this.listings.set(key, pending);
    }
    return pending;
  }

  private async compareArchives(
    into: ContentDiff,
    a: Located,
    b: Located,
    archives: ['tar+gzip' | 'tar', 'tar+gzip' | 'tar'],
  ): Promise<void> {
    into.kind = 'archive';
    const [la, lb] = await Promise.all([this.listing(a, archives[0]), this.listing(b, archives[1])]);
    if (!la.listing || !lb.listing) {
      into.skipped = la.skipped ?? lb.skipped ?? 'not listed';
      return;
    }
    into.files = compareListings(la.listing, lb.listing);
    // Files inside that changed and were kept: compared by what they are.
    await Promise.all(
      into.files.map(async (entry) => {
        if (entry.change !== 'C' || !entry.a?.digest || !entry.b?.digest) return;
        const pa = this.kept.get(entry.a.digest);
        const pb = this.kept.get(entry.b.digest);
        if (!pa || !pb) {
          if (
            (entry.a.size ?? 0) > this.options.maxContentSize ||
            (entry.b.size ?? 0) > this.options.maxContentSize
          )
            entry.skipped = `larger than --max-content-size (${humanSize(this.options.maxContentSize)}): digest and size only`;
          return;
        }
        await Promise.all([pa, pb]);
        const [ba, bb] = await Promise.all([
          readFile(this.keepPath(entry.a.digest)),
          readFile(this.keepPath(entry.b.digest)),
        ]);
        compareBytes(entry, ba, bb, this.options.unified);
      }),
    );
  }

  private async compareFiles(into: ContentDiff, a: Located, b: Located): Promise<void> {
    const max = this.options.maxContentSize;
    if (a.file.size > max || b.file.size > max) {
      into.kind = 'binary';
      into.skipped = `larger than --max-content-size (${humanSize(max)}): digest and size only`;
      return;
    }
    const [ba, bb] = await Promise.all([this.fileBytes(a), this.fileBytes(b)]);
    compareBytes(into, ba, bb, this.options.unified);
  }

  /** Fills `content` of a changed artifact; an artifact whose files all compare equal becomes unchanged. */
  async compare(matched: MatchedArtifact): Promise<void> {
    const { diff, a, b } = matched;
    if (diff.status !== 'changed' || !a || !b) return;
    if (a.state === 'inline' && b.state === 'inline') {
      const ba = Buffer.from(a.inline ?? '');
      const bb = Buffer.from(b.inline ?? '');
      const entry: ContentDiff = {
        path: '(inline)',
        change: 'C',
        kind: 'text',
        a: { digest: sha256(ba), size: ba.byteLength },
        b: { digest: sha256(bb), size: bb.byteLength },
      };
      compareBytes(entry, ba, bb, this.options.unified);
      diff.content = [entry];
      return;
    }
    if (a.state !== 'present' || b.state !== 'present') {
      diff.note = `${a.state} in a, ${b.state} in b`;
      return;
    }
    if (a.platforms.length > 0 || b.platforms.length > 0) {
      const pa = new Map(a.platforms.map((p) => [p.platform, p]));
      const pb = new Map(b.platforms.map((p) => [p.platform, p]));
      const content: ContentDiff[] = [];
      for (const [platform, p] of pa) {
        const q = pb.get(platform);
        if (!q) content.push({ path: platform, change: 'D', kind: 'binary', a: fileSide(p) });
        else if (q.digest !== p.digest)
          content.push({ path: platform, change: 'C', kind: 'binary', a: fileSide(p), b: fileSide(q) });
      }
      for (const [platform, q] of pb)
        if (!pa.has(platform)) content.push({ path: platform, change: 'A', kind: 'binary', b: fileSide(q) });
      diff.content = content.sort(byDigest);
      return;
    }
    const content: ContentDiff[] = [];
    await Promise.all(
      pairFiles(a.files, b.files).map(async ({ key, a: fa, b: fb }) => {
        const path =
          fa?.title ??
          fb?.title ??
          (key.startsWith('#') ? (a.files.length === 1 ? '(layer)' : `(layer ${key})`) : key);
        const guess = (node: ArtifactNode, file: FileEntry): ContentKind =>
          archiveOf(node, file, node.files.length) ? 'archive' : 'binary';
        if (!fa || !fb) {
          const only = (fa ?? fb) as FileEntry;
          const entry: ContentDiff = { path, change: fa ? 'D' : 'A', kind: guess(fa ? a : b, only) };
          entry[fa ? 'a' : 'b'] = fileSide(only);
          content.push(entry);
          return;
        }
        if (fa.digest === fb.digest) return;
        const entry: ContentDiff = { path, change: 'C', kind: 'binary', a: fileSide(fa), b: fileSide(fb) };
        const la: Located = { side: 'a', node: a, file: fa };
        const lb: Located = { side: 'b', node: b, file: fb };
        const archiveA = archiveOf(a, fa, a.files.length);
        const archiveB = archiveOf(b, fb, b.files.length);
        if (archiveA && archiveB) {
          await this.compareArchives(entry, la, lb, [archiveA, archiveB]);
          // The same files in other archive bytes (compression, order, timestamps): equal.
          if (entry.files?.length === 0 && entry.skipped === undefined) return;
        } else await this.compareFiles(entry, la, lb);
        content.push(entry);
      }),
    );
    diff.content = content.sort(byDigest);
    if (content.length === 0) {
      diff.status = 'unchanged';
      diff.note = 'same files, in archives that differ in their bytes (compression, order or timestamps)';
      delete diff.content;
    }
  }
}
