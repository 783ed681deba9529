// An in-process HTTP server for unit tests of the OCI client: a registry that lies, a redirector
// on another loopback address, a token issuer, a plain-HTTP peer of a TLS one. For faults no real registry can be made to show.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => unknown;

export interface TestServer {
  host: string; // address:port
  url: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  handler: Handler;
  close(): Promise<void>;
}

export async function startServer(
  address = '127.0.0.1',
  handler: Handler = (_q, r) => r.writeHead(404).end(),
): Promise<TestServer> {
  const state: TestServer = {
    host: '',
    url: '',
    requests: [],
    handler,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      Promise.resolve(state.handler(req, res, Buffer.concat(chunks))).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.host = `${address}:${port}`;
  state.url = `http://${state.host}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(bytes.length),
    ...headers,
  });
  res.end(bytes);
}

export function registryError(res: http.ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { errors: [{ code, message }] });
}

/** Drains an async iterable into an array (listings under test). */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
