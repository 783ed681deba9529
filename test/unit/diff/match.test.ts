import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentKey, deriveTask, matchTrees } from '../../../src/diff/match.js';
import type { ArtifactDiff } from '../../../src/diff/model.js';
import type { ArtifactTree, Outcome } from '../../../src/tree/model.js';
import { artifact, inline, mirrorArtifact, mirrorTask, taskRun, tree } from './trees.js';

const byKey = (diffs: ArtifactDiff[]) =>
  [...diffs].sort((x, y) => `${x.task}/${x.index}/${x.name}`.localeCompare(`${y.task}/${y.index}/${y.name}`));

describe('matchTrees', () => {
  it('matches renamed TaskRuns by pipeline task and marks each artifact', () => {
    const a = tree('run-1', [
      taskRun('run-1-build', 'build', 'Succeeded', [
        artifact('image', { app: 'sha256:1' }),
        artifact('old', { x: 'sha256:9' }),
      ]),
      taskRun('run-1-test', 'test', 'Succeeded', [artifact('junit', { junit: 'sha256:2' })]),
    ]);
    const b = tree('run-2', [
      taskRun('run-2-build', 'build', 'Succeeded', [
        artifact('image', { app: 'sha256:1' }),
        artifact('new', { y: 'sha256:8' }),
      ]),
      taskRun('run-2-test', 'test', 'Failed', [artifact('junit', { junit: 'sha256:3' })]),
    ]);
    const match = matchTrees(a, b);
    const statuses = Object.fromEntries(
      match.artifacts.map((m) => [`${m.diff.task}/${m.diff.name}`, m.diff.status]),
    );
    expect(statuses).toEqual({
      'build/image': 'unchanged',
      'build/old': 'removed',
      'build/new': 'added',
      'test/junit': 'changed',
    });
    expect(match.tasks.map((t) => [t.task, t.status, t.outcomeChanged])).toEqual([
      ['build', 'matched', false],
      ['test', 'matched', true],
    ]);
    expect(match.tasks[1]?.a?.taskRun).toBe('run-1-test');
    expect(match.tasks[1]?.b?.taskRun).toBe('run-2-test');
  });

  it('counts a manifest that differs only in annotations as unchanged, and says so', () => {
    const a = tree('r1', [
      taskRun('r1-t', 't', 'Succeeded', [artifact('x', { f: 'sha256:1' }, { digest: 'sha256:m1' })]),
    ]);
    const b = tree('r2', [
      taskRun('r2-t', 't', 'Succeeded', [artifact('x', { f: 'sha256:1' }, { digest: 'sha256:m2' })]),
    ]);
    const [m] = matchTrees(a, b).artifacts;
    expect(m?.diff.status).toBe('unchanged');
    expect(m?.diff.note).toMatch(/same content under another manifest/);
  });

  it('compares inline results by value', () => {
    const a = tree('r1', [taskRun('r1-t', 't', 'Succeeded', [inline('commit', 'abc'), inline('same', 'v')])]);
    const b = tree('r2', [taskRun('r2-t', 't', 'Succeeded', [inline('commit', 'def'), inline('same', 'v')])]);
    expect(matchTrees(a, b).artifacts.map((m) => [m.diff.name, m.diff.status])).toEqual([
      ['commit', 'changed'],
      ['same', 'unchanged'],
    ]);
  });

  it('matches a matrix fan-out by task and index', () => {
    const fan = (run: string, digests: string[]) =>
      digests.map((d, i) =>
        taskRun(`${run}-build-${i}`, 'build', 'Succeeded', [artifact('bin', { bin: d })]),
      );
    const match = matchTrees(
      tree('r1', fan('r1', ['sha256:a', 'sha256:b', 'sha256:c'])),
      tree('r2', fan('r2', ['sha256:a', 'sha256:x'])),
    );
    expect(match.artifacts.map((m) => [m.diff.index, m.diff.status])).toEqual([
      [0, 'unchanged'],
      [1, 'changed'],
      [2, 'removed'],
    ]);
    expect(match.tasks.map((t) => [t.index, t.status])).toEqual([
      [0, 'matched'],
      [1, 'matched'],
      [2, 'removed'],
    ]);
  });

  it('derives the pipeline task of TaskRuns read from a root alone', () => {
    expect(deriveTask('build-app-x7k2-test', 'build-app-x7k2', new Set(['test']))).toBe('test');
    expect(deriveTask('build-app-x7k2-build-3', 'build-app-x7k2', new Set(['build']))).toBe('build');
    expect(deriveTask('build-app-x7k2-unit-test', undefined, new Set(['test', 'unit-test']))).toBe(
      'unit-test',
    );
    expect(deriveTask('other', undefined, new Set(['test']))).toBe('other');
    const cluster = tree('run-b', [
      taskRun('run-b-test', 'test', 'Failed', [artifact('junit', { junit: 'sha256:2' })]),
    ]);
    const pruned = tree(
      'reg/x:ci.run-a',
      [taskRun('run-a-test', undefined, 'Unknown', [artifact('junit', { junit: 'sha256:1' })])],
      'Artifact',
    );
    const match = matchTrees(pruned, cluster, { runNames: { a: 'run-a', b: 'run-b' } });
    expect(match.artifacts.map((m) => [m.diff.task, m.diff.status])).toEqual([['test', 'changed']]);
    // An unknown outcome is not a change of outcome.
    expect(match.tasks[0]?.outcomeChanged).toBe(false);
  });

  it('filters by artifact name and leaves inputs out unless asked', () => {
    const a = tree('r1', [
      taskRun('r1-t', 't', 'Succeeded', [
        artifact('x', { f: 'sha256:1' }),
        artifact('src', { s: 'sha256:5' }, { direction: 'input' }),
      ]),
    ]);
    const b = tree('r2', [
      taskRun('r2-t', 't', 'Succeeded', [
        artifact('x', { f: 'sha256:2' }),
        artifact('src', { s: 'sha256:6' }, { direction: 'input' }),
      ]),
    ]);
    expect(matchTrees(a, b).artifacts.map((m) => m.diff.name)).toEqual(['x']);
    expect(matchTrees(a, b, { inputs: true }).artifacts.map((m) => m.diff.name)).toEqual(['x', 'src']);
    expect(
      matchTrees(a, b, { artifacts: ['t/src'], inputs: true }).artifacts.map((m) => m.diff.name),
    ).toEqual(['src']);
  });

  it('keys content by layers, platforms or inline value', () => {
    expect(contentKey(artifact('x', { b: 'sha256:2', a: 'sha256:1' }))).toBe(
      contentKey(artifact('x', { a: 'sha256:1', b: 'sha256:2' })),
    );
    expect(contentKey(inline('x', 'v'))).not.toBe(contentKey(inline('x', 'w')));
  });
});

const outcomes: Outcome[] = ['Succeeded', 'Failed', 'Unknown'];
const treeArbitrary: fc.Arbitrary<ArtifactTree> = fc
  .array(
    fc.record({
      task: fc.constantFrom('clone', 'build', 'test', 'lint'),
      outcome: fc.constantFrom(...outcomes),
      artifacts: fc.array(
        fc.record({
          name: fc.constantFrom('image', 'junit', 'sbom', 'src'),
          digest: fc.constantFrom('sha256:1', 'sha256:2', 'sha256:3'),
          inline: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
        }),
        { maxLength: 4 },
      ),
    }),
    { maxLength: 6 },
  )
  .map((tasks) =>
    tree(
      'run',
      tasks.map((t, i) =>
        taskRun(
          `run-${t.task}-${i}`,
          t.task,
          t.outcome,
          t.artifacts.map((x) =>
            x.inline !== undefined ? inline(x.name, x.inline) : artifact(x.name, { f: x.digest }),
          ),
        ),
      ),
    ),
  );

describe('matchTrees properties', () => {
  it('diff(A, A) has no differences', () => {
    fc.assert(
      fc.property(treeArbitrary, (t) => {
        const match = matchTrees(t, t);
        expect(match.artifacts.every((m) => m.diff.status === 'unchanged')).toBe(true);
        expect(match.tasks.every((x) => x.status === 'matched' && !x.outcomeChanged)).toBe(true);
      }),
    );
  });

  it('diff(A, B) and diff(B, A) are mirror images', () => {
    fc.assert(
      fc.property(treeArbitrary, treeArbitrary, (a, b) => {
        const ab = matchTrees(a, b);
        const ba = matchTrees(b, a);
        expect(byKey(ba.artifacts.map((m) => m.diff))).toEqual(
          byKey(ab.artifacts.map((m) => mirrorArtifact(m.diff))),
        );
        const taskKey = (t: { task: string; index?: number }) => `${t.task}/${t.index}`;
        expect([...ba.tasks].sort((x, y) => taskKey(x).localeCompare(taskKey(y)))).toEqual(
          ab.tasks.map(mirrorTask).sort((x, y) => taskKey(x).localeCompare(taskKey(y))),
        );
      }),
    );
  });
});
