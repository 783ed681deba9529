// Fixtures pushed by the real oras CLI, read back through RemoteRepository on both registries:
// olareg (OCI 1.1 referrers API) and distribution 2.8 (no API: the sha256-<hex> tag schema).
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, uniqueRepo, type TestEnv } from '../../env/context.js';
import { MediaType, OciError, walk, type ImageManifest, type Registries } from '../../../src/oci/index.js';
import {
  ROOT_TYPE,
  SBOM_TYPE,
  SIG_TYPE,
  collect,
  orasAttach,
  orasDiscover,
  orasPushFile,
  registries,
  walkTree,
  type PlainRegistry,
  type SimpleTree,
} from './helpers.js';

let env: TestEnv;
let regs: Registries;

beforeAll(() => {
  env = testEnv();
  regs = registries(env);
});
afterAll(async () => regs.close());

interface Fixture {
  host: string;
  repo: string;
  root: string;
  sig: string;
  sbom: string;
  sigOfSbom: string;
  sigOfSigOfSbom: string;
}

/** root ← sig, root ← sbom ← sig-of-sbom ← sig-of-sig-of-sbom: all with the oras CLI. */
async function pushFixture(key: PlainRegistry): Promise<Fixture> {
  const host = env.registries[key].host;
  const repo = uniqueRepo('oci-read/tree');
  const ref = `${host}/${repo}`;
  const root = await orasPushFile(env, `${ref}:run-1`, '{"result":"root"}', {
    artifactType: ROOT_TYPE,
    annotations: { 'dev.tekton.artifact/pipelinerun': 'pr-1' },
  });
  const sig = await orasAttach(env, `${ref}@${root}`, SIG_TYPE, '{"sig":"root"}');
  const sbom = await orasAttach(env, `${ref}@${root}`, SBOM_TYPE, '{"spdx":"root"}', {
    'dev.tekton.artifact/task': 'build',
  });
  const sigOfSbom = await orasAttach(env, `${ref}@${sbom}`, SIG_TYPE, '{"sig":"sbom"}');
  const sigOfSigOfSbom = await orasAttach(env, `${ref}@${sigOfSbom}`, SIG_TYPE, '{"sig":"sig"}');
  return { host, repo, root, sig, sbom, sigOfSbom, sigOfSigOfSbom };
}

/** The tree's shape without digests (they differ across registries: oras stamps creation times). */
function shape(t: SimpleTree): unknown {
  return {
    type: t.artifactType ?? 'root',
    referrers: t.referrers.map(shape).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

describe.each(['olareg', 'distribution'] as const)('reading from %s', (key) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await pushFixture(key);
  });

  it('resolves tags and digests, fetches verified manifests and blobs', async () => {
    const repo = regs.repository(`${fx.host}/${fx.repo}`);
    const desc = await repo.resolve('run-1');
    expect(desc).toMatchObject({ digest: fx.root, mediaType: MediaType.OciManifest });
    expect(await repo.resolve(fx.root)).toMatchObject({ digest: fx.root, size: desc.size });
    expect(await repo.resolve(`${fx.host}/${fx.repo}:run-1`)).toMatchObject({ digest: fx.root });
    const fetched = await repo.fetchManifest('run-1');
    expect(fetched.descriptor).toMatchObject({ digest: fx.root, artifactType: ROOT_TYPE });
    const m = fetched.manifest as ImageManifest;
    expect(m.annotations?.['dev.tekton.artifact/pipelinerun']).toBe('pr-1');
    expect(await text(await repo.fetch(m.layers[0]!))).toBe('{"result":"root"}');
    expect(await repo.exists(m.layers[0]!)).toBe(true);
    expect(await repo.blobSize(m.layers[0]!.digest)).toBe(m.layers[0]!.size);
    expect(await repo.exists({ ...m.layers[0]!, digest: `sha256:${'0'.repeat(64)}` })).toBe(false);
  });

  it('says precisely what is missing', async () => {
    const repo = regs.repository(`${fx.host}/${fx.repo}`);
    const noTag = await repo.resolve('nope').catch((e: unknown) => e);
    expect(noTag).toBeInstanceOf(OciError);
    expect((noTag as OciError).code).toBe('MANIFEST_UNKNOWN');
    expect((noTag as OciError).hint).toMatch(/tag or digest/);
    const noRepo = await regs
      .repository(`${fx.host}/oci-read/does-not-exist`)
      .resolve('x')
      .catch((e: unknown) => e);
    expect(['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']).toContain((noRepo as OciError).code);
  });

  it('lists direct referrers with artifactType and annotations, filtered on request', async () => {
    const repo = regs.repository(`${fx.host}/${fx.repo}`);
    const subject = await repo.resolve('run-1');
    const refs = await repo.referrers(subject);
    expect(refs.map((r) => r.digest).sort()).toEqual([fx.sig, fx.sbom].sort());
    expect(refs.find((r) => r.digest === fx.sbom)).toMatchObject({
      artifactType: SBOM_TYPE,
      annotations: { 'dev.tekton.artifact/task': 'build' },
    });
    expect((await repo.referrers(subject, { artifactType: SIG_TYPE })).map((r) => r.digest)).toEqual([
      fx.sig,
    ]);
    expect(await repo.referrers(subject, { artifactType: 'application/none' })).toEqual([]);
    expect(repo.referrersMode()).toBe(env.registries[key].referrersApi ? 'api' : 'tag-schema');
  });

  it('walks referrers of referrers and agrees with oras discover', async () => {
    const repo = regs.repository(`${fx.host}/${fx.repo}`);
    const root = await walk(repo, 'run-1');
    const ours = walkTree(root);
    const theirs = await orasDiscover(env, `${fx.host}/${fx.repo}:run-1`);
    expect(ours).toEqual(theirs);
    expect(ours.referrers.find((r) => r.digest === fx.sbom)?.referrers[0]?.referrers[0]?.digest).toBe(
      fx.sigOfSigOfSbom,
    );
    for (const n of [root, ...root.referrers]) expect(n.error).toBeUndefined();
  });

  it('filters the walk by artifactType like oras discover --artifact-type', async () => {
    const repo = regs.repository(`${fx.host}/${fx.repo}`);
    const ours = walkTree(await walk(repo, 'run-1', { artifactType: SIG_TYPE }));
    const theirs = await orasDiscover(env, `${fx.host}/${fx.repo}:run-1`, ['--artifact-type', SIG_TYPE]);
    expect(ours).toEqual(theirs);
    expect(ours.referrers.map((r) => r.digest)).toEqual([fx.sig]);
  });
});

describe('both registries', () => {
  it('give the same referrers tree (API on olareg, fallback tags on distribution)', async () => {
    const [a, b] = await Promise.all([pushFixture('olareg'), pushFixture('distribution')]);
    const ta = walkTree(await walk(regs.repository(`${a.host}/${a.repo}`), 'run-1'));
    const tb = walkTree(await walk(regs.repository(`${b.host}/${b.repo}`), 'run-1'));
    expect(shape(ta)).toEqual(shape(tb));
    expect(regs.repository(`${a.host}/${a.repo}`).referrersMode()).toBe('api');
    expect(regs.repository(`${b.host}/${b.repo}`).referrersMode()).toBe('tag-schema');
    // distribution really holds the fallback index that oras wrote.
    const fallbackTags = (await collect(regs.repository(`${b.host}/${b.repo}`).tags())).filter((t) =>
      t.startsWith('sha256-'),
    );
    expect(fallbackTags).toContain(`sha256-${b.root.slice(7)}`);
  });
});

describe.each(['olareg', 'distribution'] as const)('tags on %s', (key) => {
  it('paginates (or copes with a registry that ignores n/last) and honours last', async () => {
    const host = env.registries[key].host;
    const repo = uniqueRepo('oci-read/tags');
    await orasPushFile(env, `${host}/${repo}:t00`, '{"t":1}');
    const names = Array.from({ length: 11 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
    await oras(env, ['tag', `${host}/${repo}:t00`, ...names]);
    const r = regs.repository(`${host}/${repo}`);
    const all = ['t00', ...names];
    expect(await collect(r.tags())).toEqual(all);
    expect(await collect(r.tags({ pageSize: 3 }))).toEqual(all);
    expect(await collect(r.tags({ pageSize: 4, last: 't05' }))).toEqual(all.filter((t) => t > 't05'));
    expect(await collect(r.tags({ last: 't11' }))).toEqual([]);
  });
});
