import { describe, expect, it } from 'vitest';
import { RunStillAliveError, decide, livenessOf, type Policy } from '../../../src/gc/policy.js';
import { d, group, liveView, stored } from './helpers.js';

const policy = (extra: Partial<Policy> = {}): Policy => ({
  namespaces: ['ci'],
  force: false,
  includeAttached: false,
  ...extra,
});
const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 86_400_000;

describe('livenessOf', () => {
  it('is gone when no run has the name, or the run with the name has another UID', () => {
    expect(livenessOf(group('b1'), liveView([]))).toEqual({
      state: 'gone',
      why: 'PipelineRun ci/b1 is gone',
    });
    const recreated = livenessOf(group('b1'), liveView([{ name: 'b1', uid: 'uid-new' }]));
    expect(recreated.state).toBe('gone');
    expect(recreated.why).toContain('a newer run has its name, UID uid-new');
  });

  it('is alive with the same UID, and alive (not provably gone) when the content records no UID', () => {
    expect(livenessOf(group('b1'), liveView([{ name: 'b1', uid: 'uid-b1' }])).state).toBe('alive');
    const noUid = livenessOf(group('b1', { uid: undefined }), liveView([{ name: 'b1', uid: 'x' }]));
    expect(noUid.state).toBe('alive');
    expect(noUid.why).toContain('records no UID');
  });

  it('is unknown without a namespace, or in a namespace that was not looked at', () => {
    expect(livenessOf(group('b1', { namespace: undefined }), liveView([])).state).toBe('unknown');
    expect(livenessOf(group('b1', { namespace: 'other' }), liveView([])).why).toBe(
      'namespace other was not looked at',
    );
  });
});

describe('decide', () => {
  it('deletes gone runs, keeps live, running, unknown and out-of-scope ones', () => {
    const groups = [
      group('gone'),
      group('live'),
      group('busy'),
      group('nons', { namespace: undefined }),
      group('elsewhere', { namespace: 'prod' }),
    ];
    const live = liveView([
      { name: 'live', uid: 'uid-live' },
      { name: 'busy', uid: 'uid-busy', running: true },
    ]);
    const out = decide(groups, live, policy(), NOW);
    expect(out.map((x) => [x.group.name, x.action])).toEqual([
      ['gone', 'delete'],
      ['live', 'keep'],
      ['busy', 'keep'],
      ['nons', 'keep'],
    ]);
    expect(out[2]!.reasons).toEqual(['PipelineRun ci/busy is running']);
    expect(out[3]!.reasons[0]).toMatch(/^cannot prove the run is gone/);
  });

  it('--older-than reaches live runs by completion time, gone ones by the stored creation time', () => {
    const groups = [
      group('old', { created: '2026-10-01T00:00:00Z' }),
      group('new', { created: '2026-11-30T00:00:00Z' }),
    ];
    const live = liveView([
      { name: 'old', uid: 'uid-old', completed: '2026-10-02T00:00:00Z' },
      { name: 'new', uid: 'uid-new', completed: '2026-11-30T01:00:00Z' },
    ]);
    const out = decide(groups, live, policy({ olderThanMs: 30 * DAY, olderThan: '30d' }), NOW);
    expect(out.map((x) => [x.group.name, x.action, x.reasons])).toEqual([
      ['old', 'delete', ['older than 30d']],
      ['new', 'keep', ['PipelineRun ci/new exists']],
    ]);
  });

  it('--keep-last counts per pipeline and namespace, newest first', () => {
    const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;
    const groups = [1, 2, 3, 4].map((n) => group(`a${n}`, { pipeline: 'build', created: at(n) }));
    groups.push(group('t1', { pipeline: 'test', created: at(1) }));
    const live = liveView(groups.map((g) => ({ name: g.name!, uid: g.uid! })));
    const out = decide(groups, live, policy({ keepLast: 2 }), NOW);
    const goes = out.filter((x) => x.action === 'delete').map((x) => [x.group.name, x.reasons]);
    expect(goes).toEqual([
      ['a1', ['beyond the last 2 of pipeline build']],
      ['a2', ['beyond the last 2 of pipeline build']],
    ]);
  });

  it('with --keep-last and --older-than a run stays when either keeps it (tkn keep and keep-since)', () => {
    const groups = [
      group('a1', { pipeline: 'p', created: '2026-09-01T00:00:00Z' }),
      group('a2', { pipeline: 'p', created: '2026-11-29T00:00:00Z' }),
      group('a3', { pipeline: 'p', created: '2026-11-30T00:00:00Z' }),
    ];
    const live = liveView(groups.map((g) => ({ name: g.name!, uid: g.uid! })));
    const out = decide(groups, live, policy({ keepLast: 1, olderThanMs: 30 * DAY, olderThan: '30d' }), NOW);
    // a2 is beyond the last 1 but young: kept; a1 is both: goes.
    expect(out.filter((x) => x.action === 'delete').map((x) => x.group.name)).toEqual(['a1']);
  });

  it('--run refuses a live run without --force, takes it with --force, never a running one', () => {
    const groups = [group('x'), group('y')];
    const live = liveView([
      { name: 'x', uid: 'uid-x' },
      { name: 'y', uid: 'uid-y', running: true },
    ]);
    expect(() => decide(groups, live, policy({ run: 'x' }), NOW)).toThrow(RunStillAliveError);
    expect(decide(groups, live, policy({ run: 'x', force: true }), NOW).map((x) => x.action)).toEqual([
      'delete',
    ]);
    expect(decide(groups, live, policy({ run: 'y', force: true }), NOW).map((x) => x.action)).toEqual([
      'keep',
    ]);
  });

  it('keeps attached referrers unless --include-attached', () => {
    const groups = [group('att', { origin: 'attached' })];
    expect(decide(groups, liveView([]), policy(), NOW)[0]!.action).toBe('keep');
    expect(decide(groups, liveView([]), policy({ includeAttached: true }), NOW)[0]!.action).toBe('delete');
  });

  it("under a retention policy, a run's own outputs do not keep its content; another run's naming does", () => {
    const root = stored(d('1'), 'root');
    const own = stored(d('2'), 'artifact', { subject: root.digest, depth: 1 });
    const shared = stored(d('3'), 'artifact', { subject: root.digest, depth: 1 });
    const g = group('old', { members: [root, own, shared], created: '2026-01-01T00:00:00Z' });
    const live = liveView([{ name: 'old', uid: 'uid-old', completed: '2026-01-01T00:00:00Z' }]);
    live.referenced.set(d('2'), [
      {
        label: 'TaskRun ci/old-build',
        runs: [{ key: 'TaskRun/ci/old-build' }, { key: 'PipelineRun/ci/old', uid: 'uid-old' }],
      },
    ]);
    live.referenced.set(d('3'), [
      { label: 'TaskRun ci/later-build', runs: [{ key: 'PipelineRun/ci/later', uid: 'u9' }] },
    ]);
    const [decision] = decide([g], live, policy({ olderThanMs: DAY, olderThan: '1d' }), NOW);
    expect(decision!.action).toBe('delete');
    expect([...decision!.keptMembers.keys()].sort()).toEqual([d('1'), d('3')]);
    // Without a UID in the content, gc cannot tell the run from another of its name: it keeps both.
    const noUid = decide(
      [{ ...g, uid: undefined }],
      live,
      policy({ olderThanMs: DAY, olderThan: '1d' }),
      NOW,
    );
    expect([...noUid[0]!.keptMembers.keys()].sort()).toEqual([d('1'), d('2'), d('3')]);
  });

  it('keeps what a live run names, and every manifest above it', () => {
    const root = stored(d('1'), 'root');
    const ref = stored(d('2'), 'taskrun-reference', { subject: root.digest, depth: 1 });
    const kept = stored(d('3'), 'artifact', {
      subject: ref.digest,
      depth: 2,
      blobs: [{ digest: d('9'), size: 5 }],
    });
    const other = stored(d('4'), 'artifact', { subject: ref.digest, depth: 2 });
    const g = group('f', { members: [root, ref, kept, other] });
    const live = liveView([], { [d('9')]: 'TaskRun ci/consumer' });
    const [decision] = decide([g], live, policy(), NOW);
    expect(decision!.action).toBe('delete');
    expect([...decision!.keptMembers.keys()].sort()).toEqual([d('1'), d('2'), d('3')]);
    expect(decision!.keptMembers.get(d('3'))).toBe('TaskRun ci/consumer names it');
  });
});
