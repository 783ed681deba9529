import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authFileStore,
  chainCredentialStores,
  defaultCredentialStores,
  dockerConfigJsonStore,
  dockerConfigStore,
  findCredential,
  normalizeAuthKey,
  staticCredentialStore,
} from '../../../src/oci/auth/credentials.js';
import { runCredentialHelper } from '../../../src/oci/auth/helper.js';
import { OciError } from '../../../src/oci/errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

let dir: string;
let binDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oci-creds-'));
  binDir = join(dir, 'bin');
  mkdirSync(binDir);
  // A credential helper: knows helper.example and the Docker Hub key; records what it was asked.
  const script = `#!/bin/sh
[ "$1" = get ] || exit 3
read -r server
echo "$server" >> "${join(dir, 'helper-calls.log')}"
case "$server" in
  helper.example) printf '{"ServerURL":"helper.example","Username":"hu","Secret":"hs"}' ;;
  token.example) printf '{"ServerURL":"token.example","Username":"<token>","Secret":"refresh-123"}' ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"x","Username":"hub","Secret":"hubpw"}' ;;
  broken.example) echo "keychain locked" >&2; exit 1 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
  for (const name of ['test', 'other']) {
    const p = join(binDir, `docker-credential-${name}`);
    writeFileSync(p, script);
    chmodSync(p, 0o755);
  }
  env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, content: unknown): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('auth keys', () => {
  it('normalises URLs, API paths and Docker Hub aliases', () => {
    expect(normalizeAuthKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeAuthKey('registry-1.docker.io')).toBe('docker.io');
    expect(normalizeAuthKey('https://quay.io')).toBe('quay.io');
    expect(normalizeAuthKey('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(normalizeAuthKey('quay.io/org/repo')).toBe('quay.io/org/repo');
  });
});

describe('Docker config.json', () => {
  it('reads auths with base64 auth, username/password, identitytoken', async () => {
    const p = writeConfig('d1/config.json', {
      auths: {
        'https://reg.example': { auth: b64('alice:s3cr:et') },
        'plain.example': { username: 'bob', password: 'pw' },
        'id.example': { auth: b64('<token>:'), identitytoken: 'refresh' },
        'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
      },
    });
    const s = dockerConfigStore(p, env);
    expect(await s.get('reg.example')).toEqual({ username: 'alice', password: 's3cr:et' });
    expect(await s.get('plain.example')).toEqual({ username: 'bob', password: 'pw' });
    expect(await s.get('id.example')).toEqual({ username: '<token>', identityToken: 'refresh' });
    expect(await s.get('docker.io')).toEqual({ username: 'hubuser', password: 'hubpass' });
    expect(await s.get('unknown.example')).toBeUndefined();
  });

  it('uses credHelpers per host, then credsStore, passing the server URL on stdin', async () => {
    const p = writeConfig('d2/config.json', {
      auths: { 'fallback.example': { auth: b64('fa:fb') } },
      credsStore: 'test',
      credHelpers: { 'helper.example': 'other' },
    });
    const s = dockerConfigStore(p, env);
    expect(await s.get('helper.example')).toEqual({ username: 'hu', password: 'hs' });
    expect(await s.get('token.example')).toEqual({ identityToken: 'refresh-123' });
    expect(await s.get('docker.io')).toEqual({ username: 'hub', password: 'hubpw' });
    // The store has nothing: fall back to auths.
    expect(await s.get('fallback.example')).toEqual({ username: 'fa', password: 'fb' });
    expect(await s.get('nothing.example')).toBeUndefined();
  });

  it('reports a failing helper without leaking its output', async () => {
    const p = writeConfig('d3/config.json', { credsStore: 'test' });
    const err = await dockerConfigStore(p, env)
      .get('broken.example')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciError);
    expect((err as OciError).code).toBe('CREDENTIALS');
    expect((err as OciError).message).toMatch(/docker-credential-test failed .*keychain locked/);
  });

  it('reports a missing helper and refuses helper names with paths', async () => {
    const missing = await runCredentialHelper('nope', 'x', { env }).catch((e: unknown) => e);
    expect((missing as OciError).message).toMatch(/not found on PATH/);
    const bad = await runCredentialHelper('../evil', 'x', { env }).catch((e: unknown) => e);
    expect((bad as OciError).code).toBe('CREDENTIALS');
  });

  it('treats a missing file as empty and a broken one as an error that does not quote it', async () => {
    expect(await dockerConfigStore(join(dir, 'absent.json'), env).get('x')).toBeUndefined();
    const p = writeConfig('d4/config.json', '{"auths": {"x": {"auth": "c2VjcmV0"}');
    const err = await dockerConfigStore(p, env)
      .get('x')
      .catch((e: unknown) => e);
    expect((err as OciError).code).toBe('CREDENTIALS');
    expect((err as OciError).message).not.toContain('c2VjcmV0');
    const bad = writeConfig('d5/config.json', { auths: { x: { auth: b64('nocolon') } } });
    const err2 = await dockerConfigStore(bad, env)
      .get('x')
      .catch((e: unknown) => e);
    expect((err2 as OciError).message).not.toContain('nocolon');
  });
});

describe('auth.json', () => {
  it('matches the most specific namespace entry', async () => {
    const p = writeConfig('containers/auth.json', {
      auths: {
        'quay.io': { auth: b64('host:h') },
        'quay.io/team': { auth: b64('team:t') },
        'quay.io/team/app': { auth: b64('app:a') },
      },
    });
    const s = authFileStore(p, env);
    expect(await s.get('quay.io', 'team/app/results')).toEqual({ username: 'app', password: 'a' });
    expect(await s.get('quay.io', 'team/other')).toEqual({ username: 'team', password: 't' });
    expect(await s.get('quay.io', 'else')).toEqual({ username: 'host', password: 'h' });
    expect(await s.get('quay.io')).toEqual({ username: 'host', password: 'h' });
  });
});

describe('Secret .dockerconfigjson', () => {
  it('reads auths and never runs helpers named by cluster content', async () => {
    const s = dockerConfigJsonStore(
      JSON.stringify({
        auths: { 'reg.example': { auth: b64('k8s:pw') } },
        credsStore: 'test',
        credHelpers: { 'helper.example': 'test' },
      }),
    );
    expect(await s.get('reg.example')).toEqual({ username: 'k8s', password: 'pw' });
    expect(await s.get('helper.example')).toBeUndefined();
  });
});

describe('lookup order', () => {
  it('explicit flags, Secret, REGISTRY_AUTH_FILE, DOCKER_CONFIG, XDG_RUNTIME_DIR, ~/.config', async () => {
    const dockerDir = join(dir, 'order-docker');
    writeConfig('order-docker/config.json', {
      auths: { 'a.example': { auth: b64('docker:1') }, 'b.example': { auth: b64('docker:2') } },
    });
    const authFile = writeConfig('order-authfile.json', {
      auths: { 'b.example': { auth: b64('authfile:1') } },
    });
    writeConfig('order-xdg/containers/auth.json', { auths: { 'c.example': { auth: b64('xdg:1') } } });
    writeConfig('order-home/.config/containers/auth.json', {
      auths: { 'd.example': { auth: b64('home:1') } },
    });
    const stores = defaultCredentialStores({
      env: {
        ...env,
        DOCKER_CONFIG: dockerDir,
        REGISTRY_AUTH_FILE: authFile,
        XDG_RUNTIME_DIR: join(dir, 'order-xdg'),
        XDG_CONFIG_HOME: '',
      },
      home: join(dir, 'order-home'),
      explicit: { credential: { username: 'flag', password: 'x' }, registry: 'e.example' },
    });
    const who = async (r: string) => (await findCredential(stores, r))?.credential.username;
    expect(await who('e.example')).toBe('flag');
    expect(await who('b.example')).toBe('authfile');
    expect(await who('c.example')).toBe('xdg');
    expect(await who('d.example')).toBe('home');
    expect(await who('z.example')).toBeUndefined();
    expect((await findCredential(stores, 'b.example'))?.source).toBe(authFile);
  });

  it('chains stores and scopes static credentials to one registry', async () => {
    const chain = chainCredentialStores([
      staticCredentialStore({ username: 'u', password: 'p' }, 'one.example'),
    ]);
    expect(await chain.get('one.example')).toEqual({ username: 'u', password: 'p' });
    expect(await chain.get('two.example')).toBeUndefined();
  });
});
