/**
 * show on a wide run: 50 TaskRuns with 4 artifacts each under one PipelineRun root, on the test
 * OCI 1.1 registry (olareg), beside `oras discover --format json` of the same root, in the same run.
 * Target: tkn-artifacts under half of oras's time. Prints medians and the ratio; asserts nothing.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import {
  buildArtifactManifestJSON,
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
  type BuiltManifest,
} from '../src/formats/build.js';
import { RegistryClient } from '../src/oci/remote/client.js';
import { RemoteRepository } from '../src/oci/remote/repository.js';
import { findBinaries, startOlareg } from '../test/env/services.js';
import { writeRunExport, type Scenario } from '../test/support/scenario.js';

const exec = promisify(execFile);
const TASKS = 50;
const ARTIFACTS = 4;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const root = resolve(import.meta.dirname, '..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function time(command: string, args: string[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const start = performance.now();
    await exec(command, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    if (i > 0) samples.push(performance.now() - start); // the first run warms caches on both sides
  }
  return median(samples);
}

const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-bench-show-'));
await mkdir(join(work, 'logs'), { recursive: true });
const bins = findBinaries();
const olareg = await startOlareg(work, bins);
try {
  const host = olareg.host;
  const repo = new RemoteRepository(new RegistryClient(host, { plainHttp: true }), 'bench/tekton-artifacts');
  const push = async (built: BuiltManifest, tag?: string): Promise<void> => {
    for (const blob of built.blobs) await repo.push(blob.descriptor, blob.bytes);
    await repo.push(built.descriptor, built.bytes);
    if (tag) await repo.tag(built.descriptor, tag);
  };
  const namespace = 'bench';
  const pipelineRun = 'wide-run';
  const created = '2026-11-20T10:00:00Z';
  const rootManifest = buildRootManifestJSON({ namespace, pipelineRun, created });
  await push(rootManifest, rootManifest.tag);
  const taskRuns: Record<string, unknown>[] = [];
  for (let t = 0; t < TASKS; t++) {
    const taskRun = `${pipelineRun}-task-${t}`;
    const reference = buildTaskRunReferenceJSON({
      namespace,
      pipelineRun,
      taskRun,
      task: `task-${t}`,
      created,
      root: rootManifest.descriptor,
    });
    await push(reference);
    const outputs: Record<string, unknown>[] = [];
    for (let a = 0; a < ARTIFACTS; a++) {
      const content = Buffer.from(`content of artifact ${a} of ${taskRun}\n`);
      const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(content).digest('hex')}`;
      await repo.push({ mediaType: 'application/octet-stream', digest, size: content.length }, content);
      const artifact = buildArtifactManifestJSON({
        name: `artifact-${a}`,
        namespace,
        taskRun,
        pipelineRun,
        created,
        subject: reference.descriptor,
        files: [{ title: `artifact-${a}`, digest, size: content.length }],
      });
      await push(artifact);
      outputs.push({
        name: `artifact-${a}`,
        values: [
          {
            uri: `${host}/bench/tekton-artifacts@${artifact.descriptor.digest}`,
            digest: { sha256: artifact.descriptor.digest.slice(7) },
          },
        ],
      });
    }
    taskRuns.push({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name: taskRun,
        namespace,
        labels: { 'tekton.dev/pipelineRun': pipelineRun, 'tekton.dev/pipelineTask': `task-${t}` },
      },
      status: {
        conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
        artifacts: { outputs },
      },
    });
  }
  const objects = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'config-artifact-storage',
        namespace,
        labels: { 'tekton.dev/config-type': 'artifact-storage' },
      },
      data: { enabled: 'true', 'oci.repository': `${host}/bench/tekton-artifacts` },
    },
    {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: pipelineRun, namespace },
      status: {
        conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
        childReferences: taskRuns.map((tr) => ({
          kind: 'TaskRun',
          name: (tr['metadata'] as { name: string }).name,
          pipelineTaskName: (tr['metadata'] as { labels: Record<string, string> }).labels[
            'tekton.dev/pipelineTask'
          ],
        })),
      },
    },
    ...taskRuns,
  ];
  const exportFile = join(work, 'run.yaml');
  await writeRunExport({ objects } as unknown as Scenario, exportFile);

  const cli = join(root, 'bin', 'tkn-artifacts');
  const ours = await time(cli, [
    'show',
    pipelineRun,
    '-n',
    namespace,
    '--from-file',
    exportFile,
    '--plain-http',
    host,
    '-o',
    'json',
  ]);
  const { stdout } = await exec(
    cli,
    ['show', pipelineRun, '-n', namespace, '--from-file', exportFile, '--plain-http', host, '-o', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const tree = JSON.parse(stdout) as { taskRuns: { artifacts: { state: string }[] }[]; problems: unknown[] };
  const present = tree.taskRuns.flatMap((t) => t.artifacts).filter((a) => a.state === 'present').length;
  const oras = await time(bins.oras, [
    'discover',
    '--plain-http',
    '--format',
    'json',
    `${host}/bench/tekton-artifacts@${rootManifest.descriptor.digest}`,
  ]);
  console.log(`show, ${TASKS} TaskRuns x ${ARTIFACTS} artifacts on olareg (median of ${RUNS}):`);
  console.log(
    `  tkn-artifacts show -o json     ${ours.toFixed(0)} ms   (${present} artifacts present, ${tree.problems.length} problems)`,
  );
  console.log(`  oras discover --format json    ${oras.toFixed(0)} ms`);
  console.log(`  ratio                          ${(ours / oras).toFixed(2)}x oras (target < 0.5)`);
} finally {
  await olareg.stop();
  await rm(work, { recursive: true, force: true });
}
