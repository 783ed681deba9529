// The one storage interface the rest of tkn-artifacts talks to, shaped like oras-go's oras.Target.
// RemoteRepository (a registry repository) and OciLayout (a directory) both implement it.
import type { Readable } from 'node:stream';
import type { OciError } from './errors.js';
import type { Descriptor, FetchedManifest } from './manifest.js';

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ReferrersOptions extends RequestOptions {
  /** Only referrers with this artifactType (the server filters when it can, we always re-check). */
  artifactType?: string;
  /**
   * Called for a referrer whose descriptor is over the listing's byte cap: it is still listed,
   * without annotations (`descriptor`), and `error` says which cap it hit.
   */
  onOversized?: (descriptor: Descriptor, error: OciError) => void;
}

export interface TagsOptions extends RequestOptions {
  /** Start after this tag (lexical order, as the spec defines). */
  last?: string;
  /** Tags per request; a hint (some registries ignore it). */
  pageSize?: number;
}

export interface PushOptions extends RequestOptions {
  /**
   * Remote only: a repository on the same registry that already holds the blob; we ask the registry
   * to mount it from there instead of uploading (`POST …/blobs/uploads/?mount=&from=`).
   */
  mountFrom?: string;
}

// The small capabilities, as oras-go composes its Target from Fetcher, Resolver, Tagger and
// Deleter: a consumer names the ones it uses (pull needs a BlobFetcher, show a ManifestFetcher,
// a ReferrerLister and a BlobStatter; gc adds a Deleter), so fakes stay small and nothing casts.

export interface Resolver {
  /** Resolves a tag or digest to the manifest's descriptor. */
  resolve(reference: string, options?: RequestOptions): Promise<Descriptor>;
}

export interface BlobFetcher {
  /** Streams content; the stream errors (and nothing is kept) if size or digest do not match. */
  fetch(descriptor: Descriptor, options?: RequestOptions): Promise<Readable>;
  /**
   * Where a target can do it faster than `fetch`: writes the blob to a new file at `path`,
   * verified, and returns true; false (nothing created) when the caller should use `fetch`.
   * The file holds unverified bytes until the promise resolves; on a failure the caller removes it.
   */
  downloadDirect?(
    descriptor: Descriptor,
    path: string,
    options?: RequestOptions & { onBytes?: (bytes: number) => void },
  ): Promise<boolean>;
}

export interface ManifestFetcher {
  /** Reads a manifest or index whole (capped at 4 MiB), verified, decoded. */
  fetchManifest(reference: string | Descriptor, options?: RequestOptions): Promise<FetchedManifest>;
}

/** Both ways of reading content. */
export interface Fetcher extends BlobFetcher, ManifestFetcher {}

export interface ExistenceChecker {
  exists(descriptor: Descriptor, options?: RequestOptions): Promise<boolean>;
}

export interface BlobStatter {
  /** A blob's size when the target has it, else undefined (presence without a descriptor). */
  blobSize(digest: string, options?: RequestOptions): Promise<number | undefined>;
}

export type ReferrersListing = 'api' | 'tag-schema' | 'layout';

export interface ReferrerLister {
  /** Referrers of a subject, through the API or the tag schema, filtered by artifactType. */
  referrers(subject: Descriptor, options?: ReferrersOptions): Promise<Descriptor[]>;
  /** How referrers are listed, once known (`api`, `tag-schema`, or `layout`). */
  referrersMode(): ReferrersListing | undefined;
}

export interface TagLister {
  tags(options?: TagsOptions): AsyncIterable<string>;
}

export interface Pusher {
  /**
   * Stores content. Manifests (by media type) are stored as manifests — and when they have a
   * `subject` on a registry without the referrers API, the `sha256-<hex>` fallback index is updated.
   * The content is verified against the descriptor before it is committed.
   */
  push(descriptor: Descriptor, content: Readable | Uint8Array, options?: PushOptions): Promise<void>;
}

export interface Tagger {
  tag(descriptor: Descriptor, tag: string, options?: RequestOptions): Promise<void>;
}

export interface Deleter {
  /** Deletes a manifest (and its fallback-index entry when it has a subject) or a blob. */
  delete(descriptor: Descriptor, options?: RequestOptions): Promise<void>;
}

export interface ReadOnlyTarget
  extends Resolver, Fetcher, ExistenceChecker, BlobStatter, ReferrerLister, TagLister {}

export interface Target extends ReadOnlyTarget, Pusher, Tagger, Deleter {}
