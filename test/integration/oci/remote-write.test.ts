// Our write path against the real registries: pushes, the sha256-<hex> fallback index on
// distribution (seen by oras discover), deletes that leave no superseded index behind,
// chunked uploads, cross-repository mounts, tags.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, uniqueRepo, type TestEnv } from '../../env/context.js';
import {
  EMPTY_JSON,
  MediaType,
  OciError,
  RemoteRepository,
  VerificationError,
  digestOf,
  encodeManifest,
  referrersTag,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Registries,
} from '../../../src/oci/index.js';
import { LAYER_TYPE, SIG_TYPE, collect, orasDiscover, registries, workFile } from './helpers.js';

let env: TestEnv;
let regs: Registries;
beforeAll(() => {
  env = testEnv();
  regs = registries(env);
});
afterAll(async () => regs.close());

function blob(content: string | Buffer, mediaType = LAYER_TYPE): [Descriptor, Buffer] {
  const b = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return [
    {
      mediaType,
      digest: digestOf(b),
      size: b.length,
      annotations: { 'org.opencontainers.image.title': 'file.txt' },
    },
    b,
  ];
}

/** Pushes an artifact (empty config, one layer), optionally with a subject; returns its descriptor. */
async function pushArtifact(
  repo: RemoteRepository,
  content: string,
  opts: { subject?: Descriptor; artifactType?: string; tag?: string } = {},
) {
  const [ld, lb] = blob(content);
  await repo.push(ld, lb);
  await repo.push(EMPTY_JSON, Buffer.from('{}'));
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: opts.artifactType ?? MediaType.TektonArtifact,
    config: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 },
    layers: [ld],
    annotations: { content },
  };
  if (opts.subject)
    m.subject = { mediaType: opts.subject.mediaType, digest: opts.subject.digest, size: opts.subject.size };
  const { bytes, descriptor } = encodeManifest(m);
  await repo.push(descriptor, bytes);
  if (opts.tag) await repo.tag(descriptor, opts.tag);
  return descriptor;
}

async function manifestExists(repo: RemoteRepository, digest: string): Promise<boolean> {
  return repo.exists({ mediaType: MediaType.OciIndex, digest, size: 0 });
}

describe('referrers on distribution (tag schema fallback)', () => {
  it('creates, updates and shrinks the sha256-<hex> index, and never leaks a superseded one', async () => {
    const host = env.registries.distribution.host;
    const name = uniqueRepo('oci-write/fallback');
    const repo = regs.repository(`${host}/${name}`);
    const root = await pushArtifact(repo, 'root', { tag: 'run-1' });
    const tag = referrersTag(root.digest);

    const r1 = await pushArtifact(repo, 'sig-1', { subject: root, artifactType: SIG_TYPE });
    expect(repo.referrersMode()).toBe('tag-schema');
    const idx1 = await repo.fetchManifest(tag);
    expect((idx1.manifest as ImageIndex).manifests.map((d) => [d.digest, d.artifactType])).toEqual([
      [r1.digest, SIG_TYPE],
    ]);
    expect((idx1.manifest as ImageIndex).manifests[0]!.annotations).toEqual({ content: 'sig-1' });
    // oras sees what we wrote.
    expect((await orasDiscover(env, `${host}/${name}:run-1`)).referrers.map((r) => r.digest)).toEqual([
      r1.digest,
    ]);

    const r2 = await pushArtifact(repo, 'sig-2', { subject: root, artifactType: SIG_TYPE });
    const idx2 = await repo.fetchManifest(tag);
    expect((idx2.manifest as ImageIndex).manifests.map((d) => d.digest)).toEqual([r1.digest, r2.digest]);
    expect(await manifestExists(repo, idx1.descriptor.digest)).toBe(false); // superseded index deleted

    // Pushing the same referrer again changes nothing.
    await repo.push(r2, (await repo.fetchManifest(r2)).bytes);
    expect((await repo.fetchManifest(tag)).descriptor.digest).toBe(idx2.descriptor.digest);

    // A referrer of a referrer gets its own index.
    const r3 = await pushArtifact(repo, 'sig-of-sig', { subject: r2, artifactType: SIG_TYPE });
    expect((await repo.referrers(r2)).map((d) => d.digest)).toEqual([r3.digest]);

    await repo.delete(r1);
    const idx3 = await repo.fetchManifest(tag);
    expect((idx3.manifest as ImageIndex).manifests.map((d) => d.digest)).toEqual([r2.digest]);
    expect(await manifestExists(repo, idx2.descriptor.digest)).toBe(false);
    expect(await manifestExists(repo, r1.digest)).toBe(false);
    expect((await orasDiscover(env, `${host}/${name}:run-1`)).referrers.map((r) => r.digest)).toEqual([
      r2.digest,
    ]);

    // Deleting the last referrer deletes the index (and with it the tag).
    await repo.delete(r3);
    await repo.delete(r2);
    expect(await repo.referrers(root)).toEqual([]);
    expect(await manifestExists(repo, idx3.descriptor.digest)).toBe(false);
    expect((await collect(repo.tags())).filter((t) => t.startsWith('sha256-'))).toEqual([]);
    expect((await orasDiscover(env, `${host}/${name}:run-1`)).referrers).toEqual([]);
  });

  it('keeps concurrent referrer pushes from one process all in the index', async () => {
    const host = env.registries.distribution.host;
    const repo = regs.repository(`${host}/${uniqueRepo('oci-write/concurrent')}`);
    const root = await pushArtifact(repo, 'root');
    const pushed = await Promise.all(
      Array.from({ length: 6 }, (_, i) => pushArtifact(repo, `r${i}`, { subject: root })),
    );
    expect((await repo.referrers(root)).map((d) => d.digest).sort()).toEqual(
      pushed.map((d) => d.digest).sort(),
    );
  });

  it('merges with an index oras wrote', async () => {
    const host = env.registries.distribution.host;
    const name = uniqueRepo('oci-write/merge-oras');
    const repo = regs.repository(`${host}/${name}`);
    const root = await pushArtifact(repo, 'root', { tag: 'v1' });
    const f = workFile(env, 'sig.json', '{"by":"oras"}');
    const orasDigest = (
      JSON.parse(
        await oras(
          env,
          [
            'attach',
            '--artifact-type',
            SIG_TYPE,
            '--format',
            'json',
            `${host}/${name}:v1`,
            `${f.name}:application/json`,
          ],
          { cwd: f.dir },
        ),
      ) as { digest: string }
    ).digest;
    const ours = await pushArtifact(repo, 'ours', { subject: root });
    expect((await repo.referrers(root)).map((d) => d.digest)).toEqual([orasDigest, ours.digest]);
    expect((await orasDiscover(env, `${host}/${name}:v1`)).referrers.map((r) => r.digest).sort()).toEqual(
      [orasDigest, ours.digest].sort(),
    );
  });
});

describe('referrers on olareg (API)', () => {
  it('uses the API: no fallback tag, and oras discover sees the referrer', async () => {
    const host = env.registries.olareg.host;
    const name = uniqueRepo('oci-write/api');
    const repo = regs.repository(`${host}/${name}`);
    const root = await pushArtifact(repo, 'root', { tag: 'run-1' });
    const r1 = await pushArtifact(repo, 'sig', { subject: root, artifactType: SIG_TYPE });
    expect(repo.referrersMode()).toBe('api');
    expect((await collect(repo.tags())).filter((t) => t.startsWith('sha256-'))).toEqual([]);
    expect((await repo.referrers(root)).map((d) => d.digest)).toEqual([r1.digest]);
    expect((await orasDiscover(env, `${host}/${name}:run-1`)).referrers.map((r) => r.digest)).toEqual([
      r1.digest,
    ]);
    await repo.delete(r1);
    expect(await repo.referrers(root)).toEqual([]);
  });
});

describe.each(['olareg', 'distribution'] as const)('blobs and tags on %s', (key) => {
  it('uploads large streams in chunks and reads them back verified', async () => {
    const host = env.registries[key].host;
    const lines: string[] = [];
    const own = registries(env, { debug: (l) => lines.push(l) });
    const repo = new RemoteRepository(own.client(host), uniqueRepo('oci-write/chunked'), {
      chunkThreshold: 1000,
      chunkSize: 64 * 1024,
    });
    const data = Buffer.alloc(300 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251;
    const [d] = blob(data, 'application/octet-stream');
    await repo.push(d, Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]));
    expect(
      Buffer.from(await (await repo.fetch(d)).toArray().then((c) => Buffer.concat(c as Buffer[]))),
    ).toEqual(data);
    expect(lines.filter((l) => l.startsWith('PATCH ')).length).toBe(5);
    await own.close();
  });

  it('refuses to upload content that does not match its descriptor, leaving nothing behind', async () => {
    const host = env.registries[key].host;
    const repo = new RemoteRepository(regs.client(host), uniqueRepo('oci-write/lying-source'), {
      chunkThreshold: 10,
    });
    const [d] = blob('the real content');
    const e1 = await repo.push(d, Buffer.from('something else!!')).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(VerificationError);
    const e2 = await repo.push(d, Readable.from([Buffer.from('something else!!')])).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(OciError);
    expect(await repo.exists(d)).toBe(false);
    const mono = new RemoteRepository(regs.client(host), uniqueRepo('oci-write/lying-source'));
    const e3 = await mono.push(d, Readable.from([Buffer.from('something else!!')])).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(OciError);
    expect(await mono.exists(d)).toBe(false);
  });

  it('mounts a blob from another repository and tags manifests', async () => {
    const host = env.registries[key].host;
    const a = regs.repository(`${host}/${uniqueRepo('oci-write/mount-a')}`);
    const b = regs.repository(`${host}/${uniqueRepo('oci-write/mount-b')}`);
    const [d, bytes] = blob('shared layer');
    await a.push(d, bytes);
    await b.push(d, Readable.from([bytes]), { mountFrom: a.repository });
    expect(await text(await b.fetch(d))).toBe('shared layer');
    const m = await pushArtifact(b, 'tagged');
    await b.tag(m, 'v1');
    await b.tag(m, 'v2');
    expect(await collect(b.tags())).toEqual(['v1', 'v2']);
    expect((await b.resolve('v2')).digest).toBe(m.digest);
    // oras can pull what we pushed.
    const out = workFile(env, 'placeholder', '');
    await oras(env, ['pull', '-o', out.dir, `${host}/${b.repository}:v1`]);
  });

  it('deletes blobs', async () => {
    const host = env.registries[key].host;
    const repo = regs.repository(`${host}/${uniqueRepo('oci-write/delete-blob')}`);
    const [d, bytes] = blob('to be deleted');
    await repo.push(d, bytes);
    await repo.delete(d);
    expect(await repo.exists(d)).toBe(false);
    const again = await repo.delete(d).catch((e: unknown) => e);
    expect(['BLOB_UNKNOWN', 'NOT_FOUND']).toContain((again as OciError).code);
  });
});
