/**
 * One artifact given by reference (`--artifact-ref`, or a Konflux `oci:<repo>@sha256:<blob>` URI
 * as RUN), turned into the same ArtifactNode a run's tree holds, so the rest of pull does not
 * care how it was found. A digest is tried as a manifest first, then as a blob (Konflux URIs name
 * the tar.gz blob itself).
 */
import { CliError } from '../cli/errors.js';
import type { ArtifactNode } from '../tree/model.js';
import { isNotFound } from '../oci/errors.js';
import type { ContentStore } from '../tree/ports.js';
import type { Candidate } from './select.js';
import { blobArtifactNode, ociUriBlob } from '../tree/blob.js';
import { titledFiles } from './referrers.js';

export async function resolveSingle(reference: string, store: ContentStore): Promise<Candidate> {
  const [{ parseReference, repositoryName, referenceForm }, { classifyManifest }] = await Promise.all([
    import('../oci/reference.js'),
    import('../formats/manifest.js'),
  ]);
  const parsed = parseReference(reference);
  const repository = repositoryName(parsed);
  const lastSegment = parsed.repository.split('/').at(-1) ?? parsed.repository;
  const base = {
    direction: 'output' as const,
    reportedAt: [],
    location: reference,
    state: 'present' as const,
    usable: true,
    platforms: [],
    referrers: [],
  };

  // pull takes what it is given: a blob named by reference is the user's to vouch for.
  const blob = (node: ArtifactNode): Candidate => ({ node: { ...node, usable: true }, named: true });
  const notFound = (digest: string) =>
    new CliError(
      `${repository} has neither a manifest nor a blob ${digest}`,
      'notFound',
      'Check the reference; a Konflux trusted artifact looks like oci:<registry>/<repository>@sha256:<digest of the tar.gz>.',
    );

  // Konflux and the StepActions hand out oci:<repo>@<blob digest>: asked for as a blob first.
  const blobFirst = referenceForm(reference) === 'oci' && parsed.digest !== undefined;
  const named = blobFirst ? await ociUriBlob(reference, store) : undefined;
  if (named) return blob(named);
  let fetched;
  try {
    fetched = await store.fetchManifest(repository, parsed.digest ?? parsed.tag ?? 'latest');
  } catch (error) {
    // Not a manifest: a registry says unknown; an OCI layout (one store for both) finds the blob
    // and fails to decode it as a manifest.
    const notAManifest = isNotFound(error) || (error as { code?: unknown }).code === 'MANIFEST_INVALID';
    if (!notAManifest || parsed.digest === undefined) throw error;
    if (blobFirst) throw notFound(parsed.digest);
    const size = await store.blobSize(repository, parsed.digest);
    if (size === undefined) throw notFound(parsed.digest);
    return blob(await blobArtifactNode(reference, repository, parsed.digest, size));
  }

  const classified = classifyManifest(fetched.manifest, {
    descriptor: { digest: fetched.descriptor.digest, size: fetched.descriptor.size },
  });
  if (classified.manifests !== undefined)
    throw new CliError(
      `${reference} is an image index (${classified.manifests.length} manifests): pull images with a container tool (oras copy, crane, skopeo)`,
      'usage',
    );
  const node: ArtifactNode = {
    ...base,
    // Named as the producer named it, else after the repository (as the prototype's <repo>/<name>).
    name:
      classified.annotations['dev.tekton.artifact/name'] ??
      classified.annotations['tekton.dev/artifact.name'] ??
      lastSegment,
    producers: [classified.producer],
    reference: `${repository}@${fetched.descriptor.digest}`,
    digest: fetched.descriptor.digest,
    digestRefersTo: 'manifest',
    mediaType: fetched.descriptor.mediaType,
    // cosign titles no layer: its signatures, attestations and SBOMs get names of their kind.
    files:
      classified.kind === 'signature' || classified.kind === 'attestation' || classified.kind === 'sbom'
        ? titledFiles(classified.kind, classified.files)
        : classified.files.map((file) => ({ ...file })),
  };
  if (classified.artifactType !== undefined) node.artifactType = classified.artifactType;
  return { node, named: true };
}
