import fc from 'fast-check';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentComparer, SideError, classifyBytes, type BlobSource } from '../../../src/diff/content.js';
import { matchTrees } from '../../../src/diff/match.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import type { ArtifactNode } from '../../../src/tree/model.js';
import { digestOf, streamOf, tarOf, tgzOf } from '../pull/archives.js';
import type { ArtifactDiff } from '../../../src/diff/model.js';
import { artifact, inline, mirrorArtifact, taskRun, tree } from './trees.js';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'diff-content-test-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Blobs by digest; counts fetches (a fake: the real stores are exercised by the integration tests). */
class Blobs implements BlobSource {
  readonly fetched: string[] = [];
  private readonly blobs = new Map<string, Buffer>();
  add(bytes: Buffer): { digest: string; size: number } {
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.byteLength };
  }
  fetch(descriptor: { digest: string }) {
    this.fetched.push(descriptor.digest);
    const bytes = this.blobs.get(descriptor.digest);
    if (!bytes)
      return Promise.reject(
        Object.assign(new Error(`blob unknown ${descriptor.digest}`), { code: 'BLOB_UNKNOWN' }),
      );
    return Promise.resolve(streamOf(bytes));
  }
}

function node(
  name: string,
  files: { title?: string; digest: string; size: number; archive?: 'tar+gzip' }[],
): ArtifactNode {
  return artifact(
    name,
    {},
    {
      files: files.map((f) => ({
        ...f,
        mediaType: f.archive ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/octet-stream',
      })),
    },
  );
}

function comparer(blobs: Blobs, unified = false): ContentComparer {
  return new ContentComparer({
    blobs: () => blobs,
    limits: { maxRatio: 100, maxSize: 1024 ** 3 },
    maxContentSize: 1024 * 1024,
    maxEntries: 1000,
    unified,
    scratch,
    concurrency: 2,
  });
}

async function compare(blobs: Blobs, a: ArtifactNode, b: ArtifactNode, unified = false) {
  const [matched] = matchTrees(
    tree('r1', [taskRun('r1-t', 't', 'Succeeded', [a])]),
    tree('r2', [taskRun('r2-t', 't', 'Succeeded', [b])]),
  ).artifacts;
  if (!matched) throw new Error('no match');
  await comparer(blobs, unified).compare(matched);
  return matched.diff;
}

describe('ContentComparer', () => {
  it('counts a re-compressed archive with the same files as unchanged', async () => {
    const blobs = new Blobs();
    const tar = await tarOf([
      { name: 'a.txt', content: 'a' },
      { name: 'b.txt', content: 'b' },
    ]);
    const fast = blobs.add(gzipSync(tar, { level: 1 }));
    const best = blobs.add(gzipSync(tar, { level: 9 }));
    expect(fast.digest).not.toBe(best.digest);
    const diff = await compare(
      blobs,
      node('src', [{ title: 'src', ...fast, archive: 'tar+gzip' }]),
      node('src', [{ title: 'src', ...best, archive: 'tar+gzip' }]),
    );
    expect(diff.status).toBe('unchanged');
    expect(diff.note).toMatch(/same files/);
  });

  it('lists the files of changed archives, and compares JSON inside them by path', async () => {
    const blobs = new Blobs();
    const a = blobs.add(
      await tgzOf([
        { name: 'keep.txt', content: 'k' },
        { name: 'meta.json', content: '{"v":1,"n":"x"}' },
      ]),
    );
    const b = blobs.add(
      await tgzOf([
        { name: 'keep.txt', content: 'k' },
        { name: 'meta.json', content: '{"v":2,"n":"x"}' },
        { name: 'new.txt', content: 'n' },
      ]),
    );
    const diff = await compare(
      blobs,
      node('out', [{ title: 'out', ...a, archive: 'tar+gzip' }]),
      node('out', [{ title: 'out', ...b, archive: 'tar+gzip' }]),
    );
    expect(diff.status).toBe('changed');
    const [entry] = diff.content ?? [];
    expect(entry?.kind).toBe('archive');
    expect(entry?.files?.map((f) => [f.change, f.path, f.kind])).toEqual([
      ['C', 'meta.json', 'json'],
      ['A', 'new.txt', 'binary'],
    ]);
    expect(entry?.files?.[0]?.json).toEqual([{ path: '.v', op: 'changed', a: 1, b: 2 }]);
    // Nothing is left in the scratch directory but what a comparison kept, and nothing outside it.
    expect((await readdir(scratch)).length).toBeGreaterThan(0);
  });

  it('compares single files by kind: JUnit, SBOM, text with --content, binary', async () => {
    const blobs = new Blobs();
    const junit = (state: string) =>
      Buffer.from(`<testsuite name="s"><testcase name="t">${state}</testcase></testsuite>`);
    const ja = blobs.add(junit(''));
    const jb = blobs.add(junit('<failure/>'));
    let diff = await compare(
      blobs,
      node('junit', [{ title: 'junit.xml', ...ja }]),
      node('junit', [{ title: 'junit.xml', ...jb }]),
    );
    expect(diff.content?.[0]).toMatchObject({
      kind: 'junit',
      tests: [{ id: 's › t', change: 'newly-failing' }],
    });

    const cdx = (version: string) =>
      Buffer.from(
        JSON.stringify({
          bomFormat: 'CycloneDX',
          components: [{ name: 'lib', version, purl: `pkg:npm/lib@${version}` }],
        }),
      );
    diff = await compare(
      blobs,
      node('sbom', [{ title: 'bom.json', ...blobs.add(cdx('1.0.0')) }]),
      node('sbom', [{ title: 'bom.json', ...blobs.add(cdx('1.0.1')) }]),
    );
    expect(diff.content?.[0]).toMatchObject({
      kind: 'cyclonedx',
      packages: [{ id: 'pkg:npm/lib', op: 'changed', a: '1.0.0', b: '1.0.1' }],
    });

    diff = await compare(
      blobs,
      node('log', [{ title: 'log.txt', ...blobs.add(Buffer.from('a\nb\n')) }]),
      node('log', [{ title: 'log.txt', ...blobs.add(Buffer.from('a\nc\n')) }]),
      true,
    );
    expect(diff.content?.[0]?.unified).toContain('-b\n+c\n');

    diff = await compare(
      blobs,
      node('bin', [{ title: 'app', ...blobs.add(Buffer.from([0, 1, 2])) }]),
      node('bin', [{ title: 'app', ...blobs.add(Buffer.from([0, 1, 3])) }]),
    );
    expect(diff.content?.[0]).toMatchObject({ kind: 'binary', a: { size: 3 }, b: { size: 3 } });
  });

  it('compares inline values structurally when they are JSON', async () => {
    const diff = await compare(
      new Blobs(),
      inline('images', '["a@sha256:1"]'),
      inline('images', '["a@sha256:2"]'),
    );
    expect(diff.content?.[0]).toMatchObject({
      path: '(inline)',
      kind: 'json',
      json: [{ path: '.[0]', op: 'changed' }],
    });
  });

  it('fetches a blob two artifacts share once', async () => {
    const blobs = new Blobs();
    const shared = blobs.add(await tgzOf([{ name: 'x', content: '1' }]));
    const other = blobs.add(await tgzOf([{ name: 'x', content: '2' }]));
    const a = tree('r1', [
      taskRun('r1-t', 't', 'Succeeded', [
        node('one', [{ title: 'o', ...shared, archive: 'tar+gzip' }]),
        node('two', [{ title: 'o', ...shared, archive: 'tar+gzip' }]),
      ]),
    ]);
    const b = tree('r2', [
      taskRun('r2-t', 't', 'Succeeded', [
        node('one', [{ title: 'o', ...other, archive: 'tar+gzip' }]),
        node('two', [{ title: 'o', ...other, archive: 'tar+gzip' }]),
      ]),
    ]);
    const c = comparer(blobs);
    await Promise.all(matchTrees(a, b).artifacts.map((m) => c.compare(m)));
    expect(blobs.fetched.sort()).toEqual([shared.digest, other.digest].sort());
  });

  it('refuses a hostile archive, naming the side', async () => {
    const blobs = new Blobs();
    const good = blobs.add(await tgzOf([{ name: 'x', content: '1' }]));
    const evil = blobs.add(await tgzOf([{ name: '../escape', content: 'x' }]));
    const error = await compare(
      blobs,
      node('o', [{ title: 'o', ...good, archive: 'tar+gzip' }]),
      node('o', [{ title: 'o', ...evil, archive: 'tar+gzip' }]),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SideError);
    expect((error as SideError).side).toBe('b');
    expect((error as SideError).cause).toBeInstanceOf(UnsafeArchiveError);
  });

  it('compares files past --max-content-size by digest and size, saying so', async () => {
    const blobs = new Blobs();
    const big = (c: string) => blobs.add(Buffer.alloc(2 * 1024 * 1024, c));
    const diff = await compare(
      blobs,
      node('big', [{ title: 'big', ...big('a') }]),
      node('big', [{ title: 'big', ...big('b') }]),
    );
    expect(diff.content?.[0]?.skipped).toMatch(/larger than --max-content-size/);
    expect(blobs.fetched).toEqual([]);
  });
});

describe('classifyBytes', () => {
  it('tells SPDX, CycloneDX, JSON, JUnit, text and binary apart', () => {
    expect(classifyBytes(Buffer.from('{"spdxVersion":"SPDX-2.3","packages":[]}')).kind).toBe('spdx');
    expect(classifyBytes(Buffer.from('{"bomFormat":"CycloneDX"}')).kind).toBe('cyclonedx');
    expect(classifyBytes(Buffer.from('[1]')).kind).toBe('json');
    expect(classifyBytes(Buffer.from('<testsuites/>')).kind).toBe('junit');
    expect(classifyBytes(Buffer.from('<html/>')).kind).toBe('text');
    expect(classifyBytes(Buffer.from([0xff, 0xfe, 0]))).toEqual({ kind: 'binary' });
  });
});

describe('ContentComparer properties', () => {
  const files = fc.dictionary(
    fc.stringMatching(/^[a-z]{1,4}(\.json)?$/),
    fc.constantFrom('{"v":1}', '{"v":2}', 'x', 'y'),
    {
      maxKeys: 5,
    },
  );

  it('finds an archive equal to itself re-compressed, and mirrors when the sides swap', async () => {
    await fc.assert(
      fc.asyncProperty(files, files, async (fa, fb) => {
        const blobs = new Blobs();
        const entries = (f: Record<string, string>) =>
          Object.entries(f).map(([name, content]) => ({ name, content }));
        const a = blobs.add(gzipSync(await tarOf(entries(fa)), { level: 1 }));
        const a2 = blobs.add(gzipSync(await tarOf(entries(fa)), { level: 9 }));
        const b = blobs.add(await tgzOf(entries(fb)));
        const archive = (d: { digest: string; size: number }) =>
          node('o', [{ title: 'o', ...d, archive: 'tar+gzip' }]);
        const same = await compare(blobs, archive(a), archive(a2));
        expect(same.status).toBe('unchanged');
        const ab = await compare(blobs, archive(a), archive(b));
        const ba = await compare(blobs, archive(b), archive(a));
        const strip = (d: ArtifactDiff) => ({ ...d, a: undefined, b: undefined, note: undefined });
        expect(strip(ba)).toEqual(strip(mirrorArtifact(ab)));
      }),
      { numRuns: 25 },
    );
  });
});
