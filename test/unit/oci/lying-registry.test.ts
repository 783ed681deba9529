// A loopback HTTP server that lies, for what real registries will not do on demand: wrong bytes,
// wrong sizes, wrong digest headers, rate limits, resets, odd referrers answers, endless pages.
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EMPTY_JSON,
  MAX_MANIFEST_BYTES,
  MediaType,
  OciError,
  RegistryClient,
  RemoteRepository,
  VerificationError,
  digestOf,
  encodeManifest,
  referrersTag,
  walk,
  type Descriptor,
  type ImageManifest,
} from '../../../src/oci/index.js';
import {
  collect,
  json,
  registryError,
  startServer,
  type Handler,
  type TestServer,
} from '../../support/http-server.js';

let server: TestServer;
let client: RegistryClient;
let repo: RemoteRepository;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.close());
beforeEach(async () => {
  server.requests.length = 0;
  await client?.close();
  client = new RegistryClient(server.host, { plainHttp: true, retry: { baseDelayMs: 5, maxDelayMs: 2000 } });
  repo = new RemoteRepository(client, 'lies');
});

function route(routes: Record<string, Handler>): void {
  server.handler = (req, res, body) => {
    const key = `${req.method} ${req.url}`;
    const h = routes[key] ?? routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
    if (h) return h(req, res, body);
    registryError(res, 404, 'NAME_UNKNOWN', `no route ${key}`);
  };
}

const good = Buffer.from('the bytes the manifest promised');
const desc: Descriptor = { mediaType: 'application/octet-stream', digest: digestOf(good), size: good.length };
const artifact = (subject?: Descriptor, n = 0): ImageManifest => ({
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  artifactType: 'application/vnd.test',
  config: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 },
  layers: [desc],
  annotations: { n: String(n) },
  ...(subject ? { subject } : {}),
});

async function failure(p: Promise<unknown>): Promise<OciError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OciError);
  return e as OciError;
}

describe('blobs that do not match', () => {
  it('same length, other bytes: DIGEST_MISMATCH', async () => {
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) =>
        r.writeHead(200, { 'content-length': String(good.length) }).end(Buffer.from(good).fill(0x41, 0, 3)),
    });
    const e = await failure(text(await repo.fetch(desc)));
    expect(e).toBeInstanceOf(VerificationError);
    expect(e.code).toBe('DIGEST_MISMATCH');
    expect(e.registry).toBe(server.host);
    expect(e.repository).toBe('lies');
  });

  it('announced size differs: SIZE_MISMATCH before reading', async () => {
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) =>
        r
          .writeHead(200, { 'content-length': String(good.length + 5) })
          .end(Buffer.concat([good, Buffer.from('extra')])),
    });
    expect((await failure(repo.fetch(desc))).code).toBe('SIZE_MISMATCH');
  });

  it('chunked encoding with trailing data, or cut short: SIZE_MISMATCH', async () => {
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) => {
        r.writeHead(200);
        r.write(good);
        r.end('trailing');
      },
    });
    const e1 = await failure(text(await repo.fetch(desc)));
    expect(e1.message).toMatch(/trailing data/);
    route({ [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) => r.writeHead(200).end(good.subarray(0, 4)) });
    const e2 = await failure(text(await repo.fetch(desc)));
    expect(e2.code).toBe('SIZE_MISMATCH');
    expect(e2.message).toMatch(/too short/);
  });

  it('a connection cut mid-body is an error, not a short file', async () => {
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) => {
        r.writeHead(200, { 'content-length': String(good.length) });
        r.write(good.subarray(0, 5));
        setTimeout(() => r.socket?.destroy(), 20);
      },
    });
    const e = await failure(text(await repo.fetch(desc)));
    expect(['UNREACHABLE', 'SIZE_MISMATCH']).toContain(e.code);
  });
});

describe('manifests that do not match', () => {
  const { bytes, descriptor } = encodeManifest(artifact());

  it('by digest, other content: DIGEST_MISMATCH', async () => {
    const other = encodeManifest(artifact(undefined, 1)).bytes;
    route({
      [`GET /v2/lies/manifests/${descriptor.digest}`]: (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(other),
    });
    expect((await failure(repo.fetchManifest(descriptor))).code).toBe('DIGEST_MISMATCH');
    expect((await failure(repo.fetchManifest(descriptor.digest))).code).toBe('DIGEST_MISMATCH');
  });

  it('by tag, Docker-Content-Digest disagrees with the body: DIGEST_MISMATCH', async () => {
    route({
      'GET /v2/lies/manifests/v1': (_q, r) =>
        r
          .writeHead(200, { 'content-type': MediaType.OciManifest, 'docker-content-digest': digestOf('x') })
          .end(bytes),
    });
    expect((await failure(repo.fetchManifest('v1'))).code).toBe('DIGEST_MISMATCH');
  });

  it('HEAD by digest answering for another digest: DIGEST_MISMATCH', async () => {
    route({
      [`HEAD /v2/lies/manifests/${descriptor.digest}`]: (_q, r) =>
        r
          .writeHead(200, {
            'content-type': MediaType.OciManifest,
            'docker-content-digest': digestOf('x'),
            'content-length': String(bytes.length),
          })
          .end(),
    });
    expect((await failure(repo.resolve(descriptor.digest))).code).toBe('DIGEST_MISMATCH');
  });

  it('HEAD without a digest falls back to GET and computes it', async () => {
    route({
      'HEAD /v2/lies/manifests/v1': (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(),
      'GET /v2/lies/manifests/v1': (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(bytes),
    });
    expect(await repo.resolve('v1')).toEqual({
      mediaType: MediaType.OciManifest,
      digest: descriptor.digest,
      size: bytes.length,
      artifactType: 'application/vnd.test',
    });
  });

  it('over 4 MiB, announced or not: TOO_LARGE', async () => {
    const huge = Buffer.alloc(MAX_MANIFEST_BYTES + 10, 0x20);
    route({
      'GET /v2/lies/manifests/big': (_q, r) =>
        r.writeHead(200, { 'content-length': String(huge.length) }).end(huge),
    });
    expect((await failure(repo.fetchManifest('big'))).code).toBe('TOO_LARGE');
    route({
      'GET /v2/lies/manifests/big': (_q, r) => {
        r.writeHead(200);
        r.end(huge);
      },
    });
    expect((await failure(repo.fetchManifest('big'))).code).toBe('TOO_LARGE');
  });

  it('a body that is not a manifest: ManifestError naming the field', async () => {
    route({
      'GET /v2/lies/manifests/v1': (_q, r) =>
        r
          .writeHead(200, { 'content-type': MediaType.OciManifest })
          .end('{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:00","size":1},"layers":[]}'),
    });
    const e = await failure(repo.fetchManifest('v1'));
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toMatch(/config\.digest/);
  });
});

describe('retries', () => {
  it('honours Retry-After on 429', async () => {
    let n = 0;
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) => {
        if (n++ === 0) {
          r.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          r.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
          return;
        }
        r.writeHead(200, { 'content-length': String(good.length) }).end(good);
      },
    });
    const t0 = Date.now();
    expect(await text(await repo.fetch(desc))).toBe(good.toString());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('retries 503 and connection resets, then gives up with the registry code and a hint', async () => {
    let n = 0;
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) => {
        n++;
        if (n === 1) return void r.socket?.destroy();
        if (n === 2) return void r.writeHead(503).end('busy');
        r.writeHead(200, { 'content-length': String(good.length) }).end(good);
      },
    });
    expect(await text(await repo.fetch(desc))).toBe(good.toString());
    expect(n).toBe(3);
    route({ [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) => void r.writeHead(503).end() });
    server.requests.length = 0;
    const e = await failure(repo.fetch(desc));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.status).toBe(503);
    expect(e.hint).toMatch(/retry later/);
    expect(server.requests).toHaveLength(6);
  });

  it('does not retry 4xx; maps the errors body', async () => {
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: (_q, r) =>
        registryError(r, 403, 'DENIED', 'requested access to the resource is denied'),
    });
    const e = await failure(repo.fetch(desc));
    expect(e.code).toBe('DENIED');
    expect(e.message).toMatch(/DENIED: requested access to the resource is denied/);
    expect(e.hint).toMatch(/do not allow reading/);
    expect(server.requests).toHaveLength(1);
  });

  it('an unreachable registry fails fast with UNREACHABLE', async () => {
    const dead = new RegistryClient('127.0.0.1:1', { plainHttp: true });
    const e = await failure(new RemoteRepository(dead, 'x').resolve('v1'));
    expect(e.code).toBe('UNREACHABLE');
    expect(e.hint).toMatch(/host and port/);
    await dead.close();
  });
});

describe('referrers from odd registries', () => {
  const subject = encodeManifest(artifact());
  const sub: Descriptor = subject.descriptor;

  it('a fallback tag that resolves to the subject itself means no referrers', async () => {
    route({
      [`GET /v2/lies/referrers/${sub.digest}`]: (_q, r) =>
        r.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found'),
      [`GET /v2/lies/manifests/${referrersTag(sub.digest)}`]: (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(subject.bytes),
    });
    expect(await repo.referrers(sub)).toEqual([]);
    expect(repo.referrersMode()).toBe('tag-schema');
  });

  it('a referrers answer that is not an index means unsupported (fallback)', async () => {
    const ref = encodeManifest(artifact(sub, 2));
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [{ ...ref.descriptor, artifactType: 'application/vnd.test' }],
    };
    route({
      [`GET /v2/lies/referrers/${sub.digest}`]: (_q, r) => json(r, 200, { hello: 'world' }),
      [`GET /v2/lies/manifests/${referrersTag(sub.digest)}`]: (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciIndex }).end(JSON.stringify(index)),
    });
    expect((await repo.referrers(sub)).map((d) => d.digest)).toEqual([ref.descriptor.digest]);
  });

  it('NAME_UNKNOWN from the API is an error, not "unsupported"', async () => {
    route({
      [`GET /v2/lies/referrers/${sub.digest}`]: (_q, r) =>
        registryError(r, 404, 'NAME_UNKNOWN', 'repository name not known to registry'),
    });
    expect((await failure(repo.referrers(sub))).code).toBe('NAME_UNKNOWN');
    expect(repo.referrersMode()).toBeUndefined();
  });

  it('follows Link pages and filters when the server did not', async () => {
    const a = { mediaType: MediaType.OciManifest, digest: digestOf('a'), size: 1, artifactType: 'x/keep' };
    const b = { mediaType: MediaType.OciManifest, digest: digestOf('b'), size: 1, artifactType: 'x/drop' };
    const c = { mediaType: MediaType.OciManifest, digest: digestOf('c'), size: 1, artifactType: 'x/keep' };
    const page =
      (manifests: Descriptor[], link?: string) => (_q: unknown, r: import('node:http').ServerResponse) => {
        const headers: Record<string, string> = { 'content-type': MediaType.OciIndex };
        if (link) headers.link = `<${link}>; rel="next"`;
        r.writeHead(200, headers).end(
          JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }),
        );
      };
    route({
      [`GET /v2/lies/referrers/${sub.digest}?artifactType=x%2Fkeep`]: page(
        [a, b],
        `/v2/lies/referrers/${sub.digest}?page=2`,
      ),
      [`GET /v2/lies/referrers/${sub.digest}?page=2`]: page([c, a]),
    });
    expect((await repo.referrers(sub, { artifactType: 'x/keep' })).map((d) => d.digest)).toEqual([
      a.digest,
      c.digest,
    ]);
  });

  it('survives a referrers cycle A → B → A', async () => {
    const A = encodeManifest(artifact(undefined, 10));
    const B = encodeManifest(artifact(A.descriptor, 11));
    const listing = (d: Descriptor) => (_q: unknown, r: import('node:http').ServerResponse) =>
      r.writeHead(200, { 'content-type': MediaType.OciIndex }).end(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OciIndex,
          manifests: [{ ...d, artifactType: 'application/vnd.test' }],
        }),
      );
    route({
      [`GET /v2/lies/manifests/${A.descriptor.digest}`]: (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(A.bytes),
      [`GET /v2/lies/manifests/${B.descriptor.digest}`]: (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(B.bytes),
      [`GET /v2/lies/referrers/${A.descriptor.digest}`]: listing(B.descriptor),
      [`GET /v2/lies/referrers/${B.descriptor.digest}`]: listing(A.descriptor),
    });
    const root = await walk(repo, A.descriptor);
    expect(root.referrers[0]!.descriptor.digest).toBe(B.descriptor.digest);
    expect(root.referrers[0]!.referrers[0]).toMatchObject({ repeated: true });
    expect(root.referrers[0]!.referrers[0]!.referrers).toEqual([]);
  });
});

describe('pagination that never ends', () => {
  it('tags: a Link loop or a link to another host is a PROTOCOL error', async () => {
    route({
      'GET /v2/lies/tags/list': (_q, r) =>
        json(r, 200, { name: 'lies', tags: ['a'] }, { link: '</v2/lies/tags/list?n=1&last=a>; rel="next"' }),
      'GET /v2/lies/tags/list?n=1&last=a': (_q, r) =>
        json(r, 200, { name: 'lies', tags: ['b'] }, { link: '</v2/lies/tags/list?n=1&last=a>; rel="next"' }),
    });
    const e = await failure(collect(repo.tags()));
    expect(e.code).toBe('PROTOCOL');
    expect(e.message).toMatch(/does not end/);
    route({
      'GET /v2/lies/tags/list': (_q, r) =>
        json(
          r,
          200,
          { name: 'lies', tags: ['a'] },
          { link: '<http://127.0.0.2:1/v2/lies/tags/list?last=a>; rel="next"' },
        ),
    });
    expect((await failure(collect(repo.tags()))).message).toMatch(/another host/);
  });
});

describe('deletion refused', () => {
  it('405 UNSUPPORTED says deletion is disabled', async () => {
    route({
      [`DELETE /v2/lies/blobs/${desc.digest}`]: (_q, r) =>
        registryError(r, 405, 'UNSUPPORTED', 'The operation is unsupported.'),
    });
    const e = await failure(repo.delete(desc));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/deletion is disabled/);
  });
});

describe('limits', () => {
  it('keeps at most `concurrency` requests in flight per registry', async () => {
    let active = 0;
    let peak = 0;
    route({
      [`GET /v2/lies/blobs/${desc.digest}`]: async (_q, r) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((res) => setTimeout(res, 30));
        active--;
        r.writeHead(200, { 'content-length': String(good.length) }).end(good);
      },
    });
    const bounded = new RegistryClient(server.host, { plainHttp: true, concurrency: 3 });
    const r = new RemoteRepository(bounded, 'lies');
    const bodies = await Promise.all(Array.from({ length: 12 }, async () => text(await r.fetch(desc))));
    expect(bodies.every((b) => b === good.toString())).toBe(true);
    expect(peak).toBe(3);
    expect(bounded.limiter.inFlight).toBe(0);
    await bounded.close();
  });

  it('times out a registry that never answers, and honours abort signals', async () => {
    route({ [`GET /v2/lies/blobs/${desc.digest}`]: () => undefined });
    const slow = new RegistryClient(server.host, {
      plainHttp: true,
      timeouts: { headersMs: 300 },
      retry: { maxRetries: 0 },
    });
    const e = await failure(new RemoteRepository(slow, 'lies').fetch(desc));
    expect(e.code).toBe('TIMEOUT');
    const ac = new AbortController();
    const pending = new RemoteRepository(slow, 'lies').fetch(desc, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await failure(pending)).code).toBe('ABORTED');
    expect(slow.limiter.inFlight).toBe(0);
    await slow.close();
  });
});
