/**
 * Referrers pull can write: with `--artifact-type`, the signatures, attestations and SBOMs of that
 * type attached to an artifact (OCI 1.1 referrers and cosign's tag-stored ones alike), each as an
 * artifact of its own beside the one it is attached to. Pure.
 *
 * Named after what they are attached to: `IMAGE.sig`, `IMAGE.att`, `IMAGE.sbom` for cosign's tags
 * (the tag's own suffix), `IMAGE.<kind>-<12 hex>` for a referrer (several can be attached), with
 * the platform in between for a platform's (`IMAGE.linux-amd64.sig`).
 */
import { hasArtifactType } from '../tree/artifact-type.js';
import type { ArtifactNode, FileEntry, ReferrerNode } from '../tree/model.js';

function repositoryOf(reference: string): string {
  const at = reference.lastIndexOf('@');
  return at > 0 ? reference.slice(0, at) : reference;
}

function nameOf(base: string, referrer: ReferrerNode): string {
  if (referrer.tag) return `${base}.${referrer.tag.slice(referrer.tag.lastIndexOf('.') + 1)}`;
  const hex = referrer.digest.slice(referrer.digest.indexOf(':') + 1, referrer.digest.indexOf(':') + 13);
  return `${base}.${referrer.kind}-${hex}`;
}

/** A file name for a layer without a title (cosign titles none): `signature.json`, `sbom-2.spdx`. */
function extensionOf(mediaType: string): string {
  const bare = (mediaType.split(';')[0] ?? '').trim();
  if (bare.endsWith('+json') || bare.endsWith('/json')) return '.json';
  if (bare.endsWith('+xml') || bare.endsWith('/xml')) return '.xml';
  if (bare === 'text/spdx') return '.spdx';
  return '';
}

export function titledFiles(kind: string, files: FileEntry[]): FileEntry[] {
  const untitled = files.filter((file) => file.title === undefined).length;
  let n = 0;
  return files.map((file) => {
    if (file.title !== undefined) return file;
    n++;
    return { ...file, title: `${kind}${untitled > 1 ? `-${n}` : ''}${extensionOf(file.mediaType)}` };
  });
}

function asArtifact(parent: ArtifactNode, name: string, referrer: ReferrerNode): ArtifactNode {
  const node: ArtifactNode = {
    name,
    direction: 'output',
    producers: [referrer.tag ? 'cosign' : referrer.kind],
    reportedAt: [],
    // cosign's tags can be in another repository (COSIGN_REPOSITORY); referrers are beside their subject.
    reference: `${referrer.repository ?? repositoryOf(parent.reference ?? '')}@${referrer.digest}`,
    digest: referrer.digest,
    digestRefersTo: 'manifest',
    size: referrer.size,
    mediaType: referrer.mediaType,
    state: referrer.failure ? 'error' : 'present',
    usable: parent.usable,
    files: titledFiles(referrer.kind, referrer.files),
    platforms: [],
    referrers: [],
  };
  if (referrer.artifactType) node.artifactType = referrer.artifactType;
  if (referrer.error !== undefined) node.error = referrer.error;
  if (referrer.failure) node.failure = referrer.failure;
  return node;
}

function collect(
  parent: ArtifactNode,
  base: string,
  referrers: ReferrerNode[],
  types: readonly string[],
  out: ArtifactNode[],
): void {
  for (const referrer of referrers) {
    const name = nameOf(base, referrer);
    if (hasArtifactType(referrer, types)) out.push(asArtifact(parent, name, referrer));
    collect(parent, name, referrer.referrers, types, out);
  }
}

/** The referrers of `types` below `node` (its own and its platforms'), as artifacts to pull. */
export function referrerArtifacts(node: ArtifactNode, types: readonly string[]): ArtifactNode[] {
  const out: ArtifactNode[] = [];
  collect(node, node.name, node.referrers, types, out);
  for (const platform of node.platforms)
    collect(node, `${node.name}.${platform.platform.replace(/\//g, '-')}`, platform.referrers, types, out);
  return out;
}
