// TLS: verified by default (system + bundled CAs), an extra CA from caFile, `insecure` for one
// registry only (never for a host it redirects to), and clear errors for HTTP/HTTPS mix-ups.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OciError,
  RegistryClient,
  RemoteRepository,
  digestOf,
  type RegistryOptions,
} from '../../../src/oci/index.js';
import { startServer, type TestServer } from '../../support/http-server.js';

const blob = Buffer.from('served over TLS');
const digest = digestOf(blob);
const desc = { mediaType: 'application/octet-stream', digest, size: blob.length };

let certFile: string;
let tlsRegistry: { host: string; close(): Promise<void> };
let tlsStorage: { host: string; close(): Promise<void> };
let plain: TestServer;
let dir: string;

async function startHttps(dir: string, handler: RequestListener, address = '127.0.0.1') {
  const server = https.createServer(
    { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    host: `${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tkn-oci-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-subj',
      '/CN=tkn-artifacts test registry',
      '-addext',
      'subjectAltName=IP:127.0.0.1,IP:127.0.0.2',
    ],
    { stdio: 'ignore' },
  );
  certFile = path.join(dir, 'cert.pem');
  tlsStorage = await startHttps(
    dir,
    (_req, res) => res.writeHead(200, { 'content-length': String(blob.length) }).end(blob),
    '127.0.0.2',
  );
  tlsRegistry = await startHttps(dir, (req, res) => {
    if (req.url === `/v2/r/blobs/${digest}`)
      res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
    else if (req.url === `/v2/redirect/blobs/${digest}`)
      res.writeHead(307, { location: `https://${tlsStorage.host}/obj` }).end();
    else res.writeHead(404).end();
  });
  plain = await startServer('127.0.0.1', (_req, res) =>
    res.writeHead(200, { 'content-length': String(blob.length) }).end(blob),
  );
});
afterAll(async () => {
  await tlsRegistry?.close();
  await tlsStorage?.close();
  await plain?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function fetchVia(host: string, repo: string, options: RegistryOptions): Promise<string> {
  const client = new RegistryClient(host, { retry: { maxRetries: 0 }, ...options });
  try {
    return await text(await new RemoteRepository(client, repo).fetch(desc));
  } finally {
    await client.close();
  }
}

async function failure(p: Promise<unknown>): Promise<OciError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OciError);
  return e as OciError;
}

describe('TLS', () => {
  it('refuses an unknown CA with a hint', async () => {
    const e = await failure(fetchVia(tlsRegistry.host, 'r', {}));
    expect(e.code).toBe('TLS');
    expect(e.hint).toMatch(/--ca-file/);
  });

  it('trusts an extra CA from caFile', async () => {
    expect(await fetchVia(tlsRegistry.host, 'r', { caFile: certFile })).toBe(blob.toString());
  });

  it('skips verification with insecure, but not for the host a redirect goes to', async () => {
    expect(await fetchVia(tlsRegistry.host, 'r', { insecure: true })).toBe(blob.toString());
    expect((await failure(fetchVia(tlsRegistry.host, 'redirect', { insecure: true }))).code).toBe('TLS');
    // With the CA trusted, the redirect target verifies too.
    expect(await fetchVia(tlsRegistry.host, 'redirect', { caFile: certFile })).toBe(blob.toString());
  });

  it('explains HTTPS spoken to a plain-HTTP server and the reverse', async () => {
    const toPlain = await failure(fetchVia(plain.host, 'r', { plainHttp: false }));
    expect(toPlain.code).toBe('TLS');
    expect(toPlain.hint).toMatch(/--plain-http/);
    const toTls = await failure(fetchVia(tlsRegistry.host, 'r', { plainHttp: true }));
    expect(['PROTOCOL', 'UNREACHABLE', 'UNAVAILABLE']).toContain(toTls.code);
  });

  it('a missing caFile is a clear error', () => {
    expect(() => new RegistryClient('example.com', { caFile: '/nonexistent/ca.pem' })).toThrow(
      /cannot read CA file/,
    );
  });
});
