/**
 * Sparse and truncated archives, made by the real producer (GNU tar --sparse, in its GNU and
 * PAX forms), extracted by pull's extractor: expanded to the very bytes tar archived, or refused
 * with exit 7 and a message saying what form it is and what to do.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCliError } from '../../../src/cli/errors.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import { extractArchive, type ExtractOptions } from '../../../src/pull/extract.js';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE } from '../../../src/pull/limits.js';
import { streamOf, tarOf } from './archives.js';

const exec = promisify(execFile);
const base = join(tmpdir(), `tkn-pull-sparse-${process.pid}-${randomBytes(4).toString('hex')}`);
const MiB = 1024 * 1024;

/** A sparse file: `regions` of data (distinct bytes each) at their offsets, holes between. */
async function sparseFile(
  path: string,
  size: number,
  regions: { at: number; length: number }[],
): Promise<void> {
  const handle = await open(path, 'w');
  for (const [i, region] of regions.entries())
    await handle.write(Buffer.alloc(region.length, 0x41 + (i % 26)), 0, region.length, region.at);
  await handle.truncate(size);
  await handle.close();
}

async function sha256(path: string): Promise<string> {
  return `sha256:${createHash('sha256')
    .update(await readFile(path))
    .digest('hex')}`;
}

let counter = 0;
/** GNU tar run on `files` (in `source`), with `flags`; returns the archive. */
async function gnuTar(source: string, files: string[], flags: string[]): Promise<Buffer> {
  const out = join(base, `archive-${counter++}.tar`);
  await exec('tar', ['--sparse', ...flags, '-cf', out, '-C', source, ...files]);
  return readFile(out);
}

function options(archive: Buffer, root: string, extra: Partial<ExtractOptions> = {}): ExtractOptions {
  return {
    root,
    source: 'archive sha256:test',
    archive: 'tar',
    compressedSize: archive.byteLength,
    limits: { maxRatio: DEFAULT_MAX_RATIO, maxSize: DEFAULT_MAX_SIZE },
    ...extra,
  };
}

async function freshRoot(): Promise<string> {
  const root = join(base, `root-${counter++}`);
  await mkdir(root, { recursive: true });
  return root;
}

async function refusal(promise: Promise<unknown>): Promise<UnsafeArchiveError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsafeArchiveError);
  expect(toCliError(error).exitCode).toBe(7);
  return error as UnsafeArchiveError;
}

const source = join(base, 'source');
/** 12 MiB, three data regions and a trailing hole: four map entries, GNU's header holds them all. */
const FEW = [
  { at: 0, length: 5000 },
  { at: 3 * MiB, length: 7000 },
  { at: 8 * MiB, length: 100 },
];
/** 10 data regions: past the 4 a GNU header holds. */
const MANY = Array.from({ length: 10 }, (_, i) => ({ at: i * MiB + 4096, length: 3000 + i }));

beforeAll(async () => {
  await mkdir(source, { recursive: true });
  await sparseFile(join(source, 'few.bin'), 12 * MiB, FEW);
  await sparseFile(join(source, 'many.bin'), 11 * MiB, MANY);
  await writeFile(join(source, 'plain.txt'), 'plain file beside the sparse one\n');
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('sparse entries written by GNU tar are expanded to their true content', () => {
  it.each([
    ['GNU format (typeflag S)', ['--format=gnu'], 'few.bin'],
    ['PAX 1.0 (GNU tar default for --format=posix)', ['--format=posix'], 'few.bin'],
    ['PAX 1.0 with 10 regions', ['--format=posix', '--sparse-version=1.0'], 'many.bin'],
    ['PAX 0.1', ['--format=posix', '--sparse-version=0.1'], 'few.bin'],
    ['PAX 0.1 with 10 regions', ['--format=posix', '--sparse-version=0.1'], 'many.bin'],
  ])('%s', async (_form, flags, file) => {
    const archive = await gnuTar(source, [file, 'plain.txt'], flags);
    expect(archive.byteLength).toBeLessThan(MiB); // sparse indeed: the holes are not stored
    const root = await freshRoot();
    const result = await extractArchive(streamOf(archive), options(archive, root));
    // The file's own name, nothing like GNUSparseFile.NNN/ beside it.
    expect((await readdir(root)).sort()).toEqual([file, 'plain.txt']);
    const original = join(source, file);
    expect((await stat(join(root, file))).size).toBe((await stat(original)).size);
    expect(await sha256(join(root, file))).toBe(await sha256(original));
    // Written sparse: the holes take no blocks on disk.
    const written = await stat(join(root, file));
    expect(written.blocks * 512).toBeLessThan(written.size / 2);
    expect(result.contents.find((c) => c.path === file)).toEqual({
      path: file,
      size: (await stat(original)).size,
      digest: await sha256(original),
    });
    expect(await readFile(join(root, 'plain.txt'), 'utf8')).toBe('plain file beside the sparse one\n');
  });

  it('counts the holes against --max-size: a sparse bomb is refused before it is written', async () => {
    const archive = await gnuTar(source, ['few.bin'], ['--format=posix']);
    const root = await freshRoot();
    const error = await refusal(
      extractArchive(
        streamOf(archive),
        options(archive, root, { limits: { maxRatio: 1000, maxSize: 4 * MiB } }),
      ),
    );
    expect(error.message).toMatch(/few\.bin.*expand/);
    expect(error.hint).toContain('--max-size');
    expect(await readdir(root)).toEqual([]);
  });
});

describe('sparse forms pull does not expand are refused with exit 7', () => {
  it.each([
    ['GNU format with more than 4 regions', ['--format=gnu'], /GNU sparse file with more than 4 regions/],
    ['PAX 0.0', ['--format=posix', '--sparse-version=0.0'], /PAX 0\.0 format/],
  ])('%s', async (_form, flags, message) => {
    const archive = await gnuTar(source, ['many.bin'], flags);
    const root = await freshRoot();
    const error = await refusal(extractArchive(streamOf(archive), options(archive, root)));
    expect(error.message).toMatch(message);
    expect(error.message).toContain('many.bin');
    // The hint leads somewhere that works: --raw keeps the archive, GNU tar expands it.
    expect(error.hint).toMatch(/--raw.*GNU tar/);
  });
});

describe('archives that do not end where they should exit 7', () => {
  let whole: Buffer;
  /** Where the second entry's header starts. */
  let second: number;
  beforeAll(async () => {
    whole = await tarOf([
      { name: 'first.txt', content: 'x'.repeat(1000) },
      { name: 'second.txt', content: 'y'.repeat(2000) },
    ]);
    second = 512 + 1024;
  });

  it.each([
    ['cut after a header', () => whole.subarray(0, second + 512), /truncated: it ends inside an entry/],
    ['cut mid-entry', () => whole.subarray(0, second + 512 + 700), /truncated: it ends inside an entry/],
    ['cut between entries', () => whole.subarray(0, second), /truncated: it stops after an entry/],
    [
      'cut after the last entry, before the end blocks',
      () => whole.subarray(0, second + 512 + 2048),
      /truncated/,
    ],
  ])('%s', async (_case, cut, message) => {
    const archive = cut();
    const root = await freshRoot();
    const error = await refusal(extractArchive(streamOf(archive), options(archive, root)));
    expect(error.message).toMatch(message);
  });

  it('the whole archive extracts', async () => {
    const root = await freshRoot();
    const result = await extractArchive(streamOf(whole), options(whole, root));
    expect(result.files).toBe(2);
  });

  it('an entry type tar-stream does not know is refused, not written as a file (GNU dump directory)', async () => {
    const out = join(base, 'incremental.tar');
    await exec('tar', [
      '--format=gnu',
      '--listed-incremental',
      join(base, 'snapshot'),
      '-cf',
      out,
      '-C',
      source,
      '.',
    ]);
    const archive = await readFile(out);
    const root = await freshRoot();
    const error = await refusal(extractArchive(streamOf(archive), options(archive, root)));
    expect(error.message).toMatch(/entry type pull does not extract \(typeflag "D"\)/);
  });
});
