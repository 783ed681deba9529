/**
 * Carries out a plan: each file fetched (at most N blobs per registry at once), verified, and only
 * then put in place by a rename. Raw files stream into a temp file next to their final path;
 * archives stream through gunzip and tar into a staging directory next to theirs. Either way the
 * rename happens after the stream ended without error, that is after the OCI client checked the
 * blob's size and digest, so a failed or interrupted pull leaves no partial or unverified file.
 * Directories pull created are removed again (when empty) if the pull fails.
 *
 * Below the output directory nothing is followed: every directory on the way to a file is made
 * or checked one component at a time, and a symbolic link (or a file) among them refuses the
 * file before anything is created through it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  chmod,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli/errors.js';
import { Limiter } from '../oci/concurrency.js';
import { UnsafeArchiveError } from './errors.js';
import { isErrnoCode, lstatOrUndefined } from './filesystem.js';
import { checkOutside, commitOutside, extractArchive, type ExtractResult } from './extract.js';
import type { ExtractLimits } from './limits.js';
import { startMemoryValve } from './memory.js';
import { BlobSpool } from './spool.js';
import { isPartialName, partialInfix, removeStalePartials } from './stale.js';
import { readMarker, writeMarker, type PullMarker } from './marker.js';
import type { PlannedFile } from './plan.js';
import { ProgressCounter, type ProgressTracker } from './progress.js';
import { PULL_API_VERSION, type PulledFile } from './report.js';

/** What pull needs of an OCI target: a verified blob stream (or a verified file, see Target). */
export interface BlobTarget {
  fetch(
    descriptor: { mediaType: string; digest: string; size: number },
    options?: { signal?: AbortSignal },
  ): Promise<Readable>;
  downloadDirect?(
    descriptor: { mediaType: string; digest: string; size: number },
    path: string,
    options?: { signal?: AbortSignal; onBytes?: (bytes: number) => void },
  ): Promise<boolean>;
}

export interface TransferOptions {
  /** Absolute output directory. */
  output: string;
  targetFor: (repository: string) => BlobTarget;
  limits: ExtractLimits;
  allowPathTraversal: boolean;
  /** Blobs in flight per registry. */
  concurrency: number;
  signal?: AbortSignal;
  progress?: ProgressTracker;
  /** Attempts per blob when the download breaks off mid-stream (default 3). */
  attempts?: number;
  /** First wait before a retry, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /**
   * Told of a file that failed; returning true files the failure as that file's own (the others
   * go on), false stops the whole transfer with it. Without it, the first failure stops all.
   */
  onFileError?: (file: PlannedFile, error: unknown) => boolean;
}

/** What is wrong with a directory on the way to a file below the output directory. */
export type PathObstacle = { kind: 'link'; path: string; target: string } | { kind: 'file'; path: string };

/** Creates directories one level at a time, remembering which ones this pull created. */
class Directories {
  private readonly created: string[] = [];

  /**
   * `mkdir -p` that follows links: for the output directory itself (a link there is the user's
   * choice) and for paths a trusted producer (--allow-path-traversal) names.
   */
  async ensure(directory: string): Promise<void> {
    const missing: string[] = [];
    for (let current = directory; ; current = dirname(current)) {
      if (await lstatOrUndefined(current)) break;
      missing.push(current);
      if (dirname(current) === current) break;
    }
    for (const path of missing.reverse()) {
      try {
        await mkdir(path);
        this.created.push(path);
      } catch (error) {
        // Another file of the same pull may have made it a moment ago.
        if (!isErrnoCode(error, 'EEXIST')) throw error;
      }
    }
  }

  /**
   * Makes `segments` below `root` one component at a time, following no link: returns the first
   * component that is a symbolic link or not a directory (nothing is created through or below it),
   * or undefined when the whole path is now real directories. `root` is the output directory; it
   * is created if missing and may itself be a link.
   */
  async ensureBelow(root: string, segments: readonly string[]): Promise<PathObstacle | undefined> {
    await this.ensure(root);
    let current = await realpath(root);
    let shown = root; // as the user named it, for messages
    for (const segment of segments) {
      current = join(current, segment);
      shown = join(shown, segment);
      let stat = await lstatOrUndefined(current);
      if (!stat) {
        try {
          await mkdir(current);
          this.created.push(current);
          continue;
        } catch (error) {
          // Another file of the same pull may have made it a moment ago: check what it is.
          if (!isErrnoCode(error, 'EEXIST')) throw error;
          stat = await lstat(current);
        }
      }
      if (stat.isSymbolicLink())
        return { kind: 'link', path: shown, target: await readlink(current).catch(() => '?') };
      if (!stat.isDirectory()) return { kind: 'file', path: shown };
    }
    return undefined;
  }

  /** Removes the directories this pull created, deepest first, where they are still empty. */
  async removeEmpty(): Promise<void> {
    for (const path of [...this.created].sort((a, b) => b.length - a.length)) {
      await rmdir(path).catch(() => undefined);
    }
  }
}

/** `sha256:<hex>` of a file on disk, streamed; undefined for algorithms we do not know. */
async function fileDigest(path: string, digest: string): Promise<string | undefined> {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
  const hash = createHash(algorithm);
  // Large reads: hashing a present file should cost about what reading it costs.
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }))
    hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}`;
}

/** A regular file (never a link) at `path` with exactly this size and digest. */
export async function isFilePresent(path: string, digest: string, size: number): Promise<boolean> {
  const stat = await lstatOrUndefined(path);
  if (!stat?.isFile() || stat.size !== size) return false;
  return (await fileDigest(path, digest)) === digest;
}

/** Every file, link and directory below `directory` by relative POSIX path, never following a link. */
async function listTree(
  directory: string,
): Promise<
  Map<string, { kind: 'file'; size: number } | { kind: 'symlink'; target: string } | { kind: 'other' }>
> {
  const found = new Map<
    string,
    { kind: 'file'; size: number } | { kind: 'symlink'; target: string } | { kind: 'other' }
  >();
  const walk = async (absolute: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = join(absolute, entry.name);
      if (entry.isDirectory()) {
        found.set(path, { kind: 'other' });
        await walk(full, path);
      } else if (entry.isSymbolicLink()) found.set(path, { kind: 'symlink', target: await readlink(full) });
      else if (entry.isFile()) found.set(path, { kind: 'file', size: (await lstat(full)).size });
      else found.set(path, { kind: 'other' });
    }
  };
  await walk(directory, '');
  return found;
}

/**
 * Whether the tree still holds what the marker says was extracted: every file with its size and
 * sha256, every link with its target. Files added since are not ours and do not count. A marker
 * without a listing (written by an earlier version) cannot be checked, so it does not verify.
 */
async function verifyExtracted(directory: string, marker: PullMarker): Promise<boolean> {
  if (!marker.contents) return false;
  // Walked, not looked up by path: a recorded path is only read where the walk found a real file,
  // so a link planted in the tree (or a forged path in the marker) never leads the reads outside.
  const found = await listTree(directory);
  for (const file of marker.contents) {
    const entry = found.get(file.path);
    if (entry?.kind !== 'file' || entry.size !== file.size) return false;
  }
  for (const link of marker.symlinks ?? []) {
    const entry = found.get(link.path);
    if (entry?.kind !== 'symlink' || entry.target !== link.target) return false;
  }
  for (const file of marker.contents)
    if ((await fileDigest(join(directory, file.path), file.digest)) !== file.digest) return false;
  return true;
}

/**
 * What is at an extraction target: nothing, our intact extraction of this archive, ours of
 * another (or changed since), or not ours. `verify: false` skips hashing the tree, for the check
 * just before the rename, when only ours-or-not matters.
 */
export async function extractedState(
  directory: string,
  digest: string,
  options: { verify?: boolean } = {},
): Promise<
  | { kind: 'absent' }
  | { kind: 'current'; marker: PullMarker }
  | { kind: 'replaceable' }
  | { kind: 'foreign'; what: string }
> {
  const stat = await lstatOrUndefined(directory);
  if (!stat) return { kind: 'absent' };
  if (!stat.isDirectory())
    return {
      kind: 'foreign',
      what: stat.isSymbolicLink() ? 'a symbolic link is in the way' : 'a file is in the way',
    };
  const marker = await readMarker(directory);
  if (marker && marker.archive.digest === digest) {
    if (options.verify === false || (await verifyExtracted(directory, marker)))
      return { kind: 'current', marker };
    return { kind: 'replaceable' };
  }
  if (marker) return { kind: 'replaceable' };
  if ((await readdir(directory)).length === 0) return { kind: 'replaceable' };
  return { kind: 'foreign', what: 'it is not empty and has no .tkn-artifacts.json (not written by pull)' };
}

/**
 * What is in the output directory, for a single artifact's archive extracted into it (-o itself):
 * nothing of note (empty, or only what a killed pull left), this archive intact, or anything else,
 * which pull refuses rather than replaces: -o may hold another artifact, or the user's files.
 */
async function outputState(
  directory: string,
  digest: string,
  options: { verify?: boolean } = {},
): Promise<{ kind: 'absent' } | { kind: 'current'; marker: PullMarker } | { kind: 'foreign'; what: string }> {
  const marker = await readMarker(directory);
  if (marker?.archive.digest === digest) {
    if (options.verify === false || (await verifyExtracted(directory, marker)))
      return { kind: 'current', marker };
    return { kind: 'foreign', what: 'it holds this artifact, changed since it was pulled' };
  }
  if (marker)
    return {
      kind: 'foreign',
      what: `it holds another artifact, ${marker.reference ?? marker.archive.digest}, pulled there before (pull replaces no other artifact)`,
    };
  const names = (await readdir(directory)).filter((name) => !isPartialName(name));
  if (names.length === 0) return { kind: 'absent' };
  return { kind: 'foreign', what: 'it is not empty, and a single artifact is extracted into -o itself' };
}

/** Moves what `staging` holds into the empty `target`, every entry or none. */
async function moveInto(
  staging: string,
  target: string,
): Promise<{ undo: () => Promise<void>; done: () => Promise<void> }> {
  const moved: string[] = [];
  const undo = async () => {
    for (const name of moved.reverse()) await rename(join(target, name), join(staging, name));
  };
  try {
    for (const name of await readdir(staging)) {
      // Checked empty just before; anything here now is someone else's, never written over.
      if (await lstatOrUndefined(join(target, name)))
        throw new CliError(`cannot extract into ${target}: ${name} appeared there meanwhile`, 'usage');
      await rename(join(staging, name), join(target, name));
      moved.push(name);
    }
  } catch (error) {
    await undo();
    throw error;
  }
  return { undo, done: async () => undefined };
}

function notOurs(path: string, what: string, intoOutput = false): CliError {
  return new CliError(
    `cannot extract into ${path}: ${what}`,
    'usage',
    intoOutput
      ? 'Pull each artifact into a directory of its own with -o DIR (a single artifact is extracted into DIR itself, as Konflux use-oci.sh does), or empty it first.'
      : 'Remove it, or pull into another directory with -o. (Was it pulled with --raw before? Extracted archives carry a .tkn-artifacts.json marker.)',
  );
}

/** The download broke off after it started (the client retried the request itself already). */
function brokeOff(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UNREACHABLE' || code === 'TIMEOUT';
}

function partialName(path: string, kind: 'partial' | 'old' = 'partial'): string {
  return join(dirname(path), `.${basename(path)}${partialInfix(kind)}${randomBytes(6).toString('hex')}`);
}

class Transfer {
  private readonly directories = new Directories();
  private readonly limiters = new Map<string, Limiter>();
  private readonly controller = new AbortController();
  /** Directories already swept of stale partial files. */
  private readonly swept = new Map<string, Promise<void>>();

  constructor(private readonly options: TransferOptions) {
    options.signal?.addEventListener('abort', () => this.controller.abort(options.signal?.reason), {
      once: true,
    });
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private limiter(repository: string): Limiter {
    // Registries are the unit oras bounds too; a layout is one "registry".
    const key = repository.split('/')[0] ?? '';
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new Limiter(this.options.concurrency);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Opens the blob and hands it to `consume`; starts over when the download breaks off. */
  private stream<T>(
    file: PlannedFile,
    key: string,
    consume: (stream: Readable) => Promise<T>,
    prepare?: () => Promise<void>,
  ): Promise<T> {
    return this.attempts(file, key, async (target, descriptor) => {
      // Anything slow happens before the blob is opened: a small blob can be read, verified and
      // failed before an idle consumer attaches.
      await prepare?.();
      // Errors opening the blob are final here: the OCI client already retried the request.
      const stream = await target.fetch(descriptor, { signal: this.signal });
      // The consumer reads a failure from the stream's state; this keeps an early one from
      // surfacing as an unhandled 'error' event meanwhile.
      stream.on('error', () => undefined);
      try {
        return await consume(stream);
      } catch (error) {
        stream.destroy();
        throw error;
      }
    });
  }

  /** Runs `attempt` on the blob's target; starts over when the download breaks off. */
  private async attempts<T>(
    file: PlannedFile,
    key: string,
    attempt: (target: BlobTarget, descriptor: Parameters<BlobTarget['fetch']>[0]) => Promise<T>,
  ): Promise<T> {
    if (file.source.kind !== 'blob') throw new Error('attempts() needs a blob');
    const { repository, descriptor } = file.source;
    const attempts = this.options.attempts ?? 3;
    for (let tried = 1; ; tried++) {
      this.signal.throwIfAborted();
      try {
        return await attempt(this.options.targetFor(repository), descriptor);
      } catch (error) {
        if (tried >= attempts || this.signal.aborted || !brokeOff(error)) throw error;
        this.options.progress?.restart(key);
        await sleep((this.options.retryDelayMs ?? 500) * 2 ** (tried - 1), undefined, {
          signal: this.signal,
        });
      }
    }
  }

  private counter(key: string): ProgressCounter {
    return new ProgressCounter((bytes) => this.options.progress?.advance(key, bytes));
  }

  /**
   * Makes the directory a file goes into. Inside the output directory component by component,
   * following no link: a link someone left there (or in a directory above the artifact's) would
   * carry the write elsewhere, and it must be refused before a directory is made through it.
   * With --allow-path-traversal, as mkdir -p.
   */
  private async prepareParent(file: PlannedFile, parent: string): Promise<void> {
    await this.ensureParent(file, parent);
    // What a killed pull left here goes, once per directory (stale.ts).
    let swept = this.swept.get(parent);
    if (!swept) {
      swept = removeStalePartials(parent).then(() => undefined);
      this.swept.set(parent, swept);
    }
    await swept;
  }

  private async ensureParent(file: PlannedFile, parent: string): Promise<void> {
    const { output } = this.options;
    if (this.options.allowPathTraversal) {
      await this.directories.ensure(parent);
      return;
    }
    const rel = relative(output, parent);
    // plan.ts keeps every path inside the output directory unless --allow-path-traversal.
    if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(output, rel) !== parent)
      throw new Error(`internal: ${parent} is outside ${output}`);
    const obstacle = await this.directories.ensureBelow(output, rel === '' ? [] : rel.split(sep));
    if (obstacle?.kind === 'link')
      throw new UnsafeArchiveError(
        `${file.action === 'extract' ? 'archive' : 'layer'} ${file.digest} of ${file.reference ?? file.artifact}`,
        file.title ?? file.path,
        `would be written through the symbolic link ${obstacle.path} (to ${obstacle.target}): pull follows no link below the output directory`,
        'Nothing was written. Remove the link, or give its target as -o; if you trust the link and the content, --allow-path-traversal lets the write go through it.',
      );
    if (obstacle?.kind === 'file')
      throw new CliError(
        `cannot write ${resolve(output, file.path)}: ${obstacle.path} is a file, not a directory`,
        'usage',
        'Remove it, or pull into another directory with -o.',
      );
  }

  private pulled(
    file: PlannedFile,
    path: string,
    status: 'pulled' | 'present',
    extracted?: PulledFile['extracted'],
  ): PulledFile {
    return {
      ...(file.task !== undefined ? { task: file.task } : {}),
      artifact: file.artifact,
      ...(file.reference !== undefined ? { reference: file.reference } : {}),
      path,
      digest: file.digest,
      size: file.size,
      mediaType: file.mediaType,
      ...(file.title !== undefined ? { title: file.title } : {}),
      status,
      ...(status === 'present' ? { reason: 'already present with the same digest' } : {}),
      ...(extracted ? { extracted } : {}),
      usable: file.usable,
      ...(file.outcome !== undefined ? { outcome: file.outcome } : {}),
    };
  }

  async raw(file: PlannedFile, key: string): Promise<PulledFile> {
    const path = resolve(this.options.output, file.path);
    // First the way there: nothing below is looked at (or hashed) through a link.
    await this.prepareParent(file, dirname(path));
    const stat = await lstatOrUndefined(path);
    if (stat?.isDirectory())
      throw new CliError(
        `cannot write ${path}: a directory is in the way`,
        'usage',
        'Remove it, or pull into another directory with -o.',
      );
    if (await isFilePresent(path, file.digest, file.size)) return this.pulled(file, path, 'present');
    this.options.progress?.start(key);
    const temporary = partialName(path);
    try {
      if (file.source.kind === 'inline') {
        await writeFile(temporary, file.source.bytes, { flag: 'wx', mode: 0o644 });
        this.options.progress?.advance(key, file.size);
      } else if (await this.direct(file, key, temporary)) {
        // Written and verified straight from the socket.
      } else {
        await this.stream(file, key, async (stream) => {
          try {
            // A deeper queue than the 16 KiB default: the socket keeps flowing while a write is in flight,
            // and queued chunks go to disk in one writev.
            const out = createWriteStream(temporary, { flags: 'wx', mode: 0o644, highWaterMark: 1024 ** 2 });
            // Without a progress display there is nothing to count: one hop less per chunk.
            if (this.options.progress)
              await pipeline(stream, this.counter(key), out, { signal: this.signal });
            else await pipeline(stream, out, { signal: this.signal });
          } catch (error) {
            await rm(temporary, { force: true });
            throw error;
          }
        });
      }
      // Only now, with the stream ended and verified, does the file take its name.
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return this.pulled(file, path, 'pulled');
  }

  /** The blob written to `temporary` by the target itself, where it can (BlobTarget.downloadDirect). */
  private direct(file: PlannedFile, key: string, temporary: string): Promise<boolean> {
    const progress = this.options.progress;
    return this.attempts(file, key, async (target, descriptor) => {
      if (!target.downloadDirect) return false;
      try {
        return await target.downloadDirect(descriptor, temporary, {
          signal: this.signal,
          ...(progress ? { onBytes: (bytes: number) => progress.advance(key, bytes) } : {}),
        });
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    });
  }

  async extract(file: PlannedFile, key: string): Promise<PulledFile> {
    if (file.source.kind !== 'blob' || !file.archive) throw new Error('extract() needs an archive blob');
    const target = resolve(this.options.output, file.path);
    // A single artifact's lone archive goes into -o itself: staged inside it, moved in when whole.
    const intoOutput = target === resolve(this.options.output);
    const parent = intoOutput ? target : dirname(target);
    // First the way there: the tree below is only read (hashed) once no link leads elsewhere.
    await this.prepareParent(file, parent);
    const before = intoOutput
      ? await outputState(target, file.digest)
      : await extractedState(target, file.digest);
    if (before.kind === 'current') {
      const { marker } = before;
      return this.pulled(file, target, 'present', {
        format: marker.archive.format,
        entries: marker.entries,
        files: marker.files,
        expandedBytes: marker.expandedBytes,
        contents: marker.contents ?? [],
      });
    }
    if (before.kind === 'foreign') throw notOurs(target, before.what, intoOutput);
    this.options.progress?.start(key);
    const staging = await mkdtemp(join(parent, `.${basename(target)}${partialInfix('partial')}`));
    const outside = this.options.allowPathTraversal
      ? await mkdtemp(join(parent, `.${basename(target)}${partialInfix('outside')}`))
      : undefined;
    const archive = file.archive;
    const source = `archive ${file.digest}${file.reference ? ` of ${file.reference}` : ''}`;
    try {
      const emptyStaging = async () => {
        // Every attempt starts from an empty staging directory.
        for (const directory of [staging, outside]) {
          if (!directory) continue;
          for (const name of await readdir(directory))
            await rm(join(directory, name), { recursive: true, force: true });
        }
      };
      const result: ExtractResult = await this.stream(
        file,
        key,
        (stream) =>
          extractArchive(stream, {
            root: staging,
            source,
            archive,
            compressedSize: file.size,
            limits: this.options.limits,
            allowPathTraversal: this.options.allowPathTraversal,
            finalDir: target,
            ...(outside ? { outsideStaging: outside } : {}),
            ...(file.prefix !== undefined ? { prefix: file.prefix } : {}),
            signal: this.signal,
            onBytes: (bytes) => this.options.progress?.advance(key, bytes),
          }),
        emptyStaging,
      );
      await writeMarker(staging, {
        apiVersion: PULL_API_VERSION,
        kind: 'PullMarker',
        archive: { digest: file.digest, size: file.size, mediaType: file.mediaType, format: archive },
        artifact: file.artifact,
        ...(file.task !== undefined ? { task: file.task } : {}),
        ...(file.reference !== undefined ? { reference: file.reference } : {}),
        entries: result.entries,
        files: result.files,
        expandedBytes: result.expandedBytes,
        contents: result.contents,
        symlinks: result.symlinks,
      });
      await chmod(staging, 0o755); // mkdtemp made it private
      // Nothing has moved yet: refuse now whatever would stop the commit halfway.
      const now = intoOutput
        ? await outputState(target, file.digest, { verify: false })
        : await extractedState(target, file.digest, { verify: false });
      if (now.kind === 'foreign') throw notOurs(target, now.what, intoOutput);
      if (intoOutput && now.kind !== 'absent')
        throw notOurs(target, 'another pull extracted it meanwhile', intoOutput);
      await checkOutside(result.outside);
      const placed = intoOutput ? await moveInto(staging, target) : await this.place(staging, target);
      if (result.outside.length > 0) {
        try {
          await commitOutside(result.outside); // all or nothing: it undoes itself when it fails
        } catch (error) {
          await placed.undo();
          throw error;
        }
      }
      await placed.done();
      return this.pulled(file, target, 'pulled', {
        format: archive,
        entries: result.entries,
        files: result.files,
        expandedBytes: result.expandedBytes,
        contents: result.contents,
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
      if (outside) await rm(outside, { recursive: true, force: true });
    }
  }

  /**
   * Renames the verified tree into place (the caller checked the target is absent or ours). An
   * older extraction is swapped out and kept until `done`, so `undo` can put it back when the
   * rest of the commit (entries outside) fails.
   */
  private async place(
    staging: string,
    target: string,
  ): Promise<{ undo: () => Promise<void>; done: () => Promise<void> }> {
    if (!(await lstatOrUndefined(target))) {
      await rename(staging, target);
      return { undo: () => rename(target, staging), done: async () => undefined };
    }
    const old = partialName(target, 'old');
    await rename(target, old);
    try {
      await rename(staging, target);
    } catch (error) {
      await rename(old, target);
      throw error;
    }
    return {
      undo: async () => {
        await rename(target, staging);
        await rename(old, target);
      },
      done: () => rm(old, { recursive: true, force: true }),
    };
  }

  async run(files: PlannedFile[]): Promise<PulledFile[]> {
    const results: PulledFile[] = new Array<PulledFile>(files.length);
    let failure: { error: unknown } | undefined;
    let ownFailures = 0;
    if (this.options.progress) trackPlan(this.options.progress, files);
    await Promise.all(
      files.map(async (file, index) => {
        const key = String(index);
        const work = () => (file.action === 'extract' ? this.extract(file, key) : this.raw(file, key));
        try {
          if (this.signal.aborted) return;
          results[index] =
            file.source.kind === 'blob'
              ? await this.limiter(file.source.repository).run(() => {
                  this.signal.throwIfAborted();
                  return work();
                })
              : await work();
          this.options.progress?.finish(key, results[index].status === 'pulled' ? 'done' : 'present');
        } catch (error) {
          this.options.progress?.finish(key, 'failed');
          if (!this.signal.aborted && this.options.onFileError?.(file, error)) {
            ownFailures++;
            return;
          }
          // The first failure stops the others; their temp files go with them.
          if (!failure) {
            failure = { error };
            this.controller.abort(error);
          }
        }
      }),
    );
    if (failure) {
      await this.directories.removeEmpty();
      throw failure.error;
    }
    // Files that failed on their own (onFileError) have no result, and leave no empty directory.
    if (ownFailures > 0) await this.directories.removeEmpty();
    return results.filter((result) => result !== undefined);
  }
}

/** Lists the plan's files in the tracker (idempotent), so a display can show them before they start. */
export function trackPlan(progress: ProgressTracker, files: PlannedFile[]): void {
  files.forEach((file, index) => {
    if (!progress.has(String(index))) progress.add(String(index), label(file), file.size);
  });
}

function label(file: PlannedFile): string {
  const name = file.title ?? file.artifact;
  const artifact = file.task === undefined ? file.artifact : `${file.task}/${file.artifact}`;
  return name === file.artifact ? artifact : `${artifact}/${name}`;
}

/** Pulls every planned file into the output directory; fails as a whole on the first error not filed by onFileError. */
export async function transferAll(files: PlannedFile[], options: TransferOptions): Promise<PulledFile[]> {
  const stopValve = startMemoryValve();
  // A blob several files name is fetched once (spool.ts).
  const spool = BlobSpool.forPlan(files);
  try {
    return await new Transfer(spool ? { ...options, targetFor: spool.wrap(options.targetFor) } : options).run(
      files,
    );
  } finally {
    stopValve();
    await spool?.close();
  }
}

/**
 * `-o -`: the one planned file, verified in a temp file first and only then copied to stdout, so
 * a pipe never receives bytes that turn out not to match the digest.
 */
export async function transferToStdout(
  file: PlannedFile,
  options: Omit<TransferOptions, 'output'> & { stdout: NodeJS.WritableStream; tmpdir: string },
): Promise<PulledFile> {
  const scratch = await mkdtemp(join(options.tmpdir, 'tkn-artifacts-pull-'));
  try {
    const staged: PlannedFile = { ...file, action: 'file', path: 'content', artifactDir: '.' };
    const transfer = new Transfer({ ...options, output: scratch, allowPathTraversal: true });
    const [result] = await transfer.run([staged]);
    await copyToStdout(join(scratch, 'content'), options.stdout);
    return { ...(result as PulledFile), path: '-', status: 'pulled' };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function copyToStdout(path: string, stdout: NodeJS.WritableStream): Promise<void> {
  await new Promise<void>((done, fail) => {
    const input = createReadStream(path);
    const onError = (error: unknown) => {
      input.destroy();
      // The reader went away (`| head`): not our failure.
      if (isErrnoCode(error, 'EPIPE')) done();
      else fail(error instanceof Error ? error : new Error(String(error)));
    };
    stdout.once('error', onError);
    input.once('error', onError);
    input.once('end', () => {
      stdout.removeListener('error', onError);
      done();
    });
    input.pipe(stdout, { end: false });
  });
}
