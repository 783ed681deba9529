/**
 * Path safety, lexically: whether a name from a producer (an archive entry, a layer title, a
 * link target) stays inside the directory it is written to. Pure: the physical re-check, after
 * links already written are followed, is in extract.ts.
 *
 * The rule is oras-go's (`resolveWritePath`): reject, never rewrite. A name that climbs out with
 * `..` or is absolute is an error, not something to sanitise into a different path the producer
 * did not mean.
 */

import { unsafeNameProblem } from '../text/sanitize.js';

/** Names pull keeps for itself inside an extracted directory. */
export const MARKER_FILE = '.tkn-artifacts.json';

/** A POSIX path resolved inside a root, as its segments ([] is the root itself), or why not. */
export type PathCheck = { ok: true; segments: string[] } | { ok: false; reason: string };

/** Longest file name Linux file systems accept (bytes). */
const MAX_SEGMENT_BYTES = 255;

/**
 * Resolves `name` (relative, POSIX) against `base` segments inside a root, keeping `..` inside:
 * `a/../b` is fine, `a/../../b` is not.
 */
function resolveSegments(base: readonly string[], name: string): PathCheck {
  const out = [...base];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return { ok: false, reason: "climbs out of the destination with '..'" };
      out.pop();
      continue;
    }
    if (Buffer.byteLength(part) > MAX_SEGMENT_BYTES)
      return { ok: false, reason: `has a component longer than ${MAX_SEGMENT_BYTES} bytes` };
    out.push(part);
  }
  return { ok: true, segments: out };
}

function basicProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.startsWith('/')) return 'is an absolute path';
  // A terminal acts on these when the name is listed (ls, shell completion): never on disk.
  return unsafeNameProblem(name);
}

/** An archive entry or a layer title: a relative path that stays inside the root. */
export function checkEntryPath(name: string): PathCheck {
  const problem = basicProblem(name);
  if (problem) return { ok: false, reason: problem };
  return resolveSegments([], name);
}

/** Names refused even for a trusted producer (--allow-path-traversal lifts only the path checks). */
export function alwaysRefused(name: string): boolean {
  return name === '' || name.includes('\0') || unsafeNameProblem(name) !== undefined;
}

/**
 * A symbolic link's target, resolved from the directory holding the link (as the kernel does).
 * Absolute targets are refused: the destination is renamed into place after extraction, so no
 * absolute path can be known to point inside it.
 */
export function checkSymlinkTarget(linkSegments: readonly string[], target: string): PathCheck {
  if (target === '') return { ok: false, reason: 'is a symbolic link with an empty target' };
  if (target.includes('\0')) return { ok: false, reason: 'is a symbolic link whose target contains NUL' };
  if (target.startsWith('/'))
    return { ok: false, reason: `is a symbolic link to an absolute path (${target})` };
  const resolved = resolveSegments(linkSegments.slice(0, -1), target);
  if (!resolved.ok)
    return { ok: false, reason: `is a symbolic link pointing outside the destination (${target})` };
  return resolved;
}

/** A hard link's target: tar names it from the archive's root, and it must be a file already there. */
export function checkHardlinkTarget(target: string): PathCheck {
  const problem = basicProblem(target);
  if (problem) return { ok: false, reason: `is a hard link whose target ${problem} (${target})` };
  const resolved = resolveSegments([], target);
  if (!resolved.ok || resolved.segments.length === 0)
    return { ok: false, reason: `is a hard link pointing outside the destination (${target})` };
  return resolved;
}

/**
 * A directory name pull makes from a task or artifact name: one path segment, as written. Names
 * come from TaskRun status and registry annotations, which anyone who can push may set.
 */
export function checkSegmentName(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is ${JSON.stringify(name)}`;
  if (name.includes('/')) return "contains '/'";
  if (name.includes('\0')) return 'contains a NUL byte';
  const unsafe = unsafeNameProblem(name);
  if (unsafe) return unsafe;
  if (Buffer.byteLength(name) > MAX_SEGMENT_BYTES) return `is longer than ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

/** `a/b` joined from segments (POSIX, for messages and relative paths). */
export function joinSegments(segments: readonly string[]): string {
  return segments.length === 0 ? '.' : segments.join('/');
}

/** True when `inner` equals `outer` or lies below it (both relative POSIX paths, normalised). */
export function isWithin(outer: string, inner: string): boolean {
  if (outer === '.' || outer === '') return !inner.startsWith('../') && inner !== '..';
  return inner === outer || inner.startsWith(`${outer}/`);
}
