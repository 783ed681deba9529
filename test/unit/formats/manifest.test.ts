import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildArtifactManifestJSON,
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
  classifyManifest,
  parseArtifactConfig,
  referrerBelongsToRun,
  TEKTON_PIPELINERUN_ARTIFACT_TYPE,
  TEKTON_TASKRUN_ARTIFACT_TYPE,
} from '../../../src/formats/index.js';
import { EMPTY_JSON, MediaType, decodeManifest } from '../../../src/oci/types.js';
import { isValidTag } from '../../../src/oci/reference.js';

const d = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const IMAGE = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('image'), size: 1234 };
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_JSON.digest, size: 2 };

describe('classifyManifest', () => {
  it('TEP-0164 artifact: Tekton config, dev.tekton.artifact annotations, no artifactType', () => {
    const c = classifyManifest(
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: MediaType.TektonArtifactConfig, digest: d('config'), size: 233 },
        layers: [
          {
            mediaType: 'application/octet-stream',
            digest: d('content'),
            size: 45678,
            annotations: { 'org.opencontainers.image.title': 'images' },
          },
        ],
        annotations: {
          'dev.tekton.artifact/name': 'images',
          'dev.tekton.artifact/taskrun': 'build-images-run-abc123',
          'dev.tekton.artifact/pipelinerun': 'my-pipeline-run',
          'dev.tekton.artifact/namespace': 'default',
          'dev.tekton.artifact/build-output': 'true',
          'dev.tekton.artifact/created': '2026-02-26T12:00:00Z',
        },
      },
      { descriptor: { digest: d('m'), size: 500 } },
    );
    expect(c).toMatchObject({
      producer: 'tep0164',
      role: 'artifact',
      kind: 'tekton-artifact',
      artifactType: MediaType.TektonArtifactConfig,
      artifactName: 'images',
      taskRun: 'build-images-run-abc123',
      pipelineRun: 'my-pipeline-run',
      namespace: 'default',
      buildOutput: true,
      created: '2026-02-26T12:00:00Z',
      files: [{ title: 'images', digest: d('content'), size: 45678, mediaType: 'application/octet-stream' }],
      descriptor: { digest: d('m'), size: 500 },
    });
  });

  it('reads metadata from the config blob when annotations lack it', () => {
    const config = {
      created: '2026-02-26T12:00:00Z',
      artifact: {
        name: 'sbom',
        taskrun: 'tr',
        pipelinerun: 'pr',
        namespace: 'ns',
        buildOutput: false,
        contentType: 'application/spdx+json',
      },
    };
    expect(parseArtifactConfig(config)?.artifact?.name).toBe('sbom');
    const c = classifyManifest(
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: MediaType.TektonArtifactConfig, digest: d('c'), size: 10 },
        layers: [{ mediaType: 'application/spdx+json', digest: d('s'), size: 10 }],
      },
      { config },
    );
    expect(c).toMatchObject({
      producer: 'tep0164',
      artifactName: 'sbom',
      taskRun: 'tr',
      buildOutput: false,
      contentType: 'application/spdx+json',
    });
  });

  it('TEP-0193 multi-file artifact: tar+gzip layer with the archive annotation', () => {
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: MediaType.TektonArtifact,
      config: { mediaType: MediaType.TektonArtifactConfig, digest: d('c'), size: 10 },
      layers: [
        {
          mediaType: 'application/vnd.tekton.artifact.tar+gzip',
          digest: d('tgz'),
          size: 102400,
          annotations: {
            'org.opencontainers.image.title': 'test-results',
            'dev.tekton.artifact/archive': 'tar+gzip',
          },
        },
      ],
      subject: IMAGE,
      annotations: { 'dev.tekton.artifact/name': 'test-results', 'dev.tekton.artifact/pipelinerun': 'pr' },
    });
    expect(c).toMatchObject({
      producer: 'tep0193',
      role: 'artifact',
      subject: IMAGE,
      files: [{ archive: 'tar+gzip', title: 'test-results' }],
    });
  });

  it('prototype referrer: tekton.dev/artifact.* annotations', () => {
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: MediaType.TektonArtifact,
      config: EMPTY,
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('l'), size: 9 }],
      subject: IMAGE,
      annotations: {
        'org.opencontainers.image.artifact.type': 'application/vnd.tekton.artifact.v1',
        'tekton.dev/artifact.name': 'images',
        'tekton.dev/artifact.task': 'build',
        'tekton.dev/artifact.uri': `registry.local/a/images@${d('x')}`,
      },
    });
    expect(c).toMatchObject({
      producer: 'prototype',
      role: 'artifact',
      artifactName: 'images',
      task: 'build',
      uri: `registry.local/a/images@${d('x')}`,
    });
  });

  it('oras default push (Konflux trusted artifact, StepAction): unknown artifactType, empty config, titled layer', () => {
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.unknown.artifact.v1',
      config: EMPTY,
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: d('src'),
          size: 5000,
          annotations: { 'org.opencontainers.image.title': 'source.tar.gz' },
        },
      ],
      annotations: { 'quay.expires-after': '5d', 'org.opencontainers.image.created': '2026-03-01T10:00:00Z' },
    });
    expect(c).toMatchObject({
      producer: 'oras',
      role: 'artifact',
      kind: 'generic-artifact',
      artifactName: 'source.tar.gz',
      files: [
        { title: 'source.tar.gz', archive: 'tar+gzip', mediaType: 'application/vnd.oci.image.layer.v1.tar' },
      ],
    });
  });

  it('oras directory push: the unpack annotation marks a directory archive, and only on tar+gzip', () => {
    const layer = (mediaType: string, title: string) => ({
      mediaType,
      digest: d(title),
      size: 300,
      annotations: { 'org.opencontainers.image.title': title, 'io.deis.oras.content.unpack': 'true' },
    });
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.unknown.artifact.v1',
      config: EMPTY,
      layers: [
        layer('application/vnd.oci.image.layer.v1.tar+gzip', 'reports'),
        layer('application/vnd.oci.image.layer.v1.tar', 'notes'),
      ],
    });
    expect(c.files).toEqual([
      {
        title: 'reports',
        digest: d('reports'),
        size: 300,
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        archive: 'tar+gzip',
        directory: true,
      },
      { title: 'notes', digest: d('notes'), size: 300, mediaType: 'application/vnd.oci.image.layer.v1.tar' },
    ]);
  });

  it('oras 1.0 packing: unknown config media type', () => {
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.unknown.config.v1+json', digest: EMPTY_JSON.digest, size: 2 },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: d('f'),
          size: 3,
          annotations: { 'org.opencontainers.image.title': 'f' },
        },
      ],
    });
    expect(c).toMatchObject({ producer: 'oras', artifactType: 'application/vnd.unknown.config.v1+json' });
  });

  it.each([
    ['application/vnd.tekton.artifact.images.v1+json', 'images-manifest.json', 'tekton-artifact'],
    ['application/vnd.tekton.artifact.junit.v1+xml', 'junit-results.xml', 'tekton-artifact'],
    ['application/vnd.tekton.artifact.coverage.v1', 'coverage.out', 'tekton-artifact'],
    ['application/vnd.tekton.artifact.docs.v1+gzip', 'docs.tar.gz', 'tekton-artifact'],
    ['application/spdx+json', 'sbom.spdx.json', 'sbom'],
  ])('tekton-experiments attach-artifacts %s', (artifactType, title, kind) => {
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType,
      config: EMPTY,
      layers: [
        {
          mediaType: artifactType,
          digest: d(title),
          size: 7,
          annotations: { 'org.opencontainers.image.title': title },
        },
      ],
      subject: IMAGE,
      annotations: {
        'dev.tekton.artifact/pipelinerun': 'build-run-1',
        'dev.tekton.artifact/task': 'run-tests',
        'dev.tekton.artifact/git-sha': 'abc123',
        'dev.tekton.artifact/build-output': 'true',
      },
    });
    expect(c).toMatchObject({
      producer: 'tekton-experiments',
      role: 'artifact',
      kind,
      artifactName: title,
      pipelineRun: 'build-run-1',
      task: 'run-tests',
      gitSha: 'abc123',
      buildOutput: true,
    });
  });

  it('tekton-experiments superseded bundle config', () => {
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.tekton.build-artifact.v1+json', digest: d('b'), size: 40 },
      layers: [],
      annotations: {
        'dev.tekton.artifact/git-url': 'https://github.com/x/y',
        'dev.tekton.artifact/created': '2026-01-01T00:00:00Z',
      },
    });
    expect(c).toMatchObject({
      producer: 'tekton-experiments',
      role: 'artifact',
      created: '2026-01-01T00:00:00Z',
    });
  });

  it("keeps a cosign signature layer's signature, certificate, chain and bundle; an attestation's empty one is none", () => {
    const layer = (annotations: Record<string, string>) => ({
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      digest: d('c'),
      size: 200,
      annotations,
    });
    const c = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('b'), size: 2 },
      layers: [
        layer({
          'dev.cosignproject.cosign/signature': 'TUVVQ0lR',
          'dev.sigstore.cosign/certificate': 'CERT',
          'dev.sigstore.cosign/chain': 'CHAIN',
          'dev.sigstore.cosign/bundle': '{"SignedEntryTimestamp":"x"}',
        }),
        layer({ 'dev.cosignproject.cosign/signature': 'c2ln' }),
        layer({ 'dev.cosignproject.cosign/signature': '' }),
      ],
    });
    expect(c.files.map((f) => f.cosign)).toEqual([
      { signature: 'TUVVQ0lR', certificate: 'CERT', chain: 'CHAIN', bundle: '{"SignedEntryTimestamp":"x"}' },
      { signature: 'c2ln' },
      undefined,
    ]);
  });

  it.each([
    [
      { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
      'application/vnd.dev.cosign.simplesigning.v1+json',
      'cosign',
      'signature',
      'cosign signature',
    ],
    [{}, 'application/vnd.dev.cosign.simplesigning.v1+json', 'cosign', 'signature', 'cosign signature'],
    [{}, 'application/vnd.dsse.envelope.v1+json', 'cosign', 'attestation', 'in-toto attestation (DSSE)'],
    [
      { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
      'application/vnd.dev.sigstore.bundle.v0.3+json',
      'sigstore',
      'attestation',
      'sigstore bundle',
    ],
    [
      { artifactType: 'application/vnd.cncf.notary.signature' },
      'application/jose+json',
      'notary',
      'signature',
      'notary signature',
    ],
    [
      { artifactType: 'application/vnd.cyclonedx+json' },
      'application/vnd.cyclonedx+json',
      'sbom',
      'sbom',
      'CycloneDX SBOM',
    ],
    [{ artifactType: 'application/spdx+json' }, 'application/spdx+json', 'sbom', 'sbom', 'SPDX SBOM'],
    [
      { artifactType: 'application/vnd.in-toto+json' },
      'application/vnd.in-toto+json',
      'in-toto',
      'attestation',
      'in-toto attestation',
    ],
  ])(
    'signatures, attestations and SBOMs are named by type: %j / %s',
    (extra, layerType, producer, kind, label) => {
      const c = classifyManifest({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...extra,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('cfg'), size: 100 },
        layers: [{ mediaType: layerType, digest: d('sig'), size: 10 }],
        subject: IMAGE,
      });
      expect(c).toMatchObject({ producer, kind, label, role: 'unknown', subject: IMAGE });
    },
  );

  it('images and indexes', () => {
    expect(
      classifyManifest({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d('c'), size: 1 },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('l'), size: 1 }],
      }),
    ).toMatchObject({ producer: 'image', kind: 'image' });
    const idx = classifyManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [IMAGE],
    });
    expect(idx).toMatchObject({ producer: 'image', kind: 'image-index', manifests: [IMAGE], files: [] });
  });

  it('takes what src/oci decoded: garbage stops at the decoder, naming the field', () => {
    expect(() => decodeManifest('null')).toThrow(/not a JSON object|object/);
    expect(() =>
      decodeManifest(JSON.stringify({ schemaVersion: 1, layers: [{ digest: 3 }], config: 'x' })),
    ).toThrow(/schema 1/);
    const decoded = decodeManifest(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: EMPTY, layers: [] }),
    );
    expect(classifyManifest(decoded)).toMatchObject({
      producer: 'unknown',
      kind: 'generic-artifact',
      files: [],
    });
  });
});

describe('the format we write (builders)', () => {
  const created = '2026-03-01T10:00:00Z';
  const root = buildRootManifestJSON({
    namespace: 'team-a',
    pipelineRun: 'build-abc12',
    pipeline: 'build-and-test',
    pipelineRunUid: 'uid-1',
    created,
  });

  it('root: an empty OCI index with the PipelineRun artifactType, tagged <namespace>.<pipelinerun>', () => {
    expect(root.manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      artifactType: TEKTON_PIPELINERUN_ARTIFACT_TYPE,
      manifests: [],
      annotations: {
        'dev.tekton.artifact/pipelinerun': 'build-abc12',
        'dev.tekton.artifact/namespace': 'team-a',
        'dev.tekton.artifact/pipeline': 'build-and-test',
        'dev.tekton.artifact/pipelinerun-uid': 'uid-1',
        'dev.tekton.artifact/created': created,
      },
    });
    expect(root.tag).toBe('team-a.build-abc12');
    expect(root.descriptor.digest).toBe(`sha256:${createHash('sha256').update(root.bytes).digest('hex')}`);
    expect(root.descriptor.size).toBe(root.bytes.byteLength);
    expect(JSON.parse(new TextDecoder().decode(root.bytes))).toEqual(root.manifest);
    // deterministic
    expect(
      buildRootManifestJSON({
        namespace: 'team-a',
        pipelineRun: 'build-abc12',
        pipeline: 'build-and-test',
        pipelineRunUid: 'uid-1',
        created,
      }).descriptor.digest,
    ).toBe(root.descriptor.digest);
    expect(classifyManifest(root.manifest)).toMatchObject({
      producer: 'tep0193',
      role: 'pipelinerun-root',
      pipelineRun: 'build-abc12',
      namespace: 'team-a',
      pipeline: 'build-and-test',
    });
  });

  it('TaskRun reference: empty config and layer, subject = the root', () => {
    const ref = buildTaskRunReferenceJSON({
      namespace: 'team-a',
      pipelineRun: 'build-abc12',
      taskRun: 'build-abc12-build',
      task: 'build',
      created,
      root: root.descriptor,
    });
    expect(ref.manifest.subject).toEqual({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: root.descriptor.digest,
      size: root.descriptor.size,
    });
    expect(ref.manifest.artifactType).toBe(TEKTON_TASKRUN_ARTIFACT_TYPE);
    expect(ref.manifest.config).toEqual(EMPTY);
    expect(ref.blobs.map((b) => [b.descriptor.digest, new TextDecoder().decode(b.bytes)])).toEqual([
      [EMPTY_JSON.digest, '{}'],
    ]);
    expect(ref.tag).toBe('team-a.build-abc12.build-abc12-build');
    expect(classifyManifest(ref.manifest)).toMatchObject({
      role: 'taskrun-reference',
      taskRun: 'build-abc12-build',
      task: 'build',
      files: [],
    });
  });

  it('artifact: TEP-0164 config blob and annotations, TEP-0193 artifactType, subject', () => {
    const ref = buildTaskRunReferenceJSON({
      namespace: 'team-a',
      pipelineRun: 'build-abc12',
      taskRun: 'build-abc12-test',
      created,
      root: root.descriptor,
    });
    const a = buildArtifactManifestJSON({
      name: 'test-results',
      namespace: 'team-a',
      taskRun: 'build-abc12-test',
      pipelineRun: 'build-abc12',
      task: 'test',
      created,
      contentType: 'application/xml',
      files: [{ title: 'test-results', digest: d('tgz'), size: 100, archive: 'tar+gzip' }],
      subject: ref.descriptor,
    });
    const cfg = a.blobs[0];
    expect(cfg?.descriptor.mediaType).toBe(MediaType.TektonArtifactConfig);
    expect(cfg?.descriptor.digest).toBe(
      `sha256:${createHash('sha256')
        .update(cfg?.bytes ?? new Uint8Array())
        .digest('hex')}`,
    );
    expect(JSON.parse(new TextDecoder().decode(cfg?.bytes))).toEqual({
      created,
      artifact: {
        name: 'test-results',
        taskrun: 'build-abc12-test',
        pipelinerun: 'build-abc12',
        namespace: 'team-a',
        buildOutput: false,
        contentType: 'application/xml',
      },
    });
    expect(a.manifest.layers).toEqual([
      {
        mediaType: 'application/vnd.tekton.artifact.tar+gzip',
        digest: d('tgz'),
        size: 100,
        annotations: {
          'org.opencontainers.image.title': 'test-results',
          'dev.tekton.artifact/archive': 'tar+gzip',
        },
      },
    ]);
    expect(a.manifest.subject?.digest).toBe(ref.descriptor.digest);
    expect(a.tag).toBe('team-a.build-abc12-test.test-results');
    expect(a.descriptor.artifactType).toBe(MediaType.TektonArtifact);
    expect(
      classifyManifest(a.manifest, { config: JSON.parse(new TextDecoder().decode(cfg?.bytes)) }),
    ).toMatchObject({
      producer: 'tep0193',
      role: 'artifact',
      artifactName: 'test-results',
      taskRun: 'build-abc12-test',
      task: 'test',
      buildOutput: false,
      contentType: 'application/xml',
      files: [{ archive: 'tar+gzip' }],
    });
  });

  it('build-output variant: referrers of the image filtered by dev.tekton.artifact/pipelinerun', () => {
    const a = buildArtifactManifestJSON({
      name: 'sbom',
      namespace: 'team-a',
      taskRun: 'build-abc12-build',
      pipelineRun: 'build-abc12',
      buildOutput: true,
      created,
      files: [{ title: 'sbom', digest: d('sbom'), size: 10, mediaType: 'application/spdx+json' }],
      subject: IMAGE,
    });
    expect(a.manifest.annotations?.['dev.tekton.artifact/build-output']).toBe('true');
    expect(referrerBelongsToRun(a.descriptor, { pipelineRun: 'build-abc12', namespace: 'team-a' })).toBe(
      true,
    );
    expect(referrerBelongsToRun(a.descriptor, { pipelineRun: 'build-abc12', namespace: 'team-b' })).toBe(
      false,
    );
    expect(referrerBelongsToRun(a.descriptor, { pipelineRun: 'other' })).toBe(false);
    expect(
      referrerBelongsToRun(
        { annotations: { 'dev.tekton.artifact/pipelinerun': 'build-abc12' } },
        { pipelineRun: 'build-abc12', namespace: 'x' },
      ),
    ).toBe(true);
  });

  it('long names still give valid, distinct tags', () => {
    const long = 'x'.repeat(200);
    const a = buildArtifactManifestJSON({
      name: `${long}-a`,
      namespace: 'ns',
      taskRun: 'tr',
      created,
      files: [],
    });
    const b = buildArtifactManifestJSON({
      name: `${long}-b`,
      namespace: 'ns',
      taskRun: 'tr',
      created,
      files: [],
    });
    expect(isValidTag(a.tag)).toBe(true);
    expect(a.tag).not.toBe(b.tag);
    expect(a.manifest.layers).toEqual([{ ...EMPTY, data: 'e30=' }]);
  });
});
