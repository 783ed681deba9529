import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiffReport } from '../../../src/diff/model.js';
import { printable, renderDiff } from '../../../src/diff/render.js';
import { runDiff, type DiffOptions } from '../../../src/diff/run.js';
import { summarize, summaryLine } from '../../../src/diff/summary.js';
import { memoryIo } from '../../support/io.js';
import { artifactDiffSchemaErrors } from './schema.js';

function report(): DiffReport {
  const artifacts: DiffReport['artifacts'] = [
    {
      task: 'test',
      name: 'junit',
      direction: 'output',
      status: 'changed',
      content: [
        {
          path: 'junit.xml',
          change: 'C',
          kind: 'junit',
          tests: [
            { id: 'app › TestBye', change: 'newly-failing', a: 'passed', b: 'failed' },
            { id: 'app › TestHi', change: 'newly-failing', a: 'passed', b: 'error' },
          ],
        },
      ],
    },
    {
      task: 'clone',
      name: 'SOURCE\u001b[31m',
      direction: 'output',
      status: 'changed',
      content: [
        {
          path: 'source',
          change: 'C',
          kind: 'archive',
          files: [
            {
              path: 'app/new.go',
              change: 'A',
              kind: 'binary',
              b: { digest: 'sha256:1', size: 10, mode: '0644', type: 'file' },
            },
          ],
        },
      ],
    },
    {
      task: 'build',
      name: 'sbom',
      direction: 'output',
      status: 'added',
      b: { state: 'present', digest: 'sha256:abc' },
    },
    { task: 'build', name: 'image', direction: 'output', status: 'unchanged' },
  ];
  const tasks: DiffReport['tasks'] = [
    {
      task: 'test',
      status: 'matched',
      outcomeChanged: true,
      a: { taskRun: 'r1-test', outcome: 'Succeeded' },
      b: { taskRun: 'r2-test', outcome: 'Failed' },
    },
  ];
  return {
    apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1',
    kind: 'ArtifactDiff',
    a: { argument: 'r1', kind: 'PipelineRun', name: 'r1', source: 'cluster', outcome: 'Succeeded' },
    b: { argument: 'r2', kind: 'PipelineRun', name: 'r2', source: 'cluster', outcome: 'Failed' },
    equal: false,
    summary: summarize(tasks, artifacts),
    warnings: [],
    tasks,
    artifacts,
  };
}

describe('diff output', () => {
  it('puts the summary first', async () => {
    const text = await renderDiff(report(), 'text', { color: false });
    const lines = text.split('\n');
    expect(lines[2]).toBe(
      '2 artifacts changed, 1 added; 2 tests newly failing; 1 file added; 1 task changed outcome',
    );
    expect(text).toContain('newly-failing  app › TestBye (passed → failed)');
    expect(text).toContain('test  Succeeded → Failed');
    expect(text).toContain('1 artifact unchanged');
  });

  it('escapes control characters from names and colours only when asked', async () => {
    const plain = await renderDiff(report(), 'text', { color: false });
    expect(plain).not.toContain('\u001b');
    expect(plain).toContain('clone/SOURCE\\x1b[31m');
    expect(await renderDiff(report(), 'text', { color: true })).toContain('\u001b[33mC\u001b[39m');
    expect(printable('a\u202eb\u0007')).toBe('a\\u202eb\\x07');
  });

  it('prints names only, and a stat, as git does', async () => {
    expect(await renderDiff(report(), 'name-only', { color: false })).toBe(
      'test/junit\ntest/junit/junit.xml\nclone/SOURCE\\x1b[31m\nclone/SOURCE\\x1b[31m/source/app/new.go\nbuild/sbom\n',
    );
    const stat = await renderDiff(report(), 'stat', { color: false });
    expect(stat).toMatch(/^ test\/junit {11}\| junit: 2 newly failing$/m);
    expect(stat).toMatch(/^ build\/sbom {11}\| added$/m);
  });

  it('emits the versioned document', async () => {
    const json = JSON.parse(await renderDiff(report(), 'json', { color: false })) as DiffReport;
    expect(json.apiVersion).toBe('tkn-artifacts.tekton.dev/v1alpha1');
    expect(json.kind).toBe('ArtifactDiff');
    expect(json.summary.tests.newlyFailing).toBe(2);
    expect(artifactDiffSchemaErrors(json)).toEqual([]);
    // The schema is not a check that cannot fail.
    expect(artifactDiffSchemaErrors({ ...json, equal: 'no' })).not.toEqual([]);
  });

  it('says "no differences" when there are none', () => {
    expect(summaryLine(summarize([], []))).toBe('no differences');
  });
});

/** runDiff end to end in process, on the example run (an export and an OCI layout in examples/). */
describe('runDiff on the example run', () => {
  const examples = resolve(import.meta.dirname, '..', '..', '..', 'examples');
  const options = (a: string, b: string, format: DiffOptions['format'] = 'json'): DiffOptions => ({
    a,
    b,
    artifactRef: false,
    cluster: { namespace: 'ci', fromFile: resolve(examples, 'run.yaml') },
    registry: { ociLayout: resolve(examples, 'layout'), plainHttp: [], insecure: [] },
    sides: { a: {}, b: {} },
    configMapName: 'config-artifact-storage',
    tektonNamespace: 'tekton-pipelines',
    filters: { tasks: [], artifacts: [], artifactTypes: [], inputs: false },
    format,
    unified: false,
    shallow: false,
    limits: { maxRatio: 100, maxSize: 1024 ** 3 },
    maxContentSize: 8 * 1024 ** 2,
    maxEntries: 1000,
    concurrency: 2,
  });
  it('finds a run equal to itself: exit 0', async () => {
    const io = memoryIo();
    expect(await runDiff(options('build-app-x7k2', 'build-app-x7k2'), io)).toBe(0);
    const doc = JSON.parse(io.text()) as DiffReport;
    expect(doc.equal).toBe(true);
    expect(doc.artifacts.length).toBeGreaterThan(0);
    expect(doc.artifacts.every((a) => a.status === 'unchanged')).toBe(true);
    expect(doc.a.pipeline).toBe('build-and-test');
    expect(artifactDiffSchemaErrors(doc)).toEqual([]);
  });

  it('names the side that cannot be read, with its exit code', async () => {
    const error = (await runDiff(options('build-app-x7k2', 'no-such-run'), memoryIo()).catch(
      (e: unknown) => e,
    )) as {
      message: string;
      exitCode: number;
    };
    expect(error.message).toMatch(/^side B \(no-such-run\): /);
    expect(error.exitCode).toBe(3);
  });
});
