import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { listArchive, ListingTooLarge, type Listing } from '../../../src/diff/archive.js';
import { compareListings } from '../../../src/diff/files.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import { streamOf, tarOf, tgzOf, zeroBomb, type TestEntry } from '../pull/archives.js';

const limits = { maxRatio: 100, maxSize: 10 * 1024 ** 3 };

function list(
  bytes: Buffer,
  extra: { archive?: 'tar' | 'tar+gzip'; prefix?: string; maxEntries?: number } = {},
): Promise<Listing> {
  return listArchive(streamOf(bytes), {
    archive: extra.archive ?? 'tar+gzip',
    source: 'archive sha256:test',
    compressedSize: bytes.byteLength,
    limits,
    maxEntries: extra.maxEntries ?? 1000,
    ...(extra.prefix !== undefined ? { prefix: extra.prefix } : {}),
  });
}

const files: TestEntry[] = [
  { name: 'app/', type: 'directory' },
  { name: 'app/main.go', content: 'package main\n' },
  { name: 'app/run.sh', content: '#!/bin/sh\n', mode: 0o755 },
  { name: 'app/link', type: 'symlink', linkname: 'main.go' },
  { name: 'app/hard', type: 'link', linkname: 'app/main.go' },
];

describe('listArchive', () => {
  it('lists each entry with its type, mode, size, digest and link target', async () => {
    const listing = await list(await tgzOf(files));
    expect(listing.get('app')).toEqual({ type: 'directory', mode: 0o755 });
    expect(listing.get('app/run.sh')).toMatchObject({ type: 'file', mode: 0o755, size: 10 });
    expect(listing.get('app/link')).toEqual({ type: 'symlink', mode: 0o644, linkTarget: 'main.go' });
    expect(listing.get('app/hard')?.digest).toBe(listing.get('app/main.go')?.digest);
  });

  it('lists the same files the same whatever the compression', async () => {
    const tar = await tarOf(files);
    const fast = await list(gzipSync(tar, { level: 1 }));
    const best = await list(gzipSync(tar, { level: 9 }));
    const plain = await list(tar, { archive: 'tar' });
    expect(compareListings(fast, best)).toEqual([]);
    expect(compareListings(fast, plain)).toEqual([]);
  });

  it('takes the title directory off an oras directory layer, and refuses entries outside it', async () => {
    const listing = await list(await tgzOf([{ name: 'out/a.txt', content: 'a' }]), { prefix: 'out' });
    expect([...listing.keys()]).toEqual(['a.txt']);
    await expect(
      list(await tgzOf([{ name: 'elsewhere/a.txt', content: 'a' }]), { prefix: 'out' }),
    ).rejects.toThrow(/not under out\//);
  });

  it.each([
    ['an absolute path', [{ name: '/etc/passwd', content: 'x' }], /absolute path/],
    ['a climb out', [{ name: 'a/../../x', content: 'x' }], /climbs out/],
    ['a link out', [{ name: 'l', type: 'symlink', linkname: '../x' }], /outside/],
    ['an absolute link', [{ name: 'l', type: 'symlink', linkname: '/etc' }], /absolute path/],
    [
      'a link out through another link',
      [
        { name: 'd', type: 'symlink', linkname: '.' },
        { name: 'l', type: 'symlink', linkname: 'd/../x' },
      ],
      /outside/,
    ],
    [
      'a write through a link',
      [
        { name: 'd', type: 'symlink', linkname: 'sub' },
        { name: 'd/x', content: 'x' },
      ],
      /through the symbolic link/,
    ],
    ['a device', [{ name: 'null', type: 'character-device' }], /device/],
    [
      'a hard link to nothing listed',
      [{ name: 'h', type: 'link', linkname: 'missing' }],
      /not a file listed before/,
    ],
  ] as [string, TestEntry[], RegExp][])('refuses %s as pull does', async (_what, entries, reason) => {
    const error = await list(await tgzOf(entries)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect((error as Error).message).toMatch(reason);
  });

  it('refuses a decompression bomb', async () => {
    await expect(list(await zeroBomb(64 * 1024 ** 2))).rejects.toThrow(/decompression bomb/);
  });

  it('says when a listing would hold too many entries', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, content: 'x' }));
    await expect(list(await tgzOf(many), { maxEntries: 3 })).rejects.toBeInstanceOf(ListingTooLarge);
  });

  it('says the bytes are not an archive', async () => {
    await expect(list(Buffer.from('not gzip at all'))).rejects.toThrow(/not a valid archive/);
  });

  it('keeps the bytes of the files asked for', async () => {
    const kept: Record<string, string> = {};
    await listArchive(
      streamOf(
        await tgzOf([
          { name: 'a.json', content: '{"x":1}' },
          { name: 'b.bin', content: 'zz' },
        ]),
      ),
      {
        archive: 'tar+gzip',
        source: 'archive',
        compressedSize: 100,
        limits,
        maxEntries: 10,
        keep: (path) => path.endsWith('.json'),
        kept: async (path, _digest, bytes) => {
          kept[path] = bytes.toString();
        },
      },
    );
    expect(kept).toEqual({ 'a.json': '{"x":1}' });
  });
});

describe('compareListings', () => {
  it('reports A, D and C by path, as podman image diff', async () => {
    const a = await list(
      await tgzOf([
        { name: 'same', content: '1' },
        { name: 'gone', content: '2' },
        { name: 'edit', content: '3' },
        { name: 'mode', content: 'm' },
      ]),
    );
    const b = await list(
      await tgzOf([
        { name: 'same', content: '1' },
        { name: 'edit', content: '33' },
        { name: 'new', content: '4' },
        { name: 'mode', content: 'm', mode: 0o755 },
      ]),
    );
    const changes = compareListings(a, b);
    expect(changes.map((c) => [c.change, c.path])).toEqual([
      ['C', 'edit'],
      ['D', 'gone'],
      ['C', 'mode'],
      ['A', 'new'],
    ]);
    expect(changes[0]).toMatchObject({ a: { size: 1 }, b: { size: 2 } });
    expect(changes[2]).toMatchObject({ a: { mode: '0644' }, b: { mode: '0755' } });
  });

  const entries = fc.uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z]{1,6}(\/[a-z]{1,6})?$/),
      content: fc.string({ maxLength: 20 }),
      mode: fc.constantFrom(0o644, 0o755, 0o600),
    }),
    { selector: (e) => e.name.split('/')[0] ?? '', maxLength: 8 },
  );

  it('finds nothing between an archive and itself, and mirrors when the sides swap', async () => {
    await fc.assert(
      fc.asyncProperty(entries, entries, async (ea, eb) => {
        const a = await list(await tgzOf(ea));
        const b = await list(await tgzOf(eb));
        expect(compareListings(a, a)).toEqual([]);
        const swapped = compareListings(b, a).map((c) => ({
          path: c.path,
          change: c.change,
          a: c.b,
          b: c.a,
        }));
        const forward = compareListings(a, b).map((c) => ({
          path: c.path,
          change: c.change === 'A' ? 'D' : c.change === 'D' ? 'A' : 'C',
          a: c.a,
          b: c.b,
        }));
        expect(swapped).toEqual(forward);
      }),
      { numRuns: 40 },
    );
  });
});
