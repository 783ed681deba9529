// Proves the registries and tools of the test environment are real and behave as the
// rest of the integration suite assumes: olareg with the OCI 1.1 referrers API,
// distribution 2.8 without it, Basic auth on the third, oras and regctl against all.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpGet } from '../env/services/process.js';
import { oras, orasPush, regctl, testEnv, uniqueRepo, type TestEnv } from '../env/context.js';

const ARTIFACT_TYPE = 'application/vnd.tkn-artifacts.env-test.v1+json';
const LAYER_TYPE = 'application/vnd.tkn-artifacts.env-test.layer.v1+json';
const SIG_TYPE = 'application/vnd.tkn-artifacts.env-test.signature.v1';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}
interface Manifest {
  schemaVersion: number;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}
interface Index {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

type RegistryKey = keyof TestEnv['registries'];

const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function authArgs(env: TestEnv, key: RegistryKey): string[] {
  if (key !== 'distributionBasic') return [];
  const r = env.registries.distributionBasic;
  return ['--username', r.username, '--password', r.password];
}

function authHeader(env: TestEnv, key: RegistryKey): Record<string, string> {
  if (key !== 'distributionBasic') return {};
  const r = env.registries.distributionBasic;
  return { authorization: `Basic ${Buffer.from(`${r.username}:${r.password}`).toString('base64')}` };
}

/** Writes a small JSON file in a fresh directory under the run dir; returns dir, name, bytes. */
function workFile(env: TestEnv, repo: string, name: string, content: unknown) {
  const dir = path.join(env.runDir, 'work', repo.replaceAll('/', '_'));
  mkdirSync(dir, { recursive: true });
  const bytes = Buffer.from(JSON.stringify(content));
  writeFileSync(path.join(dir, name), bytes);
  return { dir, name, bytes };
}

/** Pushes one JSON file as an artifact; returns the manifest digest oras reports. */
async function pushArtifact(env: TestEnv, key: RegistryKey, repo: string, tag: string) {
  const host = env.registries[key].host;
  const file = workFile(env, repo, 'result.json', { registry: key, repo, at: Date.now() });
  const out = await orasPush(
    env,
    [
      `${host}/${repo}:${tag}`,
      '--artifact-type',
      ARTIFACT_TYPE,
      '--format',
      'json',
      ...authArgs(env, key),
      `${file.name}:${LAYER_TYPE}`,
    ],
    { cwd: file.dir },
  );
  const pushed = JSON.parse(out) as { digest: string; mediaType: string };
  return { ...file, digest: pushed.digest, ref: `${host}/${repo}:${tag}` };
}

describe('test environment', () => {
  it('reports the versions of everything it runs', () => {
    const env = testEnv();
    expect(env.versions.olareg).toMatch(/^v0\.2\.\d+/);
    expect(env.versions.distribution).toMatch(/^2\.8\./);
    expect(env.versions['kube-apiserver']).toMatch(/^v1\.34\./);
    expect(env.versions.etcd).toMatch(/^3\.6\./);
    expect(env.versions.oras).toMatch(/^1\.3\./);
    expect(env.versions.regctl).toMatch(/^v0\.11\./);
  });
});

describe.each(['olareg', 'distribution', 'distributionBasic'] as const)('registry %s', (key) => {
  it('answers the /v2/ API check', async () => {
    const env = testEnv();
    const url = `http://${env.registries[key].host}/v2/`;
    const anonymous = await httpGet(url);
    if (key === 'distributionBasic') {
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="tkn-artifacts-test"/);
      const authed = await httpGet(url, authHeader(env, key));
      expect(authed.status).toBe(200);
      const wrong = await httpGet(url, {
        authorization: `Basic ${Buffer.from('alice:not-the-password').toString('base64')}`,
      });
      expect(wrong.status).toBe(401);
    } else {
      expect(anonymous.status).toBe(200);
    }
  });

  it('takes an oras push and serves the manifest back to oras', async () => {
    const env = testEnv();
    const repo = uniqueRepo(`env-test/push-${key}`);
    const pushed = await pushArtifact(env, key, repo, 'v1');
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const raw = await oras(env, ['manifest', 'fetch', ...authArgs(env, key), pushed.ref]);
    expect(sha256(raw)).toBe(pushed.digest);
    const manifest = JSON.parse(raw) as Manifest;
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.artifactType).toBe(ARTIFACT_TYPE);
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0]).toMatchObject({
      mediaType: LAYER_TYPE,
      digest: sha256(pushed.bytes),
      size: pushed.bytes.length,
      annotations: { 'org.opencontainers.image.title': 'result.json' },
    });

    // And the blob itself, straight over HTTP.
    const blob = await httpGet(
      `http://${env.registries[key].host}/v2/${repo}/blobs/${sha256(pushed.bytes)}`,
      authHeader(env, key),
    );
    expect(blob.status).toBe(200);
    expect(blob.body).toBe(pushed.bytes.toString('utf8'));
  });

  it('works with regctl', async () => {
    const env = testEnv();
    const repo = uniqueRepo(`env-test/regctl-${key}`);
    const pushed = await pushArtifact(env, key, repo, 'v1');

    const head = (await regctl(env, ['manifest', 'head', pushed.ref])).trim();
    expect(head).toBe(pushed.digest);
    const body = await regctl(env, ['manifest', 'get', '--format', 'raw-body', pushed.ref]);
    expect(sha256(body)).toBe(pushed.digest);
    expect((JSON.parse(body) as Manifest).artifactType).toBe(ARTIFACT_TYPE);

    await regctl(env, ['image', 'copy', pushed.ref, `${env.registries[key].host}/${repo}:v2`]);
    const tags = (await regctl(env, ['tag', 'ls', `${env.registries[key].host}/${repo}`])).trim().split('\n');
    expect(tags.sort()).toEqual(['v1', 'v2']);
  });
});

describe('referrers API', () => {
  it('olareg answers GET /v2/<repo>/referrers/<digest> with an image index', async () => {
    const env = testEnv();
    const { host } = env.registries.olareg;
    expect(env.registries.olareg.referrersApi).toBe(true);
    const repo = uniqueRepo('env-test/referrers-olareg');
    const subject = await pushArtifact(env, 'olareg', repo, 'v1');

    // No referrers yet: still 200 with an empty index.
    const empty = await httpGet(`http://${host}/v2/${repo}/referrers/${subject.digest}`);
    expect(empty.status).toBe(200);
    expect(empty.headers['content-type']).toContain('application/vnd.oci.image.index.v1+json');
    expect((JSON.parse(empty.body) as Index).manifests).toEqual([]);

    const sig = workFile(env, `${repo}-sig`, 'sig.json', { signed: subject.digest });
    const attached = JSON.parse(
      await oras(
        env,
        [
          'attach',
          '--artifact-type',
          SIG_TYPE,
          '--format',
          'json',
          `${host}/${repo}@${subject.digest}`,
          `${sig.name}:application/json`,
        ],
        { cwd: sig.dir },
      ),
    ) as { digest: string };

    const res = await httpGet(`http://${host}/v2/${repo}/referrers/${subject.digest}`);
    expect(res.status).toBe(200);
    const index = JSON.parse(res.body) as Index;
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]).toMatchObject({ digest: attached.digest, artifactType: SIG_TYPE });

    const filtered = await httpGet(
      `http://${host}/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(ARTIFACT_TYPE)}`,
    );
    expect((JSON.parse(filtered.body) as Index).manifests).toEqual([]);

    // The referrer's manifest points back at its subject.
    const referrer = JSON.parse(
      await oras(env, ['manifest', 'fetch', `${host}/${repo}@${attached.digest}`]),
    ) as Manifest;
    expect(referrer.subject?.digest).toBe(subject.digest);
  });

  it('distribution 2.8 has no referrers API (404); oras falls back to the tag schema', async () => {
    const env = testEnv();
    const { host } = env.registries.distribution;
    expect(env.registries.distribution.referrersApi).toBe(false);
    const repo = uniqueRepo('env-test/referrers-distribution');
    const subject = await pushArtifact(env, 'distribution', repo, 'v1');

    const res = await httpGet(`http://${host}/v2/${repo}/referrers/${subject.digest}`);
    expect(res.status).toBe(404);

    const sig = workFile(env, `${repo}-sig`, 'sig.json', { signed: subject.digest });
    const attached = JSON.parse(
      await oras(
        env,
        [
          'attach',
          '--artifact-type',
          SIG_TYPE,
          '--format',
          'json',
          `${host}/${repo}@${subject.digest}`,
          `${sig.name}:application/json`,
        ],
        { cwd: sig.dir },
      ),
    ) as { digest: string };

    // Still 404 on the API, but the referrers index now lives under the fallback tag.
    expect((await httpGet(`http://${host}/v2/${repo}/referrers/${subject.digest}`)).status).toBe(404);
    const fallbackTag = subject.digest.replace(':', '-');
    const tagged = await httpGet(`http://${host}/v2/${repo}/manifests/${fallbackTag}`, {
      accept: 'application/vnd.oci.image.index.v1+json',
    });
    expect(tagged.status).toBe(200);
    const index = JSON.parse(tagged.body) as Index;
    expect(index.manifests.map((m) => m.digest)).toContain(attached.digest);
  });
});
