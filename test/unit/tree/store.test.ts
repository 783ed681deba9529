import { describe, expect, it } from 'vitest';
import { TargetStore, type StoreTarget } from '../../../src/tree/store.js';
import { MediaType, type FetchedManifest } from '../../../src/oci/types.js';

const BAD = `sha256:${'f'.repeat(64)}`;

/** A target that only answers manifests, counting the requests each digest costs. */
function countingTarget(): { target: StoreTarget; asked: Map<string, number>; release: () => void } {
  const asked = new Map<string, number>();
  let open: (() => void)[] = [];
  let held = false;
  const fetchManifest = async (reference: unknown): Promise<FetchedManifest> => {
    const digest = String(reference);
    asked.set(digest, (asked.get(digest) ?? 0) + 1);
    if (held) await new Promise<void>((resolve) => open.push(resolve));
    if (digest === BAD) throw new Error('refused');
    return {
      descriptor: { mediaType: MediaType.OciManifest, digest, size: 2 },
      bytes: new Uint8Array(2),
      manifest: {
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciEmpty, digest, size: 2 },
        layers: [],
      },
    };
  };
  const target = { fetchManifest } as unknown as StoreTarget;
  return {
    target,
    asked,
    release: () => {
      held = !held;
      const waiting = open;
      open = [];
      for (const resolve of waiting) resolve();
    },
  };
}

const digest = (i: number): string => `sha256:${i.toString(16).padStart(64, '0')}`;

describe('TargetStore manifests', () => {
  it('asks once for concurrent and repeated asks of one digest, again after a failure', async () => {
    const { target, asked, release } = countingTarget();
    const store = new TargetStore({ targetFor: () => target });
    release(); // hold answers: both asks are in flight at once
    const both = Promise.all([store.fetchManifest('r', digest(1)), store.fetchManifest('r', digest(1))]);
    release();
    const [a, b] = await both;
    expect(a).toBe(b);
    await store.fetchManifest('r', digest(1));
    expect(asked.get(digest(1))).toBe(1);
    const bad = BAD;
    await expect(store.fetchManifest('r', bad)).rejects.toThrow('refused');
    await expect(store.fetchManifest('r', bad)).rejects.toThrow('refused');
    expect(asked.get(bad)).toBe(2);
  });

  it('keeps the recently asked, not every manifest a flood of referrers names', async () => {
    const { target, asked } = countingTarget();
    const store = new TargetStore({ targetFor: () => target });
    await store.fetchManifest('r', digest(0));
    for (let i = 1; i <= 5_000; i++) {
      await store.fetchManifest('r', digest(i));
      // Asked again now and then: the most recently asked stay.
      if (i % 100 === 0) await store.fetchManifest('r', digest(0));
    }
    expect(asked.get(digest(0))).toBe(1);
    expect(asked.get(digest(5_000))).toBe(1);
    await store.fetchManifest('r', digest(5_000));
    expect(asked.get(digest(5_000))).toBe(1);
    // The first of the flood is long gone: asked again, it is fetched again.
    await store.fetchManifest('r', digest(1));
    expect(asked.get(digest(1))).toBe(2);
    expect((store as unknown as { manifests: Map<string, unknown> }).manifests.size).toBeLessThanOrEqual(512);
  });
});
