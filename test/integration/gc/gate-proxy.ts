/**
 * A loopback proxy in front of a real registry, for what a registry will not do on demand: refuse
 * deletes from the N-th on (403 DENIED, as a registry whose credentials lack delete rights), or
 * hold the N-th delete until the test lets it through (a gc caught mid-apply, to be killed or to
 * race a writer). Everything else passes through untouched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GateProxy {
  host: string;
  /** Deletes from this one on (1-based) are refused with 403 DENIED. */
  denyFrom: number | undefined;
  /** This delete (1-based) is held until release(). */
  holdAt: number | undefined;
  /** Deletes seen so far. */
  deletes: number;
  /** Resolves when the held delete has arrived. */
  held(): Promise<void>;
  /** Lets the held delete through to the registry. */
  release(): void;
  close(): Promise<void>;
}

export async function startGateProxy(upstream: string): Promise<GateProxy> {
  const [upstreamHost, upstreamPort] = upstream.split(':') as [string, string];
  let heldResolve: () => void = () => undefined;
  const heldPromise = new Promise<void>((r) => (heldResolve = r));
  let releaseHeld: () => void = () => undefined;
  const releasePromise = new Promise<void>((r) => (releaseHeld = r));
  const state: GateProxy = {
    host: '',
    denyFrom: undefined,
    holdAt: undefined,
    deletes: 0,
    held: () => heldPromise,
    release: () => releaseHeld(),
    close: async () => undefined,
  };
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void => {
    const up = http.request(
      {
        host: upstreamHost,
        port: Number(upstreamPort),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    up.end(body);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method !== 'DELETE') return forward(req, res, body);
      const n = ++state.deletes;
      if (state.denyFrom !== undefined && n >= state.denyFrom) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ errors: [{ code: 'DENIED', message: 'delete refused by the test proxy' }] }),
        );
        return;
      }
      if (state.holdAt !== undefined && n === state.holdAt) {
        heldResolve();
        // Forwarded once released, even if the client is gone by then: the registry applies a
        // delete its client never heard back about (the worst moment to be killed).
        void releasePromise.then(() => {
          const up = http.request({
            host: upstreamHost,
            port: Number(upstreamPort),
            method: 'DELETE',
            path: req.url,
            headers: { ...req.headers, host: upstream },
          });
          up.on('response', (upRes) => {
            if (!res.destroyed && !res.headersSent) {
              res.writeHead(upRes.statusCode ?? 502, upRes.headers);
              upRes.pipe(res);
            } else upRes.resume();
          });
          up.on('error', () => res.destroy());
          up.end(body);
        });
        return;
      }
      forward(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
