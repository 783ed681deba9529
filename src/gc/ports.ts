/**
 * The narrow capabilities gc takes from src/oci (as oras-go composes a Target from Resolver,
 * Fetcher, Tagger, Deleter): the inventory only reads, apply also deletes, and repairs fallback
 * indexes where the registry keeps referrers in `sha256-<hex>` tags.
 */
import type { ReadOnlyTarget, RequestOptions } from '../oci/target.js';
import type { Descriptor } from '../oci/types.js';

export type GcReader = Pick<ReadOnlyTarget, 'resolve' | 'fetchManifest' | 'referrers' | 'tags'> & {
  referrersMode?(): 'api' | 'tag-schema' | 'layout' | undefined;
};

export interface GcDeleter extends GcReader {
  /** Deletes a manifest by digest (its tags go with it) and its entry in its subject's fallback index. */
  delete(descriptor: Descriptor, options?: RequestOptions): Promise<void>;
  /** Removes entries from a subject's `sha256-<hex>` index (deleted when it empties); false where referrers are not kept in tags. */
  pruneReferrers?(subject: string, digests: string[], options?: RequestOptions): Promise<boolean>;
}

export type { Descriptor };
