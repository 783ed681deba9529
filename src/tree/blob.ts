/**
 * An artifact that is one blob, named by reference: a Konflux trusted artifact or a StepAction's
 * `oci:<repo>@sha256:<blob>` URI. Such a digest names the tar.gz itself, not a manifest, so it has
 * no manifest to fetch and no referrers; show and pull both take the URI and see the same node.
 */
import { ORAS_DEFAULT_FILE_LAYER_MEDIA_TYPE } from '../formats/constants.js';
import type { ArtifactNode } from './model.js';
import type { ContentStore } from './ports.js';

/**
 * The media type of a blob named by reference. A registry serves every blob as octet-stream, and
 * the URI does not name the manifest that typed it, so the type is the one the producer's push
 * gives its layer (oras's default for Konflux and the StepActions), else what the status reported.
 */
export function blobMediaType(producers: readonly string[], reported?: string): string {
  if (reported !== undefined) return reported;
  if (producers.includes('konflux-trusted-artifact') || producers.includes('stepaction'))
    return ORAS_DEFAULT_FILE_LAYER_MEDIA_TYPE;
  return 'application/octet-stream';
}

/** The artifact node of a blob found at `repository@digest` (size from the store). */
export async function blobArtifactNode(
  reference: string,
  repository: string,
  digest: string,
  size: number,
): Promise<ArtifactNode> {
  const { referenceForm } = await import('../oci/reference.js');
  // The `oci:` spelling is the Konflux/StepAction convention for a tar.gz blob.
  const producers: string[] = referenceForm(reference) === 'oci' ? ['konflux-trusted-artifact'] : [];
  return {
    name: repository.split('/').at(-1) ?? repository,
    direction: 'output',
    producers,
    reportedAt: [],
    location: reference,
    reference: `${repository}@${digest}`,
    digest,
    digestRefersTo: 'blob',
    size,
    state: 'present',
    // No TaskRun vouches for it: its task's outcome is unknown.
    usable: false,
    files: [{ digest, size, mediaType: blobMediaType(producers) }],
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
