/**
 * Partial files a killed pull left behind: `.NAME.tkn-partial-PID-XXXX` (a download or a
 * staging directory), `.NAME.tkn-outside-PID-XXXX` and `.NAME.tkn-old-PID-XXXX` (an extraction
 * set aside while the new one is placed). SIGINT and SIGTERM clean up after themselves; SIGKILL,
 * a crash or a power cut cannot, so the next pull into the same directory removes them (30 MB
 * were left in the report of issue 12). The PID in the name keeps a pull from removing the
 * files of another pull still running; names without one (from earlier versions) are removed.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const PARTIAL = /^\..*\.tkn-(?:partial|outside|old)-(?:(\d+)-)?[A-Za-z0-9]+$/;

/** Whether `name` is a partial file or directory of a pull (this one's, or one gone or running). */
export function isPartialName(name: string): boolean {
  return PARTIAL.test(name);
}

/** The infix for this process's partial names: `.NAME${partialInfix('partial')}XXXX`. */
export function partialInfix(kind: 'partial' | 'outside' | 'old'): string {
  return `.tkn-${kind}-${process.pid}-`;
}

function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** Removes what pulls no longer running left in `directory`; returns the names removed. */
export async function removeStalePartials(directory: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = PARTIAL.exec(name);
    if (!match) continue;
    if (match[1] !== undefined && running(Number(match[1]))) continue;
    await rm(join(directory, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
