/**
 * What pull did, for scripts (`--format json`: a versioned PullReport) and for people (a few
 * aligned lines). Pure: built from the plan and the outcome of each file.
 */
import { relative } from 'node:path';
import { humanSize } from '../units/sizes.js';
import { shortDigest } from '../render/digest.js';
import type { SkippedArtifact } from './select.js';

export const PULL_API_VERSION = 'tkn-artifacts.tekton.dev/v1alpha1';

/** A regular file an archive was extracted to: path relative to the extracted directory (POSIX). */
export interface ExtractedFile {
  path: string;
  size: number;
  /** `sha256:<hex>` of the file's bytes. */
  digest: string;
}

/** A symbolic link an archive was extracted to (marker only). */
export interface ExtractedLink {
  path: string;
  target: string;
}

export interface PulledFile {
  task?: string;
  artifact: string;
  reference?: string;
  /** Absolute path of the file, or of the directory an archive was extracted into; `-` for stdout. */
  path: string;
  digest: string;
  size: number;
  mediaType: string;
  title?: string;
  /** `pulled`: fetched now; `skipped`: already there with the same digest (nothing fetched). */
  status: 'pulled' | 'skipped';
  reason?: string;
  /** Set when the layer was an archive and was extracted. */
  extracted?: {
    format: 'tar+gzip' | 'tar';
    entries: number;
    files: number;
    expandedBytes: number;
    /** Every regular file in the extracted directory, sorted by path (entries outside it are not listed). */
    contents: ExtractedFile[];
  };
  /** The producing TaskRun succeeded (false: pulled anyway, from a failed or unknown task). */
  usable: boolean;
}

export interface PullReport {
  apiVersion: typeof PULL_API_VERSION;
  kind: 'PullReport';
  /** What was pulled: a run (as show resolved it) or one artifact by reference. */
  source: { run?: { kind: string; name: string; namespace?: string }; reference?: string };
  /** The output directory (absolute), or `-` for stdout. */
  output: string;
  files: PulledFile[];
  skipped: SkippedArtifact[];
  summary: {
    pulled: number;
    /** Files already present with the right digest. */
    present: number;
    skipped: number;
    /** Bytes downloaded. */
    bytes: number;
    seconds: number;
  };
}

function label(entry: { task?: string; artifact: string }): string {
  return entry.task === undefined ? entry.artifact : `${entry.task}/${entry.artifact}`;
}

function shownPath(path: string, cwd: string): string {
  if (path === '-') return '-';
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function pad(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The human summary: one line per file and per skipped artifact, then a total. */
export function formatReportText(report: PullReport, cwd: string): string {
  const rows: string[][] = [];
  for (const file of report.files) {
    const path = shownPath(file.path, cwd) + (file.extracted ? '/' : '');
    const size = file.extracted
      ? `${humanSize(file.size)} → ${file.extracted.files} files, ${humanSize(file.extracted.expandedBytes)}`
      : humanSize(file.size);
    rows.push([
      file.status === 'pulled' ? 'pulled' : 'present',
      label(file),
      path,
      size,
      shortDigest(file.digest) + (file.usable ? '' : '  (task did not succeed)'),
    ]);
  }
  const lines = pad(rows);
  for (const skipped of report.skipped) lines.push(`skipped  ${label(skipped)}: ${skipped.reason}`);
  const { pulled, present, skipped, bytes, seconds } = report.summary;
  const where = report.output === '-' ? 'stdout' : shownPath(report.output, cwd);
  const parts = [
    `Pulled ${pulled} file${pulled === 1 ? '' : 's'} (${humanSize(bytes)}) to ${where} in ${seconds.toFixed(1)} s`,
  ];
  if (present > 0) parts.push(`${present} already present`);
  if (skipped > 0) parts.push(`${skipped} skipped`);
  lines.push(parts.join('; '));
  return `${lines.join('\n')}\n`;
}
