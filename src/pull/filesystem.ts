/** The two questions pull keeps asking the filesystem, answered one way in every pull module. */
import { lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/** Whether `error` is a Node system error with one of these codes (ENOENT, EEXIST, …). */
export function isErrnoCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/** lstat (links are not followed), or undefined when nothing is there. */
export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}
