/**
 * The extractor against hostile archives built here: each must be refused with an
 * UnsafeArchiveError naming the archive, the entry and what is wrong, and nothing may appear
 * outside the staging directory.
 */
import { lstat, mkdir, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { CliError } from '../../../src/cli/errors.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import {
  commitOutside,
  extractArchive,
  type ExtractOptions,
  type OutsideEntry,
} from '../../../src/pull/extract.js';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE, expansionBudget } from '../../../src/pull/limits.js';
import { VerifyingStream } from '../../../src/oci/digest.js';
import { digestOf, listTree, streamOf, tarOf, tgzOf, zeroBomb, type TestEntry } from './archives.js';

/**
 * The staging root sits five levels below `base`, so that every escape the tests try (`../..`,
 * `a/../..`, absolute paths named below `base`) would land inside `base`, where `strays()` looks.
 */
const base = join(tmpdir(), `tkn-pull-extract-${process.pid}-${randomBytes(4).toString('hex')}`);
const root = join(base, 'w1', 'w2', 'w3', 'w4', 'root');
/** An absolute entry name pointing into the watched tree (and checked by its exact path). */
const ABSOLUTE = join(base, 'absolute-evil');

beforeEach(async () => {
  await mkdir(root, { recursive: true });
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

/** Everything under `base` but outside root (the directories leading to root aside): must stay empty. */
async function strays(): Promise<string[]> {
  const chain = new Set<string>();
  for (let dir = relative(base, dirname(root)); dir !== '.' && dir !== ''; dir = dirname(dir)) chain.add(dir);
  const rootName = relative(base, root);
  return (await listTree(base)).filter(
    (path) => !chain.has(path) && path !== rootName && !path.startsWith(`${rootName}/`),
  );
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Bytes of every regular file under root. */
async function bytesUnderRoot(): Promise<number> {
  let total = 0;
  for (const path of await listTree(root)) {
    const info = await lstat(join(root, path));
    if (info.isFile()) total += info.size;
  }
  return total;
}

/** Deterministic bytes that do not compress (sha256 in counter mode). */
function noise(seed: string, size: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; i * 32 < size; i++) blocks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(blocks).subarray(0, size);
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
    ['absolute path', [{ name: ABSOLUTE, content: 'x' }], /absolute path/, ABSOLUTE],
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
    expect(await strays()).toEqual([]);
    expect(await exists(ABSOLUTE)).toBe(false);
  });

  it.each<[string, TestEntry[], RegExp]>([
    [
      'a link through a file used as a directory (ENOTDIR)',
      [
        { name: 'f', content: 'x' },
        { name: 'l', type: 'symlink', linkname: 'f/x' },
      ],
      /is a symbolic link whose target cannot be followed through other links \(f\/x: a file is used as a directory\)/,
    ],
    [
      'a link whose target is too long to look up (ENAMETOOLONG)',
      [{ name: 'l', type: 'symlink', linkname: `${'a/'.repeat(2100)}x` }],
      /is a symbolic link whose target cannot be followed through other links \(.*: the path is too long\)/,
    ],
  ])('refuses %s naming the entry, not the staging path', async (_what, entries, reason) => {
    const error = await refusal(extract(entries));
    expect(error.entry).toBe('l');
    expect(error.reason).toMatch(reason);
    expect(error.message).not.toContain(root);
    expect(await strays()).toEqual([]);
  });

  it('refuses an entry nested past the longest path the file system takes, naming it', async () => {
    const name = `${`${'d'.repeat(200)}/`.repeat(21)}f`;
    const error = await refusal(extract([{ name, content: 'x' }]));
    expect(error.entry).toBe(name);
    expect(error.reason).toBe('makes a path longer than the file system allows');
    expect(error.message).not.toContain(root);
  });

  it.each<[string, TestEntry[]]>([
    [
      'two links pointing at each other',
      [
        { name: 'a', type: 'symlink', linkname: 'b' },
        { name: 'b', type: 'symlink', linkname: 'a' },
      ],
    ],
    ['a link to itself', [{ name: 'a', type: 'symlink', linkname: 'a' }]],
  ])('calls a link loop a loop: %s', async (_what, entries) => {
    const error = await refusal(extract(entries));
    expect(error.entry).toBe('a');
    expect(error.reason).toMatch(/^is a symbolic link that loops once every link is in place/);
    expect(error.reason).not.toMatch(/outside/);
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

  it('refuses a decompression bomb by ratio from its header, before writing any of it', async () => {
    const bomb = await zeroBomb(20 * 1024 ** 2);
    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    const error = await refusal(extractArchive(streamOf(bomb), options(bomb)));
    expect(error.reason).toMatch(/expands past 100x its compressed size/);
    expect(error.hint).toMatch(/--max-ratio/);
    expect(await readdir(root)).toEqual([]);
    expect(await strays()).toEqual([]);
  });

  it('stops a bomb of many small entries once the budget is spent, having written no more than it', async () => {
    const entries: TestEntry[] = Array.from({ length: 40 }, (_, i) => ({
      name: `z${i}`,
      content: Buffer.alloc(512 * 1024),
    }));
    const bomb = await tgzOf(entries);
    const budget = expansionBudget(bomb.byteLength, {
      maxRatio: DEFAULT_MAX_RATIO,
      maxSize: DEFAULT_MAX_SIZE,
    });
    expect(budget.bytes).toBeLessThan(5 * 1024 ** 2); // far less than the 20 MiB inside
    const error = await refusal(extractArchive(streamOf(bomb), options(bomb)));
    expect(error.reason).toMatch(/expands past 100x its compressed size/);
    const written = await bytesUnderRoot();
    expect(written).toBeGreaterThan(0); // it did start: the limit stopped it, not the first header
    expect(written).toBeLessThanOrEqual(budget.bytes);
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
    const final = join(dirname(root), 'final');
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
    expect(await strays()).toEqual(['outside-staging', 'outside-staging/0']);
    expect(await readlink(join(root, 'link-out'))).toBe('../../anywhere');
    // The listing is of what is inside only.
    expect(result.contents.map((f) => f.path)).toEqual(['inside.txt']);
    await commitOutside(result.outside);
    const above = dirname(root);
    expect(await readFile(join(above, 'escaped.txt'), 'utf8')).toBe('out');
    expect((await lstat(join(above, 'escaped-dir'))).isDirectory()).toBe(true);
    expect(await readlink(join(above, 'escaped-link'))).toBe('/etc/hostname');
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
  it('always settles when the stream breaks off, wherever it breaks (40 cuts across the archive)', async () => {
    const entries: TestEntry[] = [];
    for (let i = 0; i < 6; i++)
      entries.push({ name: `d${i}/e${i}/f${i}.bin`, content: noise(`f${i}`, 40 * 1024) });
    const archive = await tgzOf(entries);
    // Fixed cut points: evenly spread, offset by a prime so they fall at varied places in entries.
    const cuts = Array.from(
      { length: 40 },
      (_, i) => Math.floor((i * archive.byteLength) / 40) + ((i * 7919) % 509),
    );
    let current: number | undefined;
    onTestFailed(() => console.error(`stuck or failed at the cut at byte ${current}`));
    for (const [trial, at] of cuts.entries()) {
      current = at;
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
      // A hang here fails the test by its timeout, naming the cut (onTestFailed above).
      expect(await settled, `cut at byte ${at}`).toBe('UNREACHABLE');
    }
  }, 30_000);
});

describe('extractArchive: what it lists for the marker', () => {
  const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

  it('lists every regular file inside with size and sha256 (hard links too, replaced entries as last written), and every link', async () => {
    const result = await extract([
      { name: 'dir/a.txt', content: 'alpha' },
      { name: 'hard', type: 'link', linkname: 'dir/a.txt' },
      { name: 'dir/a.txt', content: 'alpha again' },
      { name: 'gone', content: 'first' },
      { name: 'gone', type: 'symlink', linkname: 'dir/a.txt' },
      { name: 'empty', type: 'directory' },
    ]);
    expect(result.contents).toEqual([
      { path: 'dir/a.txt', size: 11, digest: sha('alpha again') },
      { path: 'hard', size: 5, digest: sha('alpha') },
    ]);
    expect(result.symlinks).toEqual([{ path: 'gone', target: 'dir/a.txt' }]);
    // What is listed is what is on disk.
    for (const file of result.contents)
      expect(sha(await readFile(join(root, file.path), 'utf8')), file.path).toBe(file.digest);
  });
});

describe('extractArchive: an oras directory layer (prefix)', () => {
  const orasDir = (dir: string): TestEntry[] => [
    { name: dir, type: 'directory' },
    { name: `${dir}/a.txt`, content: 'a' },
    { name: `${dir}/sub/b.txt`, content: 'b' },
    { name: `${dir}/l`, type: 'symlink', linkname: 'a.txt' },
    { name: `${dir}/h`, type: 'link', linkname: `${dir}/a.txt` },
  ];

  it.each(['somedir', 'nest/inner'])('extracts what lies below %s/, with that taken off', async (dir) => {
    const result = await extract(orasDir(dir), { prefix: dir });
    expect(await listTree(root)).toEqual(['a.txt', 'h', 'l', 'sub', 'sub/b.txt']);
    expect(await readlink(join(root, 'l'))).toBe('a.txt');
    expect(await readFile(join(root, 'h'), 'utf8')).toBe('a');
    expect(result.contents.map((f) => f.path)).toEqual(['a.txt', 'h', 'sub/b.txt']);
  });

  it.each<[string, TestEntry, RegExp]>([
    [
      'a file beside the directory',
      { name: 'other/x', content: 'x' },
      /is not under somedir\/, the directory the layer's title names/,
    ],
    ['a name that only starts like it', { name: 'somedirx/y', content: 'x' }, /is not under somedir\//],
    [
      'a hard link to a file outside it',
      { name: 'somedir/h2', type: 'link', linkname: 'elsewhere/f' },
      /hard link to elsewhere\/f, outside somedir\//,
    ],
  ])('refuses %s, as oras does', async (_what, hostile, reason) => {
    const error = await refusal(extract([...orasDir('somedir'), hostile], { prefix: 'somedir' }));
    expect(error.reason).toMatch(reason);
    expect(await strays()).toEqual([]);
  });

  it('with --allow-path-traversal, resolves entries outside it from the artifact directory (above the prefix)', async () => {
    const final = join(dirname(root), 'artifact', 'somedir');
    const outside = join(base, 'outside-staging');
    await mkdir(outside);
    const result = await extract([...orasDir('somedir'), { name: 'beside.txt', content: 'b' }], {
      prefix: 'somedir',
      allowPathTraversal: true,
      finalDir: final,
      outsideStaging: outside,
    });
    expect(result.outside).toEqual([
      { kind: 'file', from: join(outside, '0'), to: join(dirname(root), 'artifact', 'beside.txt') },
    ]);
  });
});

describe('commitOutside', () => {
  let above: string;
  let staged: string;
  beforeEach(async () => {
    above = dirname(root);
    staged = join(base, 'staged');
    await mkdir(staged);
  });
  const stage = async (name: string, content: string): Promise<string> => {
    await writeFile(join(staged, name), content);
    return join(staged, name);
  };

  it('undoes every step when one fails: new files and directories removed, replaced files put back', async () => {
    await writeFile(join(above, 'keep.txt'), 'old');
    await writeFile(join(above, 'blocker'), 'a file where a directory is needed');
    const entries: OutsideEntry[] = [
      { kind: 'file', from: await stage('0', 'new'), to: join(above, 'keep.txt') },
      { kind: 'directory', to: join(above, 'made/deeper') },
      { kind: 'symlink', to: join(above, 'made/link'), target: '/etc/hostname' },
      { kind: 'file', from: await stage('1', 'x'), to: join(above, 'fresh/file.txt') },
      { kind: 'file', from: await stage('2', 'y'), to: join(above, 'blocker/inside.txt') },
    ];
    const before = await listTree(above);
    await expect(commitOutside(entries)).rejects.toMatchObject({
      code: expect.stringMatching(/^(EEXIST|ENOTDIR)$/),
    });
    expect(await readFile(join(above, 'keep.txt'), 'utf8')).toBe('old');
    expect(await listTree(above)).toEqual(before);
  });

  it('refuses before moving anything when a directory stands where a file goes', async () => {
    await mkdir(join(above, 'taken'));
    const entries: OutsideEntry[] = [
      { kind: 'file', from: await stage('0', 'first'), to: join(above, 'first.txt') },
      { kind: 'file', from: await stage('1', 'second'), to: join(above, 'taken') },
    ];
    const error = await commitOutside(entries).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe(
      `cannot write ${join(above, 'taken')}: a directory is in the way`,
    );
    expect(await exists(join(above, 'first.txt'))).toBe(false);
    expect(await readFile(join(staged, '0'), 'utf8')).toBe('first');
  });

  it('replaces files in place and leaves nothing set aside when it succeeds', async () => {
    await writeFile(join(above, 'keep.txt'), 'old');
    await commitOutside([{ kind: 'file', from: await stage('0', 'new'), to: join(above, 'keep.txt') }]);
    expect(await readFile(join(above, 'keep.txt'), 'utf8')).toBe('new');
    expect((await listTree(above)).filter((p) => p.includes('tkn-'))).toEqual([]);
  });
});
