// The one interface the rest of the CLI reads runs through: a live cluster (ClusterSource) or a
// `kubectl get … -o yaml` export (FileSource). Fakes in unit tests implement it too.

import { NotFoundError } from './errors.js';
import type { ConfigMap, Pipeline, PipelineRun, TaskRun } from './types.js';
import {
  LABEL_MEMBER_OF,
  LABEL_PIPELINE_RUN,
  LABEL_PIPELINE_TASK,
  childTaskRunReferences,
  pipelineTaskOrder,
} from './types.js';

export interface ListOptions {
  /** Kubernetes label selector, e.g. "tekton.dev/pipelineRun=build-1". */
  labelSelector?: string;
}

/**
 * Objects come back as the server or file has them (tekton.dev/v1 or v1beta1), so paths into
 * them stay true; read version-dependent fields through resultsOf, childTaskRunReferences and
 * serviceAccountOf, or take a v1-shaped copy with normaliseRun.
 */
export interface RunSource {
  /** The namespace used when the user gave none (-n, else the context's, else "default"). */
  readonly defaultNamespace: string;
  /** For messages: "cluster https://127.0.0.1:6443 (context kind-x)" or "file examples/run.yaml". */
  describe(): string;

  /** @throws NotFoundError, ForbiddenError, UnauthorizedError, UnreachableError */
  getPipelineRun(namespace: string, name: string): Promise<PipelineRun>;
  /** @throws NotFoundError, ForbiddenError, UnauthorizedError, UnreachableError */
  getTaskRun(namespace: string, name: string): Promise<TaskRun>;
  listTaskRuns(namespace: string, options?: ListOptions): Promise<TaskRun[]>;
  listPipelineRuns(namespace: string, options?: ListOptions): Promise<PipelineRun[]>;
  /** Undefined when absent (embedded pipelineSpec, deleted Pipeline, resolver refs). */
  getPipeline(namespace: string, name: string): Promise<Pipeline | undefined>;
  /** Undefined when absent. */
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  listConfigMaps(namespace: string, options?: ListOptions): Promise<ConfigMap[]>;
}

// ---------------------------------------------------------------------------------------------
// Label selectors (equality- and set-based), for sources that filter locally.

export type LabelRequirement =
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** Parses a label selector; throws Error on syntax errors (callers wrap it with context). */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  // Split on commas that are not inside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    let m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      const values = (m[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      reqs.push({ op: m[2] === 'in' ? 'in' : 'notin', key: m[1] ?? '', values });
      continue;
    }
    m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(part);
    if (m) {
      reqs.push({ op: m[2] === '!=' ? 'ne' : 'eq', key: m[1] ?? '', value: m[3] ?? '' });
      continue;
    }
    m = /^(!?)\s*([^\s!=(),]+)$/.exec(part);
    if (m) {
      reqs.push({ op: m[1] ? 'notexists' : 'exists', key: m[2] ?? '' });
      continue;
    }
    throw new Error(`invalid label selector "${selector}" near "${part}"`);
  }
  return reqs;
}

export function matchesLabelSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  return parseLabelSelector(selector).every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'ne':
        return !has || v !== r.value;
      case 'in':
        return has && v !== undefined && r.values.includes(v);
      case 'notin':
        return !has || v === undefined || !r.values.includes(v);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// TaskRuns of a PipelineRun.

export interface PipelineTaskRun {
  /** TaskRun name. */
  name: string;
  /** The pipeline task it runs, when known (childReferences or the tekton.dev/pipelineTask label). */
  pipelineTaskName?: string;
  memberOf?: 'tasks' | 'finally';
  /** Absent when the TaskRun is listed in the status but no longer exists. */
  taskRun?: TaskRun;
}

export interface PipelineRunTaskRuns {
  taskRuns: PipelineTaskRun[];
  /** Where the list came from: the status, or the label fallback (status lacks childReferences). */
  via: 'childReferences' | 'label';
}

/**
 * The TaskRuns of a PipelineRun in pipeline order (`tasks` in spec order, then `finally`, then
 * anything unknown by start time), with their pipelineTaskName. Uses `status.childReferences`
 * (v1) or the embedded `status.taskRuns` (v1beta1); falls back to the `tekton.dev/pipelineRun`
 * label when the status has neither, e.g. a status written by an old controller or a trimmed export.
 */
export async function getPipelineRunTaskRuns(
  source: RunSource,
  pipelineRun: PipelineRun,
  options: { pipeline?: Pipeline } = {},
): Promise<PipelineRunTaskRuns> {
  const namespace = pipelineRun.metadata.namespace ?? source.defaultNamespace;
  const refs = childTaskRunReferences(pipelineRun);
  let entries: PipelineTaskRun[];
  let via: PipelineRunTaskRuns['via'];
  if (refs !== undefined) {
    via = 'childReferences';
    entries = await mapLimit(refs, FETCH_CONCURRENCY, async (ref): Promise<PipelineTaskRun> => {
      let taskRun: TaskRun | undefined;
      try {
        taskRun = await source.getTaskRun(namespace, ref.name);
      } catch (err) {
        // A child that was pruned is shown as missing rather than failing the whole run.
        if (!(err instanceof NotFoundError)) throw err;
      }
      const label = taskRun?.metadata.labels?.[LABEL_PIPELINE_TASK];
      const pipelineTaskName = ref.pipelineTaskName ?? label;
      const memberOf = memberOfLabel(taskRun);
      return {
        name: ref.name,
        ...(pipelineTaskName !== undefined ? { pipelineTaskName } : {}),
        ...(memberOf ? { memberOf } : {}),
        ...(taskRun ? { taskRun } : {}),
      };
    });
  } else {
    via = 'label';
    const selector = `${LABEL_PIPELINE_RUN}=${pipelineRun.metadata.name}`;
    const list = await source.listTaskRuns(namespace, { labelSelector: selector });
    const uid = pipelineRun.metadata.uid;
    entries = list
      // A recreated PipelineRun with the same name must not pick up the old run's TaskRuns.
      .filter((tr) => {
        const trUid = tr.metadata.labels?.['tekton.dev/pipelineRunUID'];
        return !uid || !trUid || trUid === uid;
      })
      .map((tr) => {
        const pipelineTaskName = tr.metadata.labels?.[LABEL_PIPELINE_TASK];
        const memberOf = memberOfLabel(tr);
        return {
          name: tr.metadata.name,
          ...(pipelineTaskName !== undefined ? { pipelineTaskName } : {}),
          ...(memberOf ? { memberOf } : {}),
          taskRun: tr,
        };
      });
  }
  return { taskRuns: sortInPipelineOrder(entries, pipelineRun, options.pipeline), via };
}

/** Matrixed pipelines can have hundreds of children: fetch a few at a time, not all at once. */
const FETCH_CONCURRENCY = 8;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function memberOfLabel(tr: TaskRun | undefined): 'tasks' | 'finally' | undefined {
  const v = tr?.metadata.labels?.[LABEL_MEMBER_OF];
  return v === 'tasks' || v === 'finally' ? v : undefined;
}

function sortInPipelineOrder(
  entries: PipelineTaskRun[],
  pr: PipelineRun,
  pipeline?: Pipeline,
): PipelineTaskRun[] {
  const order = pipelineTaskOrder(pr, pipeline);
  const rank = new Map<string, number>();
  order.tasks.forEach((t, i) => rank.set(t, i));
  order.finally.forEach((t, i) => rank.set(t, order.tasks.length + i));
  const unknownRank = order.tasks.length + order.finally.length;
  const started = (e: PipelineTaskRun): string =>
    e.taskRun?.status?.startTime ?? e.taskRun?.metadata.creationTimestamp ?? '';
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const ra =
        a.e.pipelineTaskName !== undefined ? (rank.get(a.e.pipelineTaskName) ?? unknownRank) : unknownRank;
      const rb =
        b.e.pipelineTaskName !== undefined ? (rank.get(b.e.pipelineTaskName) ?? unknownRank) : unknownRank;
      if (ra !== rb) return ra - rb;
      // finally tasks after tasks when the spec is unknown
      const fa = a.e.memberOf === 'finally' ? 1 : 0;
      const fb = b.e.memberOf === 'finally' ? 1 : 0;
      if (fa !== fb) return fa - fb;
      if (ra === unknownRank) {
        const sa = started(a.e);
        const sb = started(b.e);
        if (sa !== sb) return sa < sb ? -1 : 1;
      }
      return a.i - b.i; // stable: matrix children keep their recorded order
    })
    .map(({ e }) => e);
}
