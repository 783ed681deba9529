/**
 * The fixture writers of test/support/producers.ts, checked with tools other than ours: what
 * cosign, crane and a create-oci.sh-style push leave in olareg (OCI 1.1 referrers API) and
 * distribution 2.8 (none), read back with oras. The show and pull tests build on these facts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, uniqueRepo, type TestEnv } from '../env/context.js';
import { ORAS_DEFAULT_FILE_LAYER_MEDIA_TYPE } from '../../src/formats/constants.js';
import {
  cosignAttachSbom,
  cosignAttest,
  cosignSign,
  cosignTag,
  craneIndex,
  pushKonfluxArtifacts,
  producerTools,
  type ProducerTools,
} from '../support/producers.js';

let env: TestEnv;
let tools: ProducerTools;
beforeAll(async () => {
  env = testEnv();
  tools = await producerTools(env, 'producers-');
});

interface Manifest {
  mediaType?: string;
  artifactType?: string;
  manifests?: { digest: string; platform?: { architecture: string } }[];
  layers?: { mediaType: string; digest: string; annotations?: Record<string, string> }[];
  subject?: { digest: string };
}

async function manifest(ref: string): Promise<Manifest> {
  return JSON.parse(await oras(env, ['manifest', 'fetch', ref])) as Manifest;
}

describe.each(['olareg', 'distribution'] as const)('real producers on %s', (registryName) => {
  let repository: string;
  let index: string;
  let images: Record<string, string>;

  beforeAll(async () => {
    repository = `${env.registries[registryName].host}/${uniqueRepo(`producers/${registryName}`)}`;
    ({ index, images } = await craneIndex(tools, repository, 'v1'));
  });

  it('crane writes an index of two platform images', async () => {
    const m = await manifest(`${repository}:v1`);
    expect(m.manifests?.map((d) => [d.platform?.architecture, d.digest])).toEqual([
      ['amd64', images['linux/amd64']],
      ['arm64', images['linux/arm64']],
    ]);
    expect(index).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('cosign stores signatures, attestations and SBOMs under sha256-<hex> tags', async () => {
    const image = `${repository}@${index}`;
    await cosignSign(tools, image);
    await cosignAttest(tools, image, {
      buildType: 'https://tekton.dev/chains/v2/slsa',
      builder: { id: 'test' },
    });
    await cosignAttachSbom(tools, image, {
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'app',
      dataLicense: 'CC0-1.0',
      documentNamespace: 'https://example.com/app',
      creationInfo: { created: '2026-11-20T10:00:00Z', creators: ['Tool: test'] },
    });
    const tags = (await oras(env, ['repo', 'tags', repository])).split('\n').filter(Boolean);
    for (const suffix of ['sig', 'att', 'sbom'] as const) expect(tags).toContain(cosignTag(index, suffix));
    const sig = await manifest(`${repository}:${cosignTag(index, 'sig')}`);
    expect(sig.layers?.[0]?.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    expect(sig.layers?.[0]?.annotations?.['dev.cosignproject.cosign/signature']).toBeTruthy();
    const att = await manifest(`${repository}:${cosignTag(index, 'att')}`);
    expect(att.layers?.[0]?.mediaType).toBe('application/vnd.dsse.envelope.v1+json');
    const sbom = await manifest(`${repository}:${cosignTag(index, 'sbom')}`);
    expect(sbom.layers?.[0]?.mediaType).toMatch(/^text\/spdx\+json/);
  });

  it('cosign signs as an OCI 1.1 referrer with --registry-referrers-mode=oci-1-1', async () => {
    const image = `${repository}@${images['linux/amd64']}`;
    await cosignSign(tools, image, { referrers: true });
    const found = JSON.parse(await oras(env, ['discover', '--format', 'json', image])) as {
      referrers?: { artifactType: string; digest: string }[];
      manifests?: { artifactType: string }[];
    };
    const listed = found.referrers ?? found.manifests ?? [];
    expect(
      listed.map((r) => r.artifactType),
      JSON.stringify(found),
    ).toContain('application/vnd.dev.cosign.artifact.sig.v1+json');
  });

  it('a create-oci.sh push: one manifest, one gzip -n archive per result, results naming the blobs', async () => {
    const store = `${repository}-ta`;
    const results = await pushKonfluxArtifacts(tools, store, 'run-1', {
      SOURCE_ARTIFACT: { 'main.go': 'package main\n', 'docs/README.md': '# app\n' },
      CACHI2_ARTIFACT: { 'output/deps.json': '{}\n' },
    });
    const m = await manifest(`${store}:run-1`);
    expect(m.layers?.map((l) => l.annotations?.['org.opencontainers.image.title'])).toEqual([
      'SOURCE_ARTIFACT',
      'CACHI2_ARTIFACT',
    ]);
    expect(results['SOURCE_ARTIFACT']).toBe(`oci:${store}@${m.layers?.[0]?.digest}`);
    // The type show and pull give the blob such a URI names (src/tree/blob.ts): oras's default.
    expect(m.layers?.map((l) => l.mediaType)).toEqual([
      ORAS_DEFAULT_FILE_LAYER_MEDIA_TYPE,
      ORAS_DEFAULT_FILE_LAYER_MEDIA_TYPE,
    ]);
    // gzip -n: no name and no time in the header, so equal content gives equal digests.
    const blob = join(tools.workDir, `blob-${registryName}`);
    await oras(env, ['blob', 'fetch', '--output', blob, `${store}@${m.layers?.[0]?.digest}`]);
    const header = await readFile(blob);
    expect([header[0], header[1], header.readUInt32LE(4)]).toEqual([0x1f, 0x8b, 0]);
  });
});
