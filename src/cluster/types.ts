import { isRecord, list } from '../json/guards.js';
// Minimal, loosely typed shapes of the Kubernetes and Tekton objects we read.
//
// Everything here arrives from the wire or from a user's file, so every field past `metadata.name`
// is optional and the accessors below check types at run time instead of trusting them. Both
// tekton.dev/v1 and v1beta1 are covered; the accessors hide the differences (results field names,
// embedded child status, service account location).

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface Condition {
  type: string;
  /** "True" | "False" | "Unknown" */
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A result value: string, array of strings, or object of strings (Tekton's ParamValue). */
export type ResultValue = string | string[] | Record<string, string>;

export interface RunResult {
  name: string;
  type?: string;
  value: ResultValue;
}

export interface Param {
  name: string;
  value: ResultValue;
}

/** TEP-0164 StorageRef (external storage of an ArtifactValue). */
export interface StorageRef {
  backend?: string;
  location?: string;
  digest?: string;
  contentType?: string;
}

/** TEP-0147 ArtifactValue, extended by TEP-0164 (ref, size, inline). */
export interface ArtifactValue {
  uri?: string;
  /** Algorithm → hex, e.g. { sha256: "abc…" }. */
  digest?: Record<string, string>;
  ref?: StorageRef;
  size?: number;
  inline?: string;
}

export interface Artifact {
  name?: string;
  values?: ArtifactValue[];
  buildOutput?: boolean;
  /** TEP-0192 spelling of buildOutput. */
  subject?: boolean;
}

export interface Artifacts {
  inputs?: Artifact[];
  outputs?: Artifact[];
}

export interface StepState {
  name?: string;
  container?: string;
  imageID?: string;
  terminationReason?: string;
  terminated?: { exitCode?: number; reason?: string; message?: string };
  /** StepAction results (v1). */
  results?: RunResult[];
  inputs?: Artifact[];
  outputs?: Artifact[];
}

export interface ChildReference {
  apiVersion?: string;
  kind?: string;
  name: string;
  pipelineTaskName?: string;
  displayName?: string;
  whenExpressions?: unknown[];
}

export interface PipelineTask {
  name: string;
  taskRef?: { name?: string; kind?: string; resolver?: string; params?: Param[] };
  taskSpec?: unknown;
  runAfter?: string[];
  params?: Param[];
}

export interface PipelineSpec {
  tasks?: PipelineTask[];
  finally?: PipelineTask[];
  results?: unknown[];
  params?: unknown[];
}

export interface TaskRunStatus {
  conditions?: Condition[];
  podName?: string;
  startTime?: string;
  completionTime?: string;
  /** v1 */
  results?: RunResult[];
  /** v1beta1 */
  taskResults?: RunResult[];
  artifacts?: Artifacts;
  steps?: StepState[];
  taskSpec?: unknown;
}

export interface TaskRunSpec {
  params?: Param[];
  serviceAccountName?: string;
  taskRef?: { name?: string; kind?: string; resolver?: string };
  taskSpec?: unknown;
}

export interface TaskRun {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: TaskRunSpec;
  status?: TaskRunStatus;
}

export interface PipelineRunStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  /** v1 */
  results?: RunResult[];
  /** v1beta1 */
  pipelineResults?: RunResult[];
  childReferences?: ChildReference[];
  /** v1beta1 "full" embedded status: TaskRun name → { pipelineTaskName, status }. */
  taskRuns?: Record<string, { pipelineTaskName?: string; status?: TaskRunStatus }>;
  pipelineSpec?: PipelineSpec;
  artifacts?: Artifacts;
}

export interface PipelineRunSpec {
  pipelineRef?: { name?: string; resolver?: string; params?: Param[] };
  pipelineSpec?: PipelineSpec;
  params?: Param[];
  /** v1beta1 */
  serviceAccountName?: string;
  /** v1 */
  taskRunTemplate?: { serviceAccountName?: string };
}

export interface PipelineRun {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: PipelineRunSpec;
  status?: PipelineRunStatus;
}

export interface Pipeline {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: PipelineSpec;
}

export interface Task {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
}

export interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Well-known labels (tektoncd/pipeline pkg/apis/pipeline/register.go).

export const LABEL_PIPELINE_RUN = 'tekton.dev/pipelineRun';
export const LABEL_PIPELINE_RUN_UID = 'tekton.dev/pipelineRunUID';
export const LABEL_PIPELINE_TASK = 'tekton.dev/pipelineTask';
export const LABEL_PIPELINE = 'tekton.dev/pipeline';
export const LABEL_TASK = 'tekton.dev/task';
export const LABEL_MEMBER_OF = 'tekton.dev/memberOf';

// ---------------------------------------------------------------------------------------------
// Run-time type guards: the data may be anything.

/** Results of a run with the field they were read from, so paths can point at the object as written. */
export interface ResultsField {
  field: 'status.results' | 'status.taskResults' | 'status.pipelineResults';
  results: Array<{ index: number; result: RunResult }>;
}

function collectResults(raw: unknown): Array<{ index: number; result: RunResult }> {
  const out: Array<{ index: number; result: RunResult }> = [];
  list(raw).forEach((item, index) => {
    if (isRecord(item) && typeof item.name === 'string') {
      out.push({ index, result: item as unknown as RunResult });
    }
  });
  return out;
}

/**
 * The results of a TaskRun (v1 `status.results`, v1beta1 `status.taskResults`) or a PipelineRun
 * (v1 `status.results`, v1beta1 `status.pipelineResults`). v1 wins when both are present.
 */
export function resultsOf(run: TaskRun | PipelineRun): ResultsField {
  const status: unknown = run.status;
  if (!isRecord(status)) return { field: 'status.results', results: [] };
  if (Array.isArray(status.results)) {
    return { field: 'status.results', results: collectResults(status.results) };
  }
  if (Array.isArray(status.taskResults)) {
    return { field: 'status.taskResults', results: collectResults(status.taskResults) };
  }
  if (Array.isArray(status.pipelineResults)) {
    return {
      field: 'status.pipelineResults',
      results: collectResults(status.pipelineResults),
    };
  }
  return { field: 'status.results', results: [] };
}

/** The `Succeeded` condition, if any. */
export function succeededCondition(obj: { status?: { conditions?: Condition[] } }): Condition | undefined {
  const conditions = list(isRecord(obj.status) ? obj.status.conditions : undefined);
  for (const c of conditions) {
    if (isRecord(c) && c.type === 'Succeeded' && typeof c.status === 'string')
      return c as unknown as Condition;
  }
  return undefined;
}

export type RunState = 'succeeded' | 'failed' | 'cancelled' | 'timed-out' | 'running' | 'pending';

/** A coarse state from the Succeeded condition (reasons per tektoncd/pipeline). */
export function runState(obj: { status?: { conditions?: Condition[] } }): RunState {
  const c = succeededCondition(obj);
  if (!c) return 'pending';
  if (c.status === 'True') return 'succeeded';
  const reason = c.reason ?? '';
  if (c.status === 'False') {
    if (/cancel/i.test(reason)) return 'cancelled';
    if (/timeout|timedout/i.test(reason)) return 'timed-out';
    return 'failed';
  }
  if (/pending/i.test(reason)) return 'pending';
  return 'running';
}

/**
 * TaskRun children of a PipelineRun as recorded in its status: v1 `childReferences` (kind TaskRun),
 * or the v1beta1 embedded `taskRuns` map. Undefined when the status records neither (then callers
 * fall back to the `tekton.dev/pipelineRun` label).
 */
export function childTaskRunReferences(pr: PipelineRun): ChildReference[] | undefined {
  const status: unknown = pr.status;
  if (!isRecord(status)) return undefined;
  if (Array.isArray(status.childReferences)) {
    const refs: ChildReference[] = [];
    for (const c of status.childReferences) {
      if (!isRecord(c) || typeof c.name !== 'string') continue;
      // Missing kind happens in hand-written files; treat it as a TaskRun.
      if (c.kind !== undefined && c.kind !== 'TaskRun') continue;
      refs.push(c as unknown as ChildReference);
    }
    return refs;
  }
  if (isRecord(status.taskRuns)) {
    return Object.entries(status.taskRuns).map(([name, v]) => ({
      kind: 'TaskRun',
      name,
      ...(isRecord(v) && typeof v.pipelineTaskName === 'string'
        ? { pipelineTaskName: v.pipelineTaskName }
        : {}),
    }));
  }
  return undefined;
}

/** The pipeline's task order: `status.pipelineSpec` (resolved by the controller), else `spec.pipelineSpec`. */
export function pipelineTaskOrder(
  pr: PipelineRun,
  pipeline?: Pipeline,
): { tasks: string[]; finally: string[] } {
  const candidates: unknown[] = [
    isRecord(pr.status) ? pr.status.pipelineSpec : undefined,
    isRecord(pr.spec) ? pr.spec.pipelineSpec : undefined,
    pipeline?.spec,
  ];
  for (const spec of candidates) {
    if (!isRecord(spec)) continue;
    const names = (tasks: unknown): string[] =>
      list(tasks)
        .filter(isRecord)
        .map((t) => t.name)
        .filter((n): n is string => typeof n === 'string');
    const tasks = names(spec.tasks);
    const fin = names(spec.finally);
    if (tasks.length > 0 || fin.length > 0) return { tasks, finally: fin };
  }
  return { tasks: [], finally: [] };
}

/**
 * A normalised copy for consumers that only know v1: `status.results` filled from
 * `taskResults`/`pipelineResults`, `status.childReferences` from the embedded `taskRuns` map.
 * The original fields stay, so paths into the object as written remain meaningful.
 */
export function normaliseRun<T extends TaskRun | PipelineRun>(run: T): T {
  if (!isRecord(run.status)) return run;
  const status: Record<string, unknown> = { ...run.status };
  if (!Array.isArray(status.results)) {
    if (Array.isArray(status.taskResults)) status.results = status.taskResults;
    else if (Array.isArray(status.pipelineResults)) status.results = status.pipelineResults;
  }
  if (!Array.isArray(status.childReferences) && isRecord(status.taskRuns)) {
    status.childReferences = childTaskRunReferences(run as PipelineRun);
  }
  return { ...run, status } as T;
}
