// Direct blob downloads (src/oci/remote/direct.ts, download.ts) against in-process HTTP(S)
// servers: the plain answer lands in the file verified; anything else is declined before a file
// is made (the caller goes through the usual path); a body that breaks off, lies, or is aborted
// fails with the error pull retries on or reports.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  OciError,
  RegistryClient,
  RemoteRepository,
  VerificationError,
  digestOf,
} from '../../../src/oci/index.js';
import { plainResponse } from '../../../src/oci/remote/direct.js';
import { selfSignedCert } from '../../env/services/pki.js';
import { startServer, type Handler, type TestServer } from '../../support/http-server.js';

const blob = randomBytes(3 * 1024 ** 2 + 12345);
const digest = digestOf(blob);
const desc = { mediaType: 'application/octet-stream', digest, size: blob.length };
const blobPath = `/v2/r/blobs/${digest}`;

let server: TestServer;
let dir: string;
let n = 0;
const target = () => path.join(dir, `file-${n++}`);

function repository(
  host: string,
  options: ConstructorParameters<typeof RegistryClient>[1] = {},
): RemoteRepository {
  return new RemoteRepository(
    new RegistryClient(host, { plainHttp: true, retry: { maxRetries: 0 }, ...options }),
    'r',
  );
}

function serve(handler: Handler): void {
  server.handler = handler;
}

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(path.join(tmpdir(), 'tkn-oci-direct-'));
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

describe('plainResponse', () => {
  it('takes a 200 with one matching Content-Length', () => {
    expect(plainResponse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y', 5)).toBeUndefined();
    expect(plainResponse('HTTP/1.0 200\r\ncontent-length:5', 5)).toBeUndefined();
  });
  it('declines every other answer, saying why', () => {
    expect(plainResponse('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0', 5)).toBe('status 401');
    expect(plainResponse('HTTP/1.1 307 Temporary Redirect\r\nLocation: /x', 5)).toBe('status 307');
    expect(plainResponse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', 5)).toBe('transfer coding');
    expect(plainResponse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Encoding: gzip', 5)).toBe(
      'content coding',
    );
    expect(plainResponse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5', 5)).toBe(
      'no single Content-Length',
    );
    expect(plainResponse('HTTP/1.1 200 OK\r\nContent-Length: 5x', 5)).toBe('no single Content-Length');
    expect(plainResponse('HTTP/1.1 200 OK\r\nContent-Length: 6', 5)).toBe('Content-Length 6, expected 5');
    expect(plainResponse('HTTP/2 200', 5)).toBe('not an HTTP/1.1 response');
    expect(plainResponse('HTTP/1.1 200 OK\r\nno colon here', 5)).toBe('malformed header line');
  });
});

describe('RemoteRepository.downloadDirect', () => {
  it('writes the blob to a new file, verified, with the credentials the client sends up front', async () => {
    serve((req, res) => {
      if (req.headers.authorization !== 'Basic dTpw') {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return;
      }
      res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
    });
    const repo = repository(server.host, {
      credentials: [{ source: 'test', get: async () => ({ username: 'u', password: 'p' }) }],
    });
    // The first request learns the scheme (the usual path answers the challenge) ...
    await repo.exists(desc);
    server.requests.length = 0;
    const file = target();
    let counted = 0;
    // ... after which the direct GET carries the credentials up front.
    expect(await repo.downloadDirect(desc, file, { onBytes: (bytes) => (counted += bytes) })).toBe(true);
    expect(readFileSync(file).equals(blob)).toBe(true);
    expect(counted).toBe(blob.length);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${blobPath}`]);
  });

  it.each([
    ['a challenge', (_q: unknown, res: import('node:http').ServerResponse) => res.writeHead(401).end()],
    [
      'a redirect',
      (_q: unknown, res: import('node:http').ServerResponse) =>
        res.writeHead(307, { location: 'http://127.0.0.2:1/elsewhere' }).end(),
    ],
    [
      'chunked framing',
      (_q: unknown, res: import('node:http').ServerResponse) => {
        res.writeHead(200);
        res.end(blob);
      },
    ],
    [
      'another length',
      (_q: unknown, res: import('node:http').ServerResponse) =>
        res.writeHead(200, { 'content-length': '10' }).end(blob.subarray(0, 10)),
    ],
    ['an error', (_q: unknown, res: import('node:http').ServerResponse) => res.writeHead(404).end()],
  ])('declines %s, leaving no file', async (_what, handler) => {
    serve(handler);
    const file = target();
    expect(await repository(server.host).downloadDirect(desc, file)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('leaves small blobs and manifests to fetch(), asking nothing', async () => {
    const small = Buffer.from('small');
    const repo = repository(server.host);
    expect(
      await repo.downloadDirect(
        { mediaType: 'application/octet-stream', digest: digestOf(small), size: small.length },
        target(),
      ),
    ).toBe(false);
    expect(
      await repo.downloadDirect(
        { ...desc, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
        target(),
      ),
    ).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('fails with UNREACHABLE when the body breaks off (pull retries on it)', async () => {
    serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.write(blob.subarray(0, 1024 ** 2), () => res.destroy());
    });
    const error = await repository(server.host)
      .downloadDirect(desc, target())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).code).toBe('UNREACHABLE');
    expect((error as OciError).message).toMatch(
      /the download broke off after \d+ of \d+ bytes \(the connection closed\)/,
    );
  });

  it('fails with DIGEST_MISMATCH when the bytes are not the blob', async () => {
    const lie = Buffer.from(blob);
    lie.writeUInt8(lie.readUInt8(lie.length - 1) ^ 1, lie.length - 1);
    serve((_req, res) => res.writeHead(200, { 'content-length': String(lie.length) }).end(lie));
    const error = await repository(server.host)
      .downloadDirect(desc, target())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect((error as VerificationError).code).toBe('DIGEST_MISMATCH');
  });

  it('stops when its signal aborts mid-body', async () => {
    const controller = new AbortController();
    serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      // Half the blob, then nothing until the client goes away.
      res.write(blob.subarray(0, blob.length / 2), () => controller.abort(new Error('stop')));
    });
    const error = await repository(server.host)
      .downloadDirect(desc, target(), { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/cancelled|stop/);
  });

  it('refuses to write over an existing file', async () => {
    serve((_req, res) => res.writeHead(200, { 'content-length': String(blob.length) }).end(blob));
    const file = target();
    expect(await repository(server.host).downloadDirect(desc, file)).toBe(true);
    await expect(repository(server.host).downloadDirect(desc, file)).rejects.toMatchObject({
      code: 'EEXIST',
    });
  });
});

describe('RemoteRepository.downloadDirect over TLS', () => {
  let tlsDir: string;
  let close: () => Promise<void>;
  let host: string;
  beforeAll(async () => {
    tlsDir = mkdtempSync(path.join(tmpdir(), 'tkn-oci-direct-tls-'));
    selfSignedCert(path.join(tlsDir, 'key.pem'), path.join(tlsDir, 'cert.pem'), '/CN=direct test', [
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const httpsServer = https.createServer(
      { key: readFileSync(path.join(tlsDir, 'key.pem')), cert: readFileSync(path.join(tlsDir, 'cert.pem')) },
      (_req, res) => res.writeHead(200, { 'content-length': String(blob.length) }).end(blob),
    );
    await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', () => resolve()));
    host = `127.0.0.1:${(httpsServer.address() as AddressInfo).port}`;
    close = () =>
      new Promise<void>((resolve) => {
        httpsServer.closeAllConnections();
        httpsServer.close(() => resolve());
      });
  });
  afterAll(async () => {
    await close?.();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });

  it('verifies the certificate against --ca-file and downloads', async () => {
    const file = target();
    const repo = repository(host, { plainHttp: false, caFile: path.join(tlsDir, 'cert.pem') });
    expect(await repo.downloadDirect(desc, file)).toBe(true);
    expect(readFileSync(file).equals(blob)).toBe(true);
  });

  it('declines an unverifiable certificate (the usual path then reports it), and downloads with insecure', async () => {
    expect(await repository(host, { plainHttp: false }).downloadDirect(desc, target())).toBe(false);
    expect(await repository(host, { plainHttp: false, insecure: true }).downloadDirect(desc, target())).toBe(
      true,
    );
  });
});
