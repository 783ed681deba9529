/**
 * diff end to end: the real CLI against olareg (referrers API) and distribution 2.8 (the
 * sha256-<hex> tag fallback), on pairs of runs pushed by the oras CLI and by our own client
 * (runs.ts): unchanged runs whose archives were re-compressed compare equal (exit 0); each kind
 * of change is reported exactly; a run pruned from the cluster and read by its root reference
 * compares against one in the real kube-apiserver.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactDiff, DiffReport } from '../../../src/diff/model.js';
import { kubeApply, testEnv, type TestEnv } from '../../env/context.js';
import { runCli } from '../../support/cli.js';
import { createRun } from '../../support/cluster.js';
import { artifactDiffSchemaErrors } from '../../unit/diff/schema.js';
import { BASE, pushRun, writeExport, type PushedRun, type RunContent, type Writer } from './runs.js';

/** The same files as BASE, every archive re-compressed and re-timestamped: equal for diff. */
const RECOMPRESSED: RunContent = { ...BASE, gzipLevel: 1, mtime: new Date('2026-11-21T08:30:00Z') };
/** One change of each kind. */
const CHANGED: RunContent = {
  ...BASE,
  sourceFiles: { ...BASE.sourceFiles, 'app/extra.go': 'package main // new\n' },
  cloneFiles: { ...BASE.cloneFiles, 'README.md': '# app, edited\n' },
  distFiles: { ...BASE.distFiles, 'new.js': 'console.log(2)\n' },
  imageDigest: `sha256:${'c'.repeat(64)}`,
  openssl: '3.0.2',
  express: '4.18.3',
  byeFails: true,
  summary: 'build ok; tests: 1 passed, 1 failed',
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tkn-diff-it-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function byLabel(report: DiffReport): Record<string, ArtifactDiff> {
  return Object.fromEntries(report.artifacts.map((a) => [`${a.task}/${a.name}`, a]));
}

const cases = (['olareg', 'distribution'] as const).flatMap((registry) =>
  (['oras', 'ours'] as const).map((writer) => [registry, writer] as const),
);

describe.each(cases)('diff on %s, runs pushed by %s', (registryName, writer: Writer) => {
  let env: TestEnv;
  let host: string;
  const namespace = `diff-${registryName === 'olareg' ? 'ola' : 'dist'}-${writer}`;
  const runs: Record<'a' | 'same' | 'b', PushedRun> = {} as never;
  let exportFile: string;
  const common = () => ['-n', namespace, '--from-file', exportFile, '--plain-http', host];

  beforeAll(async () => {
    env = testEnv();
    host = env.registries[registryName].host;
    const push = (name: string, content: RunContent) =>
      pushRun({ writer, oras: env.bin.oras, host, namespace, name, content });
    runs.a = await push('app-a', BASE);
    runs.same = await push('app-same', RECOMPRESSED);
    runs.b = await push('app-b', CHANGED);
    exportFile = join(work, `${namespace}.yaml`);
    await writeExport([runs.a, runs.same, runs.b], exportFile);
  });

  it('finds runs with the same files equal, re-compressed archives included: exit 0', async () => {
    const result = await runCli(['diff', 'app-a', 'app-same', ...common(), '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DiffReport;
    expect(report.equal).toBe(true);
    const artifacts = byLabel(report);
    expect(Object.keys(artifacts).sort()).toEqual([
      'build/dist',
      'build/images',
      'build/sbom-cdx',
      'build/sbom-spdx',
      'build/source',
      'clone/SOURCE_ARTIFACT',
      'report/summary',
      'test/junit',
    ]);
    expect(report.artifacts.every((a) => a.status === 'unchanged')).toBe(true);
    // The archives differ in their bytes (another gzip level and timestamps), not in their files.
    for (const label of ['build/source', 'clone/SOURCE_ARTIFACT', 'build/dist']) {
      expect(artifacts[label]?.a?.digest).not.toBe(artifacts[label]?.b?.digest);
      expect(artifacts[label]?.note).toMatch(/same files/);
    }
    const text = await runCli(['diff', 'app-a', 'app-same', ...common()]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('no differences');
  });

  it('reports each kind of change exactly: exit 1', async () => {
    const result = await runCli(['diff', 'app-a', 'app-b', ...common(), '-o', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DiffReport;
    expect(artifactDiffSchemaErrors(report)).toEqual([]);
    expect(report.equal).toBe(false);
    expect(report.a).toMatchObject({ kind: 'PipelineRun', name: 'app-a', pipeline: 'build-and-test' });
    expect(report.tasks.filter((t) => t.outcomeChanged)).toEqual([
      {
        task: 'test',
        status: 'matched',
        outcomeChanged: true,
        a: { taskRun: 'app-a-test', outcome: 'Succeeded', reason: 'Succeeded' },
        b: { taskRun: 'app-b-test', outcome: 'Failed', reason: 'Failed' },
      },
    ]);
    const artifacts = byLabel(report);
    const statuses = Object.fromEntries(Object.entries(artifacts).map(([k, v]) => [k, v.status]));
    expect(statuses).toEqual({
      'clone/SOURCE_ARTIFACT': 'changed',
      'build/source': 'changed',
      'build/images': 'changed',
      'build/sbom-spdx': 'changed',
      'build/sbom-cdx': 'changed',
      'build/dist': 'changed',
      'test/junit': 'changed',
      'report/summary': 'changed',
    });
    const only = (label: string) => {
      const content = artifacts[label]?.content ?? [];
      expect(content).toHaveLength(1);
      return content[0];
    };
    const files = (label: string) => only(label)?.files?.map((f) => [f.change, f.path]);
    expect(only('build/source')?.kind).toBe('archive');
    expect(files('build/source')).toEqual([['A', 'app/extra.go']]);
    expect(files('clone/SOURCE_ARTIFACT')).toEqual([['C', 'README.md']]);
    expect(files('build/dist')).toEqual([['A', 'new.js']]);
    expect(only('build/images')).toMatchObject({
      kind: 'json',
      json: [{ path: '.images[0].digest', op: 'changed', a: BASE.imageDigest, b: CHANGED.imageDigest }],
    });
    expect(only('build/sbom-spdx')).toMatchObject({
      kind: 'spdx',
      packages: [{ id: 'pkg:deb/debian/openssl', name: 'openssl', op: 'changed', a: '3.0.1', b: '3.0.2' }],
    });
    expect(only('build/sbom-spdx')?.packages).toHaveLength(1);
    expect(only('build/sbom-cdx')).toMatchObject({
      kind: 'cyclonedx',
      packages: [{ id: 'pkg:npm/express', op: 'changed', a: '4.18.2', b: '4.18.3' }],
    });
    expect(only('build/sbom-cdx')?.packages).toHaveLength(1);
    expect(only('test/junit')?.tests).toEqual([
      { id: 'app › app › TestBye', change: 'newly-failing', a: 'passed', b: 'failed' },
    ]);
    expect(artifacts['report/summary']).toMatchObject({
      a: { state: 'inline', inline: BASE.summary },
      b: { state: 'inline', inline: CHANGED.summary },
      content: [{ path: '(inline)', kind: 'text' }],
    });
    expect(report.summary).toMatchObject({
      artifacts: { changed: 8, added: 0, removed: 0, unchanged: 0 },
      tests: { newlyFailing: 1, newlyPassing: 0 },
      packages: { changed: 2 },
      files: { added: 2, changed: 1 },
      tasks: { outcomeChanged: 1 },
    });

    // The human view leads with the summary; the reverse diff is the mirror image.
    const text = await runCli(['diff', 'app-a', 'app-b', ...common()]);
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n')[2]).toBe(
      '8 artifacts changed; 1 test newly failing; 2 packages changed version; 1 file changed, 2 added; 1 task changed outcome',
    );
    const reverse = JSON.parse(
      (await runCli(['diff', 'app-b', 'app-a', ...common(), '-o', 'json'])).stdout,
    ) as DiffReport;
    expect(reverse.summary.tests).toMatchObject({ newlyFailing: 0, newlyPassing: 1 });
    expect(reverse.summary.files).toMatchObject({ removed: 2, changed: 1 });
  });

  it('narrows with --task and --artifact, and prints --name-only and --stat', async () => {
    const names = await runCli([
      'diff',
      'app-a',
      'app-b',
      ...common(),
      '--task',
      'build',
      '--artifact',
      'source',
      '--name-only',
    ]);
    expect(names.code).toBe(1);
    expect(names.stdout).toBe('build/source\nbuild/source/source/app/extra.go\n');
    const stat = await runCli(['diff', 'app-a', 'app-b', ...common(), '--artifact', 'test/junit', '--stat']);
    expect(stat.stdout).toBe(
      ' test/junit | junit: 1 newly failing\n 1 artifact changed; 1 test newly failing; 1 task changed outcome\n',
    );
    const yaml = await runCli([
      'diff',
      'app-a',
      'app-same',
      ...common(),
      '--artifact',
      'images',
      '-o',
      'yaml',
    ]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^apiVersion: tkn-artifacts.tekton.dev\/v1alpha1\nkind: ArtifactDiff\n/);
  });

  it('compares a run pruned from the cluster, read by its root reference, with one in the cluster', async () => {
    // app-b lives in the real kube-apiserver; app-a is gone from it, its root is all that is left.
    await kubeApply(env, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const obj of runs.b.objects) await createRun(env, obj);
    const result = await runCli([
      'diff',
      runs.a.rootReference,
      'app-b',
      '-n',
      namespace,
      '--kubeconfig',
      env.kube.adminKubeconfig,
      '--plain-http',
      host,
      '-o',
      'json',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/side A was read from its root in the registry alone/);
    const report = JSON.parse(result.stdout) as DiffReport;
    expect(report.a).toMatchObject({ kind: 'Artifact', pipeline: 'build-and-test' });
    expect(report.b).toMatchObject({
      kind: 'PipelineRun',
      name: 'app-b',
      source: expect.stringMatching(/cluster/) as unknown,
    });
    const artifacts = byLabel(report);
    // What the root holds is matched by pipeline task although the TaskRuns have other names.
    expect(artifacts['build/source']?.content?.[0]?.files?.map((f) => [f.change, f.path])).toEqual([
      ['A', 'app/extra.go'],
    ]);
    expect(artifacts['test/junit']?.content?.[0]?.tests?.map((t) => t.change)).toEqual(['newly-failing']);
    expect(artifacts['build/sbom-cdx']?.content?.[0]?.packages?.map((p) => [p.a, p.b])).toEqual([
      ['4.18.2', '4.18.3'],
    ]);
    // What the root does not hold is only on the cluster's side.
    expect(artifacts['clone/SOURCE_ARTIFACT']?.status).toBe('added');
    expect(artifacts['report/summary']?.status).toBe('added');

    // The same root against the run it came from, both from the registry: equal.
    const same = await runCli(['diff', runs.a.rootReference, runs.same.rootReference, '--plain-http', host]);
    expect(same.stdout).toContain('no differences');
    expect(same.code).toBe(0);
  });

  it('says which side cannot be read, with the documented exit code', async () => {
    const missing = await runCli(['diff', 'app-a', 'app-gone', ...common()]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^Error: side B \(app-gone\): /);
    const unreachable = await runCli(['diff', `127.0.0.1:1/${namespace}/x:y`, 'app-a', ...common()]);
    expect(unreachable.code).toBe(6);
    expect(unreachable.stderr).toMatch(/^Error: side A \(127\.0\.0\.1:1\//);
  });
});
