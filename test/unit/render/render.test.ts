import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderDocument } from '../../../src/render/document.js';
import { treeNames } from '../../../src/render/name.js';
import { colourWanted } from '../../../src/cli/io.js';
import { linesToString } from '../../../src/render/style.js';
import { renderTable, treeTable } from '../../../src/render/table.js';
import { unusableBecause } from '../../../src/render/outcome.js';
import { treeLines } from '../../../src/render/tree.js';
import { humanSize } from '../../../src/units/sizes.js';
import { shortDigest } from '../../../src/render/digest.js';
import { sampleTree } from './sample-tree.js';

describe('units', () => {
  it('prints sizes in binary units', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(1024)).toBe('1 KiB');
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(20 * 1024 * 1024)).toBe('20 MiB');
    expect(humanSize(1024 ** 3 * 1.25)).toBe('1.25 GiB');
    expect(humanSize(-1)).toBe('?');
  });
  it('shortens digests to 12 hex characters', () => {
    expect(shortDigest('sha256:' + '0123456789abcdef'.repeat(4))).toBe('sha256:0123456789ab');
    expect(shortDigest(undefined)).toBe('-');
  });
});

describe('tree printer', () => {
  it('draws the run, its TaskRuns and their artifacts with tree glyphs', () => {
    const text = linesToString(treeLines(sampleTree()), false);
    const lines = text.split('\n');
    expect(lines[0]).toBe('PipelineRun build-app-x7k2 (namespace ci)  ✘ Failed');
    expect(lines[1]).toContain('storage: registry.example.com/tekton/artifacts');
    expect(text).toContain('├── build (build-app-x7k2-build)  ✔ Succeeded');
    expect(text).toContain(
      '│   ├── image [build output]  ✔ usable  1.21 KiB  registry.example.com/app@sha256:bbbbbbbbbbbb  (chains-type-hint)',
    );
    expect(text).toContain('│   │   ├── linux/amd64  900 B  sha256:cccccccccccc');
    // cosign's tag-stored signature of the platform image, under the platform, its tag shortened.
    expect(text).toContain(
      '│   │   │   └── signature  (cosign, tag sha256-cccccccccccc.sig)  application/vnd.dev.cosign.artifact.sig.v1+json  sha256:eeeeeeeeeeee',
    );
    expect(text).toContain(
      '│   │   │       └── (untitled layer)  250 B  application/vnd.dev.cosign.simplesigning.v1+json',
    );
    expect(text).toContain('│   │   └── sbom  application/spdx+json  sha256:dddddddddddd');
    expect(text).toContain('│   │       └── sbom.spdx.json  20 KiB  application/spdx+json');
    expect(text).toContain('└── test (build-app-x7k2-test)  ✘ Failed');
    expect(text).toContain('    └── junit  ✘ dangling');
    expect(text).toContain('1 problem:');
    expect(text).toContain('  dangling test/junit: the registry has no manifest');
    expect(text).not.toContain('\u001b[');
  });

  it('names the outcome only when it is known: unreported content is "task outcome unknown"', () => {
    const tree = sampleTree();
    const [junit] = tree.taskRuns[1]?.artifacts ?? [];
    if (!junit) throw new Error('the sample has a test/junit artifact');
    tree.taskRuns[1]?.artifacts.push({ ...junit, name: 'logs', state: 'present', usable: false });
    tree.unreported.push({ ...junit, name: 'stray', state: 'present', usable: false });
    const text = linesToString(treeLines(tree), false);
    expect(text).toMatch(/logs {2}✔ present \(task failed\)/);
    expect(text).toMatch(/stray {2}✔ present \(task outcome unknown\)/);
    expect(text).not.toContain('did not succeed');
    expect(unusableBecause('Running')).toBe('task still running');
    expect(unusableBecause('Cancelled')).toBe('task cancelled');
    expect(unusableBecause('Unknown')).toBe('task outcome unknown');
  });

  it('stops at --depth', () => {
    const text = linesToString(treeLines(sampleTree(), { depth: 1 }), false);
    expect(text).toContain('build (build-app-x7k2-build)');
    expect(text).not.toContain('image');
    const two = linesToString(treeLines(sampleTree(), { depth: 2 }), false);
    expect(two).toContain('image');
    expect(two).not.toContain('linux/amd64');
  });

  it('colours only when asked', () => {
    const coloured = linesToString(treeLines(sampleTree()), true);
    expect(coloured).toContain('\u001b[32m✔ Succeeded\u001b[39m');
  });
});

describe('colour decision', () => {
  it('honours NO_COLOR and the flag, and needs a TTY', () => {
    const saved = { NO_COLOR: process.env['NO_COLOR'], FORCE_COLOR: process.env['FORCE_COLOR'] };
    try {
      delete process.env['FORCE_COLOR'];
      delete process.env['NO_COLOR'];
      expect(colourWanted(true, false)).toBe(true);
      expect(colourWanted(false, false)).toBe(false);
      expect(colourWanted(true, true)).toBe(false);
      process.env['NO_COLOR'] = '1';
      expect(colourWanted(true, false)).toBe(false);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

describe('table printer', () => {
  it('aligns columns without borders or trailing blanks', () => {
    const text = treeTable(sampleTree());
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TASK\s+ARTIFACT\s+STATE\s+USABLE\s+SIZE\s+DIGEST\s+PRODUCER\s+LOCATION$/);
    expect(lines).toHaveLength(4);
    const stateColumn = lines[0]!.indexOf('STATE');
    for (const line of lines.slice(1)) {
      expect(line.slice(stateColumn)).toMatch(/^(present|inline|dangling)/);
      expect(line).toBe(line.trimEnd());
    }
    expect(lines[2]).toContain('(inline)');
  });
  it('says so when there is nothing', () => {
    const tree = sampleTree();
    tree.taskRuns = [];
    expect(treeTable(tree)).toBe('No results or artifacts found for PipelineRun build-app-x7k2.\n');
  });
  it('renders arbitrary rows aligned', () => {
    const text = renderTable(
      ['A', 'B'],
      [
        ['long value', 'x'],
        ['y', 'z'],
      ],
    );
    expect(text).toBe('A            B\nlong value   x\ny            z\n');
  });
});

describe('documents and names', () => {
  it('emits the versioned schema as JSON and YAML', async () => {
    const json = JSON.parse(await renderDocument(sampleTree(), 'json'));
    expect(json.apiVersion).toBe('tkn-artifacts.tekton.dev/v1alpha1');
    expect(json.kind).toBe('ArtifactTree');
    expect(json.taskRuns[0].artifacts[0].platforms[0].platform).toBe('linux/amd64');
    const yaml = parse(await renderDocument(sampleTree(), 'yaml'));
    expect(yaml).toEqual(json);
  });
  it('prints one reference per line for -o name', () => {
    expect(treeNames(sampleTree())).toBe(
      'registry.example.com/app@sha256:' +
        'b'.repeat(64) +
        '\nregistry.example.com/tekton/artifacts:ci.x7k2-test.junit\n',
    );
  });
});
