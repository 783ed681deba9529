// OCI image layouts both ways with the real oras CLI: oras reads what we write, we read what
// oras writes; and a registry tree copied into a layout keeps its referrers.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool, testEnv, toolEnv, uniqueRepo, type TestEnv } from '../../env/context.js';
import {
  EMPTY_JSON,
  MediaType,
  OciLayout,
  VerificationError,
  digestOf,
  encodeManifest,
  walk,
  walkNodes,
  type Descriptor,
  type ImageManifest,
  type Registries,
} from '../../../src/oci/index.js';
import {
  LAYER_TYPE,
  SIG_TYPE,
  orasAttach,
  orasPushFile,
  registries,
  simplify,
  walkTree,
  workFile,
} from './helpers.js';

let env: TestEnv;
let regs: Registries;
beforeAll(() => {
  env = testEnv();
  regs = registries(env);
});
afterAll(async () => regs.close());

const orasLocal = (args: string[], cwd?: string) => runTool(env.bin.oras, args, { env: toolEnv(env), cwd });

function freshDir(name: string): string {
  const dir = path.join(
    env.runDir,
    'work',
    `oci-layout-${name}-${Date.now()}-${Math.random().toString(16).slice(2)}`,
  );
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('a layout we write', () => {
  it('is pulled and discovered by oras', async () => {
    const dir = freshDir('ours');
    const layout = await OciLayout.open(dir, { create: true });
    const content = Buffer.from('{"result":"from tkn-artifacts"}');
    const layer: Descriptor = {
      mediaType: LAYER_TYPE,
      digest: digestOf(content),
      size: content.length,
      annotations: { 'org.opencontainers.image.title': 'result.json' },
    };
    await layout.push(layer, Readable.from([content]));
    await layout.push(EMPTY_JSON, Buffer.from('{}'));
    const m: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: MediaType.TektonArtifact,
      config: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 },
      layers: [layer],
    };
    const root = encodeManifest(m);
    await layout.push(root.descriptor, root.bytes);
    await layout.tag(root.descriptor, 'run-1');
    const sig = encodeManifest({ ...m, artifactType: SIG_TYPE, layers: [], subject: root.descriptor });
    await layout.push(sig.descriptor, sig.bytes);

    const out = freshDir('ours-pulled');
    await orasLocal(['pull', '--oci-layout', '-o', out, `${dir}:run-1`]);
    expect(readFileSync(path.join(out, 'result.json'))).toEqual(content);
    const discovered = JSON.parse(
      await orasLocal(['discover', '--format', 'json', '--oci-layout', `${dir}:run-1`]),
    ) as {
      referrers: { digest: string; artifactType: string }[];
    };
    expect(discovered.referrers.map((r) => [r.digest, r.artifactType])).toEqual([
      [sig.descriptor.digest, SIG_TYPE],
    ]);
    expect((await orasLocal(['repo', 'tags', '--oci-layout', dir])).trim()).toBe('run-1');
  });
});

describe('a layout oras writes', () => {
  it('is read, walked and verified by us, matching oras discover', async () => {
    const dir = freshDir('theirs');
    const f = workFile(env, 'data.txt', 'pushed by oras into a layout');
    await orasLocal(
      [
        'push',
        '--oci-layout',
        `${dir}:v1`,
        '--artifact-type',
        MediaType.TektonArtifact,
        `${f.name}:${LAYER_TYPE}`,
      ],
      f.dir,
    );
    const s1 = workFile(env, 's1.json', '{"sig":1}');
    await orasLocal(
      ['attach', '--oci-layout', '--artifact-type', SIG_TYPE, `${dir}:v1`, `${s1.name}:application/json`],
      s1.dir,
    );
    const s1Digest = (
      JSON.parse(await orasLocal(['discover', '--format', 'json', '--oci-layout', `${dir}:v1`])) as {
        referrers: { digest: string }[];
      }
    ).referrers[0]!.digest;
    const s2 = workFile(env, 's2.json', '{"sig":2}');
    await orasLocal(
      [
        'attach',
        '--oci-layout',
        '--artifact-type',
        SIG_TYPE,
        `${dir}@${s1Digest}`,
        `${s2.name}:application/json`,
      ],
      s2.dir,
    );

    const layout = await OciLayout.open(dir);
    const root = await layout.resolve('v1');
    const fetched = await layout.fetchManifest(root);
    const layer = (fetched.manifest as ImageManifest).layers[0]!;
    expect(await text(await layout.fetch(layer))).toBe('pushed by oras into a layout');
    const ours = walkTree(await walk(layout, 'v1'));
    const theirs = simplify(
      JSON.parse(
        await orasLocal(['discover', '--format', 'json', '--oci-layout', `${dir}:v1`]),
      ) as Parameters<typeof simplify>[0],
    );
    expect(ours).toEqual(theirs);
    expect(ours.referrers[0]!.referrers).toHaveLength(1);

    // Corrupt the layer: reading it must fail, not return the damaged bytes.
    const blobFile = path.join(dir, 'blobs', 'sha256', layer.digest.slice(7));
    const damaged = Buffer.from(readFileSync(blobFile));
    damaged[0] = damaged[0]! ^ 0xff;
    writeFileSync(blobFile, damaged);
    const err = await text(await layout.fetch(layer)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
  });
});

describe('registry → layout', () => {
  it('copies a tree of referrers from distribution into a layout that oras can discover', async () => {
    const host = env.registries.distribution.host;
    const name = uniqueRepo('oci-layout/copy');
    const rootDigest = await orasPushFile(env, `${host}/${name}:run-1`, '{"copy":"me"}', {
      artifactType: MediaType.TektonArtifact,
    });
    const sig = await orasAttach(env, `${host}/${name}@${rootDigest}`, SIG_TYPE, '{"sig":"x"}');
    await orasAttach(env, `${host}/${name}@${sig}`, SIG_TYPE, '{"sig":"y"}');
    const repo = regs.repository(`${host}/${name}`);
    const source = await walk(repo, 'run-1', { blobs: true });

    const dir = freshDir('copy');
    const layout = await OciLayout.open(dir, { create: true });
    // Blobs first, then manifests leaves-up, every byte verified on the way in.
    const nodes = [...walkNodes(source)];
    for (const n of nodes.filter((x) => x.relation === 'blob'))
      await layout.push(n.descriptor, await repo.fetch(n.descriptor));
    for (const n of nodes.filter((x) => x.relation !== 'blob').reverse()) {
      await layout.push(n.descriptor, (await repo.fetchManifest(n.descriptor)).bytes);
    }
    await layout.tag(source.descriptor, 'run-1');
    expect(walkTree(await walk(layout, 'run-1'))).toEqual(walkTree(source));
    const theirs = simplify(
      JSON.parse(
        await orasLocal(['discover', '--format', 'json', '--oci-layout', `${dir}:run-1`]),
      ) as Parameters<typeof simplify>[0],
    );
    expect(theirs).toEqual(walkTree(source));
    expect(readdirSync(path.join(dir, 'blobs', 'sha256')).some((f) => f.startsWith('.tmp'))).toBe(false);
  });
});
