import { describe, expect, it } from 'vitest';
import { walk, walkNodes, type WalkNode } from '../../../src/oci/walk.js';
import {
  EMPTY_JSON,
  MediaType,
  encodeManifest,
  type Descriptor,
  type FetchedManifest,
  type Manifest,
} from '../../../src/oci/manifest.js';
import { OciError } from '../../../src/oci/errors.js';
import type { ManifestFetcher, ReferrerLister, Resolver } from '../../../src/oci/target.js';

/** An in-memory target whose referrers listing is whatever the test says (it may lie). */
class FakeTarget implements Resolver, ManifestFetcher, ReferrerLister {
  manifests = new Map<string, { bytes: Uint8Array; manifest: Manifest; descriptor: Descriptor }>();
  listing = new Map<string, Descriptor[]>();
  failing = new Set<string>();
  failingReferrers = new Set<string>();
  fetches = 0;

  add(m: Manifest): Descriptor {
    const { bytes, descriptor } = encodeManifest(m);
    this.manifests.set(descriptor.digest, { bytes, manifest: m, descriptor });
    if (m.subject) {
      const l = this.listing.get(m.subject.digest) ?? [];
      l.push({ ...descriptor, artifactType: m.artifactType });
      this.listing.set(m.subject.digest, l);
    }
    return descriptor;
  }
  async resolve(reference: string): Promise<Descriptor> {
    const m = this.manifests.get(reference);
    if (!m) throw new OciError('MANIFEST_UNKNOWN', reference);
    return m.descriptor;
  }
  async fetchManifest(reference: string | Descriptor): Promise<FetchedManifest> {
    this.fetches++;
    const digest = typeof reference === 'string' ? reference : reference.digest;
    if (this.failing.has(digest)) throw new OciError('UNAVAILABLE', `boom ${digest}`);
    const m = this.manifests.get(digest);
    if (!m) throw new OciError('MANIFEST_UNKNOWN', `no ${digest}`);
    return { descriptor: m.descriptor, bytes: m.bytes, manifest: m.manifest };
  }
  async referrers(subject: Descriptor, options: { artifactType?: string } = {}): Promise<Descriptor[]> {
    if (this.failingReferrers.has(subject.digest)) throw new OciError('UNAVAILABLE', 'referrers down');
    const l = this.listing.get(subject.digest) ?? [];
    return options.artifactType ? l.filter((d) => d.artifactType === options.artifactType) : l;
  }
  referrersMode(): undefined {
    return undefined;
  }
}

const cfg = { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 };
const layer = (n: number): Descriptor => ({
  mediaType: 'application/octet-stream',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: n,
});
const artifact = (name: string, subject?: Descriptor, artifactType = 'application/vnd.test.a'): Manifest => ({
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  artifactType,
  config: cfg,
  layers: [layer(1)],
  ...(subject ? { subject } : {}),
  annotations: { name },
});

const names = (n: WalkNode) =>
  [...walkNodes(n)].map((x) => (x.manifest?.annotations?.name ?? x.relation) + (x.repeated ? '*' : ''));

describe('walk', () => {
  it('follows referrers of referrers and index children', async () => {
    const t = new FakeTarget();
    const img1 = t.add(artifact('img-amd64'));
    const img2 = t.add(artifact('img-arm64'));
    const index = t.add({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [img1, img2],
      annotations: { name: 'index' },
    });
    const sbom = t.add(artifact('sbom', img1, 'application/spdx+json'));
    const sig = t.add(artifact('sig-of-sbom', sbom, 'application/vnd.sig'));
    t.add(artifact('sig-of-sig', sig, 'application/vnd.sig'));
    t.add(artifact('index-attestation', index, 'application/vnd.att'));
    const root = await walk(t, index);
    expect(names(root)).toEqual([
      'index',
      'img-amd64',
      'sbom',
      'sig-of-sbom',
      'sig-of-sig',
      'img-arm64',
      'index-attestation',
    ]);
    expect(root.children[0]!.referrers[0]!.depth).toBe(1);
    expect(root.children[0]!.referrers[0]!.referrers[0]!.referrers[0]!.depth).toBe(3);
  });

  it('respects depth and artifactType at every level', async () => {
    const t = new FakeTarget();
    const root = t.add(artifact('root'));
    const a = t.add(artifact('a', root, 'x/keep'));
    t.add(artifact('b', root, 'x/drop'));
    t.add(artifact('a1', a, 'x/keep'));
    t.add(artifact('a2', a, 'x/drop'));
    expect(names(await walk(t, root, { depth: 1 }))).toEqual(['root', 'a', 'b']);
    expect(names(await walk(t, root, { artifactType: 'x/keep' }))).toEqual(['root', 'a', 'a1']);
  });

  it('is cycle-safe when a registry lies (A → B → A)', async () => {
    const t = new FakeTarget();
    const a = t.add(artifact('A'));
    const b = t.add(artifact('B', a));
    // B's listing claims A refers to it: a cycle no content-addressed graph can have.
    t.listing.set(b.digest, [a]);
    const root = await walk(t, a, { verifySubject: false });
    expect(names(root)).toEqual(['A', 'B', 'referrer*']);
    expect(t.fetches).toBe(2);
  });

  it('flags referrers whose subject is not the node that listed them, and stops there', async () => {
    const t = new FakeTarget();
    const a = t.add(artifact('A'));
    const other = t.add(artifact('other'));
    const stranger = t.add(artifact('stranger', other));
    t.add(artifact('child-of-stranger', stranger));
    t.listing.set(a.digest, [stranger]);
    const root = await walk(t, a);
    const node = root.referrers[0]!;
    expect(node.error?.code).toBe('REFERRER_MISMATCH');
    expect(node.referrers).toEqual([]);
  });

  it('records failures on the node and carries on', async () => {
    const t = new FakeTarget();
    const root = t.add(artifact('root'));
    const bad = t.add(artifact('bad', root));
    t.add(artifact('good', root));
    t.failing.add(bad.digest);
    t.failingReferrers.add(root.digest);
    const w1 = await walk(t, root);
    expect(w1.referrersError?.code).toBe('UNAVAILABLE');
    t.failingReferrers.clear();
    const w2 = await walk(t, root);
    expect(w2.referrers.map((r) => r.error?.code)).toEqual(['UNAVAILABLE', undefined]);
    expect(w2.referrers[1]!.manifest?.annotations?.name).toBe('good');
  });

  it('shares repeated nodes deterministically and honours maxNodes', async () => {
    const t = new FakeTarget();
    const img = t.add(artifact('img'));
    const index = t.add({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [img, img],
      annotations: { name: 'index' },
    });
    expect(names(await walk(t, index))).toEqual(['index', 'img', 'child*']);
    const capped = await walk(t, index, { maxNodes: 2 });
    expect(capped.truncated).toBe(true);
    expect(capped.children).toHaveLength(1);
  });

  it('adds config and layers as blob leaves when asked', async () => {
    const t = new FakeTarget();
    const root = t.add(artifact('root'));
    const w = await walk(t, root, { blobs: true });
    expect(w.children.map((c) => [c.relation, c.descriptor.digest])).toEqual([
      ['blob', cfg.digest],
      ['blob', layer(1).digest],
    ]);
  });

  it('resolves a string root and does not fetch a blob root', async () => {
    const t = new FakeTarget();
    const root = t.add(artifact('root'));
    expect((await walk(t, root.digest)).manifest?.annotations?.name).toBe('root');
    const blob = await walk(t, layer(7));
    expect(blob.manifest).toBeUndefined();
    expect(blob.error).toBeUndefined();
  });
});
