/**
 * The marker file pull leaves in every directory it extracted an archive into,
 * `.tkn-artifacts.json`: which archive (digest, size) the tree came from, so a second pull can
 * skip it without downloading, and so pull knows the directory is its own to replace when the
 * artifact changed. Written into the staging directory before the rename, so the marker and the
 * tree appear together.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PULL_API_VERSION } from './report.js';
import { MARKER_FILE } from './paths.js';

export interface PullMarker {
  apiVersion: typeof PULL_API_VERSION;
  kind: 'PullMarker';
  archive: { digest: string; size: number; mediaType: string; format: 'tar+gzip' | 'tar' };
  artifact: string;
  task?: string;
  reference?: string;
  /** What the extraction wrote: entries in the archive, files, expanded bytes. */
  entries: number;
  files: number;
  expandedBytes: number;
}

/** The marker in `directory`, or undefined when there is none (or it is not ours). */
export async function readMarker(directory: string): Promise<PullMarker | undefined> {
  let text: string;
  try {
    text = await readFile(join(directory, MARKER_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<PullMarker> | null;
    if (
      parsed?.kind === 'PullMarker' &&
      typeof parsed.archive?.digest === 'string' &&
      typeof parsed.archive.size === 'number'
    )
      return parsed as PullMarker;
  } catch {
    // A marker that does not parse is no marker: the directory is treated as someone else's.
  }
  return undefined;
}

export async function writeMarker(directory: string, marker: PullMarker): Promise<void> {
  await writeFile(join(directory, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`, {
    flag: 'wx',
    mode: 0o644,
  });
}
