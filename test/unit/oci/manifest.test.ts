import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EMPTY_JSON,
  MAX_MANIFEST_BYTES,
  MediaType,
  decodeIndex,
  decodeManifest,
  embeddedData,
  encodeManifest,
  isIndex,
  referrerDescriptor,
  type ImageManifest,
} from '../../../src/oci/manifest.js';
import { ManifestError, VerificationError } from '../../../src/oci/errors.js';
import { digestOf } from '../../../src/oci/digest.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

const artifact: ImageManifest = {
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  artifactType: MediaType.TektonArtifact,
  config: { mediaType: MediaType.OciEmpty, digest: EMPTY_JSON.digest, size: 2 },
  layers: [
    {
      mediaType: MediaType.TektonArtifactTarGzip,
      digest: D('a'),
      size: 10,
      annotations: { 'org.opencontainers.image.title': 'out.tgz' },
    },
  ],
  subject: { mediaType: MediaType.OciManifest, digest: D('b'), size: 100 },
  annotations: { 'dev.tekton.artifact/task': 'build' },
};

function errorOf(f: () => unknown): ManifestError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return e as ManifestError;
  }
  throw new Error('did not throw');
}

describe('decodeManifest', () => {
  it('round-trips an artifact manifest', () => {
    const { bytes } = encodeManifest(artifact);
    expect(decodeManifest(bytes)).toEqual(artifact);
  });

  it('decodes an index and a Docker manifest list', () => {
    const idx = {
      schemaVersion: 2,
      mediaType: MediaType.DockerManifestList,
      manifests: [
        {
          mediaType: MediaType.DockerManifest,
          digest: D('c'),
          size: 5,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    };
    const m = decodeManifest(JSON.stringify(idx));
    expect(isIndex(m)).toBe(true);
    expect(decodeIndex(JSON.stringify(idx))).toEqual(idx);
  });

  it('infers the kind when mediaType is absent', () => {
    expect(isIndex(decodeManifest(JSON.stringify({ schemaVersion: 2, manifests: [] })))).toBe(true);
    const m = decodeManifest(JSON.stringify({ schemaVersion: 2, config: artifact.config, layers: [] }));
    expect(isIndex(m)).toBe(false);
  });

  it('uses the content type when the body has no mediaType', () => {
    const m = decodeManifest(
      JSON.stringify({ schemaVersion: 2, manifests: [] }),
      `${MediaType.DockerManifestList}; charset=utf-8`,
    );
    expect(isIndex(m)).toBe(true);
  });

  it.each([
    ['[]', '(root)'],
    ['{"schemaVersion":3}', 'schemaVersion'],
    ['{"schemaVersion":2,"mediaType":"text/plain"}', 'mediaType'],
    ['{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}', 'config'],
    [
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"${D('a')}","size":-1},"layers":[]}`,
      'config.size',
    ],
    [
      `{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"${D('a')}","size":1},"layers":[{"mediaType":"a/b","digest":"sha256:zz","size":1}]}`,
      'layers[0].digest',
    ],
    [
      `{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"${D('a')}","size":1},"layers":[],"annotations":{"k":1}}`,
      'annotations.k',
    ],
    [
      `{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"${D('a')}","size":1,"platform":{"os":"linux"}}]}`,
      'manifests[0].platform.architecture',
    ],
    [`{"schemaVersion":2,"manifests":"x"}`, 'manifests'],
    [`{"schemaVersion":2,"manifests":[],"subject":{}}`, 'subject.mediaType'],
  ])('rejects %s naming %s', (json, field) => {
    expect(errorOf(() => decodeManifest(json)).field).toBe(field);
  });

  it('rejects schema 1 as unsupported', () => {
    expect(errorOf(() => decodeManifest('{"schemaVersion":1}')).code).toBe('UNSUPPORTED');
  });

  it('rejects bad JSON and oversize input', () => {
    expect(errorOf(() => decodeManifest('{')).message).toMatch(/not valid JSON/);
    expect(errorOf(() => decodeManifest(new Uint8Array(MAX_MANIFEST_BYTES + 1))).code).toBe('TOO_LARGE');
  });

  it('decodeIndex refuses an image manifest', () => {
    expect(errorOf(() => decodeIndex(encodeManifest(artifact).bytes)).message).toMatch(
      /expected an image index/,
    );
  });

  it('arbitrary JSON values only ever give ManifestError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          decodeManifest(JSON.stringify(v) ?? 'null');
        } catch (e) {
          expect(e).toBeInstanceOf(ManifestError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary bytes only ever give ManifestError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(() => decodeManifest(b)).toThrow(ManifestError);
      }),
    );
  });

  it('mutated valid manifests decode or give ManifestError', () => {
    const shapes = fc.record(
      {
        schemaVersion: fc.oneof(fc.constant(2), fc.jsonValue()),
        mediaType: fc.oneof(fc.constantFrom(MediaType.OciManifest, MediaType.OciIndex), fc.jsonValue()),
        config: fc.oneof(fc.constant(artifact.config), fc.jsonValue()),
        layers: fc.oneof(fc.constant(artifact.layers), fc.array(fc.jsonValue())),
        manifests: fc.oneof(fc.constant(artifact.layers), fc.jsonValue()),
        subject: fc.oneof(fc.constant(artifact.subject), fc.jsonValue()),
        annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
        artifactType: fc.oneof(fc.constant('a/b'), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(shapes, (v) => {
        try {
          decodeManifest(JSON.stringify(v));
        } catch (e) {
          expect(e).toBeInstanceOf(ManifestError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('descriptor helpers', () => {
  it('builds a referrer descriptor with the config media type as fallback artifactType', () => {
    const noType: ImageManifest = { ...artifact, artifactType: undefined };
    delete noType.artifactType;
    const d = referrerDescriptor({ mediaType: MediaType.OciManifest, digest: D('e'), size: 3 }, noType);
    expect(d.artifactType).toBe(MediaType.OciEmpty);
    expect(d.annotations).toEqual(artifact.annotations);
  });

  it('verifies embedded data', () => {
    expect(Buffer.from(embeddedData(EMPTY_JSON)!).toString()).toBe('{}');
    expect(() => embeddedData({ ...EMPTY_JSON, data: 'W10=' })).toThrow(VerificationError);
    expect(embeddedData({ mediaType: 'a/b', digest: digestOf('x'), size: 1 })).toBeUndefined();
  });
});
