/**
 * The transfer against an in-memory target that streams through the OCI client's own verifying
 * stream, and can lie (flip a byte) or fail (cut the stream): skip-if-present, verified renames,
 * retries, replacement of older extractions, and nothing left behind on failure.
 */
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/errors.js';
import { VerifyingStream } from '../../../src/oci/digest.js';
import { OciError } from '../../../src/oci/errors.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE } from '../../../src/pull/limits.js';
import { planPull, type PlannedFile } from '../../../src/pull/plan.js';
import { ProgressTracker } from '../../../src/pull/progress.js';
import {
  extractedState,
  isFilePresent,
  transferAll,
  transferToStdout,
  type BlobTarget,
  type TransferOptions,
} from '../../../src/pull/transfer.js';
import type { ArtifactNode, FileEntry } from '../../../src/tree/model.js';
import { digestOf, tgzOf } from './archives.js';

const REPO = 'registry.test/ci/artifacts';

type Behaviour = 'ok' | 'flip' | { cutAfter: number };

/** Serves blobs through VerifyingStream, as RemoteRepository.fetch does. */
class FakeTarget implements BlobTarget {
  readonly blobs = new Map<string, Buffer>();
  fetches = 0;
  active = 0;
  maxActive = 0;
  behaviour: (digest: string, attempt: number) => Behaviour = () => 'ok';
  delayMs = 0;
  private readonly attempts = new Map<string, number>();

  add(bytes: Buffer): FileEntry {
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.byteLength, mediaType: 'application/octet-stream' };
  }

  async fetch(descriptor: { mediaType: string; digest: string; size: number }): Promise<Readable> {
    this.fetches++;
    const bytes = this.blobs.get(descriptor.digest);
    if (!bytes) throw new OciError('BLOB_UNKNOWN', `no blob ${descriptor.digest}`);
    const attempt = (this.attempts.get(descriptor.digest) ?? 0) + 1;
    this.attempts.set(descriptor.digest, attempt);
    const behaviour = this.behaviour(descriptor.digest, attempt);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const source = new PassThrough();
    const verifier = new VerifyingStream(descriptor, { repository: REPO });
    source.on('error', (error) => verifier.destroy(error));
    verifier.on('close', () => this.active--);
    source.pipe(verifier);
    const served = behaviour === 'flip' ? Buffer.from(bytes) : bytes;
    if (behaviour === 'flip') served[served.length >> 1] = (served[served.length >> 1] as number) ^ 0x01;
    setTimeout(() => {
      if (typeof behaviour === 'object') {
        source.write(served.subarray(0, behaviour.cutAfter));
        setTimeout(
          () => source.destroy(new OciError('UNREACHABLE', `${REPO}: the download broke off (ECONNRESET)`)),
          5,
        );
      } else {
        source.end(served);
      }
    }, this.delayMs);
    return verifier;
  }
}

let base: string;
let output: string;
let target: FakeTarget;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'tkn-pull-transfer-'));
  output = join(base, 'out');
  target = new FakeTarget();
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function options(extra: Partial<TransferOptions> = {}): TransferOptions {
  return {
    output,
    targetFor: () => target,
    limits: { maxRatio: DEFAULT_MAX_RATIO, maxSize: DEFAULT_MAX_SIZE },
    allowPathTraversal: false,
    concurrency: 3,
    retryDelayMs: 1,
    ...extra,
  };
}

function artifact(name: string, files: FileEntry[], extra: Partial<ArtifactNode> = {}): ArtifactNode {
  return {
    name,
    direction: 'output',
    producers: ['tep0164'],
    reportedAt: [],
    reference: `${REPO}@sha256:${'1'.repeat(64)}`,
    digestRefersTo: 'manifest',
    state: 'present',
    usable: true,
    files,
    platforms: [],
    referrers: [],
    ...extra,
  };
}

function plan(nodes: ArtifactNode[], task = 'test'): PlannedFile[] {
  return planPull(
    nodes.map((node) => ({ task, node, named: false })),
    { raw: false, allowPathTraversal: false },
  ).files;
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & { code?: string };
}

/** Every path under a directory (relative), to assert nothing partial is left. */
async function tree(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory, { recursive: true })).sort();
  } catch {
    return [];
  }
}

describe('raw files', () => {
  it('writes each file under its title, verified, and skips it when it is already there', async () => {
    const junit = { ...target.add(Buffer.from('<testsuite/>')), title: 'junit' };
    const files = plan([
      artifact('junit', [junit]),
      artifact('summary', [], { state: 'inline', inline: 'all good' }),
    ]);
    const first = await transferAll(files, options());
    expect(first.map((f) => [f.path, f.status])).toEqual([
      [join(output, 'test/junit/junit'), 'pulled'],
      [join(output, 'test/summary/summary'), 'pulled'],
    ]);
    expect(await readFile(join(output, 'test/junit/junit'), 'utf8')).toBe('<testsuite/>');
    expect(await readFile(join(output, 'test/summary/summary'), 'utf8')).toBe('all good');
    expect(target.fetches).toBe(1);

    const second = await transferAll(files, options());
    expect(second.map((f) => f.status)).toEqual(['skipped', 'skipped']);
    expect(second[0]?.reason).toMatch(/already present/);
    expect(target.fetches).toBe(1);
  });

  it('fetches again when the file on disk differs (same size, other bytes) and replaces it', async () => {
    const file = { ...target.add(Buffer.from('right')), title: 'f' };
    const files = plan([artifact('a', [file])]);
    await mkdir(join(output, 'test/a'), { recursive: true });
    await writeFile(join(output, 'test/a/f'), 'wrong');
    expect(await isFilePresent(join(output, 'test/a/f'), file.digest, file.size)).toBe(false);
    const [result] = await transferAll(files, options());
    expect(result?.status).toBe('pulled');
    expect(await readFile(join(output, 'test/a/f'), 'utf8')).toBe('right');
  });

  it('never takes a link for the file, even one pointing at the right bytes', async () => {
    const file = { ...target.add(Buffer.from('content')), title: 'f' };
    await mkdir(join(output, 'test/a'), { recursive: true });
    await writeFile(join(base, 'elsewhere'), 'content');
    await symlink(join(base, 'elsewhere'), join(output, 'test/a/f'));
    expect(await isFilePresent(join(output, 'test/a/f'), file.digest, file.size)).toBe(false);
    await transferAll(plan([artifact('a', [file])]), options());
    expect((await lstat(join(output, 'test/a/f'))).isFile()).toBe(true);
    expect(await readFile(join(base, 'elsewhere'), 'utf8')).toBe('content');
  });

  it('rejects a blob whose bytes do not match its digest, leaving nothing', async () => {
    const file = { ...target.add(Buffer.from('x'.repeat(100_000))), title: 'big' };
    target.behaviour = () => 'flip';
    const error = await failure(transferAll(plan([artifact('a', [file])]), options()));
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(await tree(base)).toEqual([]);
  });

  it('retries a download that breaks off, and counts progress from zero again', async () => {
    const file = { ...target.add(Buffer.from('y'.repeat(200_000))), title: 'big' };
    target.behaviour = (_digest, attempt) => (attempt === 1 ? { cutAfter: 50_000 } : 'ok');
    const progress = new ProgressTracker();
    const [result] = await transferAll(plan([artifact('a', [file])]), options({ progress }));
    expect(result?.status).toBe('pulled');
    expect(target.fetches).toBe(2);
    expect(progress.snapshot().done).toBe(200_000);
    expect((await readFile(join(output, 'test/a/big'))).byteLength).toBe(200_000);
  });

  it('gives up after three broken attempts and leaves nothing in the destination', async () => {
    const file = { ...target.add(Buffer.from('z'.repeat(200_000))), title: 'big' };
    target.behaviour = () => ({ cutAfter: 70_000 });
    const error = await failure(transferAll(plan([artifact('a', [file])]), options()));
    expect(error.code).toBe('UNREACHABLE');
    expect(target.fetches).toBe(3);
    expect(await tree(base)).toEqual([]);
  });

  it('stops the other downloads on the first failure and removes what it created', async () => {
    const good = Array.from({ length: 4 }, (_, i) => ({
      ...target.add(Buffer.from(`good ${i}`.repeat(10_000))),
      title: `g${i}`,
    }));
    const bad = { ...target.add(Buffer.from('bad'.repeat(10_000))), title: 'bad' };
    target.delayMs = 20;
    target.behaviour = (digest) => (digest === bad.digest ? 'flip' : 'ok');
    const nodes = [artifact('bad', [bad]), ...good.map((g, i) => artifact(`a${i}`, [g]))];
    await failure(transferAll(plan(nodes), options({ concurrency: 2 })));
    // Files verified before the failure may stay; no partial file, and no empty directory, does.
    const left = await tree(output);
    expect(left.filter((p) => p.includes('tkn-partial'))).toEqual([]);
    for (const path of left) {
      const stat = await lstat(join(output, path));
      if (stat.isDirectory()) expect((await readdir(join(output, path))).length).toBeGreaterThan(0);
    }
  });

  it('bounds the blobs in flight per registry', async () => {
    const files = Array.from({ length: 8 }, (_, i) => ({
      ...target.add(Buffer.from(`f${i}`)),
      title: `f${i}`,
    }));
    target.delayMs = 15;
    await transferAll(plan(files.map((f, i) => artifact(`a${i}`, [f]))), options({ concurrency: 3 }));
    expect(target.maxActive).toBe(3);
  });

  it('refuses a title that leads out through a link left in the artifact directory', async () => {
    const file = { ...target.add(Buffer.from('x')), title: 'sub/file' };
    await mkdir(join(output, 'test/a'), { recursive: true });
    await mkdir(join(base, 'elsewhere'));
    await symlink(join(base, 'elsewhere'), join(output, 'test/a/sub'));
    const error = await failure(transferAll(plan([artifact('a', [file])]), options()));
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect(error.message).toMatch(/through a link that leads outside/);
    expect(await readdir(join(base, 'elsewhere'))).toEqual([]);
  });
});

describe('archives', () => {
  const archiveFile = async (entries: Parameters<typeof tgzOf>[0]): Promise<FileEntry> => ({
    ...target.add(await tgzOf(entries)),
    title: 'coverage',
    mediaType: 'application/vnd.tekton.artifact.tar+gzip',
    archive: 'tar+gzip',
  });

  it('extracts into the artifact directory with a marker, and skips it next time without fetching', async () => {
    const file = await archiveFile([
      { name: 'cover.out', content: 'mode: set\n' },
      { name: 'html/index.html', content: '<html/>' },
    ]);
    const files = plan([artifact('coverage', [file])]);
    const [first] = await transferAll(files, options());
    expect(first).toMatchObject({
      status: 'pulled',
      path: join(output, 'test/coverage'),
      extracted: { files: 2 },
    });
    expect(await tree(join(output, 'test/coverage'))).toEqual([
      '.tkn-artifacts.json',
      'cover.out',
      'html',
      'html/index.html',
    ]);
    const marker = JSON.parse(await readFile(join(output, 'test/coverage/.tkn-artifacts.json'), 'utf8')) as {
      kind: string;
      archive: { digest: string };
    };
    expect(marker).toMatchObject({ kind: 'PullMarker', archive: { digest: file.digest } });
    expect(await extractedState(join(output, 'test/coverage'), file.digest)).toMatchObject({
      kind: 'current',
    });

    const [second] = await transferAll(files, options());
    expect(second).toMatchObject({ status: 'skipped', extracted: { files: 2 } });
    expect(target.fetches).toBe(1);
  });

  it('replaces an older extraction of its own when the artifact changed', async () => {
    const old = await archiveFile([{ name: 'old.txt', content: 'old' }]);
    await transferAll(plan([artifact('coverage', [old])]), options());
    const updated = await archiveFile([{ name: 'new.txt', content: 'new' }]);
    expect(await extractedState(join(output, 'test/coverage'), updated.digest)).toEqual({
      kind: 'replaceable',
    });
    await transferAll(plan([artifact('coverage', [updated])]), options());
    expect(await tree(join(output, 'test'))).toEqual([
      'coverage',
      'coverage/.tkn-artifacts.json',
      'coverage/new.txt',
    ]);
  });

  it('refuses to extract over a directory it did not write', async () => {
    const file = await archiveFile([{ name: 'a', content: 'a' }]);
    await mkdir(join(output, 'test/coverage'), { recursive: true });
    await writeFile(join(output, 'test/coverage/mine.txt'), 'keep me');
    const error = await failure(transferAll(plan([artifact('coverage', [file])]), options()));
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toMatch(/not written by pull/);
    expect(target.fetches).toBe(0);
    expect(await tree(join(output, 'test/coverage'))).toEqual(['mine.txt']);
  });

  it('leaves nothing when the archive is hostile', async () => {
    const file = await archiveFile([
      { name: 'fine.txt', content: 'fine' },
      { name: '../../escape.txt', content: 'gotcha' },
    ]);
    const error = await failure(transferAll(plan([artifact('coverage', [file])]), options()));
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect(error.message).toContain(`archive ${file.digest}`);
    expect(await tree(base)).toEqual([]);
  });

  it('leaves nothing when the archive bytes are corrupt, and says so by digest', async () => {
    const file = await archiveFile([{ name: 'a', content: 'a'.repeat(50_000) }]);
    target.behaviour = () => 'flip';
    const error = await failure(transferAll(plan([artifact('coverage', [file])]), options()));
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(await tree(base)).toEqual([]);
  });
});

describe('transferToStdout', () => {
  it('copies the verified content to stdout', async () => {
    const file = { ...target.add(Buffer.from('["image@sha256:…"]')), title: 'images' };
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [planned] = plan([artifact('images', [file])]);
    const result = await transferToStdout(planned as PlannedFile, { ...options(), stdout, tmpdir: base });
    expect(Buffer.concat(chunks).toString()).toBe('["image@sha256:…"]');
    expect(result.path).toBe('-');
    expect(await readdir(base)).toEqual([]);
  });

  it('writes nothing to stdout when the bytes do not match', async () => {
    const file = { ...target.add(Buffer.from('q'.repeat(100_000))), title: 'q' };
    target.behaviour = () => 'flip';
    const stdout = new PassThrough();
    let written = 0;
    stdout.on('data', (chunk: Buffer) => (written += chunk.byteLength));
    const [planned] = plan([artifact('q', [file])]);
    const error = await failure(
      transferToStdout(planned as PlannedFile, { ...options(), stdout, tmpdir: base }),
    );
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(written).toBe(0);
  });
});
