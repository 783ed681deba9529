/**
 * What pull did, for scripts (`--format json`: a versioned PullReport) and for people (a few
 * aligned lines). Pure: built from the plan and the outcome of each file.
 */
import { relative } from 'node:path';
import { alignColumns } from '../render/columns.js';
import { sanitize } from '../text/sanitize.js';
import { unusableBecause } from '../render/outcome.js';
import type { Outcome } from '../tree/model.js';
import { humanSize } from '../units/sizes.js';
import { shortDigest } from '../render/digest.js';
import type { PullProblem } from './problems.js';
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
  /**
   * `pulled`: fetched now; `present`: already there with the same digest (nothing fetched). Not
   * `skipped`, which in `skipped[]` and `summary.skipped` means "not pulled".
   */
  status: 'pulled' | 'present';
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
  /** The producing TaskRun's outcome; absent when none is known (unreported content, registry-only views). */
  outcome?: Outcome;
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
  /** Artifacts (or layers of them) refused or broken; the others were pulled, and pull exits 7 unless --allow-partial. */
  failed: PullProblem[];
  summary: {
    pulled: number;
    /** Files already present with the right digest. */
    present: number;
    skipped: number;
    /** Entries of `failed`. */
    failed: number;
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
      shortDigest(file.digest) + (file.usable ? '' : `  (${unusableBecause(file.outcome)})`),
    ]);
  }
  // Names, titles and reasons come from registries and clusters: escaped before they are padded.
  const lines = alignColumns(
    rows.map((cells) => cells.map(sanitize)),
    '  ',
  );
  for (const skipped of report.skipped)
    lines.push(`skipped  ${sanitize(label(skipped))}: ${sanitize(skipped.reason)}`);
  for (const failed of report.failed)
    lines.push(
      `failed   ${sanitize(label(failed))}${failed.title ? ` (${sanitize(failed.title)})` : ''}: ${sanitize(failed.reason)}`,
    );
  const { present, skipped, failed, bytes, seconds } = report.summary;
  const where = report.output === '-' ? 'stdout' : sanitize(shownPath(report.output, cwd));
  // Files, as a person counts them: an extracted archive counts what it held, not one blob.
  const count = (status: PulledFile['status']) =>
    report.files
      .filter((file) => file.status === status)
      .reduce((sum, file) => sum + (file.extracted ? file.extracted.files : 1), 0);
  const pulledFiles = count('pulled');
  const parts = [
    `Pulled ${pulledFiles} file${pulledFiles === 1 ? '' : 's'} (${humanSize(bytes)}) to ${where} in ${seconds.toFixed(1)} s`,
  ];
  if (present > 0) parts.push(`${count('present')} already present`);
  if (skipped > 0) parts.push(`${skipped} skipped`);
  if (failed > 0) parts.push(`${failed} failed`);
  lines.push(parts.join('; '));
  return `${lines.join('\n')}\n`;
}
