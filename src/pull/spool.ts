/**
 * Each blob fetched once, however many planned files name it: a run whose layers repeat one blob
 * (22,000 layers of the same digest were fetched 22,000 times) reads it from the registry once,
 * into a spool file, and every file that names it is written from there. Only digests named
 * more than once are spooled; the others stream straight from the registry as before.
 *
 * The spool file is written from the client's verifying stream, so it holds verified bytes once
 * the download ended; it lives in a private temporary directory removed when the pull ends.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PlannedFile } from './plan.js';

/** What the spool needs of a target: transfer.ts's BlobTarget (not imported: transfer imports this). */
type Descriptor = { mediaType: string; digest: string; size: number };
interface BlobTarget {
  fetch(descriptor: Descriptor, options?: { signal?: AbortSignal }): Promise<Readable>;
}

export class BlobSpool {
  private readonly downloads = new Map<string, Promise<string>>();
  private directory: Promise<string> | undefined;
  /** How many times the registry was asked for each spooled digest (for tests and --debug). */
  readonly fetches = new Map<string, number>();

  private constructor(private readonly repeated: ReadonlySet<string>) {}

  /** A spool for the digests the plan names more than once, or undefined when there are none. */
  static forPlan(files: readonly PlannedFile[]): BlobSpool | undefined {
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const file of files) {
      if (file.source.kind !== 'blob') continue;
      const digest = file.source.descriptor.digest;
      if (seen.has(digest)) repeated.add(digest);
      else seen.add(digest);
    }
    return repeated.size > 0 ? new BlobSpool(repeated) : undefined;
  }

  /** `targetFor` with repeated blobs served from the spool. */
  wrap(targetFor: (repository: string) => BlobTarget): (repository: string) => BlobTarget {
    return (repository) => {
      const target = targetFor(repository);
      return {
        fetch: (descriptor, options) =>
          this.repeated.has(descriptor.digest)
            ? this.open(target, descriptor, options)
            : target.fetch(descriptor, options),
      };
    };
  }

  private async open(
    target: BlobTarget,
    descriptor: Descriptor,
    options?: { signal?: AbortSignal },
  ): Promise<Readable> {
    let download = this.downloads.get(descriptor.digest);
    if (!download) {
      download = this.download(target, descriptor, options);
      this.downloads.set(descriptor.digest, download);
      // A failed download is not kept: the next file naming the digest tries again.
      download.catch(() => this.downloads.delete(descriptor.digest));
    }
    return createReadStream(await download);
  }

  private async download(
    target: BlobTarget,
    descriptor: Descriptor,
    options?: { signal?: AbortSignal },
  ): Promise<string> {
    this.directory ??= mkdtemp(join(tmpdir(), 'tkn-artifacts-blobs-'));
    const path = join(await this.directory, descriptor.digest.replace(':', '-'));
    this.fetches.set(descriptor.digest, (this.fetches.get(descriptor.digest) ?? 0) + 1);
    const stream = await target.fetch(descriptor, options);
    try {
      await pipeline(stream, createWriteStream(path), options?.signal ? { signal: options.signal } : {});
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return path;
  }

  async close(): Promise<void> {
    if (this.directory) await rm(await this.directory, { recursive: true, force: true });
  }
}
