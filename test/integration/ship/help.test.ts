/**
 * The loader's help fast path (dist/bundle/help.cjs, src/help/fast-path.ts) against oclif, through
 * bin/ under each name we are installed as: every plain help form prints what oclif prints, byte
 * for byte, at several widths, in colour and without, on a pipe and on a terminal; the fast path
 * answered (the bundle left no code cache) where oclif did (it left one).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleRan, configHomes, freshCacheDir, HELP_FORMS } from '../../support/help-forms.js';
import { repoRoot as root, runCli } from '../../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'tkn-artifacts-help-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const homes = configHomes(work);
// krew's link name, as a user's PATH holds it.
symlinkSync(join(root, 'bin', 'tkn-artifacts'), join(work, 'kubectl-tkn_artifacts'));
const BINS = [
  join(root, 'bin', 'tkn-artifacts'),
  join(root, 'bin', 'kubectl-tkn-artifacts'),
  join(work, 'kubectl-tkn_artifacts'),
];

/** Runs one help form both ways; returns both results after checking who answered. */
async function bothWays(bin: string, args: string[], env: NodeJS.ProcessEnv) {
  const fastCache = freshCacheDir(join(work, 'caches'));
  const oclifCache = freshCacheDir(join(work, 'caches'));
  const [fast, oclif] = await Promise.all([
    runCli(args, { bin, env: { ...env, XDG_CONFIG_HOME: homes.fast, NODE_COMPILE_CACHE: fastCache } }),
    runCli(args, { bin, env: { ...env, XDG_CONFIG_HOME: homes.oclif, NODE_COMPILE_CACHE: oclifCache } }),
  ]);
  expect(bundleRan(fastCache), 'the fast path answered').toBe(false);
  expect(bundleRan(oclifCache), 'oclif answered').toBe(true);
  return { fast, oclif };
}

describe('help without oclif, through bin/', () => {
  it.each(BINS.flatMap((bin) => HELP_FORMS.map((args) => [bin.split('/').at(-1), args, bin] as const)))(
    '%s %j prints what oclif prints',
    async (_, args, bin) => {
      const { fast, oclif } = await bothWays(bin, args, {});
      expect(oclif.code, oclif.stderr).toBe(0);
      expect(fast).toEqual(oclif);
    },
  );

  it.each([
    ['width 40', { OCLIF_COLUMNS: '40' }],
    ['width 60', { OCLIF_COLUMNS: '60' }],
    ['width 132', { OCLIF_COLUMNS: '132' }],
    ['colour forced', { FORCE_COLOR: '1', NO_COLOR: '' }],
    ['colour forced, width 60', { FORCE_COLOR: '3', NO_COLOR: '', OCLIF_COLUMNS: '60' }],
  ] as [string, NodeJS.ProcessEnv][])('%s: every form prints what oclif prints', async (_, env) => {
    for (const bin of [BINS[0] as string, BINS[2] as string]) {
      for (const args of HELP_FORMS) {
        const { fast, oclif } = await bothWays(bin, args, env);
        expect(fast, `${bin} ${args.join(' ')}`).toEqual(oclif);
        if (env['FORCE_COLOR']) expect(fast.stdout).toContain('\u001b[1mUSAGE\u001b[22m');
      }
    }
  });

  it('on a terminal: its width and colour, as oclif reads them', () => {
    for (const args of [['--help'], ['show', '-h'], ['help', 'diff']]) {
      const outputs = [homes.fast, homes.oclif].map((home) => {
        const command = [join(root, 'bin', 'kubectl-tkn-artifacts'), ...args].map((w) => `'${w}'`).join(' ');
        // script(1) gives it a pseudo-terminal of 100 columns, as a person's shell does.
        const result = spawnSync('script', ['-qec', `stty cols 100; ${command}`, '/dev/null'], {
          encoding: 'utf8',
          env: { PATH: process.env['PATH'], HOME: work, TERM: 'xterm-256color', XDG_CONFIG_HOME: home },
        });
        expect(result.status, result.stderr).toBe(0);
        return result.stdout;
      });
      expect(outputs[0]).toContain('\u001b[1m');
      expect(outputs[0]).toBe(outputs[1]);
    }
  });

  it('leaves every other form to oclif, which answers as before', async () => {
    for (const args of [
      ['help', 'nosuch'],
      ['nosuch', '--help'],
      ['show', 'run', '--help'],
      ['--help', 'show'],
    ]) {
      const cache = freshCacheDir(join(work, 'caches'));
      const result = await runCli(args, { env: { XDG_CONFIG_HOME: homes.fast, NODE_COMPILE_CACHE: cache } });
      expect(bundleRan(cache), args.join(' ')).toBe(true);
      if (args.includes('nosuch')) {
        expect(result.code).toBe(2);
        expect(result.stderr).toContain('nosuch');
      } else {
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain('USAGE\n  $ tkn artifacts show');
      }
    }
  });
});
