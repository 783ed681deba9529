/**
 * The tree level of diff, pure: two resolved artifact trees matched task by task and artifact by
 * artifact. TaskRuns are matched by pipeline task, not by name (every run names its TaskRuns
 * after itself); a matrix fan-out by pipeline task and instance index; artifacts by direction and
 * name within their task. What an artifact *is* for the comparison is its content (layer digests,
 * the inline value), not its manifest digest: two runs push manifests that differ in their
 * run-specific annotations while carrying the same files.
 */
import type { ArtifactNode, ArtifactTree, TaskRunNode } from '../tree/model.js';
import type { ArtifactDiff, ArtifactSide, TaskDiff } from './model.js';

const UNREPORTED_TASK = '(unreported)';

export interface MatchOptions {
  /** The PipelineRun name behind each side, when known: TaskRun names start with it. */
  runNames?: { a?: string | undefined; b?: string | undefined };
  /** NAME or TASK/NAME; empty: every artifact. */
  artifacts?: string[];
  /** Also compare inputs (by default only outputs: an input is the output of another task). */
  inputs?: boolean;
}

export interface MatchedArtifact {
  diff: ArtifactDiff;
  /** The nodes behind the diff, for the content level. */
  a?: ArtifactNode;
  b?: ArtifactNode;
}

export interface TreeMatch {
  tasks: TaskDiff[];
  artifacts: MatchedArtifact[];
}

interface Keyed {
  task: string;
  /** Index parsed from a `-<n>` suffix (matrix children are named `<run>-<task>-<n>`). */
  suffix?: number;
  node: TaskRunNode;
}

/** The pipeline task a TaskRun without the label stands for (a run read from its root alone). */
export function deriveTask(
  name: string,
  runName: string | undefined,
  known: ReadonlySet<string>,
): Keyed['task'] {
  const rest =
    runName !== undefined && name.startsWith(`${runName}-`) ? name.slice(runName.length + 1) : name;
  if (known.has(rest)) return rest;
  const matrix = /^(.+)-\d+$/.exec(rest);
  if (matrix?.[1] !== undefined && known.has(matrix[1])) return matrix[1];
  // No run name: the longest known task the name ends with.
  let best: string | undefined;
  for (const task of known) {
    if (
      (name.endsWith(`-${task}`) || new RegExp(`-${escape(task)}-\\d+$`).test(name)) &&
      task.length > (best?.length ?? 0)
    )
      best = task;
  }
  return best ?? rest;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function keyTaskRuns(tree: ArtifactTree, runName: string | undefined, known: ReadonlySet<string>): Keyed[] {
  return tree.taskRuns.map((node) => {
    const task = node.pipelineTask ?? deriveTask(node.name, runName, known);
    const suffix = /-(\d+)$/.exec(node.name)?.[1];
    return suffix === undefined ? { task, node } : { task, suffix: Number(suffix), node };
  });
}

/** Instance indices of one task's TaskRuns: the name suffixes when they tell them apart, else the order. */
function indexed(group: Keyed[]): Map<number, Keyed> {
  const suffixes = group.map((k) => k.suffix);
  const distinct = new Set(suffixes);
  const bySuffix = suffixes.every((s) => s !== undefined) && distinct.size === group.length;
  return new Map(group.map((k, i) => [bySuffix ? (k.suffix as number) : i, k]));
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function sideOf(node: ArtifactNode, taskRun: string | undefined): ArtifactSide {
  const side: ArtifactSide = { state: node.state };
  if (taskRun !== undefined) side.taskRun = taskRun;
  if (node.reference !== undefined) side.reference = node.reference;
  else if (node.location !== undefined) side.reference = node.location;
  if (node.digest !== undefined) side.digest = node.digest;
  if (node.size !== undefined) side.size = node.size;
  if (node.artifactType !== undefined) side.artifactType = node.artifactType;
  if (node.mediaType !== undefined) side.mediaType = node.mediaType;
  if (node.inline !== undefined) side.inline = node.inline;
  if (node.error !== undefined) side.error = node.error;
  return side;
}

/**
 * What an artifact holds, as one comparable string: the inline value, the layers by title and
 * digest, an index's platforms, or (nothing else being known) the digest and state.
 */
export function contentKey(node: ArtifactNode): string {
  if (node.state === 'inline') return `inline\0${node.inline ?? ''}`;
  if (node.state === 'external') return `external\0${node.location ?? ''}`;
  if (node.state === 'present' && node.files.length > 0)
    return `files\0${node.files
      .map((f) => `${f.title ?? ''}=${f.digest}`)
      .sort()
      .join('\0')}`;
  if (node.state === 'present' && node.platforms.length > 0)
    return `platforms\0${node.platforms
      .map((p) => `${p.platform}=${p.digest}`)
      .sort()
      .join('\0')}`;
  return `${node.state}\0${node.digest ?? node.location ?? ''}`;
}

function artifactSelected(
  filters: string[],
  task: string,
  taskRun: string | undefined,
  name: string,
): boolean {
  return (
    filters.length === 0 ||
    filters.some(
      (f) => f === name || f === `${task}/${name}` || (taskRun !== undefined && f === `${taskRun}/${name}`),
    )
  );
}

function matchArtifacts(
  task: string,
  index: number | undefined,
  a: { taskRun?: string; nodes: ArtifactNode[] } | undefined,
  b: { taskRun?: string; nodes: ArtifactNode[] } | undefined,
  options: MatchOptions,
): MatchedArtifact[] {
  const wanted = (node: ArtifactNode, taskRun: string | undefined) =>
    (options.inputs === true || node.direction === 'output') &&
    artifactSelected(options.artifacts ?? [], task, taskRun, node.name);
  // Two artifacts of one task with the same name and direction are told apart by order.
  const keyed = (side: typeof a) => {
    const seen = new Map<string, number>();
    const out = new Map<string, ArtifactNode>();
    for (const node of side?.nodes ?? []) {
      if (!wanted(node, side?.taskRun)) continue;
      const base = `${node.direction}\0${node.name}`;
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.set(`${base}\0${n}`, node);
    }
    return out;
  };
  const left = keyed(a);
  const right = keyed(b);
  const keys = [...left.keys(), ...[...right.keys()].filter((k) => !left.has(k))];
  return keys.map((key) => {
    const na = left.get(key);
    const nb = right.get(key);
    const node = (na ?? nb) as ArtifactNode;
    const status = !na
      ? 'added'
      : !nb
        ? 'removed'
        : contentKey(na) === contentKey(nb)
          ? 'unchanged'
          : 'changed';
    const diff: ArtifactDiff = { task, name: node.name, direction: node.direction, status };
    if (index !== undefined) diff.index = index;
    if (na) diff.a = sideOf(na, a?.taskRun);
    if (nb) diff.b = sideOf(nb, b?.taskRun);
    if (status === 'unchanged' && na?.digest !== nb?.digest && na?.digest !== undefined)
      diff.note = 'same content under another manifest (run-specific annotations differ)';
    const matched: MatchedArtifact = { diff };
    if (na) matched.a = na;
    if (nb) matched.b = nb;
    return matched;
  });
}

function taskSide(keyed: Keyed): NonNullable<TaskDiff['a']> {
  const side: NonNullable<TaskDiff['a']> = { taskRun: keyed.node.name, outcome: keyed.node.outcome };
  if (keyed.node.reason !== undefined) side.reason = keyed.node.reason;
  return side;
}

/** Matches two trees: tasks with their outcome changes, artifacts with their tree-level status. */
export function matchTrees(a: ArtifactTree, b: ArtifactTree, options: MatchOptions = {}): TreeMatch {
  const labelled = (tree: ArtifactTree) =>
    new Set(tree.taskRuns.flatMap((t) => (t.pipelineTask !== undefined ? [t.pipelineTask] : [])));
  const keyedA = keyTaskRuns(a, options.runNames?.a, labelled(b));
  const keyedB = keyTaskRuns(b, options.runNames?.b, labelled(a));
  const groupsA = groupBy(keyedA, (k) => k.task);
  const groupsB = groupBy(keyedB, (k) => k.task);
  const order = [...groupsA.keys(), ...[...groupsB.keys()].filter((k) => !groupsA.has(k))];

  const tasks: TaskDiff[] = [];
  const artifacts: MatchedArtifact[] = [];
  for (const task of order) {
    const ga = groupsA.get(task) ?? [];
    const gb = groupsB.get(task) ?? [];
    const fanOut = ga.length > 1 || gb.length > 1;
    const ia = fanOut ? indexed(ga) : new Map(ga.map((k) => [0, k]));
    const ib = fanOut ? indexed(gb) : new Map(gb.map((k) => [0, k]));
    const indices = [...ia.keys(), ...[...ib.keys()].filter((i) => !ia.has(i))];
    for (const i of indices) {
      const ka = ia.get(i);
      const kb = ib.get(i);
      const diff: TaskDiff = {
        task,
        status: ka && kb ? 'matched' : ka ? 'removed' : 'added',
        outcomeChanged:
          ka !== undefined &&
          kb !== undefined &&
          ka.node.outcome !== 'Unknown' &&
          kb.node.outcome !== 'Unknown' &&
          ka.node.outcome !== kb.node.outcome,
      };
      if (fanOut) diff.index = i;
      if (ka) diff.a = taskSide(ka);
      if (kb) diff.b = taskSide(kb);
      tasks.push(diff);
      artifacts.push(
        ...matchArtifacts(
          task,
          fanOut ? i : undefined,
          ka ? { taskRun: ka.node.name, nodes: ka.node.artifacts } : undefined,
          kb ? { taskRun: kb.node.name, nodes: kb.node.artifacts } : undefined,
          options,
        ),
      );
    }
  }
  if (a.unreported.length > 0 || b.unreported.length > 0)
    artifacts.push(
      ...matchArtifacts(
        UNREPORTED_TASK,
        undefined,
        { nodes: a.unreported },
        { nodes: b.unreported },
        options,
      ),
    );
  return { tasks, artifacts };
}
