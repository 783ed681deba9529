/**
 * What `diff` reports: the versioned document `-o json|yaml` emits (docs/diff.md describes it)
 * and every printer reads. Side `a` is the first run named, side `b` the second, as `diff A B`.
 */

export const DIFF_API_VERSION = 'tkn-artifacts.tekton.dev/v1alpha1';

export type Outcome = 'Succeeded' | 'Failed' | 'Running' | 'Cancelled' | 'Unknown';

export interface DiffSide {
  /** RUN as the user gave it. */
  argument: string;
  kind: 'PipelineRun' | 'TaskRun' | 'Artifact';
  name: string;
  namespace?: string;
  /** Where it was read from: cluster, file, registry, layout. */
  source: string;
  outcome: Outcome;
  /** The Pipeline the run ran, when known (label, pipelineRef or the root's annotation). */
  pipeline?: string;
  /** The run's root artifact, when found. */
  root?: string;
}

export interface TaskDiff {
  /** Pipeline task (or the TaskRun name when there is none); `(pipeline results)`, `(unreported)`. */
  task: string;
  /** Matrix fan-out: the instance index. */
  index?: number;
  status: 'added' | 'removed' | 'matched';
  a?: { taskRun: string; outcome: Outcome; reason?: string };
  b?: { taskRun: string; outcome: Outcome; reason?: string };
  /** Both outcomes known and different (Succeeded → Failed). */
  outcomeChanged: boolean;
}

/** One artifact as one side has it. */
export interface ArtifactSide {
  taskRun?: string;
  state: 'present' | 'dangling' | 'inline' | 'external' | 'error';
  reference?: string;
  digest?: string;
  size?: number;
  artifactType?: string;
  mediaType?: string;
  inline?: string;
  error?: string;
}

export type ArtifactStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface ArtifactDiff {
  task: string;
  index?: number;
  name: string;
  direction: 'output' | 'input';
  status: ArtifactStatus;
  a?: ArtifactSide;
  b?: ArtifactSide;
  /** Why two different digests still count as unchanged, or what the change is made of. */
  note?: string;
  /** Content level: one entry per layer (or the inline value) that differs. */
  content?: ContentDiff[];
}

export type ContentKind =
  'archive' | 'json' | 'spdx' | 'cyclonedx' | 'junit' | 'text' | 'binary' | 'directory' | 'symlink';

/** Digest, size (and for archive entries mode and link target) of one side of a content change. */
export interface ContentSide {
  digest?: string;
  size?: number;
  mode?: string;
  type?: 'file' | 'directory' | 'symlink' | 'hardlink';
  linkTarget?: string;
}

/** A changed layer, inline value, or file inside an archive. */
export interface ContentDiff {
  /** The layer's title, the entry's path in its archive, or `(inline)`. */
  path: string;
  /** A: only in b; D: only in a; C: in both, different (podman image diff's letters). */
  change: 'A' | 'D' | 'C';
  kind: ContentKind;
  a?: ContentSide;
  b?: ContentSide;
  /** archive: its entries, by path, A/D/C. */
  files?: ContentDiff[];
  json?: JsonChange[];
  packages?: PackageChange[];
  tests?: TestChange[];
  /** text with --content: a unified diff. */
  unified?: string;
  /** Why a deeper comparison was not made (size limit, unreadable, …). */
  skipped?: string;
}

export interface JsonChange {
  /** jq-style path: `.images[1].digest`. */
  path: string;
  op: 'added' | 'removed' | 'changed';
  a?: unknown;
  b?: unknown;
}

export interface PackageChange {
  /** purl when present, else name (and SPDX id or bom-ref to keep duplicates apart). */
  id: string;
  name: string;
  op: 'added' | 'removed' | 'changed';
  a?: string;
  b?: string;
}

export type TestState = 'passed' | 'failed' | 'error' | 'skipped';

export interface TestChange {
  /** suite › classname › name */
  id: string;
  change: 'newly-failing' | 'newly-passing' | 'appeared' | 'disappeared' | 'changed';
  a?: TestState;
  b?: TestState;
}

export interface DiffSummary {
  artifacts: { added: number; removed: number; changed: number; unchanged: number };
  tasks: { added: number; removed: number; outcomeChanged: number };
  files: { added: number; removed: number; changed: number };
  tests: { newlyFailing: number; newlyPassing: number; appeared: number; disappeared: number };
  packages: { added: number; removed: number; changed: number };
  /** Comparisons not made, with why (say what was skipped). */
  skipped: number;
}

export interface DiffReport {
  apiVersion: typeof DIFF_API_VERSION;
  kind: 'ArtifactDiff';
  a: DiffSide;
  b: DiffSide;
  /** True when nothing differs: the exit code is 0. */
  equal: boolean;
  summary: DiffSummary;
  warnings: string[];
  tasks: TaskDiff[];
  artifacts: ArtifactDiff[];
}
