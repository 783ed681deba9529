import { TREE_API_VERSION, type ArtifactTree } from '../../../src/tree/model.js';

/** A small tree with every state the printers draw: present, inline, dangling, referrers, platforms. */
export function sampleTree(): ArtifactTree {
  return {
    apiVersion: TREE_API_VERSION,
    kind: 'ArtifactTree',
    run: {
      kind: 'PipelineRun',
      name: 'build-app-x7k2',
      namespace: 'ci',
      outcome: 'Failed',
      reason: 'Failed',
      source: 'file run.yaml',
    },
    storage: {
      repository: 'registry.example.com/tekton/artifacts',
      root: {
        reference: 'registry.example.com/tekton/artifacts@sha256:' + 'a'.repeat(64),
        digest: 'sha256:' + 'a'.repeat(64),
        foundBy: 'tag ci.build-app-x7k2',
      },
      referrers: 'api',
    },
    taskRuns: [
      {
        name: 'build-app-x7k2-build',
        pipelineTask: 'build',
        outcome: 'Succeeded',
        artifacts: [
          {
            name: 'image',
            direction: 'output',
            producers: ['chains-type-hint'],
            reportedAt: ['status.results[IMAGE_URL]'],
            location: 'registry.example.com/app:v1',
            reference: 'registry.example.com/app@sha256:' + 'b'.repeat(64),
            digest: 'sha256:' + 'b'.repeat(64),
            size: 1234,
            buildOutput: true,
            state: 'present',
            usable: true,
            files: [],
            platforms: [
              {
                platform: 'linux/amd64',
                digest: 'sha256:' + 'c'.repeat(64),
                size: 900,
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                referrers: [
                  {
                    digest: 'sha256:' + 'e'.repeat(64),
                    mediaType: 'application/vnd.oci.image.manifest.v1+json',
                    artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
                    size: 550,
                    kind: 'signature',
                    tag: 'sha256-' + 'c'.repeat(64) + '.sig',
                    files: [
                      {
                        digest: 'sha256:' + 'f'.repeat(64),
                        size: 250,
                        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
                      },
                    ],
                    referrers: [],
                  },
                ],
              },
            ],
            referrers: [
              {
                digest: 'sha256:' + 'd'.repeat(64),
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                artifactType: 'application/spdx+json',
                size: 600,
                kind: 'sbom',
                files: [
                  {
                    title: 'sbom.spdx.json',
                    digest: 'sha256:' + 'e'.repeat(64),
                    size: 20480,
                    mediaType: 'application/spdx+json',
                  },
                ],
                referrers: [],
              },
            ],
          },
          {
            name: 'summary',
            direction: 'output',
            producers: ['tep0164'],
            reportedAt: ['status.artifacts.outputs[1]'],
            inline: 'Build completed: 2 images',
            state: 'inline',
            usable: true,
            files: [],
            platforms: [],
            referrers: [],
          },
        ],
      },
      {
        name: 'build-app-x7k2-test',
        pipelineTask: 'test',
        outcome: 'Failed',
        reason: 'Failed',
        artifacts: [
          {
            name: 'junit',
            direction: 'output',
            producers: ['tep0164'],
            reportedAt: ['status.artifacts.outputs[0]'],
            location: 'registry.example.com/tekton/artifacts:ci.x7k2-test.junit',
            digest: 'sha256:' + 'f'.repeat(64),
            state: 'dangling',
            usable: false,
            files: [],
            platforms: [],
            referrers: [],
            error: 'registry.example.com/tekton/artifacts has no manifest sha256:ffffffffffff',
          },
        ],
      },
    ],
    unreported: [],
    problems: [
      {
        kind: 'dangling',
        taskRun: 'test',
        artifact: 'junit',
        message: 'the registry has no manifest sha256:ffffffffffff',
      },
    ],
  };
}
