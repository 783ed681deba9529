/**
 * An artifact that is one blob, named by reference: a Konflux trusted artifact or a StepAction's
 * `oci:<repo>@sha256:<blob>` URI. Such a digest names the tar.gz itself, not a manifest, so it has
 * no manifest to fetch and no referrers; show and pull both take the URI and see the same node.
 */
import type { ArtifactNode } from './model.js';
import type { ContentStore } from './ports.js';

/** The artifact node of a blob found at `repository@digest` (size from the store). */
export async function blobArtifactNode(
  reference: string,
  repository: string,
  digest: string,
  size: number,
): Promise<ArtifactNode> {
  const { referenceForm } = await import('../oci/reference.js');
  return {
    name: repository.split('/').at(-1) ?? repository,
    direction: 'output',
    // The `oci:` spelling is the Konflux/StepAction convention for a tar.gz blob.
    producers: referenceForm(reference) === 'oci' ? ['konflux-trusted-artifact'] : [],
    reportedAt: [],
    location: reference,
    reference: `${repository}@${digest}`,
    digest,
    digestRefersTo: 'blob',
    size,
    state: 'present',
    // No TaskRun vouches for it: its task's outcome is unknown.
    usable: false,
    // A blob carries no media type of its own (a registry serves every blob as octet-stream).
    files: [{ digest, size, mediaType: 'application/octet-stream' }],
    platforms: [],
    referrers: [],
  };
}

/**
 * The blob an `oci:<repo>@<digest>` URI names, or undefined when the reference is not that form
 * or the store has no such blob (it may then be a manifest: the caller tries that). Asked first
 * as a blob: asked for a manifest by a blob's digest, distribution 2.8 answers 500, which is
 * retried for seconds.
 */
export async function ociUriBlob(reference: string, store: ContentStore): Promise<ArtifactNode | undefined> {
  const { parseReference, repositoryName, referenceForm } = await import('../oci/reference.js');
  if (referenceForm(reference) !== 'oci') return undefined;
  const parsed = parseReference(reference);
  if (parsed.digest === undefined) return undefined;
  const repository = repositoryName(parsed);
  const size = await store.blobSize(repository, parsed.digest);
  return size === undefined ? undefined : blobArtifactNode(reference, repository, parsed.digest, size);
}
