import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileSource, getPipelineRunTaskRuns } from '../../../src/cluster/index.js';
import type { TaskRun } from '../../../src/cluster/index.js';
import {
  extractPipelineRunArtifacts,
  extractRunArtifacts,
  extractTaskRunArtifacts,
} from '../../../src/formats/index.js';
import type { ArtifactRef } from '../../../src/formats/index.js';

const FIX = 'test/fixtures/runs';
const D = {
  source: 'sha256:a6710011b154de13ab44915c44e119064688fd34189ca27f1ba038ab40df8ec2',
  image: 'sha256:6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d',
  debug: 'sha256:3987d6fd66ba80d445bbe148562d42993256f7be6e3270dce087d2d51c6c35b0',
  junitManifest: 'sha256:44098d2516f21b4e107f6a555c914dc238b360953d11068984b625fd32bc1d19',
  summary: 'sha256:4bf5ca4073220604cd558c79f84a4740330e0f528b078a8b099e0acd7be0f217',
  coverage: 'sha256:c3a3091b9d32267d0b3175ee14f70a1e0b3d7292d0a0fa45020ced5fb764d620',
  report: 'sha256:3255dab75425d32c0254ee84886f2e1f7e6efc8d49c394846ad057039873a577',
  sbom: 'sha256:98f3ae1ef67113d8140d4f6cb8d2830070e21ea48f091be519659846c771a374',
  tarball: 'sha256:1c91493434acb386771755f3201a4f556273719c6228aaef3f425a416b9cbd31',
  protoInput: 'sha256:464b146bff00d1c31631f927ec14967311c84f8ff25dfd08ab137240ad6e1deb',
};

function taskRun(status: unknown, extra: Partial<TaskRun> = {}): TaskRun {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: { name: 'tr', namespace: 'ns' },
    status,
    ...extra,
  } as TaskRun;
}

function byName(refs: ArtifactRef[], name: string): ArtifactRef {
  const r = refs.find((x) => x.name === name);
  if (!r) throw new Error(`no ref ${name} in ${refs.map((x) => x.name).join(', ')}`);
  return r;
}

async function mixedRun() {
  const src = await FileSource.fromFile(`${FIX}/pipelinerun-mixed.yaml`);
  const pr = await src.getPipelineRun('team-a', 'build-abc12');
  const { taskRuns } = await getPipelineRunTaskRuns(src, pr);
  const run = extractRunArtifacts(
    pr,
    taskRuns.flatMap((t) =>
      t.taskRun ? [{ taskRun: t.taskRun, pipelineTaskName: t.pipelineTaskName ?? '' }] : [],
    ),
  );
  const of = (task: string) => run.taskRuns.find((t) => t.pipelineTaskName === task);
  return { run, of };
}

describe('a PipelineRun whose TaskRuns mix producers (pipelinerun-mixed.yaml)', () => {
  it('looks into every TaskRun, in pipeline order, including the failed one', async () => {
    const { run } = await mixedRun();
    expect(run.taskRuns.map((t) => t.pipelineTaskName)).toEqual(['clone', 'build', 'test', 'scan', 'notify']);
    expect(run.all.map((r) => r.owner.pipelineTaskName)).toContain('scan');
  });

  it('clone: a Konflux trusted artifact (blob digest) and Chains git inputs', async () => {
    const { of } = await mixedRun();
    const clone = of('clone');
    const src = byName(clone?.refs ?? [], 'SOURCE_ARTIFACT');
    expect(src).toMatchObject({
      producer: 'konflux-trusted-artifact',
      direction: 'output',
      location: `oci:quay.io/acme/app@${D.source}`,
      digest: D.source,
      digestRefersTo: 'blob',
      path: 'status.results[1]',
      owner: { kind: 'TaskRun', name: 'build-abc12-clone', namespace: 'team-a', pipelineTaskName: 'clone' },
    });
    // CACHI2_ARTIFACT is empty (.skip-trusted-artifacts): neither a ref nor a warning
    expect(clone?.refs.map((r) => r.name)).not.toContain('CACHI2_ARTIFACT');
    expect(clone?.warnings).toEqual([]);
    expect(byName(clone?.refs ?? [], 'CHAINS-GIT')).toMatchObject({
      direction: 'input',
      uri: 'https://github.com/acme/app',
      digest: 'sha1:0123456789abcdef0123456789abcdef01234567',
      digestRefersTo: 'unknown',
    });
  });

  it('build: the same image through TEP-0147, IMAGE_URL/IMAGE_DIGEST and IMAGES is one ref', async () => {
    const { of } = await mixedRun();
    const refs = of('build')?.refs ?? [];
    const images = refs.filter((r) => r.digest === D.image);
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({
      name: 'image',
      producer: 'tep0147',
      producers: ['tep0147', 'chains-type-hint'],
      aliases: ['IMAGE', 'IMAGES[0]'],
      location: `quay.io/acme/app@${D.image}`,
      digestRefersTo: 'manifest',
      buildOutput: true,
      paths: ['status.artifacts.outputs[0].values[0]', 'status.results[0]', 'status.results[2].value[0]'],
    });
    expect(images[0]?.uri).toMatch(/^pkg:oci\/app@/);
    expect(byName(refs, 'IMAGES[1]')).toMatchObject({
      location: `quay.io/acme/app-debug@${D.debug}`,
      producer: 'chains-type-hint',
      buildOutput: true,
    });
    // the Konflux input param and the TEP-0147 github input
    expect(refs.filter((r) => r.direction === 'input').map((r) => [r.name, r.producer])).toEqual([
      ['source', 'tep0147'],
      ['SOURCE_ARTIFACT', 'konflux-trusted-artifact'],
    ]);
    expect(byName(refs, 'source')).toMatchObject({
      uri: expect.stringMatching(/^pkg:github/),
      digestRefersTo: 'unknown',
    });
    expect(byName(refs, 'source').location).toBeUndefined();
  });

  it('test: TEP-0164 step outputs (ref and inline), a StepAction uri and Chains ARTIFACT_OUTPUTS', async () => {
    const { of } = await mixedRun();
    const refs = of('test')?.refs ?? [];
    expect(byName(refs, 'junit')).toMatchObject({
      producer: 'tep0164',
      path: 'status.steps[0].outputs[0].values[0]',
      step: 'test',
      backend: 'oci',
      location: 'registry.local:5000/team-a/run-artifacts:team-a.build-abc12-test.junit',
      digest: D.junitManifest,
      // ref.digest differs from the content digest: the manifest (TEP "canonical reference")
      digestRefersTo: 'manifest',
      size: 48213,
      mediaType: 'application/xml',
      uri: 'pkg:generic/junit',
    });
    const summary = byName(refs, 'summary');
    expect(summary).toMatchObject({
      producer: 'tep0164',
      inline: 'ok  github.com/acme/app  3.2s  coverage: 81.4%',
      digest: D.summary,
    });
    expect(summary.location).toBeUndefined();
    expect(byName(refs, 'uri')).toMatchObject({
      producer: 'stepaction',
      step: 'upload-coverage',
      path: 'status.steps[1].results[0]',
      location: `oci:registry.local:5000/team-a/scratch:coverage@${D.coverage}`,
      digestRefersTo: 'blob',
    });
    expect(byName(refs, 'COVERAGE_ARTIFACT_OUTPUTS')).toMatchObject({
      producer: 'chains-type-hint',
      location: 'registry.local:5000/team-a/coverage',
      digest: D.coverage,
    });
    expect(byName(refs, 'COVERAGE_ARTIFACT_OUTPUTS').buildOutput).toBeUndefined(); // isBuildArtifact "false"
  });

  it('scan (failed): prototype result found, malformed values become warnings with paths', async () => {
    const { of } = await mixedRun();
    const scan = of('scan');
    expect(byName(scan?.refs ?? [], 'report')).toMatchObject({
      producer: 'prototype',
      location: `registry.local:5000/team-a/run-artifacts/report@${D.report}`,
      digestRefersTo: 'manifest',
    });
    expect(scan?.warnings.map((w) => [w.path, w.producer])).toEqual([
      ['status.results[3].value', 'chains-type-hint'],
      ['status.results[1].value[0]', 'chains-type-hint'],
    ]);
    expect(scan?.warnings[0]?.message).toMatch(/not a valid digest/);
    expect(scan?.warnings[1]?.message).toMatch(/IMAGES entry has no digest/);
    expect(scan?.warnings[1]?.value).toBe('quay.io/acme/scanner:latest');
  });

  it('pipeline results repeating a TaskRun result are marked sameAs and not counted twice', async () => {
    const { run } = await mixedRun();
    expect(run.pipelineRun.refs).toHaveLength(1);
    expect(run.pipelineRun.refs[0]?.sameAs).toEqual([
      { taskRun: 'build-abc12-build', path: 'status.artifacts.outputs[0].values[0]' },
    ]);
    expect(run.all.filter((r) => r.digest === D.image)).toHaveLength(1);
    expect(run.warnings).toHaveLength(2);
  });
});

describe('v1beta1 (pipelinerun-v1beta1.yaml)', () => {
  it('reads taskResults, pipelineResults and object results', async () => {
    const src = await FileSource.fromFile(`${FIX}/pipelinerun-v1beta1.yaml`);
    const pr = await src.getPipelineRun('ci', 'release-7');
    const { taskRuns, via } = await getPipelineRunTaskRuns(src, pr);
    expect(via).toBe('childReferences');
    expect(taskRuns.map((t) => t.pipelineTaskName)).toEqual(['package', 'publish']);
    const run = extractRunArtifacts(
      pr,
      taskRuns.flatMap((t) => (t.taskRun ? [t.taskRun] : [])),
    );
    const pkg = run.taskRuns[0]?.refs[0];
    expect(pkg).toMatchObject({
      name: 'TARBALL_ARTIFACT',
      producer: 'konflux-trusted-artifact',
      path: 'status.taskResults[0]',
      digest: D.tarball,
    });
    expect(run.taskRuns[1]?.refs[0]).toMatchObject({
      name: 'RELEASE_ARTIFACT_OUTPUTS',
      path: 'status.taskResults[0].value',
      location: 'ghcr.io/acme/release-bundle:7',
      digest: D.sbom,
      buildOutput: true,
    });
    expect(run.pipelineRun.refs[0]).toMatchObject({ path: 'status.pipelineResults[0].value' });
    expect(run.pipelineRun.refs[0]?.sameAs?.[0]?.taskRun).toBe('release-7-publish');
    expect(run.all).toHaveLength(2);
  });
});

describe('TEP-0164/0192 status.artifacts (taskrun-tep0192.yaml)', async () => {
  const src = await FileSource.fromFile(`${FIX}/taskrun-tep0192.yaml`);
  const tr = await src.getTaskRun('default', 'build-images-run-abc123');
  const { refs, warnings } = extractTaskRunArtifacts(tr);

  it('subject: true is a build output; ref.digest ≠ content digest means manifest', () => {
    expect(byName(refs, 'images')).toMatchObject({
      producer: 'tep0164',
      buildOutput: true,
      location: 'registry.example.com/tekton/artifacts:default.build-images-run-abc123.images',
      digest: D.junitManifest,
      digestRefersTo: 'manifest',
      mediaType: 'application/vnd.tekton.artifact.images.v1+json',
      size: 45678,
    });
  });

  it('ref.digest equal to the content digest is ambiguous: unknown', () => {
    expect(byName(refs, 'sbom')).toMatchObject({
      digest: D.sbom,
      digestRefersTo: 'unknown',
      mediaType: 'application/spdx+json',
    });
  });

  it('inline values and non-OCI backends are kept', () => {
    expect(byName(refs, 'build-log').inline).toBe('Build completed: 2 images, 0 errors');
    expect(byName(refs, 'cache')).toMatchObject({
      backend: 's3',
      location: 'tekton-artifacts/default/build-images-run-abc123/cache',
      digestRefersTo: 'unknown',
      size: 12,
    });
    expect(warnings).toEqual([]);
  });
});

describe('prototype controller (taskrun-prototype.yaml)', async () => {
  const src = await FileSource.fromFile(`${FIX}/taskrun-prototype.yaml`);
  const tr = await src.getTaskRun('default', 'consume-xyz');
  const { refs, warnings } = extractTaskRunArtifacts(tr);

  it('repo/<name>@sha256 in status.artifacts is the prototype; the artifact-<name> result is the same ref', () => {
    expect(byName(refs, 'report')).toMatchObject({
      producer: 'prototype',
      producers: ['prototype'],
      paths: ['status.artifacts.outputs[0].values[0]', 'status.results[0]'],
      digestRefersTo: 'manifest',
    });
  });

  it('reads inputs from the tekton.dev/artifact-inputs annotation', () => {
    const input = refs.find((r) => r.direction === 'input');
    expect(input).toMatchObject({
      name: 'images',
      producer: 'prototype',
      location: `registry.local:5000/tekton/artifacts/images@${D.protoInput}`,
      path: 'metadata.annotations["tekton.dev/artifact-inputs"][0].values[0]',
    });
  });

  it('reports digests that are not digests and keeps going', () => {
    expect(warnings.map((w) => w.path)).toEqual([
      'status.artifacts.outputs[1].values[0].digest',
      'status.artifacts.outputs[1].values[0].uri',
    ]);
    expect(refs.map((r) => r.name)).toContain('broken');
  });
});

describe('Chains type hints', () => {
  const results = (list: Array<{ name: string; value: unknown }>) =>
    extractTaskRunArtifacts(taskRun({ results: list }));

  it('IMAGES accepts newline lists and array results', () => {
    const a = results([{ name: 'IMAGES', value: `quay.io/a/b@${D.image}\n\nquay.io/a/c@${D.debug}\n` }]);
    expect(a.refs.map((r) => r.name)).toEqual(['IMAGES[0]', 'IMAGES[1]']);
    const b = results([{ name: 'IMAGES', value: [`quay.io/a/b@${D.image}`] }]);
    expect(b.refs[0]?.path).toBe('status.results[0].value[0]');
  });

  it('IMAGES entries without a valid digest are warnings', () => {
    const { refs, warnings } = results([{ name: 'IMAGES', value: 'quay.io/a/b@sha256:1234, quay.io/a/c' }]);
    expect(refs).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual([
      'IMAGES entry has an invalid digest',
      'IMAGES entry has no digest (expected <image>@sha256:<hex>)',
    ]);
  });

  it('pairs *IMAGE_URL with *IMAGE_DIGEST by prefix', () => {
    const { refs, warnings } = results([
      { name: 'APP_IMAGE_URL', value: 'quay.io/a/app:1' },
      { name: 'DEBUG_IMAGE_DIGEST', value: D.debug },
      { name: 'APP_IMAGE_DIGEST', value: D.image },
      { name: 'DEBUG_IMAGE_URL', value: 'quay.io/a/debug:1' },
    ]);
    expect(refs.map((r) => [r.name, r.location, r.digest])).toEqual([
      ['APP_IMAGE', 'quay.io/a/app:1', D.image],
      ['DEBUG_IMAGE', 'quay.io/a/debug:1', D.debug],
    ]);
    expect(warnings).toEqual([]);
  });

  it('accepts a bare hex IMAGE_DIGEST and a digest pinned in IMAGE_URL alone', () => {
    const a = results([
      { name: 'IMAGE_URL', value: 'quay.io/a/app' },
      { name: 'IMAGE_DIGEST', value: D.image.slice(7) },
    ]);
    expect(a.refs[0]?.digest).toBe(D.image);
    const b = results([{ name: 'IMAGE_URL', value: `quay.io/a/app@${D.image}` }]);
    expect(b.refs[0]?.digest).toBe(D.image);
    expect(b.warnings).toEqual([]);
  });

  it('warns about an unmatched half of a pair', () => {
    const { refs, warnings } = results([
      { name: 'IMAGE_URL', value: 'quay.io/a/app:1' },
      { name: 'X_ARTIFACT_DIGEST', value: D.image },
    ]);
    expect(refs).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual([
      'IMAGE_URL has no matching IMAGE_DIGEST result',
      'X_ARTIFACT_DIGEST has no matching X_ARTIFACT_URI result',
    ]);
  });

  it('*ARTIFACT_URI/*ARTIFACT_DIGEST for non-OCI artifacts keep the uri', () => {
    const { refs } = results([
      { name: 'BIN_ARTIFACT_URI', value: 'gs://bucket/app.tar.gz' },
      { name: 'BIN_ARTIFACT_DIGEST', value: D.tarball },
    ]);
    expect(refs[0]).toMatchObject({
      name: 'BIN_ARTIFACT',
      uri: 'gs://bucket/app.tar.gz',
      digest: D.tarball,
      digestRefersTo: 'unknown',
    });
    expect(refs[0]?.location).toBeUndefined();
  });

  it('*ARTIFACT_OUTPUTS object results, isBuildArtifact, and *ARTIFACT_INPUTS', () => {
    const { refs } = results([
      {
        name: 'ARTIFACT_OUTPUTS',
        value: { uri: 'quay.io/a/bundle', digest: D.sbom, isBuildArtifact: 'true' },
      },
      { name: 'BASE_ARTIFACT_INPUTS', value: JSON.stringify({ uri: 'quay.io/a/base', digest: D.debug }) },
    ]);
    expect(refs.map((r) => [r.name, r.direction, r.buildOutput])).toEqual([
      ['ARTIFACT_OUTPUTS', 'output', true],
      ['BASE_ARTIFACT_INPUTS', 'input', undefined],
    ]);
  });

  it('malformed structured results are warnings', () => {
    const { refs, warnings } = results([
      { name: 'ARTIFACT_OUTPUTS', value: '{not json' },
      { name: 'X_ARTIFACT_OUTPUTS', value: { digest: D.sbom } },
      { name: 'Y_ARTIFACT_OUTPUTS', value: { uri: 'quay.io/a/y', digest: 'sha256:xyz' } },
    ]);
    expect(refs.map((r) => r.name)).toEqual(['Y_ARTIFACT_OUTPUTS']);
    expect(warnings.map((w) => w.path)).toEqual([
      'status.results[0].value',
      'status.results[1].value.uri',
      'status.results[2].value.digest',
    ]);
  });
});

describe('Konflux and StepAction oci: values', () => {
  it('a *_ARTIFACT that is not oci:<repo>@<digest> is a warning', () => {
    const { refs, warnings } = extractTaskRunArtifacts(
      taskRun({
        results: [
          { name: 'SOURCE_ARTIFACT', value: 'quay.io/a/b@' + D.source },
          { name: 'OTHER_ARTIFACT', value: 'oci:quay.io/a/b:tag' },
        ],
      }),
    );
    expect(refs).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual([
      'SOURCE_ARTIFACT is not oci:<repository>@sha256:<digest>',
      'OTHER_ARTIFACT is not oci:<repository>@sha256:<digest> (no digest)',
    ]);
  });

  it('StepAction uri step results and task results mapping them are one ref', () => {
    const value = `oci:registry.local:5000/store@${D.tarball}`;
    const { refs } = extractTaskRunArtifacts(
      taskRun({
        steps: [{ name: 'push', results: [{ name: 'uri', value }] }],
        results: [{ name: 'BUNDLE_URI', value }],
      }),
    );
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({
      producers: ['stepaction'],
      paths: ['status.steps[0].results[0]', 'status.results[0]'],
      aliases: ['BUNDLE_URI'],
    });
  });

  it('the same blob in the same repository under different tags deduplicates', () => {
    const { refs } = extractTaskRunArtifacts(
      taskRun({
        results: [
          { name: 'A_ARTIFACT', value: `oci:quay.io/x/y@${D.source}` },
          { name: 'uri', value: `oci:quay.io/x/y:t@${D.source}` },
        ],
      }),
    );
    expect(refs).toHaveLength(1);
    expect(refs[0]?.producers).toEqual(['konflux-trusted-artifact', 'stepaction']);
  });
});

describe('robustness', () => {
  it('never throws on arbitrary status, results or metadata', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (status, results, annotations) => {
        const tr = {
          metadata: {
            name: 'x',
            annotations: { 'tekton.dev/artifact-inputs': JSON.stringify(annotations) ?? '' },
          },
          status: { ...(typeof status === 'object' && status !== null ? status : {}), results },
        } as unknown as TaskRun;
        extractTaskRunArtifacts(tr);
        extractPipelineRunArtifacts(tr);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on artifact-shaped garbage', () => {
    const value = fc.record(
      {
        uri: fc.oneof(fc.string(), fc.constant('oci:'), fc.constant('pkg:oci/x@sha256%3A1')),
        digest: fc.oneof(fc.string(), fc.dictionary(fc.string(), fc.anything())),
        ref: fc.anything(),
        size: fc.anything(),
        inline: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.anything(), values: fc.array(value) }, { requiredKeys: [] })),
        (outputs) => {
          const { refs } = extractTaskRunArtifacts(taskRun({ artifacts: { outputs } }));
          for (const r of refs) expect(['manifest', 'blob', 'unknown']).toContain(r.digestRefersTo);
        },
      ),
      { numRuns: 300 },
    );
  });
});
