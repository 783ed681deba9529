/**
 * What is alive: the PipelineRuns and TaskRuns of the namespaces gc looks at, read through a
 * RunSource (the cluster, or an export), reduced to small records, and every digest a live run
 * names (inputs and outputs, in any format the readers know). The reduction is pure (liveViewOf).
 */
import { NotFoundError } from '../cluster/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { PipelineRun, TaskRun } from '../cluster/types.js';
import { extractPipelineRunArtifacts, extractTaskRunArtifacts } from '../formats/extract.js';
import { runKey, type LiveRun, type LiveView, type Namer, type RunKind } from './model.js';

type RunObject = PipelineRun | TaskRun;

function isRunning(run: RunObject): boolean {
  const status = run.status as { completionTime?: unknown; conditions?: unknown } | undefined;
  if (typeof status?.completionTime === 'string' && status.completionTime !== '') return false;
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as unknown[]) : [];
  const succeeded = conditions.find(
    (c): c is { type: string; status?: unknown } =>
      typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'Succeeded',
  );
  // No condition yet (pending) or Unknown (running): alive and busy.
  return succeeded === undefined || succeeded.status === 'Unknown';
}

function liveRunOf(kind: RunKind, run: RunObject, fallbackNamespace: string): LiveRun | undefined {
  const meta = run.metadata;
  if (typeof meta?.name !== 'string') return undefined;
  const status = run.status as { completionTime?: unknown } | undefined;
  const pipeline = meta.labels?.['tekton.dev/pipeline'];
  return {
    kind,
    namespace: meta.namespace ?? fallbackNamespace,
    name: meta.name,
    ...(typeof meta.uid === 'string' ? { uid: meta.uid } : {}),
    ...(pipeline ? { pipeline } : {}),
    running: isRunning(run),
    ...(typeof status?.completionTime === 'string' ? { completed: status.completionTime } : {}),
    ...(typeof meta.creationTimestamp === 'string' ? { created: meta.creationTimestamp } : {}),
  };
}

/** Pure: the live view from listed objects. */
export function liveViewOf(
  source: LiveView['source'],
  listed: Array<{ namespace: string; pipelineRuns: PipelineRun[]; taskRuns: TaskRun[] }>,
): LiveView {
  const runs = new Map<string, LiveRun>();
  const referenced = new Map<string, Namer[]>();
  const note = (digest: string | undefined, namer: Namer): void => {
    if (digest === undefined) return;
    const list = referenced.get(digest) ?? [];
    list.push(namer);
    referenced.set(digest, list);
  };
  const namerOf = (live: LiveRun, run: RunObject): Namer => {
    const labels = run.metadata?.labels ?? {};
    const parent = labels['tekton.dev/pipelineRun'];
    const parentUid = labels['tekton.dev/pipelineRunUID'];
    return {
      label: `${live.kind} ${live.namespace}/${live.name}`,
      runs: [
        { key: runKey(live.kind, live.namespace, live.name), ...(live.uid ? { uid: live.uid } : {}) },
        ...(parent
          ? [{ key: runKey('PipelineRun', live.namespace, parent), ...(parentUid ? { uid: parentUid } : {}) }]
          : []),
      ],
    };
  };
  for (const { namespace, pipelineRuns, taskRuns } of listed) {
    for (const pr of pipelineRuns) {
      const live = liveRunOf('PipelineRun', pr, namespace);
      if (!live) continue;
      runs.set(runKey('PipelineRun', live.namespace, live.name), live);
      const namer = namerOf(live, pr);
      for (const ref of extractPipelineRunArtifacts(pr).refs) note(ref.digest, namer);
    }
    for (const tr of taskRuns) {
      const live = liveRunOf('TaskRun', tr, namespace);
      if (!live) continue;
      runs.set(runKey('TaskRun', live.namespace, live.name), live);
      const namer = namerOf(live, tr);
      for (const ref of extractTaskRunArtifacts(tr).refs) note(ref.digest, namer);
    }
  }
  // An export that holds no run of a namespace says nothing about it (a wrong or partial file
  // would otherwise make every run there look gone); the cluster's empty list is an answer.
  const namespaces = listed
    .filter((l) => source.kind === 'cluster' || l.pipelineRuns.length + l.taskRuns.length > 0)
    .map((l) => l.namespace);
  return { source, namespaces: new Set(namespaces), runs, referenced };
}

/** Lists the runs of `namespaces` (errors propagate: a 403 is never read as "no runs"). */
export async function readLiveView(
  runs: RunSource,
  namespaces: string[],
  source: LiveView['source'],
): Promise<LiveView> {
  const listed = await Promise.all(
    namespaces.map(async (namespace) => {
      const [pipelineRuns, taskRuns] = await Promise.all([
        runs.listPipelineRuns(namespace),
        runs.listTaskRuns(namespace),
      ]);
      return { namespace, pipelineRuns, taskRuns };
    }),
  );
  return liveViewOf(source, listed);
}

/**
 * Re-reads one run just before its content is deleted: undefined when it is gone, its record when
 * it exists. NotFound is the only answer read as "gone".
 */
export async function lookUpRun(
  runs: RunSource,
  kind: RunKind,
  namespace: string,
  name: string,
): Promise<LiveRun | undefined> {
  try {
    const obj =
      kind === 'PipelineRun'
        ? await runs.getPipelineRun(namespace, name)
        : await runs.getTaskRun(namespace, name);
    return liveRunOf(kind, obj, namespace);
  } catch (err) {
    // Only "this object is not there" means gone; a missing API resource (Tekton not served) does not.
    if (err instanceof NotFoundError && err.kind === kind && err.objectName === name) return undefined;
    throw err;
  }
}
