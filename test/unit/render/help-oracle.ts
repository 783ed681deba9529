// The oracle for help.test.ts: oclif's own Help class renders every command's help and the root
// help, for each name we are invoked by and each width, and prints them as JSON. A process of its
// own: oclif's colorize() and ansis decide on colour once, when they load, from the environment
// (FORCE_COLOR, NO_COLOR), which the test sets for each run.
//   node --import tsx test/unit/render/help-oracle.ts WIDTH,… BIN,…
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { format } from 'node:util';
import { Help, type Interfaces } from '@oclif/core';
import { COMMANDS } from '../../../commands/index.js';
import { oclifConfig } from '../../../src/cli/oclif-config.js';

const root = join(import.meta.dirname, '..', '..', '..');
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
// The fields the bundle carries (scripts/bundle.mjs packageFields): no description.
const bundled = {
  name: pjson['name'],
  version: pjson['version'],
  type: pjson['type'],
  oclif: pjson['oclif'],
};
const [widths = '', bins = ''] = process.argv.slice(2);

// The bundle's patch of oclif's render() (scripts/bundle.mjs ejsOnlyForTemplatesPlugin): text
// without `<%` is not given to ejs. Made here on ejs itself, which oclif calls through its module.
const ejs = createRequire(import.meta.url)('ejs') as { render: (t: unknown, c: unknown) => string };
const render = ejs.render.bind(ejs);
ejs.render = (t, c) => (typeof t === 'string' && !t.includes('<%') ? t : render(t, c));

class Capture extends Help {
  out = '';
  protected override log(...args: string[]): void {
    this.out += `${format(...args)}\n`;
  }
}

const texts: Record<string, string> = {};
let config: Interfaces.Config | undefined;
for (const bin of bins.split(',')) {
  // As main.ts names us: package.json's oclif.bin set to how we were invoked.
  config = await oclifConfig(root, { ...bundled, oclif: { ...(bundled.oclif as object), bin } }, COMMANDS);
  const ids = config.commands.filter((c) => !c.hidden).map((c) => c.id);
  for (const width of widths.split(',').map(Number)) {
    for (const id of ['', ...ids]) {
      const help = new Capture(config, { maxWidth: width });
      await help.showHelp(id ? [id] : []);
      texts[`${bin}|${width}|${id}`] = help.out;
    }
  }
}
if (!config) throw new Error('usage: help-oracle.ts WIDTH,… BIN,…');
process.stdout.write(JSON.stringify({ platform: config.platform, arch: config.arch, texts }));
