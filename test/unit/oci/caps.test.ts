// The OCI client's caps against a registry that answers without end (issue 12): oversized JSON
// (token answers included), pages that never end (new or repeated content), too many referrers,
// one oversized referrer among good ones, and bodies sent at a trickle. No real registry can be
// made to do these, so an in-process server plays the liar. Memory cases are measured by this
// process (peak RSS growth, sampled), with bounds far above what the caps allow and far below what
// reading without them costs. Nothing here asserts a duration.
import { getEventListeners } from 'node:events';
import type { ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toCliError } from '../../../src/cli/errors.js';
import {
  DeadlineError,
  EMPTY_JSON,
  LimitError,
  MAX_REFERRERS_PAGE_BYTES,
  MAX_TOKEN_RESPONSE_BYTES,
  MediaType,
  OciError,
  RegistryClient,
  RemoteRepository,
  digestOf,
  encodeManifest,
  walk,
  type Descriptor,
  type ImageManifest,
  type RegistryOptions,
  type RepositoryOptions,
} from '../../../src/oci/index.js';
import {
  collect,
  json,
  registryError,
  startServer,
  type Handler,
  type TestServer,
} from '../../support/http-server.js';

const MiB = 1024 * 1024;

let server: TestServer;
let clients: RegistryClient[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.close());
beforeEach(async () => {
  server.requests.length = 0;
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
});

function repository(options: RepositoryOptions = {}, client: RegistryOptions = {}): RemoteRepository {
  const c = new RegistryClient(server.host, { plainHttp: true, retry: { maxRetries: 0 }, ...client });
  clients.push(c);
  return new RemoteRepository(c, 'caps', options);
}

/** Routes by `METHOD path` (query ignored), 404 NAME_UNKNOWN otherwise. */
function route(routes: Record<string, Handler>): void {
  server.handler = (req, res, body) => {
    const h = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
    if (h) return h(req, res, body);
    registryError(res, 404, 'NAME_UNKNOWN', 'no such route');
  };
}

async function failure(p: Promise<unknown>): Promise<OciError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OciError);
  return e as OciError;
}

/** Runs `fn` while sampling this process's RSS; returns its outcome and the peak growth in bytes. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ outcome: T; growth: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  try {
    const outcome = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { outcome, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Streams `prefix` then filler until `total` bytes, honouring backpressure, and stops when the
 * client goes away: the server never holds more than a chunk, so the client's reading is measured.
 */
function endless(
  res: ServerResponse,
  prefix: string,
  total: number,
  headers: Record<string, string> = {},
): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  let closed = false;
  res.on('close', () => (closed = true));
  const pump = (): void => {
    if (sent === 0) {
      res.write(prefix);
      sent += prefix.length;
    }
    while (!closed && sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!closed) res.end('"}');
  };
  pump();
}

const blob = Buffer.from(
  'one hundred bytes of blob, give or take; the content matters less than how it arrives..',
);
const blobDesc: Descriptor = {
  mediaType: 'application/octet-stream',
  digest: digestOf(blob),
  size: blob.length,
};

function artifact(
  subject: Descriptor | undefined,
  n: number,
  annotations: Record<string, string> = {},
): ImageManifest {
  return {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: 'application/vnd.test',
    config: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 },
    layers: [blobDesc],
    annotations: { n: String(n), ...annotations },
    ...(subject ? { subject } : {}),
  };
}

const subject = encodeManifest(artifact(undefined, 0));

/** A referrers page (an OCI index), with a `next` link when given. */
function referrersPage(res: ServerResponse, manifests: Descriptor[], next?: string): void {
  const headers: Record<string, string> = { 'content-type': MediaType.OciIndex };
  if (next) headers.link = `<${next}>; rel="next"`;
  res
    .writeHead(200, headers)
    .end(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
}

/** `count` distinct referrer descriptors, numbered from `from`. */
function fakeReferrers(from: number, count: number): Descriptor[] {
  return Array.from({ length: count }, (_, i) => ({
    mediaType: MediaType.OciManifest,
    digest: digestOf(`referrer ${from + i}`),
    size: 500,
    artifactType: 'application/vnd.test',
  }));
}

describe('bytes of a JSON answer', () => {
  it('a 50 MB token answer is refused at 1 MiB, without reading it whole', async () => {
    route({
      'GET /v2/caps/manifests/v1': (_q, r) =>
        r
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${server.host}/token",service="caps"`,
          })
          .end(),
      'GET /token': (_q, r) => endless(r, '{"token":"', 50 * 1000 * 1000),
    });
    const repo = repository();
    const { outcome: e, growth } = await peakRssGrowth(() => failure(repo.fetchManifest('v1')));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.code).toBe('TOO_LARGE');
    expect((e as LimitError).limit).toBe('maxTokenResponseBytes');
    expect((e as LimitError).max).toBe(MAX_TOKEN_RESPONSE_BYTES);
    expect(e.message).toMatch(/token service's answer .* over the 1048576-byte limit/);
    expect(e.hint).toMatch(/maxTokenResponseBytes/);
    expect(toCliError(e).exitCode).toBe(8);
    expect(growth).toBeLessThan(48 * MiB);
  });

  it('a token answer announcing 50 MB is refused before its body is read', async () => {
    route({
      'GET /v2/caps/manifests/v1': (_q, r) =>
        r.writeHead(401, { 'www-authenticate': `Bearer realm="http://${server.host}/token"` }).end(),
      'GET /token': (_q, r) =>
        endless(r, '{"token":"', 50 * 1000 * 1000, { 'content-length': String(50 * 1000 * 1000 + 2) }),
    });
    const e = await failure(repository().fetchManifest('v1'));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.message).toMatch(/is 50000002 bytes, over the 1048576-byte limit/);
  });

  it('a referrers page over 16 MiB is refused at the cap', async () => {
    route({
      [`GET /v2/caps/referrers/${subject.descriptor.digest}`]: (_q, r) =>
        endless(r, `{"schemaVersion":2,"mediaType":"${MediaType.OciIndex}","manifests":[],"x":"`, 200 * MiB, {
          'content-type': MediaType.OciIndex,
        }),
    });
    const repo = repository();
    const { outcome: e, growth } = await peakRssGrowth(() => failure(repo.referrers(subject.descriptor)));
    expect(e).toBeInstanceOf(LimitError);
    expect((e as LimitError).limit).toBe('maxReferrersPageBytes');
    expect((e as LimitError).max).toBe(MAX_REFERRERS_PAGE_BYTES);
    expect(growth).toBeLessThan(120 * MiB);
  });

  it('a tags page over 32 MiB is refused at the cap', async () => {
    route({ 'GET /v2/caps/tags/list': (_q, r) => endless(r, '{"name":"caps","tags":["', 300 * MiB) });
    const repo = repository();
    const { outcome: e, growth } = await peakRssGrowth(() => failure(collect(repo.tags())));
    expect(e).toBeInstanceOf(LimitError);
    expect((e as LimitError).limit).toBe('maxTagsPageBytes');
    expect(growth).toBeLessThan(200 * MiB);
  });
});

describe('listings that never end', () => {
  const listing = `/v2/caps/referrers/${subject.descriptor.digest}`;

  it('pages repeating the same content under new links stop at the first repeat', async () => {
    route({
      [`GET ${listing}`]: (q, r) => {
        const n = Number(new URL(q.url ?? '', 'http://x').searchParams.get('page') ?? '0');
        referrersPage(r, fakeReferrers(0, 3), `${listing}?page=${n + 1}`);
      },
    });
    const e = await failure(repository().referrers(subject.descriptor));
    expect(e.code).toBe('PROTOCOL');
    expect(e.message).toMatch(/page 2 repeats page 1 under a new link/);
    expect(server.requests).toHaveLength(2);
  });

  it('pages of new referrers without end stop at maxReferrers, memory bounded', async () => {
    const perPage = 1000;
    route({
      [`GET ${listing}`]: (q, r) => {
        const n = Number(new URL(q.url ?? '', 'http://x').searchParams.get('page') ?? '0');
        referrersPage(r, fakeReferrers(n * perPage, perPage), `${listing}?page=${n + 1}`);
      },
    });
    const repo = repository(); // the defaults: 100 000 referrers, 10 000 pages
    const { outcome: e, growth } = await peakRssGrowth(() => failure(repo.referrers(subject.descriptor)));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect((e as LimitError).limit).toBe('maxReferrers');
    expect(e.message).toMatch(/has more than 100000 referrers/);
    expect(e.hint).toMatch(/maxReferrers/);
    expect(toCliError(e).exitCode).toBe(8);
    expect(server.requests).toHaveLength(101);
    expect(growth).toBeLessThan(400 * MiB);
  });

  it('maxPages ends a listing whose pages are all different', async () => {
    route({
      [`GET ${listing}`]: (q, r) => {
        const n = Number(new URL(q.url ?? '', 'http://x').searchParams.get('page') ?? '0');
        referrersPage(r, fakeReferrers(n, 1), `${listing}?page=${n + 1}`);
      },
    });
    const e = await failure(repository({ maxPages: 5 }).referrers(subject.descriptor));
    expect(e).toBeInstanceOf(LimitError);
    expect((e as LimitError).limit).toBe('maxPages');
    expect(e.message).toMatch(/more than 5 pages/);
    expect(server.requests).toHaveLength(5);
  });

  it('tags pages repeating the same content are refused too', async () => {
    route({
      'GET /v2/caps/tags/list': (q, r) => {
        const n = Number(new URL(q.url ?? '', 'http://x').searchParams.get('page') ?? '0');
        json(
          r,
          200,
          { name: 'caps', tags: ['a', 'b'] },
          { link: `</v2/caps/tags/list?page=${n + 1}>; rel="next"` },
        );
      },
    });
    const e = await failure(collect(repository().tags()));
    expect(e.message).toMatch(/repeats page 1/);
  });
});

describe('one referrer too large to list', () => {
  const refs = [1, 2, 3].map((n) => encodeManifest(artifact(subject.descriptor, n)));
  const bigAnnotations = { 'vnd.test.padding': 'x'.repeat(5 * MiB) };
  const big = encodeManifest(artifact(subject.descriptor, 4, bigAnnotations));
  const listed: Descriptor[] = [
    ...refs.map((r) => ({ ...r.descriptor, artifactType: 'application/vnd.test' })),
    { ...big.descriptor, artifactType: 'application/vnd.test', annotations: { n: '4', ...bigAnnotations } },
  ];

  beforeEach(() => {
    const routes: Record<string, Handler> = {
      [`GET /v2/caps/referrers/${subject.descriptor.digest}`]: (_q, r) => referrersPage(r, listed),
      [`GET /v2/caps/manifests/${subject.descriptor.digest}`]: (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(subject.bytes),
    };
    for (const m of [...refs, big]) {
      routes[`GET /v2/caps/manifests/${m.descriptor.digest}`] = (_q, r) =>
        r.writeHead(200, { 'content-type': MediaType.OciManifest }).end(m.bytes);
      routes[`GET /v2/caps/referrers/${m.descriptor.digest}`] = (_q, r) => referrersPage(r, []);
    }
    route(routes);
  });

  it('is listed without its annotations and reported; the others are kept whole', async () => {
    const reported: [Descriptor, OciError][] = [];
    const list = await repository().referrers(subject.descriptor, {
      onOversized: (d, e) => reported.push([d, e]),
    });
    expect(list.map((d) => d.digest)).toEqual(listed.map((d) => d.digest));
    expect(list.slice(0, 3)).toEqual(listed.slice(0, 3));
    expect(list[3]).toEqual({
      mediaType: MediaType.OciManifest,
      digest: big.descriptor.digest,
      size: big.descriptor.size,
      artifactType: 'application/vnd.test',
    });
    expect(reported).toHaveLength(1);
    const [d, e] = reported[0]!;
    expect(d.digest).toBe(big.descriptor.digest);
    expect(e).toBeInstanceOf(LimitError);
    expect(e.code).toBe('TOO_LARGE');
    expect((e as LimitError).limit).toBe('maxReferrerBytes');
    expect(e.message).toContain(big.descriptor.digest);
  });

  it('a walk keeps the other referrers and puts the error on that one node', async () => {
    const root = await walk(repository(), subject.descriptor);
    expect(root.referrersError).toBeUndefined();
    const byDigest = new Map(root.referrers.map((n) => [n.descriptor.digest, n]));
    for (const r of refs) {
      const n = byDigest.get(r.descriptor.digest)!;
      expect(n.error).toBeUndefined();
      expect(n.manifest).toBeDefined();
    }
    const bigNode = byDigest.get(big.descriptor.digest)!;
    expect(bigNode.error).toBeInstanceOf(LimitError);
    expect(bigNode.error?.code).toBe('TOO_LARGE');
    // Not fetched: its manifest (over 4 MiB) was never requested.
    expect(server.requests.some((q) => q.url.endsWith(`/manifests/${big.descriptor.digest}`))).toBe(false);
  });
});

describe('an overall deadline per request', () => {
  it('a blob sent at a trickle fails with DeadlineError once the deadline passes', async () => {
    let sent = 0;
    route({
      [`GET /v2/caps/blobs/${blobDesc.digest}`]: (_q, r) => {
        r.writeHead(200, { 'content-length': String(blob.length) });
        const timer = setInterval(() => {
          if (r.destroyed || sent >= blob.length - 1) return clearInterval(timer);
          r.write(blob.subarray(sent, sent + 1));
          sent++;
        }, 100);
        r.on('close', () => clearInterval(timer));
      },
    });
    const repo = repository({}, { timeouts: { requestMs: 1000 } });
    const e = await failure(repo.fetch(blobDesc).then((s) => text(s)));
    expect(e).toBeInstanceOf(DeadlineError);
    expect(e.code).toBe('TIMEOUT');
    expect((e as DeadlineError).limitMs).toBe(1000);
    expect(e.message).toMatch(/not complete within the 1 s request deadline/);
    expect(e.hint).toMatch(/timeouts\.requestMs/);
    expect(toCliError(e).exitCode).toBe(6);
    // It ended mid-body: the server had sent some bytes, and not all of them.
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(blob.length - 1);
  });

  it('a registry that never answers fails with DeadlineError, not after the 120 s header timeout', async () => {
    route({ 'GET /v2/caps/manifests/v1': () => undefined });
    const e = await failure(repository({}, { timeouts: { requestMs: 300 } }).fetchManifest('v1'));
    expect(e).toBeInstanceOf(DeadlineError);
    expect(e.message).toMatch(/GET 127\.0\.0\.1:\d+\/caps: not complete within the 0\.3 s request deadline/);
  });

  it('a whole command’s deadline (timeouts.until, --timeout) ends a request before its own', async () => {
    route({ 'GET /v2/caps/manifests/v1': () => undefined });
    const until = Date.now() + 300;
    const e = await failure(repository({}, { timeouts: { requestMs: 60_000, until } }).fetchManifest('v1'));
    expect(e).toBeInstanceOf(DeadlineError);
    expect(e.message).toMatch(/GET 127\.0\.0\.1:\d+\/caps: stopped at the overall deadline/);
    expect(e.hint).toContain(new Date(until).toISOString());
    expect(e.hint).toMatch(/--timeout/);
    expect(toCliError(e).exitCode).toBe(6);
  });

  it('a deadline already past fails the next request at once, as a deadline', async () => {
    let asked = 0;
    route({
      'GET /v2/caps/manifests/v1': () => {
        asked++;
      },
    });
    const e = await failure(repository({}, { timeouts: { until: Date.now() - 1000 } }).fetchManifest('v1'));
    expect(e).toBeInstanceOf(DeadlineError);
    expect(e.message).toMatch(/overall deadline/);
    expect(asked).toBeLessThanOrEqual(1);
  });

  it('a caller’s own cancel stays ABORTED', async () => {
    route({ 'GET /v2/caps/manifests/v1': () => undefined });
    const controller = new AbortController();
    const p = repository({}, { timeouts: { requestMs: 60_000 } }).fetchManifest('v1', {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const e = await failure(p);
    expect(e).not.toBeInstanceOf(DeadlineError);
    expect(e.code).toBe('ABORTED');
  });

  it('finished requests leave no listener on the caller’s signal (a gc plan shares one over 90,000)', async () => {
    route({
      [`GET /v2/caps/blobs/${blobDesc.digest}`]: (_q, r) => {
        r.writeHead(200, { 'content-length': String(blob.length) });
        r.end(blob);
      },
    });
    const controller = new AbortController();
    const repo = repository({}, { timeouts: { requestMs: 60_000 } });
    for (let i = 0; i < 3; i++) await text(await repo.fetch(blobDesc, { signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
