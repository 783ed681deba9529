/**
 * The marker file pull leaves in every directory it extracted an archive into,
 * `.tkn-artifacts.json`: which archive (digest, size) the tree came from and every file and link
 * it wrote (path, size, sha256), so a second pull can tell an intact tree, which it skips without
 * downloading, from one changed since, which it extracts again; and so pull knows the directory is
 * its own to replace. Written into the staging directory before the rename, so the marker and
 * the tree appear together.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PULL_API_VERSION, type ExtractedFile, type ExtractedLink } from './report.js';
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
  /**
   * Every regular file written inside the directory (path relative to it, POSIX), and every
   * symbolic link. Absent in markers of earlier versions: such a tree cannot be checked, so it is
   * extracted again.
   */
  contents?: ExtractedFile[];
  symlinks?: ExtractedLink[];
}

function isListing(value: unknown, fields: Record<string, 'string' | 'number'>): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        Object.entries(fields).every(
          ([field, type]) => typeof (item as Record<string, unknown>)[field] === type,
        ),
    )
  );
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
    ) {
      const marker = parsed as PullMarker;
      // A listing that is not one is dropped: the tree then counts as unverifiable, not as intact.
      if (
        !isListing(marker.contents, { path: 'string', size: 'number', digest: 'string' }) ||
        (marker.symlinks !== undefined && !isListing(marker.symlinks, { path: 'string', target: 'string' }))
      ) {
        delete marker.contents;
        delete marker.symlinks;
      }
      return marker;
    }
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
