// The referrers tag schema's index (`<alg>-<hex>`), read for listings and maintained on pushes
// and deletes for registries without the referrers API: read, merge, push under If-Match, then
// delete the superseded index so none leak.
import { hasCode, ManifestError, OciError } from '../errors.js';
import {
  MediaType,
  decodeManifest,
  encodeManifest,
  isIndex,
  manifestMediaType,
  type ImageIndex,
  type Manifest,
} from '../manifest.js';
import type { RequestOptions } from '../target.js';
import { KeyedMutex } from '../concurrency.js';
import type { RepositoryEndpoint } from './endpoint.js';
import { deleteManifestDigest, getManifestRaw, type RawManifest } from './manifest-io.js';
import {
  buildReferrersIndex,
  referrersTag,
  updateReferrersList,
  type ReferrersUpdate,
} from './referrers-index.js';
import { discard } from './transport.js';

const FALLBACK_RETRIES = 5;
const fallbackLocks = new KeyedMutex();

export interface FallbackIndex {
  index: ImageIndex;
  digest: string;
  etag?: string;
}

/**
 * The fallback index for `subject`, or undefined when there is none — including when the tag
 * resolves to something that is not an OCI image index (some registries answer digest-like tags
 * with the subject itself), which the spec says to treat as "no referrers".
 */
export async function readFallbackIndex(
  endpoint: RepositoryEndpoint,
  subject: string,
  options: RequestOptions = {},
): Promise<FallbackIndex | undefined> {
  let raw: RawManifest;
  try {
    raw = await getManifestRaw(endpoint, referrersTag(subject), { ...options, accept: MediaType.OciIndex });
  } catch (err) {
    if (hasCode(err, 'MANIFEST_UNKNOWN', 'NOT_FOUND')) return undefined;
    throw err;
  }
  if (raw.digest === subject) return undefined;
  let manifest: Manifest;
  try {
    manifest = decodeManifest(raw.bytes, raw.contentType);
  } catch (err) {
    if (err instanceof ManifestError) return undefined;
    throw err;
  }
  if (!isIndex(manifest) || manifestMediaType(manifest) !== MediaType.OciIndex) return undefined;
  return { index: manifest, digest: raw.digest, etag: raw.etag };
}

export interface FallbackUpdateOptions {
  signal?: AbortSignal;
  /** Leave the superseded index in place (oras CLI behaviour). */
  skipGc?: boolean;
}

/**
 * Read, merge, push, then delete the superseded index. Serialised per subject within this
 * process; across processes `If-Match` protects us where the registry honours it.
 */
export async function updateFallbackIndex(
  endpoint: RepositoryEndpoint,
  subject: string,
  update: ReferrersUpdate,
  options: FallbackUpdateOptions = {},
): Promise<void> {
  const tag = referrersTag(subject);
  await fallbackLocks.run(`${endpoint.name}:${tag}`, async () => {
    for (let attempt = 0; attempt < FALLBACK_RETRIES; attempt++) {
      if (await tryUpdate(endpoint, subject, tag, update, options)) return;
    }
    throw new OciError(
      'CONFLICT',
      `${endpoint.name}:${tag}: the referrers index kept changing under us`,
      endpoint.ctx({ hint: 'Another client is updating the same referrers list; retry.' }),
    );
  });
}

/** One read-merge-push round; false when someone else changed the index meanwhile (412). */
async function tryUpdate(
  endpoint: RepositoryEndpoint,
  subject: string,
  tag: string,
  update: ReferrersUpdate,
  { signal, skipGc }: FallbackUpdateOptions,
): Promise<boolean> {
  const old = await readFallbackIndex(endpoint, subject, { signal });
  const { manifests, changed } = updateReferrersList(old?.index.manifests ?? [], update);
  if (!changed) return true;
  if (manifests.length === 0) {
    // Empty: delete the index (which untags it) rather than keep an empty one around.
    if (!old) return true;
    try {
      await deleteManifestDigest(endpoint, old.digest, signal);
      return true;
    } catch (err) {
      if (!hasCode(err, 'UNSUPPORTED')) throw err;
      // Deletion disabled: an empty index is the next best thing.
    }
  }
  const { bytes, descriptor } = encodeManifest(buildReferrersIndex(manifests));
  const req = { method: 'PUT' as const, path: endpoint.path('manifests', tag) };
  const headers: Record<string, string> = { 'content-type': MediaType.OciIndex };
  if (old?.etag) headers['if-match'] = old.etag;
  const res = await endpoint.send({ ...req, headers, body: bytes, signal });
  if (res.status === 412) {
    discard(res);
    return false; // someone else updated it; re-read and merge again
  }
  if (res.status < 200 || res.status >= 300) await endpoint.fail(res, req, `${endpoint.name}:${tag}`);
  discard(res);
  if (old && old.digest !== descriptor.digest && !skipGc) {
    try {
      await deleteManifestDigest(endpoint, old.digest, signal);
    } catch (err) {
      // The new index is in place; a leftover old one is harmless, so do not fail the push.
      if (!hasCode(err, 'UNSUPPORTED', 'MANIFEST_UNKNOWN', 'NOT_FOUND', 'DENIED')) throw err;
    }
  }
  return true;
}
