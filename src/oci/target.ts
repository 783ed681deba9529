// The one storage interface the rest of tkn-artifacts talks to, shaped like oras-go's oras.Target.
// RemoteRepository (a registry repository) and OciLayout (a directory) both implement it.
import type { Readable } from 'node:stream';
import type { OciError } from './errors.js';
import type { Descriptor, FetchedManifest } from './manifest.js';

export type { Descriptor, FetchedManifest, Platform } from './manifest.js';

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

export interface ReadOnlyTarget {
  /** Resolves a tag or digest to the manifest's descriptor. */
  resolve(reference: string, options?: RequestOptions): Promise<Descriptor>;
  /** Streams content; the stream errors (and nothing is kept) if size or digest do not match. */
  fetch(descriptor: Descriptor, options?: RequestOptions): Promise<Readable>;
  /** Reads a manifest or index whole (capped at 4 MiB), verified, decoded. */
  fetchManifest(reference: string | Descriptor, options?: RequestOptions): Promise<FetchedManifest>;
  exists(descriptor: Descriptor, options?: RequestOptions): Promise<boolean>;
  /** Referrers of a subject, through the API or the tag schema, filtered by artifactType. */
  referrers(subject: Descriptor, options?: ReferrersOptions): Promise<Descriptor[]>;
  tags(options?: TagsOptions): AsyncIterable<string>;
  /** Extension: a blob's size when the target has it, else undefined (presence without a descriptor). */
  blobSize?(digest: string, options?: RequestOptions): Promise<number | undefined>;
  /** Extension: how referrers are listed, once known (`api`, `tag-schema`, or `layout`). */
  referrersMode?(): 'api' | 'tag-schema' | 'layout' | undefined;
}

export interface Target extends ReadOnlyTarget {
  /**
   * Stores content. Manifests (by media type) are stored as manifests — and when they have a
   * `subject` on a registry without the referrers API, the `sha256-<hex>` fallback index is updated.
   * The content is verified against the descriptor before it is committed.
   */
  push(descriptor: Descriptor, content: Readable | Uint8Array, options?: PushOptions): Promise<void>;
  tag(descriptor: Descriptor, tag: string, options?: RequestOptions): Promise<void>;
  /** Deletes a manifest (and its fallback-index entry when it has a subject) or a blob. */
  delete(descriptor: Descriptor, options?: RequestOptions): Promise<void>;
}
