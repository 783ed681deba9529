/**
 * The table view: one row per artifact, kubectl-style (no borders, upper-case headers, columns
 * aligned), drawn with cli-table3 so wide cells stay aligned.
 */
import Table from 'cli-table3';
import type { ArtifactNode, ArtifactTree } from '../tree/model.js';
import { humanSize } from '../units/sizes.js';
import { shortDigest } from './digest.js';

export const TABLE_HEADERS = [
  'TASK',
  'ARTIFACT',
  'STATE',
  'USABLE',
  'SIZE',
  'DIGEST',
  'PRODUCER',
  'LOCATION',
];

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

export function tableRows(tree: ArtifactTree): string[][] {
  const rows: string[][] = [];
  for (const taskRun of tree.taskRuns) {
    for (const artifact of taskRun.artifacts) rows.push(row(taskRun.pipelineTask ?? taskRun.name, artifact));
  }
  for (const artifact of tree.unreported) rows.push(row('(unreported)', artifact));
  return rows;
}

const borderless = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '   ',
};

export function renderTable(headers: string[], rows: string[][]): string {
  const table = new Table({
    head: headers,
    chars: borderless,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...rows);
  // cli-table3 pads the last column too; trailing blanks make diffs and golden files noisy.
  return (
    table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n') + '\n'
  );
}

export function treeTable(tree: ArtifactTree): string {
  const rows = tableRows(tree);
  if (rows.length === 0) return `No results or artifacts found for ${tree.run.kind} ${tree.run.name}.\n`;
  return renderTable(TABLE_HEADERS, rows);
}
