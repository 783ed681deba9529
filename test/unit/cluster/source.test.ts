import { describe, expect, it } from 'vitest';
import {
  childTaskRunReferences,
  FileSource,
  getPipelineRunTaskRuns,
  matchesLabelSelector,
  parseLabelSelector,
  resultsOf,
} from '../../../src/cluster/index.js';
import type { PipelineRun, TaskRun } from '../../../src/cluster/index.js';

const MIXED = 'test/fixtures/runs/pipelinerun-mixed.yaml';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['env in (prod, staging)', true],
    ['env notin (prod)', false],
    ['missing', false],
    ['!missing', true],
    ['app', true],
    ['missing!=x', true],
    ['', true],
  ])('%j → %s', (sel, expected) => expect(matchesLabelSelector(labels, sel)).toBe(expected));

  it('rejects syntax errors', () => {
    expect(() => parseLabelSelector('a=(b')).toThrow(/invalid label selector/);
  });
});

describe('version-independent accessors', () => {
  it('results: v1 results, v1beta1 taskResults / pipelineResults', () => {
    const v1 = { metadata: { name: 'a' }, status: { results: [{ name: 'x', value: '1' }] } } as TaskRun;
    const b1 = {
      metadata: { name: 'a' },
      status: { taskResults: [{ name: 'x', value: '1' }, { bad: true }] },
    } as unknown as TaskRun;
    const b2 = {
      metadata: { name: 'a' },
      status: { pipelineResults: [{ name: 'y', value: { k: 'v' } }] },
    } as PipelineRun;
    expect(resultsOf(v1)).toEqual({
      field: 'status.results',
      results: [{ index: 0, result: { name: 'x', value: '1' } }],
    });
    expect(resultsOf(b1).field).toBe('status.taskResults');
    expect(resultsOf(b1).results).toHaveLength(1);
    expect(resultsOf(b2).field).toBe('status.pipelineResults');
    expect(resultsOf({ metadata: { name: 'z' } }).results).toEqual([]);
  });

  it('child references keep TaskRuns only', () => {
    const pr = {
      metadata: { name: 'p' },
      status: {
        childReferences: [
          { kind: 'TaskRun', name: 'a' },
          { kind: 'CustomRun', name: 'b' },
          { name: 'c' },
          'junk',
        ],
      },
    } as unknown as PipelineRun;
    expect(childTaskRunReferences(pr)?.map((c) => c.name)).toEqual(['a', 'c']);
    expect(childTaskRunReferences({ metadata: { name: 'p' }, status: {} })).toBeUndefined();
  });
});

describe('getPipelineRunTaskRuns', () => {
  it('childReferences, in pipeline order (tasks, then finally), CustomRuns left out', async () => {
    const src = await FileSource.fromFile(MIXED);
    const pr = await src.getPipelineRun('team-a', 'build-abc12');
    const r = await getPipelineRunTaskRuns(src, pr);
    expect(r.via).toBe('childReferences');
    expect(r.taskRuns.map((t) => [t.name, t.pipelineTaskName, t.memberOf])).toEqual([
      ['build-abc12-clone', 'clone', 'tasks'],
      ['build-abc12-build', 'build', 'tasks'],
      ['build-abc12-test', 'test', 'tasks'],
      ['build-abc12-scan', 'scan', 'tasks'],
      ['build-abc12-notify', 'notify', 'finally'],
    ]);
    expect(r.taskRuns.every((t) => t.taskRun !== undefined)).toBe(true);
  });

  it('falls back to the tekton.dev/pipelineRun label when the status has no childReferences', async () => {
    const src = await FileSource.fromFile(MIXED);
    const pr = await src.getPipelineRun('team-a', 'build-abc12');
    const stripped: PipelineRun = {
      ...pr,
      status: { ...pr.status, childReferences: undefined },
    };
    delete stripped.status?.childReferences;
    const r = await getPipelineRunTaskRuns(src, stripped);
    expect(r.via).toBe('label');
    expect(r.taskRuns.map((t) => t.pipelineTaskName)).toEqual(['clone', 'build', 'test', 'scan', 'notify']);
  });

  it('without any pipeline spec, finally after tasks and then by start time', async () => {
    const src = await FileSource.fromFile(MIXED);
    const pr = await src.getPipelineRun('team-a', 'build-abc12');
    const bare: PipelineRun = { metadata: pr.metadata, status: {} };
    const r = await getPipelineRunTaskRuns(src, bare);
    expect(r.taskRuns.map((t) => t.pipelineTaskName)).toEqual(['clone', 'build', 'test', 'scan', 'notify']);
  });

  it('ignores TaskRuns of an older PipelineRun with the same name (UID label)', async () => {
    const src = await FileSource.fromFile(MIXED);
    const pr = await src.getPipelineRun('team-a', 'build-abc12');
    const recreated: PipelineRun = { metadata: { ...pr.metadata, uid: 'another-uid' }, status: {} };
    expect((await getPipelineRunTaskRuns(src, recreated)).taskRuns).toEqual([]);
  });

  it('a child that no longer exists is listed without its TaskRun', async () => {
    const src = await FileSource.fromFile(MIXED);
    const pr = await src.getPipelineRun('team-a', 'build-abc12');
    const withGone: PipelineRun = {
      ...pr,
      status: {
        ...pr.status,
        childReferences: [
          ...(pr.status?.childReferences ?? []),
          { kind: 'TaskRun', name: 'build-abc12-gone', pipelineTaskName: 'gone' },
        ],
      },
    };
    const r = await getPipelineRunTaskRuns(src, withGone);
    expect(r.taskRuns.at(-1)).toEqual({ name: 'build-abc12-gone', pipelineTaskName: 'gone' });
  });

  it('v1beta1 embedded status.taskRuns', async () => {
    const src = await FileSource.fromFile('test/fixtures/runs/pipelinerun-v1beta1.yaml');
    const pr = await src.getPipelineRun('ci', 'release-7');
    const r = await getPipelineRunTaskRuns(src, pr);
    expect(r.via).toBe('childReferences');
    expect(r.taskRuns.map((t) => t.name)).toEqual(['release-7-package', 'release-7-publish']);
  });
});
