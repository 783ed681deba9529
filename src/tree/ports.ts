/**
 * What the resolver needs from the outside world, and nothing more. The CLI wires these to the
 * OCI client and the cluster layer; unit tests wire them to in-memory fakes, so the resolution
 * logic (attribution, outcomes, inconsistencies) is tested without servers.
 */

export interface StoreDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** A decoded manifest or index: the fields the tree reads. */
export interface StoreManifest {
  mediaType?: string;
  artifactType?: string;
  config?: StoreDescriptor;
  layers?: StoreDescriptor[];
  manifests?: StoreDescriptor[];
  subject?: StoreDescriptor;
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  descriptor: StoreDescriptor;
  manifest: StoreManifest;
}

/**
 * Content, addressed by repository (`registry/name`) and digest. An OCI image layout ignores the
 * repository and finds content by digest alone.
 */
export interface ContentStore {
  /** Fetches and verifies a manifest or index; throws an error whose `code` says NOT_FOUND/MANIFEST_UNKNOWN when absent. */
  fetchManifest(repository: string, reference: string): Promise<FetchedManifest>;
  /** The blob's size when present, undefined when the store does not have it. */
  blobSize(repository: string, digest: string): Promise<number | undefined>;
  /** Referrers of a subject in that repository. */
  referrers(repository: string, subject: StoreDescriptor): Promise<StoreDescriptor[]>;
  /** How referrers were listed in that repository (known after the first call). */
  referrersMode(repository: string): 'api' | 'tag-schema' | 'layout' | undefined;
  /** The canonical way to print content of a repository by digest. */
  referenceOf(repository: string, digest: string): string;
}

/** An error that says "the store does not have it", whatever module threw it. */
export function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  const status = (error as { status?: unknown }).status;
  return (
    code === 'NOT_FOUND' ||
    code === 'MANIFEST_UNKNOWN' ||
    code === 'BLOB_UNKNOWN' ||
    code === 'NAME_UNKNOWN' ||
    (status === 404 && code === undefined)
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
