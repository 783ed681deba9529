// Blob uploads: HEAD first (pushed only when missing), a cross-repository mount when asked, then
// one PUT for buffers and small streams or PATCH chunks for large ones; bytes verified on the way
// out, and the upload session cancelled on failure so no partial blob stays behind.
import type { Readable } from 'node:stream';
import { VerifyingStream, isDigest, parseDigest, verifyBytes } from '../digest.js';
import { OciError, VerificationError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import type { PushOptions } from '../target.js';
import type { RegistryResponse } from './client.js';
import type { RepositoryEndpoint } from './endpoint.js';
import { discard } from './transport.js';

export interface UploadOptions {
  /** Streams larger than this are uploaded in chunks. */
  chunkThreshold: number;
  chunkSize: number;
}

/** The registry's Docker-Content-Digest must be what we pushed (when it uses the same algorithm). */
export function checkStoredDigest(
  endpoint: RepositoryEndpoint,
  res: RegistryResponse,
  expected: string,
): void {
  const stored = res.header('docker-content-digest');
  if (
    stored &&
    isDigest(stored) &&
    stored !== expected &&
    parseDigest(stored).algorithm === parseDigest(expected).algorithm
  ) {
    throw new VerificationError(
      'DIGEST_MISMATCH',
      `${endpoint.name}: pushed ${expected}, the registry stored ${stored}`,
      { digest: expected, size: 0 },
      { digest: stored, size: 0 },
      endpoint.ctx(),
    );
  }
}

/** Uploads a blob the registry does not have yet (`exists` tells). */
export async function pushBlob(
  endpoint: RepositoryEndpoint,
  descriptor: Descriptor,
  content: Readable | Uint8Array,
  options: PushOptions & UploadOptions & { exists: () => Promise<boolean> },
): Promise<void> {
  const signal = options.signal;
  const drop = (): void => {
    if (!(content instanceof Uint8Array)) content.destroy();
  };
  if (content instanceof Uint8Array) verifyBytes(content, descriptor, endpoint.ctx());
  if (await options.exists()) {
    drop();
    return;
  }
  const session = await startUpload(endpoint, descriptor, options.mountFrom, signal);
  if (session === 'mounted') {
    drop();
    return;
  }
  try {
    if (content instanceof Uint8Array || descriptor.size <= options.chunkThreshold) {
      await putMonolithic(endpoint, descriptor, content, new URL(session.href), signal);
    } else {
      await putChunked(endpoint, descriptor, content, new URL(session.href), options.chunkSize, signal);
    }
  } catch (err) {
    // Abandon the upload session so the registry does not keep a partial blob around.
    await endpoint
      .send({ method: 'DELETE', path: session.toString(), retry: false })
      .then(discard)
      .catch(() => undefined);
    throw err;
  }
}

/** POSTs an upload session (or a mount, which may complete at once); returns where to send the bytes. */
async function startUpload(
  endpoint: RepositoryEndpoint,
  descriptor: Descriptor,
  mountFrom: string | undefined,
  signal?: AbortSignal,
): Promise<URL | 'mounted'> {
  const uploads = `/v2/${endpoint.repository}/blobs/uploads/`;
  const mount = mountFrom && mountFrom !== endpoint.repository;
  const q = mount ? `?${new URLSearchParams({ mount: descriptor.digest, from: mountFrom }).toString()}` : '';
  const req = { method: 'POST' as const, path: `${uploads}${q}` };
  const res = await endpoint.send({
    ...req,
    ...(mount ? { extraScopes: [`repository:${mountFrom}:pull`] } : {}),
    headers: { 'content-length': '0' },
    signal,
  });
  if (mount && res.status === 201) {
    discard(res);
    checkStoredDigest(endpoint, res, descriptor.digest);
    return 'mounted';
  }
  if (res.status !== 202)
    await endpoint.fail(res, req, `${mount ? 'mount into' : 'upload to'} ${endpoint.name}`);
  discard(res);
  const location = res.header('location');
  if (!location)
    throw new OciError(
      'PROTOCOL',
      `${endpoint.name}: upload started without a Location header`,
      endpoint.ctx(),
    );
  return new URL(location, res.url);
}

async function putMonolithic(
  endpoint: RepositoryEndpoint,
  descriptor: Descriptor,
  content: Readable | Uint8Array,
  url: URL,
  signal?: AbortSignal,
): Promise<void> {
  url.searchParams.set('digest', descriptor.digest);
  let body: Uint8Array | Readable;
  let verifier: VerifyingStream | undefined;
  if (content instanceof Uint8Array) body = content;
  else {
    verifier = new VerifyingStream(descriptor, endpoint.ctx());
    content.on('error', (e) => verifier!.destroy(e));
    body = content.pipe(verifier);
  }
  let res: RegistryResponse;
  try {
    res = await endpoint.send({
      method: 'PUT',
      path: url.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
      body,
      signal,
    });
  } catch (err) {
    // A verification failure aborts the request body; report that rather than the socket error.
    const v = verifier?.errored;
    if (v instanceof OciError) throw v;
    throw err;
  }
  if (verifier?.errored instanceof OciError) {
    discard(res);
    throw verifier.errored;
  }
  await finishUpload(endpoint, res, url, descriptor);
}

/** The closing PUT's answer: 201 (or 200/204 from lenient registries) with the digest we sent. */
async function finishUpload(
  endpoint: RepositoryEndpoint,
  res: RegistryResponse,
  url: URL,
  descriptor: Descriptor,
): Promise<void> {
  if (res.status !== 201 && res.status !== 204 && res.status !== 200)
    await endpoint.fail(res, { method: 'PUT', path: url.pathname }, `upload to ${endpoint.name}`);
  discard(res);
  checkStoredDigest(endpoint, res, descriptor.digest);
}

async function putChunked(
  endpoint: RepositoryEndpoint,
  descriptor: Descriptor,
  content: Readable,
  url: URL,
  chunkSize: number,
  signal?: AbortSignal,
): Promise<void> {
  const verifier = new VerifyingStream(descriptor, endpoint.ctx());
  content.on('error', (e) => verifier.destroy(e));
  content.pipe(verifier);
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let current = url;
  const flush = async (): Promise<void> => {
    if (pendingSize === 0) return;
    const chunk = Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
    const res = await endpoint.send({
      method: 'PATCH',
      path: current.toString(),
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${offset}-${offset + chunk.byteLength - 1}`,
      },
      body: chunk,
      signal,
    });
    if (res.status !== 202 && res.status !== 204)
      await endpoint.fail(
        res,
        { method: 'PATCH', path: current.pathname },
        `chunked upload to ${endpoint.name}`,
      );
    discard(res);
    offset += chunk.byteLength;
    const loc = res.header('location');
    if (loc) current = new URL(loc, res.url);
  };
  for await (const c of verifier as AsyncIterable<Buffer>) {
    let chunk = c;
    while (chunk.byteLength > 0) {
      const take = Math.min(chunk.byteLength, chunkSize - pendingSize);
      pending.push(chunk.subarray(0, take));
      pendingSize += take;
      chunk = chunk.subarray(take);
      if (pendingSize === chunkSize) await flush();
    }
  }
  await flush();
  current.searchParams.set('digest', descriptor.digest);
  const res = await endpoint.send({
    method: 'PUT',
    path: current.toString(),
    headers: { 'content-length': '0' },
    body: new Uint8Array(0),
    signal,
  });
  await finishUpload(endpoint, res, current, descriptor);
}
