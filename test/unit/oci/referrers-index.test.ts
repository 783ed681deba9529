import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildReferrersIndex,
  dedupeDescriptors,
  filterByArtifactType,
  isReferrersTag,
  referrersTag,
  updateReferrersList,
} from '../../../src/oci/remote/referrers-index.js';
import { MediaType, type Descriptor } from '../../../src/oci/manifest.js';
import { InvalidDigestError } from '../../../src/oci/digest.js';

const d = (c: string, artifactType = 'a/x'): Descriptor => ({
  mediaType: MediaType.OciManifest,
  digest: `sha256:${c.repeat(64)}`,
  size: 10,
  artifactType,
});

describe('referrers tag schema', () => {
  it('names the tag <alg>-<hex>', () => {
    expect(referrersTag(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}`);
    expect(referrersTag(`sha512:${'b'.repeat(128)}`)).toBe(`sha512-${'b'.repeat(64)}`);
    expect(() => referrersTag('sha256:x')).toThrow(InvalidDigestError);
    expect(isReferrersTag(`sha256-${'a'.repeat(64)}`)).toBe(true);
    expect(isReferrersTag('v1')).toBe(false);
  });
});

describe('updateReferrersList', () => {
  it('appends, skipping duplicates', () => {
    expect(updateReferrersList([d('1')], { add: [d('2')] })).toEqual({
      manifests: [d('1'), d('2')],
      changed: true,
    });
    expect(updateReferrersList([d('1')], { add: [d('1', 'other/type')] })).toEqual({
      manifests: [d('1')],
      changed: false,
    });
  });

  it('removes, and reports unchanged when nothing matched', () => {
    expect(updateReferrersList([d('1'), d('2')], { remove: [d('1').digest] })).toEqual({
      manifests: [d('2')],
      changed: true,
    });
    expect(updateReferrersList([d('2')], { remove: [d('1').digest] })).toEqual({
      manifests: [d('2')],
      changed: false,
    });
    expect(updateReferrersList([d('1')], { remove: [d('1').digest] })).toEqual({
      manifests: [],
      changed: true,
    });
  });

  it('cleans up duplicates already in the stored list', () => {
    expect(updateReferrersList([d('1'), d('1'), d('2')], {})).toEqual({
      manifests: [d('1'), d('2')],
      changed: true,
    });
  });

  it('strips embedded data and empty annotations from new entries', () => {
    const withData = { ...d('3'), data: 'e30=', annotations: {} };
    expect(updateReferrersList([], { add: [withData] }).manifests).toEqual([d('3')]);
  });

  it('properties: no duplicates, removed gone, added present, order kept', () => {
    const hex = fc.constantFrom('1', '2', '3', '4', '5', '6');
    fc.assert(
      fc.property(fc.array(hex), fc.array(hex), fc.array(hex), (existing, add, remove) => {
        const ex = existing.map((c) => d(c));
        const { manifests, changed } = updateReferrersList(ex, {
          add: add.map((c) => d(c)),
          remove: remove.map((c) => d(c).digest),
        });
        const digests = manifests.map((m) => m.digest);
        expect(new Set(digests).size).toBe(digests.length);
        // Removal applies to what was stored; additions are appended after it.
        for (const r of remove) if (!add.includes(r)) expect(digests).not.toContain(d(r).digest);
        for (const a of add) expect(digests).toContain(d(a).digest);
        const keptOrder = dedupeDescriptors(
          ex.filter((m) => !remove.map((c) => d(c).digest).includes(m.digest)),
        ).map((m) => m.digest);
        expect(digests.slice(0, keptOrder.length)).toEqual(keptOrder);
        if (!changed) expect(digests).toEqual(ex.map((m) => m.digest));
      }),
      { numRuns: 500 },
    );
  });

  it('builds an OCI index and filters by artifactType', () => {
    expect(buildReferrersIndex([d('1')])).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [d('1')],
    });
    expect(filterByArtifactType([d('1', 'a/x'), d('2', 'b/y')], 'b/y')).toEqual([d('2', 'b/y')]);
    expect(filterByArtifactType([d('1')], undefined)).toEqual([d('1')]);
  });
});
