/**
 * The code cache dist/bundle/start.cjs keeps (scripts/bundle-start.cjs): made at the end of each
 * command's first run, read back by the next, remade when V8 rejects it, never needed for the
 * output to be right, and off under NODE_DISABLE_COMPILE_CACHE. Run through bin/tkn-artifacts
 * with NODE_COMPILE_CACHE pointing at a fresh directory, so each test sees only its own files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleShow, repoRoot as root, runCli } from '../../support/cli.js';

const bin = join(root, 'bin', 'tkn-artifacts');
const work = mkdtempSync(join(tmpdir(), 'tkn-artifacts-code-cache-'));
const example = exampleShow;
// Root help as oclif prints it: the loader's help fast path (help.cjs) answers `--help` alone
// without the bundle, so without a code cache; with a second word oclif answers.
const oclifHelp = ['--help', '--no-color'];

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under dir (Node puts its compile cache in a subdirectory per version). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile());
}

/** Our cache files (Node's own compile cache sits beside them, for the pieces loaded apart). */
function ourCaches(dir: string): string[] {
  return filesUnder(dir).filter((file) =>
    /\/tkn-artifacts-[0-9a-f]{16}-v[\d.]+-\w+-js-[a-z-]+\.v8$/.test(file),
  );
}

function cacheDir(name: string): string {
  return mkdtempSync(join(work, `${name}-`));
}

describe('the code cache of bin/tkn-artifacts', () => {
  it('is written by the first run of a command and read by the next, with the same output', async () => {
    const dir = cacheDir('help');
    const env = { NODE_COMPILE_CACHE: dir };
    const first = await runCli(oclifHelp, { bin, env });
    expect(first.code).toBe(0);
    const caches = ourCaches(dir);
    expect(caches.map((file) => file.split('-').at(-1))).toEqual(['root.v8']);
    const [cache] = caches as [string];
    const made = readFileSync(cache);
    expect(made.length).toBeGreaterThan(0);

    const second = await runCli(oclifHelp, { bin, env });
    expect(second).toEqual(first);
    // Accepted: not written again.
    expect(readFileSync(cache).equals(made)).toBe(true);
  });

  it('keeps one cache per command, named only by a command word', async () => {
    const dir = cacheDir('commands');
    const env = { NODE_COMPILE_CACHE: dir };
    const shown = await runCli(example, { bin, env });
    expect(shown.code).toBe(0);
    // A first word that is no command (a path, an unknown word) never names a cache file.
    for (const word of ['../x', 'nosuch']) {
      const odd = await runCli([word, '--help'], { bin, env });
      expect(odd.code).toBe(2);
    }
    const names = ourCaches(dir)
      .map((file) => file.split('-js-').at(-1))
      .sort();
    expect(names).toEqual(['root.v8', 'show.v8']);
    const showCache = ourCaches(dir).find((file) => file.endsWith('-show.v8')) as string;
    const made = readFileSync(showCache);
    expect(await runCli(example, { bin, env })).toEqual(shown);
    // Accepted, so not written again: show's walk turns on gc() at run time (src/memory/gc.ts),
    // and a V8 flag still changed when the cache is made at exit would make V8 refuse it at every
    // later start.
    expect(readFileSync(showCache).equals(made)).toBe(true);
  });

  it('is remade when V8 rejects it, and the output does not change', async () => {
    const dir = cacheDir('rejected');
    const env = { NODE_COMPILE_CACHE: dir };
    const first = await runCli(oclifHelp, { bin, env });
    const [cache] = ourCaches(dir) as [string];
    const garbage = Buffer.alloc(4096, 0x5a);
    writeFileSync(cache, garbage);

    const withGarbage = await runCli(oclifHelp, { bin, env });
    expect(withGarbage).toEqual(first);
    const remade = readFileSync(cache);
    expect(remade.equals(garbage)).toBe(false);
    expect(remade.length).toBeGreaterThan(garbage.length);
  });

  it("replaces the command's caches of other builds, and leaves other commands' and Nodes'", async () => {
    const dir = cacheDir('builds');
    const env = { NODE_COMPILE_CACHE: dir };
    expect((await runCli(oclifHelp, { bin, env })).code).toBe(0);
    const [cache] = ourCaches(dir) as [string];
    const [, build, suffix] = /^tkn-artifacts-([0-9a-f]{16})(-.*-root\.v8)$/.exec(basename(cache)) ?? [];
    expect(build).toBeDefined();
    // As an earlier build and another Node left them beside this build's.
    const earlier = join(dirname(cache), `tkn-artifacts-${'0'.repeat(16)}${suffix}`);
    const otherNode = join(
      dirname(cache),
      `tkn-artifacts-${'0'.repeat(16)}-v0.0.0${suffix?.replace(/^-v[\d.]+/, '')}`,
    );
    const otherCommand = join(
      dirname(cache),
      `tkn-artifacts-${'0'.repeat(16)}${suffix?.replace('-root.v8', '-show.v8')}`,
    );
    for (const file of [earlier, otherNode, otherCommand]) writeFileSync(file, 'old');
    rmSync(cache);

    expect((await runCli(oclifHelp, { bin, env })).code).toBe(0);
    // The earlier build's root cache is gone; the rest stay.
    expect(ourCaches(dir).sort()).toEqual([cache, otherCommand, otherNode].sort());
    expect(ourCaches(dir)).not.toContain(earlier);
  });

  it('is neither read nor written under NODE_DISABLE_COMPILE_CACHE', async () => {
    const dir = cacheDir('disabled');
    const result = await runCli(oclifHelp, {
      bin,
      env: { NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: '1' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('USAGE');
    expect(filesUnder(dir)).toEqual([]);
  });

  it('leaves no partial file behind when its directory cannot be written', async () => {
    // A file where the directory should be: mkdir fails, the run does not.
    const blocked = join(work, 'blocked');
    writeFileSync(blocked, '');
    const result = await runCli(oclifHelp, { bin, env: { NODE_COMPILE_CACHE: blocked } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('USAGE');
    expect(result.stderr).toBe('');
    expect(statSync(blocked).isFile()).toBe(true);
  });
});
