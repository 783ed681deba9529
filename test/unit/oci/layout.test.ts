import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { OciLayout } from '../../../src/oci/layout.js';
import { digestOf } from '../../../src/oci/digest.js';
import {
  EMPTY_JSON,
  MediaType,
  encodeManifest,
  type Descriptor,
  type ImageManifest,
} from '../../../src/oci/manifest.js';
import { OciError, VerificationError } from '../../../src/oci/errors.js';
import { walk, walkNodes } from '../../../src/oci/walk.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oci-layout-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const blob = (s: string): [Descriptor, Buffer] => {
  const b = Buffer.from(s);
  return [{ mediaType: MediaType.TektonArtifactTarGzip, digest: digestOf(b), size: b.length }, b];
};

async function pushArtifact(
  layout: OciLayout,
  content: string,
  subject?: Descriptor,
  artifactType: string = MediaType.TektonArtifact,
) {
  const [ld, lb] = blob(content);
  await layout.push(ld, Readable.from([lb]));
  await layout.push(EMPTY_JSON, Buffer.from('{}'));
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType,
    config: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: 2 },
    layers: [ld],
    ...(subject ? { subject } : {}),
  };
  const { bytes, descriptor } = encodeManifest(m);
  await layout.push(descriptor, bytes);
  return descriptor;
}

describe('OciLayout', () => {
  it('refuses a directory that is not a layout, and creates one on request', async () => {
    const err = await OciLayout.open(join(dir, 'none')).catch((e: unknown) => e);
    expect((err as OciError).code).toBe('LAYOUT');
    const layout = await OciLayout.open(join(dir, 'new'), { create: true });
    expect(JSON.parse(readFileSync(join(dir, 'new', 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    expect([...(await collect(layout.tags()))]).toEqual([]);
  });

  it('pushes, tags, resolves, fetches, lists referrers, untags and deletes', async () => {
    const layout = await OciLayout.open(join(dir, 'rw'), { create: true });
    const root = await pushArtifact(layout, 'root content');
    await layout.tag(root, 'run-1');
    const ref = await pushArtifact(layout, 'referrer content', root, 'application/vnd.test.sig');
    const refref = await pushArtifact(layout, 'referrer of referrer', ref, 'application/vnd.test.sig2');
    expect(await layout.resolve('run-1')).toEqual(root);
    expect(await layout.resolve(ref.digest)).toMatchObject({
      digest: ref.digest,
      mediaType: MediaType.OciManifest,
    });
    expect(await collect(layout.tags())).toEqual(['run-1']);
    const refs = await layout.referrers(root);
    expect(refs.map((d) => [d.digest, d.artifactType])).toEqual([[ref.digest, 'application/vnd.test.sig']]);
    expect(await layout.referrers(root, { artifactType: 'nope/x' })).toEqual([]);
    const tree = await walk(layout, 'run-1');
    expect([...walkNodes(tree)].map((n) => n.descriptor.digest)).toEqual([
      root.digest,
      ref.digest,
      refref.digest,
    ]);
    const fetched = await layout.fetchManifest('run-1');
    expect((fetched.manifest as ImageManifest).layers[0]!.size).toBe(12);
    expect(await text(await layout.fetch((fetched.manifest as ImageManifest).layers[0]!))).toBe(
      'root content',
    );
    // index.json keeps the tag as oras does, and lists untagged manifests too.
    const index = JSON.parse(readFileSync(join(dir, 'rw', 'index.json'), 'utf8')) as {
      manifests: Descriptor[];
    };
    expect(index.manifests.find((d) => d.digest === root.digest)?.annotations).toEqual({
      'org.opencontainers.image.ref.name': 'run-1',
    });
    expect(index.manifests.map((d) => d.digest)).toContain(ref.digest);
    await layout.untag('run-1');
    expect(await collect(layout.tags())).toEqual([]);
    expect((await layout.referrers(root)).length).toBe(1);
    await layout.delete(ref);
    expect(await layout.referrers(root)).toEqual([]);
    expect(await layout.exists(ref)).toBe(false);
    const gone = await layout.fetchManifest(ref).catch((e: unknown) => e);
    expect((gone as OciError).code).toBe('MANIFEST_UNKNOWN');
  });

  it('refuses content that does not match its descriptor and keeps nothing', async () => {
    const layout = await OciLayout.open(join(dir, 'verify'), { create: true });
    const [d] = blob('expected');
    const err = await layout.push(d, Readable.from([Buffer.from('tampered')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect(await layout.exists(d)).toBe(false);
    expect(readdirSync(join(dir, 'verify', 'blobs', 'sha256'))).toEqual([]);
  });

  it('detects a corrupted blob on read', async () => {
    const layout = await OciLayout.open(join(dir, 'corrupt'), { create: true });
    const [d, b] = blob('pristine');
    await layout.push(d, b);
    writeFileSync(join(dir, 'corrupt', 'blobs', 'sha256', d.digest.slice(7)), 'pristinX');
    const err = await text(await layout.fetch(d)).catch((e: unknown) => e);
    expect((err as VerificationError).code).toBe('DIGEST_MISMATCH');
    writeFileSync(join(dir, 'corrupt', 'blobs', 'sha256', d.digest.slice(7)), 'short');
    expect(((await layout.fetch(d).catch((e: unknown) => e)) as OciError).code).toBe('SIZE_MISMATCH');
  });
});

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
}
