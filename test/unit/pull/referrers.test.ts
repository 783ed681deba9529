import { describe, expect, it } from 'vitest';
import { referrerArtifacts, titledFiles } from '../../../src/pull/referrers.js';
import { selectArtifacts } from '../../../src/pull/select.js';
import type { ArtifactNode, ArtifactTree, ReferrerNode } from '../../../src/tree/model.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const REPO = 'reg.test/app';

function referrer(kind: string, digest: string, fields: Partial<ReferrerNode> = {}): ReferrerNode {
  return {
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: '',
    size: 500,
    kind,
    files: [{ digest: d('f'), size: 10, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
    referrers: [],
    ...fields,
  };
}

function image(): ArtifactNode {
  return {
    name: 'IMAGE',
    direction: 'output',
    producers: ['chains-type-hint'],
    reportedAt: [],
    reference: `${REPO}@${d('a')}`,
    digest: d('a'),
    digestRefersTo: 'manifest',
    mediaType: 'application/vnd.oci.image.index.v1+json',
    state: 'present',
    usable: true,
    files: [],
    platforms: [
      {
        platform: 'linux/amd64',
        digest: d('b'),
        size: 400,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        referrers: [
          referrer('signature', d('c'), { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' }),
        ],
      },
    ],
    referrers: [
      referrer('signature', d('1'), {
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        tag: `sha256-${'a'.repeat(64)}.sig`,
      }),
      referrer('sbom', d('2'), {
        artifactType: 'application/spdx+json',
        files: [{ title: 'sbom.spdx.json', digest: d('e'), size: 20, mediaType: 'application/spdx+json' }],
        referrers: [
          referrer('signature', d('3'), {
            artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
            tag: `sha256-${'2'.repeat(64)}.sig`,
          }),
        ],
      }),
    ],
  };
}

describe('referrerArtifacts', () => {
  it("names cosign's tag-stored attachments by suffix, referrers by kind and digest, platforms in between", () => {
    const found = referrerArtifacts(image(), ['application/vnd.dev.cosign.artifact.sig.v1+json']);
    expect(found.map((node) => [node.name, node.reference])).toEqual([
      ['IMAGE.sig', `${REPO}@${d('1')}`],
      // A signature of the SBOM referrer: named below it, though the SBOM itself is not pulled.
      [`IMAGE.sbom-222222222222.sig`, `${REPO}@${d('3')}`],
      [`IMAGE.linux-amd64.signature-cccccccccccc`, `${REPO}@${d('c')}`],
    ]);
    expect(found[0]).toMatchObject({
      producers: ['cosign'],
      state: 'present',
      usable: true,
      digestRefersTo: 'manifest',
      files: [{ title: 'signature.json' }],
    });
  });

  it('matches a layer media type as well as the artifactType', () => {
    expect(referrerArtifacts(image(), ['application/spdx+json']).map((node) => node.name)).toEqual([
      'IMAGE.sbom-222222222222',
    ]);
  });

  it('titles only untitled layers, numbering them when there are several', () => {
    const files = titledFiles('signature', [
      { digest: d('1'), size: 1, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' },
      { title: 'kept.txt', digest: d('2'), size: 1, mediaType: 'text/plain' },
      { digest: d('3'), size: 1, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' },
    ]);
    expect(files.map((file) => file.title)).toEqual(['signature-1.json', 'kept.txt', 'signature-2.json']);
    expect(titledFiles('sbom', [{ digest: d('4'), size: 1, mediaType: 'text/spdx' }])[0]?.title).toBe(
      'sbom.spdx',
    );
  });
});

describe('selectArtifacts with --artifact-type', () => {
  const tree = (artifacts: ArtifactNode[]): ArtifactTree => ({
    apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1',
    kind: 'ArtifactTree',
    run: { kind: 'PipelineRun', name: 'pr', outcome: 'Succeeded', source: 'test' },
    storage: {},
    taskRuns: [{ name: 'pr-build', pipelineTask: 'build', outcome: 'Succeeded', artifacts }],
    unreported: [],
    problems: [],
  });

  it('pulls the referrers of the type instead of an artifact that is not of it', () => {
    const selection = selectArtifacts(tree([image()]), {
      tasks: [],
      artifacts: [],
      inputs: false,
      artifactTypes: ['application/spdx+json'],
    });
    expect(selection.selected.map((c) => [c.task, c.node.name])).toEqual([
      ['build', 'IMAGE.sbom-222222222222'],
    ]);
  });

  it('pulls an artifact of the type itself, not its referrers', () => {
    const selection = selectArtifacts(tree([image()]), {
      tasks: [],
      artifacts: [],
      inputs: false,
      artifactTypes: ['application/vnd.oci.image.index.v1+json'],
    });
    expect(selection.selected).toEqual([]);
    expect(selection.skipped.map((s) => [s.artifact, s.state])).toEqual([['IMAGE', 'present']]);
  });
});
