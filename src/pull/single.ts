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

  const blob = (digest: string, size: number): Candidate => {
    const node: ArtifactNode = {
      ...base,
      name: lastSegment,
      // The `oci:` spelling is the Konflux/StepAction convention for a tar.gz blob (plan.ts extracts it).
      producers: referenceForm(reference) === 'oci' ? ['konflux-trusted-artifact'] : [],
      reference: `${repository}@${digest}`,
      digest,
      digestRefersTo: 'blob',
      size,
      files: [{ digest, size, mediaType: 'application/octet-stream' }],
    };
    return { node, named: true };
  };
  const notFound = (digest: string) =>
    new CliError(
      `${repository} has neither a manifest nor a blob ${digest}`,
      'notFound',
      'Check the reference; a Konflux trusted artifact looks like oci:<registry>/<repository>@sha256:<digest of the tar.gz>.',
    );

  // Konflux and the StepActions hand out oci:<repo>@<blob digest>: ask for the blob first (asked
  // for a manifest by a blob's digest, distribution 2.8 answers 500, which is retried for seconds).
  const blobFirst = referenceForm(reference) === 'oci' && parsed.digest !== undefined;
  if (blobFirst) {
    const size = await store.blobSize(repository, parsed.digest as string);
    if (size !== undefined) return blob(parsed.digest as string, size);
  }
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
    return blob(parsed.digest, size);
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
