import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/gc/model.js';
import { PlanFileError, buildPlan, parsePlan, planJsonChunks } from '../../../src/gc/plan.js';
import { decide, type Policy } from '../../../src/gc/policy.js';
import { d, group, liveView, stored } from './helpers.js';

const policy: Policy = { namespaces: ['ci'], force: false, includeAttached: false };
const NOW = new Date('2026-12-01T00:00:00Z');

function inventoryOf(groups: Inventory['groups'], otherBlobs: string[] = []): Inventory {
  return {
    repository: 'registry.example.com/ci/artifacts',
    referrers: 'tag-schema',
    groups,
    untouchable: [],
    otherBlobs: new Set(otherBlobs),
    tagCount: 0,
    imagesNotScanned: 0,
    orphanStale: [],
    warnings: [],
  };
}

function goneRun() {
  const root = stored(d('1'), 'root', {
    tags: ['ci.gone'],
    size: 300,
    mediaType: 'application/vnd.oci.image.index.v1+json',
  });
  const ref = stored(d('2'), 'taskrun-reference', {
    subject: d('1'),
    depth: 1,
    size: 400,
    blobs: [{ digest: d('e'), size: 2 }],
  });
  const junit = stored(d('3'), 'artifact', {
    subject: d('2'),
    depth: 2,
    size: 500,
    tags: ['ci.gone-test.junit'],
    mark: { name: 'junit' },
    blobs: [
      { digest: d('e'), size: 2 },
      { digest: d('j'), size: 1000 },
    ],
  });
  return group('gone', { members: [root, ref, junit], stale: [{ subject: d('2'), digest: d('7') }] });
}

describe('buildPlan', () => {
  it('orders leaves first and counts bytes no longer referenced (shared blobs once, kept blobs never)', () => {
    const live = group('live', {
      members: [stored(d('5'), 'root', { blobs: [{ digest: d('e'), size: 2 }] })],
    });
    const groups = [goneRun(), live];
    const view = liveView([{ name: 'live', uid: 'uid-live' }]);
    const plan = buildPlan(
      inventoryOf(groups),
      decide(groups, view, policy, NOW.getTime()),
      view,
      policy,
      NOW,
    );
    expect(plan.groups).toHaveLength(1);
    const g = plan.groups[0]!;
    expect(g.delete.map((i) => i.digest)).toEqual([d('3'), d('2'), d('1')]);
    expect(g.delete[0]).toMatchObject({
      role: 'artifact',
      name: 'junit',
      tags: ['ci.gone-test.junit'],
      subject: d('2'),
    });
    // 300 + 400 + 500 manifest bytes, the junit layer; the empty blob is shared with a live run.
    expect(g.bytes).toBe(1200 + 1000);
    expect(g.repair).toEqual([{ subject: d('2'), digest: d('7') }]);
    expect(plan.totals).toEqual({ runs: 1, manifests: 3, tags: 2, bytes: 2200, kept: 1 });
    expect(plan.kept).toEqual([
      {
        id: 'PipelineRun/ci/live',
        kind: 'PipelineRun',
        namespace: 'ci',
        name: 'live',
        origin: 'root',
        reasons: ['PipelineRun ci/live exists'],
        manifests: 1,
      },
    ]);
  });

  it('says where the live view came from when it is an export', () => {
    const view = {
      ...liveView([]),
      source: { kind: 'file' as const, describe: 'file runs.yaml', exportedAt: '2026-11-30T00:00:00.000Z' },
    };
    const plan = buildPlan(inventoryOf([]), [], view, policy, NOW);
    expect(plan.live).toEqual({
      kind: 'file',
      source: 'file runs.yaml',
      exportedAt: '2026-11-30T00:00:00.000Z',
      namespaces: ['ci'],
    });
    expect(plan.warnings.join('\n')).toContain(
      'live runs come from file runs.yaml (exported 2026-11-30T00:00:00.000Z)',
    );
  });
});

describe('parsePlan', () => {
  const plan = () => {
    const groups = [goneRun()];
    const view = liveView([]);
    return buildPlan(inventoryOf(groups), decide(groups, view, policy, NOW.getTime()), view, policy, NOW);
  };

  it('reads back what buildPlan wrote', () => {
    const p = plan();
    expect(parsePlan(JSON.stringify(p))).toEqual(p);
  });

  it('is written in pieces that join into the same document', () => {
    const p = plan();
    const chunks = [...planJsonChunks(p)];
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join('')).toBe(`${JSON.stringify(p, null, 2)}\n`);
    const empty = { ...p, groups: [], kept: [] };
    expect([...planJsonChunks(empty)].join('')).toBe(`${JSON.stringify(empty, null, 2)}\n`);
  });

  it('refuses other documents, bad digests and tags, and parents before their children', () => {
    const p = plan();
    expect(() => parsePlan('{')).toThrow(PlanFileError);
    expect(() => parsePlan(JSON.stringify({ ...p, apiVersion: 'v0' }))).toThrow(/apiVersion/);
    const bad = structuredClone(p);
    bad.groups[0]!.delete[0]!.digest = 'sha256:nothex';
    expect(() => parsePlan(JSON.stringify(bad))).toThrow(
      /groups\[0\]\.delete\[0\]\.digest is not a sha256 digest/,
    );
    const badTag = structuredClone(p);
    badTag.groups[0]!.delete[0]!.tags = ['../etc'];
    expect(() => parsePlan(JSON.stringify(badTag))).toThrow(/tags/);
    const reordered = structuredClone(p);
    reordered.groups[0]!.delete.reverse();
    expect(() => parsePlan(JSON.stringify(reordered))).toThrow(/comes after its subject/);
  });
});
