/**
 * A loopback HTTP proxy in front of a real registry that misbehaves on blob downloads, for what a
 * real registry will not do on demand: cut the connection after N bytes of a blob (every time, or
 * only the first few times), flip one byte of a blob and send it with the right length, or send
 * N bytes and then hold the connection open without sending more (a download in flight, for as
 * long as a test needs one). Everything else (manifests, HEADs, the /v2/ ping) passes through
 * untouched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyMode =
  | { kind: 'pass' }
  /** Close the socket after `after` bytes of a blob body; only the first `times` downloads of each blob if set. */
  | { kind: 'cut'; after: number; times?: number }
  /** Send the blob (or manifest fetched by digest) with one byte flipped in its middle (same length, wrong digest). */
  | { kind: 'flip'; target?: Target }
  /** Send `after` bytes of a blob (or manifest) body, then nothing more, keeping the connection open. */
  | { kind: 'stall'; after: number; target?: Target };

/** What a fault applies to: blob downloads (the default), or manifests fetched by digest. */
export type Target = 'blobs' | 'manifests';

export interface FaultyProxy {
  host: string;
  mode: ProxyMode;
  /** Blob GETs seen, per digest. */
  blobGets: Map<string, number>;
  /** Every request passed on, as `METHOD /path` (query dropped), in order. */
  requests: string[];
  /** Resolves once `count` blob downloads have stalled (mode `stall`) since the last reset. */
  stalled(count: number): Promise<void>;
  resetStalls(): void;
  close(): Promise<void>;
}

const BLOB_GET = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/;
const MANIFEST_GET = /^\/v2\/.+\/manifests\/(sha256:[0-9a-f]{64})$/;

export async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const [upstreamHost, upstreamPort] = upstream.split(':') as [string, string];
  let stalls = 0;
  // Stalls count for requests made since the last reset: a process killed in the previous test
  // can have a request whose upstream answer only arrives, and stalls, after the reset.
  let epoch = 0;
  let stallWaiters: { count: number; wake: () => void }[] = [];
  const noteStall = (requestEpoch: number) => {
    if (requestEpoch !== epoch) return;
    stalls++;
    stallWaiters = stallWaiters.filter((waiter) => {
      if (stalls < waiter.count) return true;
      waiter.wake();
      return false;
    });
  };
  const state: FaultyProxy = {
    host: '',
    mode: { kind: 'pass' },
    blobGets: new Map(),
    requests: [],
    stalled: (count) =>
      stalls >= count ? Promise.resolve() : new Promise((wake) => stallWaiters.push({ count, wake })),
    resetStalls: () => {
      stalls = 0;
      epoch++;
    },
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const requestEpoch = epoch;
    state.requests.push(`${req.method ?? '?'} ${path}`);
    const blob = req.method === 'GET' ? BLOB_GET.exec(path)?.[1] : undefined;
    const manifest = req.method === 'GET' ? MANIFEST_GET.exec(path)?.[1] : undefined;
    const digest = blob;
    let seen = 0;
    if (digest) {
      seen = (state.blobGets.get(digest) ?? 0) + 1;
      state.blobGets.set(digest, seen);
    }
    const upstreamRequest = http.request(
      {
        host: upstreamHost,
        port: Number(upstreamPort),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream },
      },
      (upstreamResponse) => {
        const mode = state.mode;
        const target: Target =
          mode.kind === 'flip' || mode.kind === 'stall' ? (mode.target ?? 'blobs') : 'blobs';
        const aimed = target === 'blobs' ? blob !== undefined : manifest !== undefined;
        const faulty =
          aimed &&
          upstreamResponse.statusCode === 200 &&
          (mode.kind === 'flip' ||
            mode.kind === 'stall' ||
            (mode.kind === 'cut' && (mode.times === undefined || seen <= mode.times)));
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        if (!faulty) {
          upstreamResponse.pipe(res);
          return;
        }
        const length = Number(upstreamResponse.headers['content-length'] ?? 0);
        let offset = 0;
        let held = false;
        upstreamResponse.on('data', (chunk: Buffer) => {
          if (mode.kind === 'stall') {
            const room = mode.after - offset;
            if (room > 0) res.write(chunk.subarray(0, room));
            offset += chunk.byteLength;
            if (offset >= mode.after && !held) {
              // Read no more from upstream; the client's response stays open, waiting, until the
              // client goes away.
              held = true;
              upstreamResponse.pause();
              res.once('close', () => upstreamResponse.destroy());
              noteStall(requestEpoch);
            }
            return;
          }
          if (mode.kind === 'cut') {
            const room = mode.after - offset;
            if (room > 0) res.write(chunk.subarray(0, room));
            offset += chunk.byteLength;
            if (offset >= mode.after) {
              upstreamResponse.destroy();
              // Mid-body, with the headers promising more: the client sees the connection drop.
              res.socket?.destroy();
            }
            return;
          }
          const middle = length >> 1;
          if (middle >= offset && middle < offset + chunk.byteLength) {
            const copy = Buffer.from(chunk);
            copy[middle - offset] = (copy[middle - offset] as number) ^ 0x20;
            chunk = copy;
          }
          offset += chunk.byteLength;
          res.write(chunk);
        });
        upstreamResponse.on('end', () => {
          if (mode.kind !== 'stall') res.end();
        });
      },
    );
    upstreamRequest.on('error', () => res.destroy());
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  state.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
