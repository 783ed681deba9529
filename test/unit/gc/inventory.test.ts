import { describe, expect, it } from 'vitest';
import { blobsOf, roleOf, runMarkFromConfig, runMarkOf } from '../../../src/gc/classify.js';
import { groupStored, ownerOf, type Stored } from '../../../src/gc/inventory.js';
import type { StoredManifest } from '../../../src/gc/model.js';
import * as C from '../../../src/formats/constants.js';
import { EMPTY_JSON, MediaType } from '../../../src/oci/types.js';
import { d, stored } from './helpers.js';

function storedSet(
  manifests: StoredManifest[],
  children: Record<string, string[]>,
  extra: Partial<Stored> = {},
): Stored {
  return {
    manifests: new Map(manifests.map((m) => [m.digest, m])),
    children: new Map(Object.entries(children)),
    untaggedRoots: new Set(),
    stale: [],
    unreadable: [],
    ...extra,
  };
}

describe('classify', () => {
  const empty = { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 };
  it('knows our root, TaskRun reference and Tekton artifacts from anything else', () => {
    expect(
      roleOf({ schemaVersion: 2, artifactType: C.TEKTON_PIPELINERUN_ARTIFACT_TYPE, manifests: [] }),
    ).toBe('root');
    expect(
      roleOf({ schemaVersion: 2, artifactType: C.TEKTON_TASKRUN_ARTIFACT_TYPE, config: empty, layers: [] }),
    ).toBe('taskrun-reference');
    expect(
      roleOf({ schemaVersion: 2, artifactType: MediaType.TektonArtifact, config: empty, layers: [] }),
    ).toBe('artifact');
    // TEP-0164: no artifactType, the Tekton config media type.
    const tep0164 = { mediaType: MediaType.TektonArtifactConfig, digest: d('c'), size: 10 };
    expect(roleOf({ schemaVersion: 2, config: tep0164, layers: [] })).toBe('artifact');
    // tekton-experiments attach-artifacts: annotations only.
    const attached = {
      schemaVersion: 2 as const,
      config: empty,
      layers: [],
      annotations: { [C.ANNOTATION_PIPELINERUN]: 'x' },
    };
    expect(roleOf(attached)).toBe('artifact');
    const image = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 10 };
    expect(roleOf({ schemaVersion: 2, config: image, layers: [] })).toBe('other');
    // An index that is not our root (a multi-arch image) is not a root.
    expect(roleOf({ schemaVersion: 2, manifests: [] })).toBe('other');
  });

  it('reads the run from annotations, or from the TEP-0164 config blob', () => {
    expect(
      runMarkOf({
        [C.ANNOTATION_PIPELINERUN]: 'build-1',
        [C.ANNOTATION_NAMESPACE]: 'ci',
        [C.ANNOTATION_PIPELINERUN_UID]: 'u1',
        [C.ANNOTATION_CREATED]: '2026-11-20T10:00:00Z',
        [C.ANNOTATION_TASKRUN]: '',
      }),
    ).toEqual({
      pipelineRun: 'build-1',
      namespace: 'ci',
      pipelineRunUid: 'u1',
      created: '2026-11-20T10:00:00Z',
    });
    expect(
      runMarkFromConfig({
        created: '2026-01-01T00:00:00Z',
        artifact: { name: 'junit', taskrun: 'tr-1', namespace: 'ci' },
      }),
    ).toEqual({ created: '2026-01-01T00:00:00Z', name: 'junit', taskRun: 'tr-1', namespace: 'ci' });
    expect(runMarkFromConfig('not an object')).toEqual({});
  });

  it('counts config and layers of manifests, nothing of indexes', () => {
    const empty2 = { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 };
    expect(
      blobsOf({ schemaVersion: 2, config: empty2, layers: [{ ...empty2, digest: d('l'), size: 9 }] }),
    ).toEqual([
      { digest: EMPTY_JSON.digest, size: 2 },
      { digest: d('l'), size: 9 },
    ]);
    expect(blobsOf({ schemaVersion: 2, manifests: [] })).toEqual([]);
  });

  it('names the owner: the PipelineRun when the content names one, else the TaskRun', () => {
    expect(ownerOf({ pipelineRun: 'p', taskRun: 't', namespace: 'ci', taskRunUid: 'tu' })).toEqual({
      kind: 'PipelineRun',
      name: 'p',
      namespace: 'ci',
    });
    expect(ownerOf({ taskRun: 't', taskRunUid: 'tu' })).toEqual({ kind: 'TaskRun', name: 't', uid: 'tu' });
    expect(ownerOf({})).toBeUndefined();
  });
});

describe('groupStored', () => {
  const mark = { pipelineRun: 'build-1', namespace: 'ci', pipelineRunUid: 'u1' };

  it('puts everything below a root in its group, with depths, and a signature below an artifact', () => {
    const root = stored(d('1'), 'root', { mark, tags: ['ci.build-1'], mediaType: MediaType.OciIndex });
    const ref = stored(d('2'), 'taskrun-reference', { subject: d('1'), mark: { ...mark, taskRun: 't' } });
    const art = stored(d('3'), 'artifact', {
      subject: d('2'),
      mark: { ...mark, name: 'junit' },
      tags: ['ci.t.junit'],
    });
    const sig = stored(d('4'), 'other', { subject: d('3') });
    const result = groupStored(
      storedSet([art, sig, ref, root], { [d('1')]: [d('2')], [d('2')]: [d('3')], [d('3')]: [d('4')] }),
      {
        includeAttached: false,
      },
    );
    expect(result.groups).toHaveLength(1);
    const g = result.groups[0]!;
    expect(g).toMatchObject({
      kind: 'PipelineRun',
      name: 'build-1',
      namespace: 'ci',
      uid: 'u1',
      origin: 'root',
    });
    expect(g.members.map((m) => [m.digest, m.depth, m.role])).toEqual([
      [d('1'), 0, 'root'],
      [d('2'), 1, 'taskrun-reference'],
      [d('3'), 2, 'artifact'],
      [d('4'), 3, 'referrer'],
    ]);
    expect(result.untouchable).toEqual([]);
  });

  it('groups rootless artifacts per run, attached ones apart, and leaves images and anonymous pushes alone', () => {
    const a1 = stored(d('a'), 'artifact', {
      mark: { taskRun: 'lone', namespace: 'ci' },
      tags: ['ci.lone.a'],
    });
    const a2 = stored(d('b'), 'artifact', {
      mark: { taskRun: 'lone', namespace: 'ci' },
      tags: ['ci.lone.b'],
    });
    const image = stored(d('c'), 'other', { tags: ['v1'], blobs: [{ digest: d('e'), size: 7 }] });
    const attached = stored(d('f'), 'artifact', {
      subject: d('c'),
      mark: { pipelineRun: 'build-9', namespace: 'ci' },
    });
    const anonymous = stored(d('9'), 'artifact', { tags: ['x'] });
    const result = groupStored(storedSet([a1, a2, image, attached, anonymous], { [d('c')]: [d('f')] }), {
      includeAttached: true,
    });
    expect(result.groups.map((g) => [g.origin, g.kind, g.name, g.members.length, g.attachedTo])).toEqual([
      ['rootless', 'TaskRun', 'lone', 2, undefined],
      ['attached', 'PipelineRun', 'build-9', 1, d('c')],
    ]);
    expect(result.untouchable.map((u) => [u.digest, u.reason])).toEqual([
      [d('9'), 'Tekton content that names no run'],
      [d('c'), 'names no run (an image or a plain push)'],
    ]);
    // The image's blobs stay referenced, so gc never counts them as freed.
    expect([...result.otherBlobs]).toEqual([d('e')]);
  });

  it('marks roots found only through a fallback tag, and files stale fallback entries', () => {
    const root = stored(d('1'), 'root', { mark });
    const result = groupStored(
      storedSet(
        [root],
        {},
        {
          untaggedRoots: new Set([d('1')]),
          stale: [
            { subject: d('1'), digest: d('7') },
            { subject: d('8'), digest: d('6') },
          ],
        },
      ),
      { includeAttached: false },
    );
    expect(result.groups[0]).toMatchObject({
      origin: 'untagged-root',
      stale: [{ subject: d('1'), digest: d('7') }],
    });
    expect(result.orphanStale).toEqual([{ subject: d('8'), digest: d('6') }]);
    expect(result.warnings[0]).toMatch(/1 fallback index entry names manifests that no longer exist/);
  });

  it('keeps two roots of runs recreated under one name apart', () => {
    const old = stored(d('1'), 'root', { mark: { ...mark, pipelineRunUid: 'u-old' } });
    const fresh = stored(d('2'), 'root', {
      mark: { ...mark, pipelineRunUid: 'u-new' },
      tags: ['ci.build-1'],
    });
    const result = groupStored(storedSet([old, fresh], {}), { includeAttached: false });
    expect(result.groups.map((g) => g.uid).sort()).toEqual(['u-new', 'u-old']);
  });
});
