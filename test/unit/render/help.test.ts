// The help fast path (src/render/help.ts) against oclif's own Help class, the oracle: every
// command's help and the root help, byte for byte, at several widths, in colour and without,
// under every name we are invoked by. The model is made as the build makes it (scripts/bundle.mjs).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.js';
import { oclifConfig } from '../../../src/cli/oclif-config.js';
import {
  commandHelp,
  helpCommandIds,
  helpModel,
  rootHelp,
  type HelpModel,
} from '../../../src/render/help.js';

const root = join(import.meta.dirname, '..', '..', '..');
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
const bundled = {
  name: pjson['name'] as string,
  version: pjson['version'] as string,
  type: pjson['type'],
  oclif: pjson['oclif'] as Record<string, unknown>,
};
const WIDTHS = [40, 60, 80, 132];
const BINS = ['tkn artifacts', 'kubectl tkn artifacts', 'kubectl tkn-artifacts'];

interface Oracle {
  platform: string;
  arch: string;
  texts: Record<string, string>;
}

function oracle(env: Record<string, string>): Oracle {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'help-oracle.ts'), WIDTHS.join(','), BINS.join(',')],
    { cwd: root, env: { ...process.env, FORCE_COLOR: '', NO_COLOR: '', ...env }, maxBuffer: 64 << 20 },
  );
  return JSON.parse(out.toString()) as Oracle;
}

async function model(): Promise<HelpModel> {
  const config = await oclifConfig(root, structuredClone(bundled), COMMANDS);
  return helpModel(config.commands, bundled);
}

describe('help without oclif', () => {
  it.each([
    ['without colour', { NO_COLOR: '1', FORCE_COLOR: '0' }, false],
    ['in colour', { FORCE_COLOR: '1' }, true],
  ])('prints what oclif prints, %s', async (_, env, color) => {
    const expected = oracle(env);
    const helpModelOfCommands = await model();
    const ids = helpCommandIds(helpModelOfCommands);
    expect(ids).toEqual(['completion', 'diff', 'gc', 'pull', 'show', 'validate']);
    let compared = 0;
    for (const bin of BINS) {
      for (const width of WIDTHS) {
        const target = {
          bin,
          width,
          color,
          platform: expected.platform,
          arch: expected.arch,
          nodeVersion: process.version,
        };
        for (const id of ['', ...ids]) {
          const want = expected.texts[`${bin}|${width}|${id}`];
          expect(want, `${bin} ${width} ${id}`).toBeDefined();
          const got = id
            ? commandHelp(helpModelOfCommands, id, target)
            : rootHelp(helpModelOfCommands, target);
          expect(got, `${bin} | width ${width} | ${id || 'root'}`).toBe(want);
          compared++;
        }
      }
    }
    expect(compared).toBe(BINS.length * WIDTHS.length * (ids.length + 1));
    // The oracle did colour as asked: bold section headers only in colour.
    expect(Object.values(expected.texts).some((t) => t.includes('\x1b[1mUSAGE'))).toBe(color);
  });

  it('refuses what it cannot render, so the build fails instead of the help differing', () => {
    const command = { id: 'x', args: {}, flags: {}, examples: [] };
    expect(() => helpModel([{ ...command, aliases: ['y'] }], bundled)).toThrow(/aliases/);
    expect(() =>
      helpModel([{ ...command, flags: { f: { type: 'option', summary: 's' } } }], bundled),
    ).toThrow(/summary/);
    expect(() => helpModel([{ ...command, description: '<%= config.dirname %>' }], bundled)).toThrow(
      /config.dirname/,
    );
    expect(() => helpModel([command], { ...bundled, oclif: { theme: 'theme.json' } })).toThrow(/theme/);
  });
});
