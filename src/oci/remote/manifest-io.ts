// Raw manifest reads and deletes by path, shared by the repository and the referrers fallback
// index: bytes capped at 4 MiB, the digest computed (by tag) or checked against the header.
import { digestOf, isDigest, parseDigest } from '../digest.js';
import { OciError, VerificationError } from '../errors.js';
import { LimitError } from '../limits.js';
import { MANIFEST_MEDIA_TYPES, MAX_MANIFEST_BYTES } from '../manifest.js';
import type { RequestOptions } from '../target.js';
import type { RepositoryEndpoint } from './endpoint.js';
import { discard, readBody } from './transport.js';

export const ACCEPT_MANIFESTS = MANIFEST_MEDIA_TYPES.join(', ');
export const MANIFEST_CAP_HINT = 'Manifests over 4 MiB are refused (registries refuse to store them too).';

export interface RawManifest {
  bytes: Buffer;
  contentType?: string;
  digest: string;
  etag?: string;
}

/** GETs a manifest by tag or digest: capped, and its digest known (computed, or checked against the header). */
export async function getManifestRaw(
  endpoint: RepositoryEndpoint,
  ref: string,
  options: RequestOptions & { accept?: string } = {},
): Promise<RawManifest> {
  const req = { method: 'GET' as const, path: endpoint.path('manifests', ref) };
  const res = await endpoint.send({
    ...req,
    headers: { accept: options.accept ?? ACCEPT_MANIFESTS },
    signal: options.signal,
  });
  if (res.status < 200 || res.status >= 300)
    await endpoint.fail(res, req, `${endpoint.name}${isDigest(ref) ? '@' : ':'}${ref}`);
  let bytes: Buffer;
  try {
    bytes = await readBody(res, MAX_MANIFEST_BYTES, `manifest ${endpoint.name}:${ref}`, 'maxManifestBytes');
  } catch (err) {
    if (err instanceof LimitError)
      throw new LimitError(
        err.limit,
        err.max,
        err.message,
        endpoint.ctx({ cause: err, hint: MANIFEST_CAP_HINT }),
      );
    throw endpoint.streamError(err);
  }
  const headerDigest = res.header('docker-content-digest');
  return {
    bytes,
    contentType: res.header('content-type'),
    digest: isDigest(ref) ? ref : digestByTag(endpoint, ref, bytes, headerDigest),
    etag: res.header('etag'),
  };
}

/** The digest of a manifest read by tag: computed, in the header's algorithm, and checked against it. */
function digestByTag(
  endpoint: RepositoryEndpoint,
  ref: string,
  bytes: Buffer,
  headerDigest: string | undefined,
): string {
  const alg = headerDigest && isDigest(headerDigest) ? parseDigest(headerDigest).algorithm : 'sha256';
  const digest = digestOf(bytes, alg);
  if (headerDigest && headerDigest !== digest) {
    throw new VerificationError(
      'DIGEST_MISMATCH',
      `${endpoint.name}:${ref}: the registry says the manifest is ${headerDigest}, its content is ${digest}`,
      { digest: headerDigest, size: bytes.byteLength },
      { digest, size: bytes.byteLength },
      endpoint.ctx(),
    );
  }
  return digest;
}

export async function deleteManifestDigest(
  endpoint: RepositoryEndpoint,
  digest: string,
  signal?: AbortSignal,
): Promise<void> {
  await deleteAt(endpoint, endpoint.path('manifests', digest), `${endpoint.name}@${digest}`, signal);
}

/** DELETE with the `delete` token action; a registry with deletes disabled gives UNSUPPORTED with a hint. */
export async function deleteAt(
  endpoint: RepositoryEndpoint,
  path: string,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const req = { method: 'DELETE' as const, path };
  const res = await endpoint.send({ ...req, actions: ['delete'], signal });
  if (res.status >= 200 && res.status < 300) {
    discard(res);
    return;
  }
  const err = await endpoint.toError(res, req, what);
  if (res.status === 405 || err.code === 'UNSUPPORTED' || (res.status === 400 && err.errors.length === 0)) {
    throw new OciError('UNSUPPORTED', `cannot delete ${what}: deletion is disabled on ${endpoint.registry}`, {
      ...endpoint.ctx(),
      status: res.status,
      errors: err.errors,
      hint: 'Enable deletes on the registry (distribution: storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true), or use its own retention policies.',
    });
  }
  throw err;
}
