/**
 * Two archive listings compared by path, as `podman image diff` does: A (only in b), D (only in
 * a), C (in both, different type, mode, content digest, size or link target). Pure. A hard link
 * compares as the file it links to, so an archive re-packed with copies instead of links is equal.
 */
import type { ListedEntry, Listing } from './archive.js';
import type { ContentDiff, ContentKind, ContentSide } from './model.js';

function kindOf(entry: ListedEntry): ContentKind {
  if (entry.type === 'directory') return 'directory';
  if (entry.type === 'symlink') return 'symlink';
  return 'binary';
}

function modeString(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function entrySide(entry: ListedEntry): ContentSide {
  const side: ContentSide = { type: entry.type, mode: modeString(entry.mode) };
  if (entry.digest !== undefined) side.digest = entry.digest;
  if (entry.size !== undefined) side.size = entry.size;
  if (entry.type === 'symlink' && entry.linkTarget !== undefined) side.linkTarget = entry.linkTarget;
  return side;
}

function sameEntry(a: ListedEntry, b: ListedEntry): boolean {
  const fileLike = (e: ListedEntry) => (e.type === 'hardlink' ? 'file' : e.type);
  return (
    fileLike(a) === fileLike(b) &&
    a.mode === b.mode &&
    a.digest === b.digest &&
    a.size === b.size &&
    (a.type !== 'symlink' || a.linkTarget === b.linkTarget)
  );
}

/** The changed paths, sorted by path. */
export function compareListings(a: Listing, b: Listing): ContentDiff[] {
  const out: ContentDiff[] = [];
  for (const [path, ea] of a) {
    const eb = b.get(path);
    if (!eb) out.push({ path, change: 'D', kind: kindOf(ea), a: entrySide(ea) });
    else if (!sameEntry(ea, eb))
      out.push({
        path,
        change: 'C',
        kind: kindOf(eb.type === ea.type ? eb : ea),
        a: entrySide(ea),
        b: entrySide(eb),
      });
  }
  for (const [path, eb] of b)
    if (!a.has(path)) out.push({ path, change: 'A', kind: kindOf(eb), b: entrySide(eb) });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
