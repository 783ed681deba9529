/**
 * The table view: one row per artifact, kubectl-style (no borders, upper-case headers, columns
 * aligned by display width, so wide characters stay aligned).
 */
import type { ArtifactNode, ArtifactTree } from '../tree/model.js';
import { alignColumns } from './columns.js';
import { sanitize } from '../text/sanitize.js';
import { humanSize } from '../units/sizes.js';
import { shortDigest } from './digest.js';

const TABLE_HEADERS = ['TASK', 'ARTIFACT', 'STATE', 'USABLE', 'SIZE', 'DIGEST', 'PRODUCER', 'LOCATION'];

function row(task: string, artifact: ArtifactNode): string[] {
  return [
    task,
    artifact.direction === 'input' ? `${artifact.name} (input)` : artifact.name,
    artifact.state,
    artifact.usable ? 'yes' : 'no',
    artifact.size === undefined ? '-' : humanSize(artifact.size),
    shortDigest(artifact.digest),
    artifact.producers.join(','),
    artifact.reference ?? artifact.location ?? (artifact.state === 'inline' ? '(inline)' : '-'),
  ];
}

function tableRows(tree: ArtifactTree): string[][] {
  const rows: string[][] = [];
  for (const taskRun of tree.taskRuns) {
    for (const artifact of taskRun.artifacts) rows.push(row(taskRun.pipelineTask ?? taskRun.name, artifact));
  }
  for (const artifact of tree.unreported) rows.push(row('(unreported)', artifact));
  return rows;
}

export function renderTable(headers: string[], rows: string[][]): string {
  // Cells come from registries and clusters: escaped before they are measured.
  return `${alignColumns([headers, ...rows].map((cells) => cells.map(sanitize))).join('\n')}\n`;
}

export function treeTable(tree: ArtifactTree): string {
  const rows = tableRows(tree);
  if (rows.length === 0) return `No results or artifacts found for ${tree.run.kind} ${tree.run.name}.\n`;
  return renderTable(TABLE_HEADERS, rows);
}
