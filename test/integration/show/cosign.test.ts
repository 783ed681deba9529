/**
 * Signatures, attestations and SBOMs as the real producers store them, shown under their subject
 * and pulled by type: cosign's default `sha256-<hex>.sig/.att/.sbom` tags (what Tekton Chains
 * writes), a cosign OCI 1.1 referrer on one platform image of a crane-built index, and an SPDX
 * SBOM attached by `oras attach`. On olareg (referrers API) and distribution 2.8 (the referrers
 * tag schema), with the run read from an export (`--from-file`) that reports only the index.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, uniqueRepo, type TestEnv } from '../../env/context.js';
import { repoRoot, runCli } from '../../support/cli.js';
import {
  cosignAttachSbom,
  cosignAttest,
  cosignSign,
  cosignTag,
  cosignVerifyBlob,
  craneIndex,
  producerTools,
  type ProducerTools,
} from '../../support/producers.js';
import type { ArtifactNode, ArtifactTree, ReferrerNode } from '../../../src/tree/model.js';

const SBOM = {
  spdxVersion: 'SPDX-2.3',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'app',
  dataLicense: 'CC0-1.0',
  documentNamespace: 'https://example.com/app',
  creationInfo: { created: '2026-11-20T10:00:00Z', creators: ['Tool: test'] },
};

interface Layer {
  mediaType: string;
  digest: string;
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** A PipelineRun export whose one TaskRun reports the index as Chains type hints do. */
function runExport(namespace: string, image: string, digest: string): string {
  return `apiVersion: v1
kind: List
items:
  - apiVersion: tekton.dev/v1
    kind: PipelineRun
    metadata: { name: signed, namespace: ${namespace} }
    status:
      conditions: [{ type: Succeeded, status: "True", reason: Succeeded }]
      childReferences:
        - { apiVersion: tekton.dev/v1, kind: TaskRun, name: signed-build, pipelineTaskName: build }
  - apiVersion: tekton.dev/v1
    kind: TaskRun
    metadata:
      name: signed-build
      namespace: ${namespace}
      labels: { tekton.dev/pipelineRun: signed, tekton.dev/pipelineTask: build }
    status:
      conditions: [{ type: Succeeded, status: "True", reason: Succeeded }]
      results:
        - { name: IMAGE_URL, type: string, value: "${image}" }
        - { name: IMAGE_DIGEST, type: string, value: "${digest}" }
`;
}

let env: TestEnv;
let tools: ProducerTools;
beforeAll(async () => {
  env = testEnv();
  tools = await producerTools(env, 'show-cosign-');
});

describe.each(['olareg', 'distribution'] as const)('cosign and OCI 1.1 attachments on %s', (registryName) => {
  let host: string;
  let repository: string;
  let index: string;
  let amd64: string;
  let exportFile: string;
  const namespace = `cosign-${registryName}`;

  const show = (...args: string[]) =>
    runCli(['show', 'signed', '--from-file', exportFile, '-n', namespace, '--plain-http', host, ...args]);
  const pull = (...args: string[]) =>
    runCli(['pull', 'signed', '--from-file', exportFile, '-n', namespace, '--plain-http', host, ...args]);
  const layers = async (reference: string): Promise<Layer[]> =>
    (JSON.parse(await oras(env, ['manifest', 'fetch', reference])) as { layers: Layer[] }).layers;
  const tree = async (...args: string[]): Promise<ArtifactTree> => {
    const result = await show('-o', 'json', ...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as ArtifactTree;
  };
  const image = (t: ArtifactTree): ArtifactNode => {
    const found = t.taskRuns.find((taskRun) => taskRun.pipelineTask === 'build')?.artifacts[0];
    if (!found) throw new Error(`no build artifact in ${JSON.stringify(t.taskRuns)}`);
    return found;
  };

  beforeAll(async () => {
    host = env.registries[registryName].host;
    repository = `${host}/${uniqueRepo(`cosign/${registryName}`)}`;
    let images: Record<string, string>;
    ({ index, images } = await craneIndex(tools, repository, 'v1'));
    amd64 = images['linux/amd64'] as string;
    // cosign's default storage, as Chains writes it: tags beside the index.
    await cosignSign(tools, `${repository}@${index}`);
    await cosignAttest(tools, `${repository}@${index}`, { buildType: 'test', builder: { id: 'test' } });
    await cosignAttachSbom(tools, `${repository}@${index}`, SBOM);
    // An OCI 1.1 referrer on one platform image only.
    await cosignSign(tools, `${repository}@${amd64}`, { referrers: true });
    // An SPDX SBOM attached to the index by oras, typed application/spdx+json.
    const sbomFile = join(tools.workDir, `oras-${registryName}.spdx.json`);
    await writeFile(sbomFile, JSON.stringify(SBOM));
    await oras(
      env,
      [
        'attach',
        '--artifact-type',
        'application/spdx+json',
        `${repository}@${index}`,
        `oras-${registryName}.spdx.json:application/spdx+json`,
      ],
      { cwd: tools.workDir },
    );
    exportFile = join(tools.workDir, `run-${registryName}.yaml`);
    await writeFile(exportFile, runExport(namespace, `${repository}:v1`, index));
  });

  it("shows cosign's tag-stored signature, attestation and SBOM under the index, with their cosign type", async () => {
    const node = image(await tree());
    const tagged = node.referrers.filter((r) => r.tag !== undefined);
    expect(tagged.map((r) => [r.kind, r.tag, r.artifactType]).sort()).toEqual([
      ['attestation', cosignTag(index, 'att'), 'application/vnd.dev.cosign.artifact.att.v1+json'],
      ['sbom', cosignTag(index, 'sbom'), 'application/vnd.dev.cosign.artifact.sbom.v1+json'],
      ['signature', cosignTag(index, 'sig'), 'application/vnd.dev.cosign.artifact.sig.v1+json'],
    ]);
    // Each one is the manifest the tag names, with cosign's layers as its files.
    for (const referrer of tagged) {
      const suffix = referrer.tag?.split('.').pop() as 'sig' | 'att' | 'sbom';
      const expected = await layers(`${repository}:${cosignTag(index, suffix)}`);
      expect(referrer.files.map((f) => [f.mediaType, f.digest])).toEqual(
        expected.map((l) => [l.mediaType, l.digest]),
      );
    }
    const sig = tagged.find((r) => r.kind === 'signature') as ReferrerNode;
    expect(sig.files[0]?.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    // The OCI 1.1 SBOM oras attached sits beside them, as a referrer (no tag).
    expect(node.referrers.filter((r) => r.tag === undefined).map((r) => [r.kind, r.artifactType])).toEqual([
      ['sbom', 'application/spdx+json'],
    ]);
    // The referrers fallback tag (sha256-<hex>, no suffix) on distribution is no attachment.
    expect(node.referrers).toHaveLength(4);
  });

  it('looks for the tags where COSIGN_REPOSITORY says cosign stored them, and pulls from there', async () => {
    const elsewhere = `${host}/${uniqueRepo(`cosign-sigs/${registryName}`)}`;
    const { index: other } = await craneIndex(tools, `${repository}-apart`, 'v1');
    await cosignSign(tools, `${repository}-apart@${other}`, { repository: elsewhere });
    // The signature is in `elsewhere`, not beside the image (cosign wrote it; oras reads it back).
    const stored = await layers(`${elsewhere}:${cosignTag(other, 'sig')}`);
    expect(stored).toHaveLength(1);
    const apartExport = join(tools.workDir, `apart-${registryName}.yaml`);
    await writeFile(apartExport, runExport(namespace, `${repository}-apart:v1`, other));
    const run = (command: string, environment: NodeJS.ProcessEnv, ...args: string[]) =>
      runCli(
        [command, 'signed', '--from-file', apartExport, '-n', namespace, '--plain-http', host, ...args],
        {
          env: environment,
        },
      );
    const signatures = async (environment: NodeJS.ProcessEnv) => {
      const result = await run('show', environment, '-o', 'json');
      expect(result.code, result.stderr).toBe(0);
      return image(JSON.parse(result.stdout) as ArtifactTree).referrers.filter((r) => r.tag !== undefined);
    };
    expect(await signatures({})).toEqual([]);
    const found = await signatures({ COSIGN_REPOSITORY: elsewhere });
    expect(found.map((r) => [r.kind, r.tag, r.repository, r.files[0]?.digest])).toEqual([
      ['signature', cosignTag(other, 'sig'), elsewhere, stored[0]?.digest],
    ]);
    const text = await run('show', { COSIGN_REPOSITORY: elsewhere });
    expect(text.stdout).toContain(`signature  (cosign, tag ${elsewhere}:sha256-${other.slice(7, 19)}.sig)`);
    const out = await mkdtemp(join(tmpdir(), 'pull-sig-apart-'));
    const pulled = await run(
      'pull',
      { COSIGN_REPOSITORY: elsewhere },
      '--artifact-type',
      'application/vnd.dev.cosign.artifact.sig.v1+json',
      '-o',
      out,
    );
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(sha256(await readFile(join(out, 'build/IMAGE.sig/signature.json')))).toBe(stored[0]?.digest);
    // A value cosign would not take either is a usage error naming the variable.
    const bad = await run('show', { COSIGN_REPOSITORY: `${elsewhere}:v1` });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('COSIGN_REPOSITORY=');
  });

  it('writes a tree that matches the documented schema', async () => {
    const schema: unknown = JSON.parse(
      await readFile(join(repoRoot, 'docs/schemas/artifact-tree.schema.json'), 'utf8'),
    );
    const validate = new Ajv({ allErrors: true }).compile(schema as object);
    const document = await tree();
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...document, taskRuns: [{ name: 'x' }] })).toBe(false);
  });

  it("follows the index's platform manifests to their referrers", async () => {
    const node = image(await tree());
    expect(node.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    const [amd, arm] = node.platforms;
    expect(amd?.digest).toBe(amd64);
    expect(amd?.referrers.map((r) => [r.kind, r.artifactType, r.tag])).toEqual([
      ['signature', 'application/vnd.dev.cosign.artifact.sig.v1+json', undefined],
    ]);
    expect(arm?.referrers).toEqual([]);
    // The tree draws them under the platform, and cosign's tags by name.
    const text = await show();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /linux\/amd64 .*\n.*signature {2}application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json/,
    );
    expect(text.stdout).toContain(`signature  (cosign, tag sha256-${index.slice(7, 19)}.sig)`);
    // --depth 3 shows the platforms but not their referrers (one level below them).
    const shallow = JSON.parse((await show('-o', 'json', '--depth', '3')).stdout) as ArtifactTree;
    expect(image(shallow).platforms[0]?.referrers).toEqual([]);
    expect(
      image(shallow)
        .referrers.map((r) => r.kind)
        .sort(),
    ).toEqual(['attestation', 'sbom', 'sbom', 'signature']);
  });

  it('--artifact-type shows what it pulls: application/spdx+json finds the oras SBOM referrer', async () => {
    const node = image(await tree('--artifact-type', 'application/spdx+json'));
    expect(node.referrers.map((r) => [r.kind, r.artifactType])).toEqual([['sbom', 'application/spdx+json']]);
    expect(node.platforms.every((p) => p.referrers.length === 0)).toBe(true);

    const out = await mkdtemp(join(tmpdir(), 'pull-spdx-'));
    const pulled = await pull('--artifact-type', 'application/spdx+json', '-o', out);
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    const files = await filesUnder(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(
      new RegExp(`^build/IMAGE\\.sbom-[0-9a-f]{12}/oras-${registryName}\\.spdx\\.json$`),
    );
    expect(JSON.parse(await readFile(join(out, files[0] as string), 'utf8'))).toEqual(SBOM);
  });

  it("pulls cosign's signatures by the type show prints: the tag-stored one and the platform's referrer", async () => {
    const out = await mkdtemp(join(tmpdir(), 'pull-sig-'));
    const result = await pull(
      '--artifact-type',
      'application/vnd.dev.cosign.artifact.sig.v1+json',
      '-o',
      out,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Each payload with the signature its layer's annotation carries, beside it.
    const files = await filesUnder(out);
    expect(files).toHaveLength(4);
    expect(files[0]).toMatch(/^build\/IMAGE\.linux-amd64\.signature-[0-9a-f]{12}\/signature\.json$/);
    expect(files[1]).toBe(`${files[0]}.sig`);
    expect(files.slice(2)).toEqual(['build/IMAGE.sig/signature.json', 'build/IMAGE.sig/signature.json.sig']);
    // cosign itself verifies each pulled payload with the pulled signature and the signing key.
    for (const payload of [files[0] as string, files[2] as string])
      await cosignVerifyBlob(tools, join(out, payload), join(out, `${payload}.sig`));
    // A payload changed by one byte no longer verifies: the check is real.
    const tampered = join(out, 'tampered.json');
    await writeFile(tampered, `${await readFile(join(out, files[2] as string), 'utf8')} `);
    await expect(cosignVerifyBlob(tools, tampered, join(out, `${files[2]}.sig`))).rejects.toThrow(
      /verify-blob/,
    );
    // Byte for byte the simplesigning payloads cosign stored.
    const [tagLayer] = await layers(`${repository}:${cosignTag(index, 'sig')}`);
    expect(sha256(await readFile(join(out, 'build/IMAGE.sig/signature.json')))).toBe(tagLayer?.digest);
    const payload = JSON.parse(await readFile(join(out, 'build/IMAGE.sig/signature.json'), 'utf8')) as {
      critical: { image: { 'docker-manifest-digest': string } };
    };
    expect(payload.critical.image['docker-manifest-digest']).toBe(index);
    const platformPayload = JSON.parse(
      await readFile(join(out, files[0] as string), 'utf8'),
    ) as typeof payload;
    expect(platformPayload.critical.image['docker-manifest-digest']).toBe(amd64);
  });

  it("pulls cosign's SBOM and attestation by their layer media types", async () => {
    const out = await mkdtemp(join(tmpdir(), 'pull-att-'));
    const result = await pull(
      '--artifact-type',
      'text/spdx+json',
      '--artifact-type',
      'application/vnd.dsse.envelope.v1+json',
      '-o',
      out,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await filesUnder(out)).toEqual(['build/IMAGE.att/attestation.json', 'build/IMAGE.sbom/sbom.json']);
    expect(JSON.parse(await readFile(join(out, 'build/IMAGE.sbom/sbom.json'), 'utf8'))).toEqual(SBOM);
    const envelope = JSON.parse(await readFile(join(out, 'build/IMAGE.att/attestation.json'), 'utf8')) as {
      payloadType: string;
      payload: string;
    };
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      subject: { digest: { sha256: string } }[];
    };
    expect(`sha256:${statement.subject[0]?.digest.sha256}`).toBe(index);
  });

  it('shows an index given by reference as an image: its platforms and referrers, not a run', async () => {
    for (const reference of [`${repository}@${index}`, `${repository}:v1`]) {
      const result = await runCli(['show', reference, '--plain-http', host, '-o', 'json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const t = JSON.parse(result.stdout) as ArtifactTree;
      expect(t.run.kind).toBe('Artifact');
      expect(t.problems).toEqual([]);
      expect(t.unreported).toEqual([]);
      expect(t.taskRuns.map((taskRun) => taskRun.pipelineTask)).toEqual(['(named by reference)']);
      const node = t.taskRuns[0]?.artifacts[0] as ArtifactNode;
      expect(node).toMatchObject({
        state: 'present',
        usable: true,
        digest: index,
        reference: `${repository}@${index}`,
      });
      expect(node.platforms.map((p) => [p.platform, p.referrers.length])).toEqual([
        ['linux/amd64', 1],
        ['linux/arm64', 0],
      ]);
      expect(node.referrers.map((r) => r.tag ?? r.kind).sort()).toEqual(
        ['sbom', cosignTag(index, 'att'), cosignTag(index, 'sbom'), cosignTag(index, 'sig')].sort(),
      );
    }
    const text = await runCli(['show', `${repository}:v1`, '--plain-http', host]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('(named by reference)');
    expect(text.stdout).not.toMatch(/unreported|problem/);
  });

  it('pulls the SBOM of an image given by reference with --artifact-type', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pull-image-'));
    const result = await runCli([
      'pull',
      `${repository}:v1`,
      '--plain-http',
      host,
      '--artifact-type',
      'text/spdx+json',
      '-o',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // One artifact selected by reference lands in -o itself, where oras pull puts it (docs/pull.md).
    expect(await filesUnder(out)).toEqual(['sbom.json']);
    expect(JSON.parse(await readFile(join(out, 'sbom.json'), 'utf8'))).toEqual(SBOM);
  });

  it('pulls a cosign attestation named by its tag with --artifact-ref', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pull-ref-'));
    const result = await runCli([
      'pull',
      '--artifact-ref',
      `${repository}:${cosignTag(index, 'att')}`,
      '--plain-http',
      host,
      '-o',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const files = await filesUnder(out);
    expect(files.map((f) => f.split('/').pop())).toEqual(['attestation.json']);
    const [layer] = await layers(`${repository}:${cosignTag(index, 'att')}`);
    expect(sha256(await readFile(join(out, files[0] as string)))).toBe(layer?.digest);
  });
});
