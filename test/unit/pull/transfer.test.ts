/**
 * The transfer against an in-memory target that streams through the OCI client's own verifying
 * stream, and can lie (flip a byte) or fail (cut the stream): skip-if-present, verified renames,
 * retries, replacement of older extractions, and nothing left behind on failure.
 */
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/errors.js';
import { VerifyingStream } from '../../../src/oci/digest.js';
import { OciError } from '../../../src/oci/errors.js';
import { RegistryClient } from '../../../src/oci/remote/client.js';
import { RemoteRepository } from '../../../src/oci/remote/repository.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE } from '../../../src/pull/limits.js';
import type { PullMarker } from '../../../src/pull/marker.js';
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
import { digestOf, listTree, tgzOf } from './archives.js';

const REPO = 'registry.test/ci/artifacts';

/** `hang`: send half the blob, then nothing more until the download is aborted. */
type Behaviour = 'ok' | 'flip' | 'hang' | { cutAfter: number };

/** Holds every blob back until `size` downloads are in flight at once, then lets all through. */
class Gate {
  private entered = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  enter(): Promise<void> {
    this.entered++;
    if (this.entered < this.size) return new Promise((open) => this.waiting.push(open));
    for (const open of this.waiting.splice(0)) open();
    return Promise.resolve();
  }
}

/** Serves blobs through VerifyingStream, as RemoteRepository.fetch does, and honours the abort signal. */
class FakeTarget implements BlobTarget {
  readonly blobs = new Map<string, Buffer>();
  fetches = 0;
  active = 0;
  maxActive = 0;
  /** Downloads whose signal aborted while they were in flight. */
  aborted = 0;
  behaviour: (digest: string, attempt: number) => Behaviour = () => 'ok';
  delayMs = 0;
  gate: Gate | undefined;
  /** Runs when a blob is requested, before anything is sent. */
  onFetch: (() => Promise<void>) | undefined;
  private readonly attempts = new Map<string, number>();

  add(bytes: Buffer): FileEntry {
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.byteLength, mediaType: 'application/octet-stream' };
  }

  async fetch(
    descriptor: { mediaType: string; digest: string; size: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<Readable> {
    this.fetches++;
    const bytes = this.blobs.get(descriptor.digest);
    if (!bytes) throw new OciError('BLOB_UNKNOWN', `no blob ${descriptor.digest}`);
    await this.onFetch?.();
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
    const onAbort = () => {
      this.aborted++;
      source.destroy(options.signal?.reason as Error);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    verifier.on('close', () => options.signal?.removeEventListener('abort', onAbort));
    const served = behaviour === 'flip' ? Buffer.from(bytes) : bytes;
    if (behaviour === 'flip') served[served.length >> 1] = (served[served.length >> 1] as number) ^ 0x01;
    const send = () => {
      if (source.destroyed) return;
      if (behaviour === 'hang') {
        source.write(served.subarray(0, served.length >> 1));
      } else if (typeof behaviour === 'object') {
        source.write(served.subarray(0, behaviour.cutAfter));
        setTimeout(
          () => source.destroy(new OciError('UNREACHABLE', `${REPO}: the download broke off (ECONNRESET)`)),
          5,
        );
      } else {
        source.end(served);
      }
    };
    setTimeout(() => {
      if (this.gate) void this.gate.enter().then(send);
      else send();
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
    return await listTree(directory);
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
    expect(second.map((f) => f.status)).toEqual(['present', 'present']);
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

  it('stops the other downloads on the first failure, starts no more, and removes what it created', async () => {
    const bad = { ...target.add(Buffer.from('bad'.repeat(10_000))), title: 'bad' };
    const good = Array.from({ length: 4 }, (_, i) => ({
      ...target.add(Buffer.from(`good ${i}`.repeat(10_000))),
      title: `g${i}`,
    }));
    // The bad blob is only sent once the first good one is in flight too, which then never ends
    // unless it is aborted: the pull settles only if the failure stops it.
    target.gate = new Gate(2);
    target.behaviour = (digest) => (digest === bad.digest ? 'flip' : 'hang');
    const nodes = [artifact('bad', [bad]), ...good.map((g, i) => artifact(`a${i}`, [g]))];
    const error = await failure(transferAll(plan(nodes), options({ concurrency: 2 })));
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(target.fetches).toBe(2); // the bad one and the first good one; the others never start
    expect(target.aborted).toBe(1);
    // No partial file, and no directory the pull made (all empty again), is left.
    expect(await tree(base)).toEqual([]);
  });

  it('bounds the blobs in flight per registry, not per repository, and not across registries', async () => {
    const other = new FakeTarget();
    const targets: Record<string, FakeTarget> = { 'registry.test': target, 'other.test': other };
    // Both registries must reach their bound at the same time before any blob is sent.
    const gate = new Gate(4);
    target.gate = gate;
    other.gate = gate;
    const nodes = [
      ...[0, 1, 2, 3].map((i) =>
        artifact(`a${i}`, [{ ...target.add(Buffer.from(`a${i}`)), title: 'f' }], {
          reference: `registry.test/ci/repo-${i % 2}@sha256:${'1'.repeat(64)}`,
        }),
      ),
      ...[0, 1, 2].map((i) =>
        artifact(`b${i}`, [{ ...other.add(Buffer.from(`b${i}`)), title: 'f' }], {
          reference: `other.test/ci/artifacts@sha256:${'1'.repeat(64)}`,
        }),
      ),
    ];
    const files = plan(nodes);
    expect(new Set(files.map((f) => (f.source.kind === 'blob' ? f.source.repository : '')))).toEqual(
      new Set(['registry.test/ci/repo-0', 'registry.test/ci/repo-1', 'other.test/ci/artifacts']),
    );
    const pulled = await transferAll(
      files,
      options({
        concurrency: 2,
        targetFor: (repository) => targets[repository.split('/')[0] ?? ''] as FakeTarget,
      }),
    );
    expect(pulled.map((f) => f.status)).toEqual(Array(7).fill('pulled'));
    expect(target.maxActive).toBe(2);
    expect(other.maxActive).toBe(2);
  });

  it('refuses a title that leads out through a link in the artifact directory, before making a directory through it', async () => {
    const file = { ...target.add(Buffer.from('x')), title: 'sub/deeper/file' };
    await mkdir(join(output, 'test/a'), { recursive: true });
    await mkdir(join(base, 'elsewhere'));
    await symlink(join(base, 'elsewhere'), join(output, 'test/a/sub'));
    const error = await failure(transferAll(plan([artifact('a', [file])]), options()));
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect(error.message).toBe(
      `refusing layer ${file.digest} of ${REPO}@sha256:${'1'.repeat(64)}: entry "sub/deeper/file" would be written through the symbolic link ${join(output, 'test/a/sub')} (to ${join(base, 'elsewhere')}): pull follows no link below the output directory`,
    );
    expect(await readdir(join(base, 'elsewhere'))).toEqual([]);
    expect(target.fetches).toBe(0);
  });

  it.each(['file', 'archive'] as const)(
    'refuses a link above the artifact directory too (a %s into out/<task> -> elsewhere)',
    async (kind) => {
      const file =
        kind === 'file'
          ? { ...target.add(Buffer.from('x')), title: 'f' }
          : {
              ...target.add(await tgzOf([{ name: 'f', content: 'x' }])),
              title: 'a.tar.gz',
              archive: 'tar+gzip' as const,
            };
      await mkdir(output);
      await mkdir(join(base, 'elsewhere'));
      await symlink(join(base, 'elsewhere'), join(output, 'test'));
      const error = await failure(transferAll(plan([artifact('a', [file])]), options()));
      expect(error).toBeInstanceOf(UnsafeArchiveError);
      expect(error.message).toMatch(/would be written through the symbolic link .*\/out\/test /);
      expect(await readdir(join(base, 'elsewhere'))).toEqual([]);
    },
  );

  it('follows a link that is the output directory itself (the user chose it)', async () => {
    const file = { ...target.add(Buffer.from('x')), title: 'f' };
    await mkdir(join(base, 'real'));
    await symlink(join(base, 'real'), output);
    await transferAll(plan([artifact('a', [file])]), options());
    expect(await readFile(join(base, 'real/test/a/f'), 'utf8')).toBe('x');
  });

  it('writes through a link below the output directory with --allow-path-traversal', async () => {
    const file = { ...target.add(Buffer.from('x')), title: 'sub/file' };
    await mkdir(join(output, 'test/a'), { recursive: true });
    await mkdir(join(base, 'elsewhere'));
    await symlink(join(base, 'elsewhere'), join(output, 'test/a/sub'));
    await transferAll(plan([artifact('a', [file])]), options({ allowPathTraversal: true }));
    expect(await readFile(join(base, 'elsewhere/file'), 'utf8')).toBe('x');
  });

  it('says so when a file stands where a directory is needed, making nothing below it', async () => {
    const file = { ...target.add(Buffer.from('x')), title: 'sub/file' };
    await mkdir(join(output, 'test'), { recursive: true });
    await writeFile(join(output, 'test/a'), 'a file');
    const error = await failure(transferAll(plan([artifact('a', [file])]), options()));
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toBe(
      `cannot write ${join(output, 'test/a/sub/file')}: ${join(output, 'test/a')} is a file, not a directory`,
    );
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
    expect(second).toMatchObject({ status: 'present', extracted: { files: 2 } });
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

  describe('running again over an extracted tree', () => {
    const entries = [
      { name: 'cover.out', content: 'mode: set\n' },
      { name: 'html/index.html', content: '<html/>' },
      { name: 'latest', type: 'symlink' as const, linkname: 'html/index.html' },
    ];
    const dir = () => join(output, 'test/coverage');
    const pullIt = async (file: FileEntry) =>
      (await transferAll(plan([artifact('coverage', [file])]), options()))[0];

    it('lists every extracted file in the report and the marker, and skips an intact tree without fetching', async () => {
      const file = await archiveFile(entries);
      const first = await pullIt(file);
      const contents = [
        { path: 'cover.out', size: 10, digest: digestOf(Buffer.from('mode: set\n')) },
        { path: 'html/index.html', size: 7, digest: digestOf(Buffer.from('<html/>')) },
      ];
      expect(first?.extracted?.contents).toEqual(contents);
      const marker = JSON.parse(await readFile(join(dir(), '.tkn-artifacts.json'), 'utf8')) as PullMarker;
      expect(marker.contents).toEqual(contents);
      expect(marker.symlinks).toEqual([{ path: 'latest', target: 'html/index.html' }]);
      // A file someone added is not ours: it neither spoils the tree nor is removed.
      await writeFile(join(dir(), 'notes.txt'), 'mine');
      const second = await pullIt(file);
      expect(second).toMatchObject({ status: 'present', extracted: { contents } });
      expect(target.fetches).toBe(1);
      expect(await readFile(join(dir(), 'notes.txt'), 'utf8')).toBe('mine');
    });

    it.each<[string, () => Promise<void>]>([
      ['a file changed in place (same size)', () => writeFile(join(dir(), 'cover.out'), 'mode: xxx\n')],
      ['a file grown', () => writeFile(join(dir(), 'html/index.html'), '<html>more</html>')],
      ['a file deleted', () => rm(join(dir(), 'html/index.html'))],
      ['a directory deleted', () => rm(join(dir(), 'html'), { recursive: true })],
      [
        'a file replaced by a link to the same bytes',
        async () => {
          await writeFile(join(base, 'copy'), 'mode: set\n');
          await rm(join(dir(), 'cover.out'));
          await symlink(join(base, 'copy'), join(dir(), 'cover.out'));
        },
      ],
      [
        'a link retargeted',
        async () => {
          await rm(join(dir(), 'latest'));
          await symlink('cover.out', join(dir(), 'latest'));
        },
      ],
      [
        'a marker of an earlier version (no listing)',
        async () => {
          const path = join(dir(), '.tkn-artifacts.json');
          const {
            contents: _c,
            symlinks: _s,
            ...old
          } = JSON.parse(await readFile(path, 'utf8')) as PullMarker;
          await writeFile(path, JSON.stringify(old));
        },
      ],
    ])('extracts again, repairing the tree, after %s', async (_what, spoil) => {
      const file = await archiveFile(entries);
      await pullIt(file);
      await spoil();
      expect(await extractedState(dir(), file.digest)).toEqual({ kind: 'replaceable' });
      const again = await pullIt(file);
      expect(again?.status).toBe('pulled');
      expect(target.fetches).toBe(2);
      expect(await tree(dir())).toEqual([
        '.tkn-artifacts.json',
        'cover.out',
        'html',
        'html/index.html',
        'latest',
      ]);
      expect(await readFile(join(dir(), 'cover.out'), 'utf8')).toBe('mode: set\n');
      expect((await lstat(join(dir(), 'cover.out'))).isFile()).toBe(true);
      expect(await readFile(join(dir(), 'html/index.html'), 'utf8')).toBe('<html/>');
      expect(await readlink(join(dir(), 'latest'))).toBe('html/index.html');
      expect(await extractedState(dir(), file.digest)).toMatchObject({ kind: 'current' });
    });

    it('never reads through a link planted in the tree, even when the marker names a path through it', async () => {
      const file = await archiveFile(entries);
      await pullIt(file);
      await rm(join(dir(), 'html'), { recursive: true });
      await mkdir(join(base, 'decoy'));
      await writeFile(join(base, 'decoy/index.html'), '<html/>');
      await symlink(join(base, 'decoy'), join(dir(), 'html'));
      expect(await extractedState(dir(), file.digest)).toEqual({ kind: 'replaceable' });
    });
  });

  describe('with --allow-path-traversal', () => {
    const trusted = () => options({ allowPathTraversal: true });
    const outsideFile = () => join(output, 'test/outside.txt');

    it('places the tree, then the entries outside it', async () => {
      const file = await archiveFile([
        { name: 'in.txt', content: 'in' },
        { name: '../outside.txt', content: 'out' },
      ]);
      await transferAll(plan([artifact('coverage', [file])]), trusted());
      expect(await readFile(join(output, 'test/coverage/in.txt'), 'utf8')).toBe('in');
      expect(await readFile(outsideFile(), 'utf8')).toBe('out');
    });

    it('writes nothing outside when the destination turns out not to be its own to replace', async () => {
      const file = await archiveFile([
        { name: 'in.txt', content: 'in' },
        { name: '../outside.txt', content: 'out' },
      ]);
      // Someone else fills the destination while the blob downloads.
      target.onFetch = async () => {
        await mkdir(join(output, 'test/coverage'), { recursive: true });
        await writeFile(join(output, 'test/coverage/theirs.txt'), 'theirs');
      };
      const error = await failure(transferAll(plan([artifact('coverage', [file])]), trusted()));
      expect(error.message).toMatch(/not written by pull/);
      expect(await tree(join(output, 'test'))).toEqual(['coverage', 'coverage/theirs.txt']);
    });

    it('writes nothing, inside or out, when a directory stands where an entry outside goes', async () => {
      const file = await archiveFile([
        { name: '../first.txt', content: 'first' },
        { name: 'in.txt', content: 'in' },
        { name: '../outside.txt', content: 'out' },
      ]);
      await mkdir(outsideFile(), { recursive: true });
      const error = await failure(transferAll(plan([artifact('coverage', [file])]), trusted()));
      expect(error).toBeInstanceOf(CliError);
      expect(error.message).toBe(`cannot write ${outsideFile()}: a directory is in the way`);
      expect(await tree(join(output, 'test'))).toEqual(['outside.txt']);
    });

    it('puts the older tree back when committing the entries outside fails', async () => {
      const old = await archiveFile([{ name: 'old.txt', content: 'old' }]);
      await transferAll(plan([artifact('coverage', [old])]), trusted());
      const updated = await archiveFile([
        { name: 'new.txt', content: 'new' },
        { name: '../fine.txt', content: 'fine' },
        { name: '../blocked/file.txt', content: 'x' },
      ]);
      await writeFile(join(output, 'test/blocked'), 'a file where a directory is needed');
      await failure(transferAll(plan([artifact('coverage', [updated])]), trusted()));
      expect(await tree(join(output, 'test'))).toEqual([
        'blocked',
        'coverage',
        'coverage/.tkn-artifacts.json',
        'coverage/old.txt',
      ]);
    });
  });

  it('leaves nothing when the archive bytes are corrupt, and says so by digest', async () => {
    const file = await archiveFile([{ name: 'a', content: 'a'.repeat(50_000) }]);
    target.behaviour = () => 'flip';
    const error = await failure(transferAll(plan([artifact('coverage', [file])]), options()));
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(await tree(base)).toEqual([]);
  });
});

describe('at scale and in part', () => {
  it('fetches a blob once however many layers name it, and writes every one of them', async () => {
    const shared = target.add(Buffer.from('the same bytes in every layer\n'));
    const layers = Array.from({ length: 40 }, (_, i) => ({ ...shared, title: `copy-${i}.txt` }));
    const other = { ...target.add(Buffer.from('another blob')), title: 'other.txt' };
    const files = plan([
      artifact('many', [...layers, other]),
      artifact('again', [{ ...shared, title: 'x' }]),
    ]);
    const pulled = await transferAll(files, options());
    expect(pulled).toHaveLength(42);
    expect(target.fetches).toBe(2); // the shared blob once, the other once
    for (let i = 0; i < 40; i++)
      expect(await readFile(join(output, `test/many/copy-${i}.txt`), 'utf8')).toBe(
        'the same bytes in every layer\n',
      );
    expect(await readFile(join(output, 'test/again/x'), 'utf8')).toBe('the same bytes in every layer\n');
    // The spool is gone with the pull.
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('tkn-artifacts-blobs-'))).toEqual([]);
  });

  it('files a refused archive as its own failure, pulls the rest, and leaves nothing of the refused one', async () => {
    const bad: FileEntry = {
      ...target.add(
        await tgzOf([
          { name: 'fine.txt', content: 'fine' },
          { name: '../../escape.txt', content: 'gotcha' },
        ]),
      ),
      title: 'coverage',
      mediaType: 'application/vnd.tekton.artifact.tar+gzip',
      archive: 'tar+gzip',
    };
    const good = { ...target.add(Buffer.from('<testsuite/>')), title: 'junit.xml' };
    const failed: { artifact: string; error: unknown }[] = [];
    const pulled = await transferAll(
      plan([artifact('coverage', [bad]), artifact('junit', [good])]),
      options({
        onFileError: (file, error) => {
          failed.push({ artifact: file.artifact, error });
          return error instanceof UnsafeArchiveError;
        },
      }),
    );
    expect(pulled.map((f) => f.artifact)).toEqual(['junit']);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.artifact).toBe('coverage');
    expect(String(failed[0]?.error)).toContain('../../escape.txt');
    expect(await tree(output)).toEqual(['test', 'test/junit', 'test/junit/junit.xml']);
  });
});

describe('partial files of an earlier pull', () => {
  it('removes what a killed pull left, and keeps what a running one is writing', async () => {
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: its PID is free
    const dir = join(output, 'test/junit');
    await mkdir(join(dir, `.coverage.tkn-partial-${dead}-abc123`, 'deep'), { recursive: true });
    await writeFile(join(dir, `.coverage.tkn-partial-${dead}-abc123`, 'deep', 'half'), 'x'.repeat(1000));
    await writeFile(join(dir, `.junit.xml.tkn-partial-${dead}-0a1b2c3d4e5f`), 'half a download');
    await writeFile(join(dir, '.junit.xml.tkn-partial-0a1b2c3d4e5f'), 'an earlier version, no PID');
    await mkdir(join(dir, `.old.tkn-old-${dead}-0a1b2c`));
    const live = `.other.tkn-partial-${process.ppid}-0a1b2c3d4e5f`; // the parent runs: not ours to remove
    await writeFile(join(dir, live), 'still being written');
    await writeFile(join(dir, 'unrelated.tkn-partial-notours'), 'no leading dot: not a pull name');
    const junit = { ...target.add(Buffer.from('<testsuite/>')), title: 'junit.xml' };
    await transferAll(plan([artifact('junit', [junit])]), options());
    expect((await readdir(dir)).sort()).toEqual([live, 'junit.xml', 'unrelated.tkn-partial-notours'].sort());
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

describe('direct downloads (a real client against an in-process HTTP server)', () => {
  const big = Buffer.alloc(2 * 1024 ** 2 + 777, 'q');
  let server: TestServer;
  let repo: RemoteRepository;
  let file: FileEntry & { title: string };
  beforeEach(async () => {
    server = await startServer();
    repo = new RemoteRepository(
      new RegistryClient(server.host, { plainHttp: true, retry: { maxRetries: 0 } }),
      'r',
    );
    file = { ...target.add(big), title: 'big' };
  });
  afterEach(async () => {
    await server.close();
  });
  const direct = (extra: Partial<TransferOptions> = {}) => options({ targetFor: () => repo, ...extra });

  it('retries a direct download that breaks off, counting progress from zero again', async () => {
    let gets = 0;
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(big.length) });
      if (++gets === 1) res.write(big.subarray(0, 1024 ** 2), () => res.destroy());
      else res.end(big);
    };
    const progress = new ProgressTracker();
    const [result] = await transferAll(plan([artifact('a', [file])]), direct({ progress }));
    expect(result?.status).toBe('pulled');
    expect(gets).toBe(2);
    expect(progress.snapshot().done).toBe(big.length);
    expect((await readFile(join(output, 'test/a/big'))).equals(big)).toBe(true);
    expect(await tree(join(output, 'test/a'))).toEqual(['big']);
  });

  it('falls back to the streamed fetch when the direct answer is not the plain case', async () => {
    server.handler = (_req, res) => {
      res.writeHead(200); // no Content-Length: chunked
      res.end(big);
    };
    const [result] = await transferAll(plan([artifact('a', [file])]), direct());
    expect(result?.status).toBe('pulled');
    expect(server.requests).toHaveLength(2);
    expect((await readFile(join(output, 'test/a/big'))).equals(big)).toBe(true);
  });

  it('leaves nothing when the direct bytes do not match the digest', async () => {
    const lie = Buffer.from(big);
    lie.writeUInt8(lie.readUInt8(0) ^ 1, 0);
    server.handler = (_req, res) => res.writeHead(200, { 'content-length': String(lie.length) }).end(lie);
    const error = await failure(transferAll(plan([artifact('a', [file])]), direct()));
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(await tree(base)).toEqual([]);
  });
});
