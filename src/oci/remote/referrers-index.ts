// The referrers tag schema (distribution-spec 1.1 "fallback"): for registries without the
// referrers API, clients keep an image index of a subject's referrers under the tag `<alg>-<hex>`.
// Pure list logic here; the read-merge-push cycle lives in RemoteRepository.
import { parseDigest } from '../digest.js';
import { MediaType, type Descriptor, type ImageIndex } from '../manifest.js';

/** `sha256:abc…` → `sha256-abc…` (algorithm ≤ 32 and hex ≤ 64 characters, as the spec limits tags). */
export function referrersTag(subjectDigest: string): string {
  const { algorithm, hex } = parseDigest(subjectDigest);
  return `${algorithm.slice(0, 32)}-${hex.slice(0, 64)}`;
}

/** True for tags that look like fallback tags (`oras repo tags --exclude-digest-tags` hides these). */
export function isReferrersTag(tag: string): boolean {
  return /^(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{64})$/.test(tag);
}

/** Keeps the first entry per digest, in order. */
export function dedupeDescriptors(list: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  const out: Descriptor[] = [];
  for (const d of list) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    out.push(d);
  }
  return out;
}

export function filterByArtifactType(
  list: readonly Descriptor[],
  artifactType: string | undefined,
): Descriptor[] {
  if (artifactType === undefined || artifactType === '') return [...list];
  return list.filter((d) => d.artifactType === artifactType);
}

export interface ReferrersUpdate {
  /** A referrer to add (skipped if its digest is already listed). */
  add?: Descriptor[];
  /** Digests to remove. */
  remove?: string[];
}

/**
 * Applies an update to a fallback list: removes, de-duplicates, appends new entries. `changed`
 * is false when the stored index would be the same (then nothing is pushed).
 */
export function updateReferrersList(
  existing: readonly Descriptor[],
  update: ReferrersUpdate,
): { manifests: Descriptor[]; changed: boolean } {
  const remove = new Set(update.remove ?? []);
  const kept = dedupeDescriptors(existing.filter((d) => !remove.has(d.digest)));
  const present = new Set(kept.map((d) => d.digest));
  const added: Descriptor[] = [];
  for (const d of update.add ?? []) {
    if (present.has(d.digest)) continue;
    present.add(d.digest);
    added.push(stripForIndex(d));
  }
  const manifests = [...kept, ...added];
  const changed = added.length > 0 || kept.length !== existing.length;
  return { manifests, changed };
}

/** A referrer entry carries mediaType, digest, size, artifactType and annotations — no embedded data. */
function stripForIndex(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.artifactType !== undefined) out.artifactType = d.artifactType;
  if (d.annotations !== undefined && Object.keys(d.annotations).length > 0)
    out.annotations = { ...d.annotations };
  return out;
}

export function buildReferrersIndex(manifests: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
}
