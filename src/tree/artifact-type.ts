/**
 * `--artifact-type`: what show keeps and pull fetches. One comparison for both, so that a type
 * show prints (an artifact's or a referrer's artifactType, media type, or a file's media type)
 * is a type pull can select. Pure.
 */
import type { ArtifactNode, FileEntry, ReferrerNode } from './model.js';

/** A media type without its parameters (`text/spdx+json; charset=utf-8` → `text/spdx+json`). */
function bare(mediaType: string): string {
  return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Whether the node itself is of one of `types`: its artifactType, media type, or a file's media type. */
export function hasArtifactType(
  node: { artifactType?: string; mediaType?: string; files: FileEntry[] },
  types: readonly string[],
): boolean {
  const own = [node.artifactType, node.mediaType, ...node.files.map((file) => file.mediaType)]
    .filter((type): type is string => type !== undefined && type !== '')
    .map(bare);
  return types.some((type) => own.includes(bare(type)));
}

/** The referrers of `types`, with the way down to those deeper (a non-matching referrer stays as the path). */
function referrersOfType(referrers: ReferrerNode[], types: readonly string[]): ReferrerNode[] {
  return referrers.flatMap((referrer) => {
    if (hasArtifactType(referrer, types)) return [referrer];
    const below = referrersOfType(referrer.referrers, types);
    return below.length > 0 ? [{ ...referrer, referrers: below }] : [];
  });
}

/**
 * The artifact as `--artifact-type` shows it: whole when it is of the type; cut to its referrers
 * (and its platforms' referrers) of the type when only those are; undefined when nothing is.
 */
export function filterArtifactByType(node: ArtifactNode, types: readonly string[]): ArtifactNode | undefined {
  if (types.length === 0 || hasArtifactType(node, types)) return node;
  const referrers = referrersOfType(node.referrers, types);
  const platforms = node.platforms.map((platform) => ({
    ...platform,
    referrers: referrersOfType(platform.referrers, types),
  }));
  if (referrers.length === 0 && platforms.every((platform) => platform.referrers.length === 0))
    return undefined;
  return { ...node, referrers, platforms };
}
