/**
 * Builds tar and tar+gzip archives in memory for tests, hostile ones included: tar-stream writes
 * names, link targets and types exactly as given (absolute paths, `..`, devices), which is what
 * an attacker's archive would hold.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface TestEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

export async function tarOf(entries: TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = {
      name: entry.name,
      type,
      mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date('2026-11-20T10:00:00Z'),
      ...(entry.linkname !== undefined ? { linkname: entry.linkname } : {}),
      ...(type === 'character-device' || type === 'block-device' ? { devmajor: 1, devminor: 3 } : {}),
    };
    if (type === 'file')
      await new Promise<void>((ok, fail) =>
        pack.entry(header, entry.content ?? '', (e) => (e ? fail(e) : ok())),
      );
    else await new Promise<void>((ok, fail) => pack.entry(header, (e) => (e ? fail(e) : ok())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function tgzOf(entries: TestEntry[]): Promise<Buffer> {
  return gzipSync(await tarOf(entries));
}

/** A tar.gz of one file of `size` zero bytes, built without holding the expanded bytes twice. */
export async function zeroBomb(size: number, name = 'zeros'): Promise<Buffer> {
  return gzipSync(await tarOf([{ name, content: Buffer.alloc(size) }]));
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A stream of `bytes` in chunks, as a socket would deliver it. */
export function streamOf(bytes: Buffer, chunk = 16 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts);
}

/**
 * Every path below `directory` (relative, sorted), following no link. Not readdir's `recursive`:
 * it descends into links to directories, and a hostile archive's `up -> ..` never ends.
 */
export async function listTree(directory: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (absolute: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      out.push(path);
      if (entry.isDirectory()) await walk(join(absolute, entry.name), path);
    }
  };
  await walk(directory, '');
  return out.sort();
}
