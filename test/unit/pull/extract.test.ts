/**
 * The extractor against hostile archives built here: each must be refused with an
 * UnsafeArchiveError naming the archive, the entry and what is wrong, and nothing may appear
 * outside the staging directory.
 */
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import { commitOutside, extractArchive, type ExtractOptions } from '../../../src/pull/extract.js';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE } from '../../../src/pull/limits.js';
import { VerifyingStream } from '../../../src/oci/digest.js';
import { digestOf, streamOf, tarOf, tgzOf, zeroBomb, type TestEntry } from './archives.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'tkn-pull-extract-'));
  root = join(base, 'root');
  await mkdir(root);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function options(archive: Buffer, extra: Partial<ExtractOptions> = {}): ExtractOptions {
  return {
    root,
    source: 'archive sha256:test',
    archive: 'tar+gzip',
    compressedSize: archive.byteLength,
    limits: { maxRatio: DEFAULT_MAX_RATIO, maxSize: DEFAULT_MAX_SIZE },
    ...extra,
  };
}

async function extract(entries: TestEntry[], extra: Partial<ExtractOptions> = {}) {
  const archive = await tgzOf(entries);
  return extractArchive(streamOf(archive), options(archive, extra));
}

async function refusal(promise: Promise<unknown>): Promise<UnsafeArchiveError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsafeArchiveError);
  return error as UnsafeArchiveError;
}

/** Everything under `base` except what is under root: must stay empty. */
async function outsideRoot(): Promise<string[]> {
  return (await readdir(base)).filter((name) => name !== 'root');
}

describe('extractArchive: ordinary archives', () => {
  it('writes files, directories, modes, times and links inside', async () => {
    const result = await extract([
      { name: 'dir', type: 'directory', mode: 0o750 },
      { name: 'dir/a.txt', content: 'alpha' },
      { name: 'run.sh', content: '#!/bin/sh\n', mode: 0o4755 },
      { name: 'deep/er/b.txt', content: 'beta' },
      { name: 'dir/link', type: 'symlink', linkname: '../deep/er/b.txt' },
      { name: 'hard', type: 'link', linkname: 'dir/a.txt' },
      { name: 'dir/a.txt', content: 'alpha again' }, // a later entry replaces an earlier one
    ]);
    expect(result).toMatchObject({ entries: 7, files: 4 });
    expect(await readFile(join(root, 'dir/a.txt'), 'utf8')).toBe('alpha again');
    expect(await readFile(join(root, 'dir/link'), 'utf8')).toBe('beta');
    expect(await readFile(join(root, 'hard'), 'utf8')).toBe('alpha');
    expect((await stat(join(root, 'dir'))).mode & 0o777).toBe(0o750);
    // set-uid dropped, executable kept
    expect((await stat(join(root, 'run.sh'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(root, 'run.sh'))).mtime.toISOString()).toBe('2026-11-20T10:00:00.000Z');
  });

  it('extracts plain tar too', async () => {
    const archive = await tarOf([{ name: 'x', content: 'y' }]);
    await extractArchive(streamOf(archive), options(archive, { archive: 'tar' }));
    expect(await readFile(join(root, 'x'), 'utf8')).toBe('y');
  });

  it('reports a blob that is not gzip as not a valid archive, suggesting --raw', async () => {
    const bytes = Buffer.from('{"just": "json"}');
    const error = await refusal(extractArchive(streamOf(bytes), options(bytes)));
    expect(error.message).toMatch(/archive sha256:test.*not a valid archive/);
    expect(error.hint).toMatch(/--raw/);
  });

  it('lets the digest check win over the gzip error when the bytes are corrupt', async () => {
    const archive = await tgzOf([{ name: 'a', content: 'x'.repeat(10_000) }]);
    const digest = digestOf(archive);
    const corrupt = Buffer.from(archive);
    corrupt[40] = (corrupt[40] as number) ^ 0xff;
    const verifier = new VerifyingStream({ digest, size: archive.byteLength });
    streamOf(corrupt).pipe(verifier);
    const error = await extractArchive(verifier, options(archive)).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe('DIGEST_MISMATCH');
  });

  it('fails when the stream breaks off, with the stream error', async () => {
    const archive = await tgzOf([{ name: 'a', content: 'x'.repeat(100_000) }]);
    const cut = new PassThrough();
    cut.write(archive.subarray(0, 40));
    setTimeout(() => cut.destroy(Object.assign(new Error('socket hang up'), { code: 'UNREACHABLE' })), 10);
    const error = await extractArchive(cut, options(archive)).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe('UNREACHABLE');
  });
});

describe('extractArchive: hostile archives are refused', () => {
  it.each<[string, TestEntry[], RegExp, string]>([
    ['path traversal', [{ name: '../../evil', content: 'x' }], /climbs out/, '../../evil'],
    ['traversal in the middle', [{ name: 'a/../../evil', content: 'x' }], /climbs out/, 'a/../../evil'],
    ['absolute path', [{ name: '/tmp/evil', content: 'x' }], /absolute path/, '/tmp/evil'],
    ['symlink out', [{ name: 'out', type: 'symlink', linkname: '../../../etc' }], /outside/, 'out'],
    ['absolute symlink', [{ name: 'etc', type: 'symlink', linkname: '/etc' }], /absolute path/, 'etc'],
    ['hardlink out', [{ name: 'passwd', type: 'link', linkname: '../../etc/passwd' }], /hard link/, 'passwd'],
    ['absolute hardlink', [{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }], /hard link/, 'passwd'],
    ['character device', [{ name: 'null', type: 'character-device' }], /character device/, 'null'],
    ['block device', [{ name: 'sda', type: 'block-device' }], /block device/, 'sda'],
    ['fifo', [{ name: 'pipe', type: 'fifo' }], /fifo/, 'pipe'],
    ['marker name', [{ name: '.tkn-artifacts.json', content: '{}' }], /marker/, '.tkn-artifacts.json'],
    [
      'symlink then a file through it',
      [
        { name: 'sub', type: 'symlink', linkname: '.' },
        { name: 'sub/file', content: 'x' },
      ],
      /through the symbolic link sub/,
      'sub/file',
    ],
    [
      'a link that escapes only through another link (lexically inside)',
      [
        { name: 'sub', type: 'symlink', linkname: '.' },
        { name: 'up', type: 'symlink', linkname: 'sub/sub/../..' },
      ],
      /through other links/,
      'up',
    ],
    [
      'a link made to escape by a later link (checked once every link is in place)',
      [
        { name: 'early', type: 'symlink', linkname: 'hop/..' },
        { name: 'hop', type: 'symlink', linkname: '.' },
      ],
      /once every link is in place/,
      'early',
    ],
    [
      'hardlink to a link',
      [
        { name: 'l', type: 'symlink', linkname: 'x' },
        { name: 'h', type: 'link', linkname: 'l' },
      ],
      /not a file/,
      'h',
    ],
    [
      'a file where the archive made a directory',
      [
        { name: 'd', type: 'directory' },
        { name: 'd', content: 'x' },
      ],
      /replace a directory/,
      'd',
    ],
  ])('%s', async (_what, entries, reason, entry) => {
    const error = await refusal(extract(entries));
    expect(error.source).toBe('archive sha256:test');
    expect(error.entry).toBe(entry);
    expect(error.reason).toMatch(reason);
    expect(error.message).toContain(JSON.stringify(entry));
    expect(await outsideRoot()).toEqual([]);
  });

  it('refuses devices even for a trusted producer', async () => {
    const error = await refusal(
      extract([{ name: 'null', type: 'character-device' }], {
        allowPathTraversal: true,
        finalDir: join(base, 'final'),
        outsideStaging: join(base, 'outside'),
      }),
    );
    expect(error.reason).toMatch(/never extracted/);
  });

  it('refuses a decompression bomb by ratio, before writing it all', async () => {
    const bomb = await zeroBomb(20 * 1024 ** 2);
    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    const error = await refusal(extractArchive(streamOf(bomb), options(bomb)));
    expect(error.reason).toMatch(/expands past 100x its compressed size/);
    expect(error.hint).toMatch(/--max-ratio/);
    expect(await outsideRoot()).toEqual([]);
  });

  it('refuses an archive past the total size, whatever the ratio', async () => {
    const archive = await tgzOf([
      { name: 'a', content: Buffer.alloc(600 * 1024, 7) },
      { name: 'b', content: Buffer.alloc(600 * 1024, 8) },
    ]);
    const error = await refusal(
      extractArchive(streamOf(archive), options(archive, { limits: { maxRatio: 1e6, maxSize: 1024 ** 2 } })),
    );
    expect(error.reason).toMatch(/expands past 1 MiB/);
    expect(error.hint).toMatch(/--max-size/);
  });

  it('allows a small, very compressible archive (the ratio applies past 1 MiB only)', async () => {
    const archive = await tgzOf([{ name: 'zeros', content: Buffer.alloc(900 * 1024) }]);
    expect((900 * 1024) / archive.byteLength).toBeGreaterThan(100);
    await extractArchive(streamOf(archive), options(archive));
    expect((await stat(join(root, 'zeros'))).size).toBe(900 * 1024);
  });
});

describe('extractArchive: --allow-path-traversal', () => {
  it('stages entries bound outside, and commitOutside puts them in place', async () => {
    const final = join(base, 'final');
    const outside = join(base, 'outside-staging');
    await mkdir(outside);
    const result = await extract(
      [
        { name: 'inside.txt', content: 'in' },
        { name: '../escaped.txt', content: 'out' },
        { name: '../escaped-dir', type: 'directory' },
        { name: '../escaped-link', type: 'symlink', linkname: '/etc/hostname' },
        { name: 'link-out', type: 'symlink', linkname: '../../anywhere' },
      ],
      { allowPathTraversal: true, finalDir: final, outsideStaging: outside },
    );
    // Nothing outside yet: only after the blob was verified does the caller commit.
    expect((await readdir(base)).sort()).toEqual(['outside-staging', 'root']);
    expect(await readlink(join(root, 'link-out'))).toBe('../../anywhere');
    await commitOutside(result.outside);
    expect(await readFile(join(base, 'escaped.txt'), 'utf8')).toBe('out');
    expect((await lstat(join(base, 'escaped-dir'))).isDirectory()).toBe(true);
    expect(await readlink(join(base, 'escaped-link'))).toBe('/etc/hostname');
  });

  it('still refuses hard links out', async () => {
    const error = await refusal(
      extract([{ name: 'p', type: 'link', linkname: '/etc/passwd' }], {
        allowPathTraversal: true,
        finalDir: join(base, 'final'),
        outsideStaging: base,
      }),
    );
    expect(error.reason).toMatch(/hard link/);
  });
});

describe('extractArchive: streaming', () => {
  it('reads the whole blob (so it is verified) even past the end-of-archive blocks', async () => {
    const tarBytes = Buffer.concat([await tarOf([{ name: 'a', content: 'x' }]), Buffer.alloc(64 * 1024)]);
    const { gzipSync } = await import('node:zlib');
    const archive = gzipSync(tarBytes);
    let read = 0;
    const source = streamOf(archive, 1024);
    source.on('data', (chunk: Buffer) => (read += chunk.byteLength));
    await extractArchive(source, options(archive));
    expect(read).toBe(archive.byteLength);
  });

  it('passes chunk sizes to onBytes', async () => {
    const archive = await tgzOf([{ name: 'a', content: 'x'.repeat(50_000) }]);
    let counted = 0;
    await extractArchive(Readable.from([archive]), options(archive, { onBytes: (n) => (counted += n) }));
    expect(counted).toBe(archive.byteLength);
  });
});

describe('extractArchive: broken downloads', () => {
  it('always settles when the stream breaks off, wherever it breaks (40 random cuts)', async () => {
    const entries: TestEntry[] = [];
    for (let i = 0; i < 6; i++)
      entries.push({ name: `d${i}/e${i}/f${i}.bin`, content: randomBytes(40 * 1024) });
    const archive = await tgzOf(entries);
    for (let trial = 0; trial < 40; trial++) {
      const at = Math.floor(Math.random() * archive.byteLength);
      const source = new PassThrough();
      const staging = join(base, `cut-${trial}`);
      await mkdir(staging);
      const settled = extractArchive(source, { ...options(archive), root: staging }).then(
        () => 'resolved',
        (e: unknown) => (e as { code?: string }).code,
      );
      for (let i = 0; i < at; i += 4096) source.write(archive.subarray(i, Math.min(at, i + 4096)));
      // Break off a little later, while the writer may be between entries.
      setTimeout(() => source.destroy(Object.assign(new Error('cut'), { code: 'UNREACHABLE' })), trial % 5);
      const outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('hung'), 3000))]);
      expect(outcome, `cut at byte ${at}`).toBe('UNREACHABLE');
    }
  });
});
