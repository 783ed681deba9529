/**
 * What the TypeScript benches share: pushing TEP-0193 manifests to the bench's registry, and the
 * `kubectl get … -o yaml`-style export (storage ConfigMap, PipelineRun, TaskRuns) that lets the
 * CLI run with --from-file, so a bench times the registry walk and not a cluster.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
  type BuiltManifest,
  type RootInput,
} from '../src/formats/build.js';
import type { RemoteRepository } from '../src/oci/remote/repository.js';
import { writeRunExport, type Scenario } from '../test/support/scenario.js';

export const exec = promisify(execFile);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * A run of one TaskRun, as the pull and gc benches store it: the root, and the reference of its
 * TaskRun `<pipelineRun>-build` (task `build`), under which the bench hangs its artifacts.
 */
export function buildSingleTaskRun(run: RootInput) {
  const rootManifest = buildRootManifestJSON(run);
  const taskRun = `${run.pipelineRun}-build`;
  const reference = buildTaskRunReferenceJSON({
    namespace: run.namespace,
    pipelineRun: run.pipelineRun,
    taskRun,
    task: 'build',
    created: run.created,
    root: rootManifest.descriptor,
  });
  return { rootManifest, taskRun, reference };
}

/** Pushes a built manifest's blobs, then the manifest, then its tag. */
export function pusher(repo: RemoteRepository): (built: BuiltManifest, tag?: string) => Promise<void> {
  return async (built, tag) => {
    for (const blob of built.blobs) await repo.push(blob.descriptor, blob.bytes);
    await repo.push(built.descriptor, built.bytes);
    if (tag) await repo.tag(built.descriptor, tag);
  };
}

export interface BenchTaskRun {
  name: string;
  pipelineTask: string;
  /** TEP-0147 `status.artifacts.outputs` entries. */
  outputs: Record<string, unknown>[];
}

/**
 * Writes the run's export: the namespace's storage ConfigMap pointing at `repository` (a full
 * `host/path`), a succeeded PipelineRun whose childReferences name the TaskRuns, and the TaskRuns.
 */
export async function writeBenchRun(
  file: string,
  run: { namespace: string; pipelineRun: string; repository: string; taskRuns: BenchTaskRun[] },
): Promise<void> {
  const succeeded = [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }];
  const objects = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'config-artifact-storage',
        namespace: run.namespace,
        labels: { 'tekton.dev/config-type': 'artifact-storage' },
      },
      data: { enabled: 'true', 'oci.repository': run.repository },
    },
    {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: run.pipelineRun, namespace: run.namespace },
      status: {
        conditions: succeeded,
        childReferences: run.taskRuns.map((t) => ({
          kind: 'TaskRun',
          name: t.name,
          pipelineTaskName: t.pipelineTask,
        })),
      },
    },
    ...run.taskRuns.map((t) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name: t.name,
        namespace: run.namespace,
        labels: { 'tekton.dev/pipelineRun': run.pipelineRun, 'tekton.dev/pipelineTask': t.pipelineTask },
      },
      status: { conditions: succeeded, artifacts: { outputs: t.outputs } },
    })),
  ];
  // writeRunExport only reads `objects` of a scenario.
  await writeRunExport({ objects } as unknown as Scenario, file);
}

/** A TEP-0147 output value naming an artifact manifest by URI and digest. */
export function outputValue(name: string, repository: string, digest: string): Record<string, unknown> {
  return { name, values: [{ uri: `${repository}@${digest}`, digest: { sha256: digest.slice(7) } }] };
}

/** `tkn-artifacts <command> RUN` reading the bench's export, with the bench registry over plain HTTP. */
export function cliArgs(
  command: 'show' | 'pull',
  run: { pipelineRun: string; namespace: string; exportFile: string; host: string },
  ...rest: string[]
): string[] {
  return [
    command,
    run.pipelineRun,
    '-n',
    run.namespace,
    '--from-file',
    run.exportFile,
    '--plain-http',
    run.host,
    ...rest,
  ];
}
