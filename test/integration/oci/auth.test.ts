// Auth against real registries: Basic (the env's htpasswd distribution), Bearer (a private
// distribution 2.8 with `auth: token` and a loopback token issuer), credentials from a Docker
// config; plus redirects that must not carry credentials to another host, and deletion disabled.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueRepo, type TestEnv } from '../../env/context.js';
import {
  EMPTY_JSON,
  MediaType,
  OciError,
  Registries,
  RegistryClient,
  RemoteRepository,
  digestOf,
  dockerConfigStore,
  encodeManifest,
  staticCredentialStore,
  type Descriptor,
  type ImageManifest,
} from '../../../src/oci/index.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { findBinaries } from '../../env/services/binaries.js';
import { startDistribution } from '../../env/services/distribution.js';
import type { RegistryService } from '../../env/services/registry.js';
import { startTokenIssuer, type TokenIssuer } from '../../env/services/token-auth.js';

let env: TestEnv;
beforeAll(() => {
  env = testEnv();
});

async function pushSmallArtifact(
  repo: RemoteRepository,
  content: string,
  subject?: Descriptor,
): Promise<Descriptor> {
  const layer = Buffer.from(content);
  const ld: Descriptor = {
    mediaType: 'application/octet-stream',
    digest: digestOf(layer),
    size: layer.length,
  };
  await repo.push(ld, layer);
  await repo.push(EMPTY_JSON, Buffer.from('{}'));
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: MediaType.TektonArtifact,
    config: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 },
    layers: [ld],
  };
  if (subject) m.subject = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
  const { bytes, descriptor } = encodeManifest(m);
  await repo.push(descriptor, bytes);
  return descriptor;
}

describe('Basic auth (htpasswd distribution)', () => {
  it('pushes and pulls with credentials from a Docker config.json', async () => {
    const r = env.registries.distributionBasic;
    const dir = path.join(env.runDir, 'work', `oci-dockercfg-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: { [r.host]: { auth: Buffer.from(`${r.username}:${r.password}`).toString('base64') } },
      }),
    );
    const lines: string[] = [];
    const regs = new Registries({
      hosts: { [r.host]: { plainHttp: true } },
      credentials: [dockerConfigStore(path.join(dir, 'config.json'))],
      debug: (l) => lines.push(l),
    });
    const repo = regs.repository(`${r.host}/${uniqueRepo('oci-auth/basic')}`);
    const d = await pushSmallArtifact(repo, 'basic');
    await repo.tag(d, 'v1');
    expect((await repo.resolve('v1')).digest).toBe(d.digest);
    const sub = await pushSmallArtifact(repo, 'referrer', d);
    expect((await repo.referrers(d)).map((x) => x.digest)).toEqual([sub.digest]);
    // The debug log shows requests but never the credentials.
    expect(lines.length).toBeGreaterThan(5);
    const secret = Buffer.from(`${r.username}:${r.password}`).toString('base64');
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(r.password);
    expect(lines.join('\n')).toContain('"authorization":"<redacted>"');
    await regs.close();
  });

  it('says where the rejected credentials came from, and what to do without any', async () => {
    const r = env.registries.distributionBasic;
    const wrong = new Registries({
      hosts: { [r.host]: { plainHttp: true } },
      credentials: [staticCredentialStore({ username: r.username, password: 'wrong-password' })],
    });
    const e1 = (await wrong
      .repository(`${r.host}/x/y`)
      .resolve('v1')
      .catch((e: unknown) => e)) as OciError;
    expect(e1.code).toBe('UNAUTHORIZED');
    expect(e1.hint).toMatch(/command-line flags were rejected/);
    expect(e1.message).not.toContain('wrong-password');
    const none = new Registries({ hosts: { [r.host]: { plainHttp: true } } });
    const e2 = (await none
      .repository(`${r.host}/x/y`)
      .resolve('v1')
      .catch((e: unknown) => e)) as OciError;
    expect(e2.code).toBe('UNAUTHORIZED');
    expect(e2.hint).toMatch(/needs credentials; log in/);
    await Promise.all([wrong.close(), none.close()]);
  });
});

describe('Bearer token auth (distribution `auth: token`)', () => {
  let issuer: TokenIssuer;
  let registry: RegistryService;
  beforeAll(async () => {
    const dir = path.join(env.runDir, 'oci-token-registry');
    issuer = await startTokenIssuer(path.join(dir, 'issuer'), { bob: 'builder' });
    registry = await startDistribution(env.runDir, findBinaries(), {
      name: 'oci-token-registry',
      extraConfig: `auth:
  token:
    realm: ${issuer.server.url}/token
    service: ${issuer.service}
    issuer: ${issuer.issuer}
    rootcertbundle: ${issuer.certFile}
`,
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await issuer?.server.close();
  });

  it('gets tokens per scope, caches them, asks for delete only when deleting', async () => {
    issuer.issued.length = 0;
    const regs = new Registries({
      hosts: { [registry.host]: { plainHttp: true } },
      credentials: [staticCredentialStore({ username: 'bob', password: 'builder' }, registry.host)],
    });
    const name = uniqueRepo('oci-auth/bearer');
    const repo = regs.repository(`${registry.host}/${name}`);
    const root = await pushSmallArtifact(repo, 'root');
    const ref = await pushSmallArtifact(repo, 'referrer', root);
    expect((await repo.referrers(root)).map((d) => d.digest)).toEqual([ref.digest]);
    await repo.delete(ref);
    expect(await repo.referrers(root)).toEqual([]);
    const scopes = issuer.issued.map((i) => i.scopes.join(' '));
    expect(issuer.issued.every((i) => i.user === 'bob')).toBe(true);
    expect(scopes).toContain(`repository:${name}:pull,push`);
    expect(scopes).toContain(`repository:${name}:delete`);
    expect(scopes).toContain(`repository:${name}:pull`);
    // One token per distinct scope: cached, not fetched per request.
    expect(new Set(scopes).size).toBe(scopes.length);
    await regs.close();
  });

  it('exchanges an identity (refresh) token through the OAuth2 POST', async () => {
    issuer.issued.length = 0;
    const regs = new Registries({
      hosts: { [registry.host]: { plainHttp: true } },
      credentials: [staticCredentialStore({ identityToken: 'refresh-bob' })],
    });
    const repo = regs.repository(`${registry.host}/${uniqueRepo('oci-auth/identity')}`);
    const d = await pushSmallArtifact(repo, 'via identity token');
    expect((await repo.fetchManifest(d)).descriptor.digest).toBe(d.digest);
    expect(issuer.issued.length).toBeGreaterThan(0);
    expect(issuer.issued.every((i) => i.user === 'bob')).toBe(true);
    expect(issuer.server.requests.filter((r) => r.method === 'POST').length).toBe(issuer.issued.length);
    await regs.close();
  });

  it('renews an expired token', async () => {
    issuer.issued.length = 0;
    issuer.expiresIn = 1;
    try {
      const regs = new Registries({
        hosts: { [registry.host]: { plainHttp: true } },
        credentials: [staticCredentialStore({ username: 'bob', password: 'builder' })],
      });
      const repo = regs.repository(`${registry.host}/${uniqueRepo('oci-auth/expiry')}`);
      const d = await pushSmallArtifact(repo, 'x');
      const before = issuer.issued.length;
      await new Promise((r) => setTimeout(r, 1200));
      expect((await repo.fetchManifest(d)).descriptor.digest).toBe(d.digest);
      expect(issuer.issued.length).toBeGreaterThan(before);
      await regs.close();
    } finally {
      issuer.expiresIn = 300;
    }
  });

  it('reports anonymous refusal and bad credentials as UNAUTHORIZED with a hint', async () => {
    const anon = new Registries({ hosts: { [registry.host]: { plainHttp: true } } });
    const repo = anon.repository(`${registry.host}/${uniqueRepo('oci-auth/anon')}`);
    const [d] = [{ mediaType: 'application/octet-stream', digest: digestOf('x'), size: 1 }];
    const e1 = (await repo.push(d, Buffer.from('x')).catch((e: unknown) => e)) as OciError;
    expect(e1.code).toBe('UNAUTHORIZED');
    expect(e1.hint).toMatch(/log in/);
    const bad = new Registries({
      hosts: { [registry.host]: { plainHttp: true } },
      credentials: [staticCredentialStore({ username: 'bob', password: 'nope' })],
    });
    const e2 = (await bad
      .repository(`${registry.host}/a/b`)
      .resolve('v1')
      .catch((e: unknown) => e)) as OciError;
    expect(e2.code).toBe('UNAUTHORIZED');
    expect(e2.message).toMatch(/token service/);
    expect(e2.message).not.toContain('nope');
    await Promise.all([anon.close(), bad.close()]);
  });
});

describe('redirects', () => {
  let registry: TestServer;
  let storage: TestServer;
  const blob = Buffer.from('blob behind a redirect');
  const digest = digestOf(blob);
  const auth = `Basic ${Buffer.from('u:p').toString('base64')}`;

  beforeAll(async () => {
    // 127.0.0.2 is another host as far as origins go; Linux routes all of 127/8 to lo.
    storage = await startServer('127.0.0.2', (req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
    });
    registry = await startServer('127.0.0.1', (req, res) => {
      if (req.headers.authorization !== auth) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
        return;
      }
      if (req.url === `/v2/r/blobs/${digest}`) {
        res
          .writeHead(307, { location: `${storage.url}/bucket/obj?X-Amz-Signature=very-secret-signature` })
          .end();
      } else if (req.url === `/v2/same/blobs/${digest}`) {
        res.writeHead(307, { location: `/v2/r2/blob-here` }).end();
      } else if (req.url === '/v2/r2/blob-here') {
        res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
      } else res.writeHead(404).end();
    });
    // Reachable at all? (Some sandboxes only route 127.0.0.1.)
    const probe = await fetch(`${storage.url}/probe`).then((r) => r.status);
    expect(probe).toBe(200);
  });
  afterAll(async () => {
    await registry?.close();
    await storage?.close();
  });

  it('drops Authorization when the redirect goes to another host, keeps it on the same origin', async () => {
    const lines: string[] = [];
    const client = new RegistryClient(registry.host, {
      plainHttp: true,
      credentials: [staticCredentialStore({ username: 'u', password: 'p' })],
      debug: (l) => lines.push(l),
    });
    const desc = { mediaType: 'application/octet-stream', digest, size: blob.length };
    expect(await text(await new RemoteRepository(client, 'r').fetch(desc))).toBe(blob.toString());
    expect(storage.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(registry.requests.at(-1)!.headers.authorization).toBe(auth);
    expect(await text(await new RemoteRepository(client, 'same').fetch(desc))).toBe(blob.toString());
    expect(registry.requests.at(-1)).toMatchObject({ url: '/v2/r2/blob-here' });
    expect(registry.requests.at(-1)!.headers.authorization).toBe(auth);
    // Presigned query strings and credentials stay out of the debug log.
    const log = lines.join('\n');
    expect(log).toContain('127.0.0.2');
    expect(log).not.toContain('very-secret-signature');
    expect(log).not.toContain(Buffer.from('u:p').toString('base64'));
    await client.close();
  });
});

describe('deletion disabled (distribution with delete.enabled: false)', () => {
  it('says deletion is disabled on that registry', async () => {
    const reg = await startDistribution(env.runDir, findBinaries(), {
      name: 'oci-nodelete',
      deleteEnabled: false,
    });
    try {
      const regs = new Registries({ hosts: { [reg.host]: { plainHttp: true } } });
      const repo = regs.repository(`${reg.host}/${uniqueRepo('oci-auth/nodelete')}`);
      const d = await pushSmallArtifact(repo, 'keep me');
      const err = (await repo.delete(d).catch((e: unknown) => e)) as OciError;
      expect(err).toBeInstanceOf(OciError);
      expect(err.code).toBe('UNSUPPORTED');
      expect(err.status).toBe(405);
      expect(err.message).toMatch(/deletion is disabled on 127\.0\.0\.1/);
      expect(err.hint).toMatch(/storage\.delete\.enabled/);
      // Referrers still work: the superseded fallback index cannot be deleted here, which must not
      // fail the push (it is left behind, as the oras CLI always does).
      const ref1 = await pushSmallArtifact(repo, 'referrer 1', d);
      const ref2 = await pushSmallArtifact(repo, 'referrer 2', d);
      expect((await repo.referrers(d)).map((x) => x.digest)).toEqual([ref1.digest, ref2.digest]);
      await regs.close();
    } finally {
      await reg.stop();
    }
  });
});
