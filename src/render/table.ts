/**
 * The table view: one row per artifact, kubectl-style (no borders, upper-case headers, columns
 * aligned by display width, so wide characters stay aligned). Narrow enough for a 120-column
 * terminal: digests short (as the tree prints them) unless asked for whole, and said once, in
 * DIGEST; LOCATION is where the content is, without the digest again. Producers, files and
 * referrers are the tree's and the documents' to show.
 */
import type { ArtifactNode, ArtifactTree, Problem } from '../tree/model.js';
import { alignColumns } from './columns.js';
import { sanitize } from '../text/sanitize.js';
import { humanSize } from '../units/sizes.js';
import { shortDigest } from './digest.js';

const TABLE_HEADERS = ['TASK', 'ARTIFACT', 'STATE', 'SIZE', 'DIGEST', 'LOCATION'];

export interface TableOptions {
  fullDigests?: boolean;
}

/** `repo@sha256:…` without the digest the DIGEST column already holds; anything else as reported. */
function locationText(artifact: ArtifactNode): string {
  const where = artifact.reference ?? artifact.location;
  if (!where) return artifact.state === 'inline' ? '(inline)' : '-';
  const at = where.lastIndexOf('@');
  if (artifact.digest && at > 0 && where.slice(at + 1) === artifact.digest) return where.slice(0, at);
  return where;
}

/**
 * One word, as the tree says it: `usable` (present or inline, and its task succeeded), else the
 * artifact's state (`present`, `inline`, `external`, `dangling`, `error`); or the problem that
 * concerns it when the state does not say so already (content no status names, reports that
 * disagree on a digest, a value that could not be read).
 */
const SAID_BY_STATE: Partial<Record<Problem['kind'], ArtifactNode['state']>> = {
  dangling: 'dangling',
  'fetch-error': 'error',
};

function stateText(artifact: ArtifactNode, problems: readonly Problem[]): string {
  const problem = problems.find((candidate) => SAID_BY_STATE[candidate.kind] !== artifact.state);
  if (problem) return problem.kind;
  return artifact.usable && (artifact.state === 'present' || artifact.state === 'inline')
    ? 'usable'
    : artifact.state;
}

function row(
  task: string,
  artifact: ArtifactNode,
  problems: readonly Problem[],
  options: TableOptions,
): string[] {
  return [
    task,
    artifact.direction === 'input' ? `${artifact.name} (input)` : artifact.name,
    stateText(artifact, problems),
    artifact.size === undefined ? '-' : humanSize(artifact.size),
    options.fullDigests ? (artifact.digest ?? '-') : shortDigest(artifact.digest),
    locationText(artifact),
  ];
}

/** Problems about one artifact: the same task (none for content no TaskRun owns), name and reference. */
function problemsOf(
  problems: readonly Problem[],
  task: string | undefined,
  artifact: ArtifactNode,
): Problem[] {
  return problems.filter(
    (problem) =>
      problem.artifact === artifact.name &&
      problem.taskRun === task &&
      (problem.reference === undefined || problem.reference === artifact.reference),
  );
}

function tableRows(tree: ArtifactTree, options: TableOptions): string[][] {
  const rows: string[][] = [];
  for (const taskRun of tree.taskRuns) {
    const task = taskRun.pipelineTask ?? taskRun.name;
    for (const artifact of taskRun.artifacts)
      rows.push(row(task, artifact, problemsOf(tree.problems, task, artifact), options));
  }
  for (const artifact of tree.unreported)
    rows.push(row('(unreported)', artifact, problemsOf(tree.problems, undefined, artifact), options));
  if (tree.artifact) rows.push(row('-', tree.artifact, [], options));
  return rows;
}

export function renderTable(headers: string[], rows: string[][]): string {
  // Cells come from registries and clusters: escaped before they are measured.
  return `${alignColumns([headers, ...rows].map((cells) => cells.map(sanitize))).join('\n')}\n`;
}

export function treeTable(tree: ArtifactTree, options: TableOptions = {}): string {
  const rows = tableRows(tree, options);
  if (rows.length === 0) return `No results or artifacts found for ${tree.run.kind} ${tree.run.name}.\n`;
  return renderTable(TABLE_HEADERS, rows);
}
