/**
 * Which artifacts of a resolved tree pull fetches, and why the others are left. Pure: it reads
 * the ArtifactTree show resolved and decides; nothing here talks to a registry.
 */
import type { ErrorKind } from '../cli/exit-codes.js';
import { namesArtifact } from '../tree/resolve.js';
import {
  NAMED_CONTENT_TASK,
  type ArtifactNode,
  type ArtifactTree,
  type Outcome,
  type TaskRunNode,
} from '../tree/model.js';
import { hasArtifactType } from '../tree/artifact-type.js';
import { referrerArtifacts } from './referrers.js';

export interface SelectOptions {
  /** Pipeline task or TaskRun names (the tree is filtered already, except registry-only runs). */
  tasks: string[];
  /** `NAME` or `TASK/NAME` (repeatable); empty means every artifact. */
  artifacts: string[];
  /** Also pull inputs (by default only outputs: an input is pulled from the task that made it). */
  inputs: boolean;
  /**
   * --artifact-type: the tree kept only artifacts of these types and those with referrers of them;
   * of the latter, the referrers are what is pulled.
   */
  artifactTypes?: string[];
}

/** An artifact chosen for pulling, with the task directory it goes under. */
export interface Candidate {
  /** Directory for the task; undefined for a single artifact pulled by reference. */
  task?: string;
  taskRun?: string;
  node: ArtifactNode;
  /** The producing TaskRun's outcome; undefined for content no TaskRun reported. */
  outcome?: Outcome;
  /** Asked for by name: failing to pull it is an error, not a note. */
  named: boolean;
}

/** A named artifact pull cannot deliver, with the kind of failure the exit code reports. */
export interface RefusedArtifact extends SkippedArtifact {
  kind: ErrorKind;
}

/** Why a node cannot be pulled, as an exit code names it. */
function refusalKind(node: ArtifactNode): ErrorKind {
  if (node.state === 'dangling') return 'notFound';
  if (node.state === 'error') return node.failure?.kind ?? 'internal';
  return 'unsupported';
}

export interface SkippedArtifact {
  task?: string;
  artifact: string;
  /** The artifact's state, or why selection left it: `input`, `duplicate`, `untitled`. */
  state: string;
  reason: string;
  reference?: string;
  digest?: string;
}

export interface Selection {
  selected: Candidate[];
  skipped: SkippedArtifact[];
  /** Named artifacts that cannot be pulled (dangling, external, …): the command fails on these. */
  refused: RefusedArtifact[];
  /** --artifact values that matched nothing. */
  unmatched: string[];
}

/** The task directory for TaskRun results, and the two pseudo-tasks. */
const PIPELINE_RESULTS_DIR = '_pipeline';
const UNREPORTED_DIR = '_unreported';

export function taskDirectory(taskRun: Pick<TaskRunNode, 'name' | 'pipelineTask'>): string {
  // resolveRun files PipelineRun-level results under this pseudo pipeline task.
  if (taskRun.pipelineTask === '(pipeline results)') return PIPELINE_RESULTS_DIR;
  return taskRun.pipelineTask ?? taskRun.name;
}

/** Why an artifact cannot be pulled, or undefined when it can. */
function unpullableReason(node: ArtifactNode): string | undefined {
  switch (node.state) {
    case 'inline':
      return node.inline === undefined ? 'inline, but the value is missing' : undefined;
    case 'present':
      if (node.files.length > 0) return undefined;
      if (node.platforms.length > 0)
        return `an image index (${node.platforms.length} platforms): pull images with a container tool (oras copy, crane, skopeo)`;
      return 'nothing to pull: the manifest has no layers';
    case 'dangling':
      return `dangling: ${node.error ?? 'the registry does not have the content the status names'}`;
    case 'external':
      return `stored outside OCI registries${node.location ? `: ${node.location}` : ''}`;
    case 'error':
      return `could not be resolved: ${node.error ?? 'unknown error'}`;
  }
}

/** What --artifact-type asks of these artifacts: each one of the type, else its referrers of the type. */
function ofType(artifacts: ArtifactNode[], types: string[] | undefined): ArtifactNode[] {
  if (!types || types.length === 0) return artifacts;
  return artifacts.flatMap((node) =>
    hasArtifactType(node, types) ? [node] : referrerArtifacts(node, types),
  );
}

export function selectArtifacts(tree: ArtifactTree, options: SelectOptions): Selection {
  const entries: { task?: string; taskRun?: string; outcome?: Outcome; node: ArtifactNode }[] = [];
  for (const taskRun of tree.taskRuns) {
    // A run read from the registry alone has TaskRuns the tree did not filter.
    if (
      options.tasks.length > 0 &&
      !options.tasks.includes(taskRun.pipelineTask ?? '') &&
      !options.tasks.includes(taskRun.name)
    )
      continue;
    // Content named by reference has no task level on disk, as pull --artifact-ref writes it.
    if (taskRun.pipelineTask === NAMED_CONTENT_TASK) {
      for (const node of ofType(taskRun.artifacts, options.artifactTypes)) entries.push({ node });
      continue;
    }
    for (const node of ofType(taskRun.artifacts, options.artifactTypes))
      entries.push({ task: taskDirectory(taskRun), taskRun: taskRun.name, outcome: taskRun.outcome, node });
  }
  if (options.tasks.length === 0)
    for (const node of ofType(tree.unreported, options.artifactTypes))
      entries.push({ task: UNREPORTED_DIR, node });
  return selectFrom(entries, options);
}

function labelOf(task: string | undefined, node: ArtifactNode): string {
  return task === undefined ? node.name : `${task}/${node.name}`;
}

/** Selection over (task, artifact) pairs; shared by run pulls and single-artifact pulls. */
export function selectFrom(
  entries: { task?: string; taskRun?: string; outcome?: Outcome; node: ArtifactNode }[],
  options: Pick<SelectOptions, 'artifacts' | 'inputs'>,
): Selection {
  const result: Selection = { selected: [], skipped: [], refused: [], unmatched: [] };
  const used = new Set<string>();
  const seen = new Map<string, ArtifactNode>();
  const namedBy = (task: string | undefined, taskRun: string | undefined, node: ArtifactNode) =>
    options.artifacts.filter((value) => namesArtifact(value, task, taskRun, node.name));
  // Konflux hands one SOURCE_ARTIFACT from task to task: the content an input names is pulled
  // once, where it was produced (or at the first input naming it when no task here produced it).
  const pulledAt = new Map<string, string>();
  for (const { task, taskRun, node } of entries) {
    if (node.direction === 'input' || node.digest === undefined || pulledAt.has(node.digest)) continue;
    if (options.artifacts.length > 0 && namedBy(task, taskRun, node).length === 0) continue;
    if (unpullableReason(node) === undefined) pulledAt.set(node.digest, labelOf(task, node));
  }
  for (const { task, taskRun, outcome, node } of entries) {
    const named = namedBy(task, taskRun, node);
    named.forEach((value) => used.add(value));
    if (options.artifacts.length > 0 && named.length === 0) continue;
    const skip = (state: string, reason: string): SkippedArtifact => {
      const entry: SkippedArtifact = { artifact: node.name, state, reason };
      if (task !== undefined) entry.task = task;
      if (node.reference !== undefined) entry.reference = node.reference;
      else if (node.location !== undefined) entry.reference = node.location;
      if (node.digest !== undefined) entry.digest = node.digest;
      return entry;
    };
    if (node.direction === 'input' && !options.inputs && named.length === 0) {
      result.skipped.push(
        skip(
          'input',
          'an input of the task: pulled from the task that produced it (--inputs pulls inputs too)',
        ),
      );
      continue;
    }
    // Named as TASK/NAME, that task's own copy is what the user asked for.
    const namedWithTask = named.some((value) => value !== node.name);
    if (node.direction === 'input' && node.digest !== undefined && !namedWithTask) {
      const where = pulledAt.get(node.digest);
      if (where !== undefined && where !== labelOf(task, node)) {
        result.skipped.push(
          skip('duplicate', `an input of the task: the same content is pulled as ${where}`),
        );
        continue;
      }
      if (where === undefined && unpullableReason(node) === undefined)
        pulledAt.set(node.digest, labelOf(task, node));
    }
    const reason = unpullableReason(node);
    if (reason) {
      if (named.length > 0) result.refused.push({ ...skip(node.state, reason), kind: refusalKind(node) });
      else result.skipped.push(skip(node.state, reason));
      continue;
    }
    // Two artifacts of one task with the same name would write to the same directory.
    const key = `${task ?? ''}\0${node.name}`;
    const first = seen.get(key);
    if (first) {
      const same = first.digest !== undefined && first.digest === node.digest;
      result.skipped.push(
        skip(
          'duplicate',
          same
            ? 'reported twice: the same content is pulled once'
            : `another artifact of this task is also named ${JSON.stringify(node.name)} (${first.digest ?? 'inline'}); the first one is pulled`,
        ),
      );
      continue;
    }
    seen.set(key, node);
    const candidate: Candidate = { node, named: named.length > 0 };
    if (task !== undefined) candidate.task = task;
    if (taskRun !== undefined) candidate.taskRun = taskRun;
    if (outcome !== undefined) candidate.outcome = outcome;
    result.selected.push(candidate);
  }
  result.unmatched = options.artifacts.filter((value) => !used.has(value));
  return result;
}
