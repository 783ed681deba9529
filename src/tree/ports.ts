/**
 * What the resolver needs from the outside world, and nothing more. The CLI wires these to the
 * OCI client and the cluster layer; unit tests wire them to in-memory fakes, so the resolution
 * logic (attribution, outcomes, inconsistencies) is tested without servers.
 */

import type { Descriptor, FetchedManifest } from '../oci/types.js';
import type { ReferrersListing } from '../oci/target.js';

/**
 * Content, addressed by repository (`registry/name`) and digest. An OCI image layout ignores the
 * repository and finds content by digest alone.
 */
export interface ContentStore {
  /** Fetches and verifies a manifest or index; throws an error isNotFound (src/oci/errors.ts) recognises when absent. */
  fetchManifest(repository: string, reference: string): Promise<FetchedManifest>;
  /** The blob's size when present, undefined when the store does not have it. */
  blobSize(repository: string, digest: string): Promise<number | undefined>;
  /** Referrers of a subject in that repository. */
  referrers(repository: string, subject: Descriptor): Promise<Descriptor[]>;
  /**
   * The repository's tags (listed once, then remembered for the resolution). Throws when the
   * registry does not list them; the caller then asks for the tags it wants one by one.
   */
  tagsOf(repository: string): Promise<ReadonlySet<string>>;
  /** How referrers were listed in that repository (known after the first call). */
  referrersMode(repository: string): ReferrersListing | undefined;
  /** The canonical way to print content of a repository by digest. */
  referenceOf(repository: string, digest: string): string;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
