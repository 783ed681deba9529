/**
 * A realistic PipelineRun whose tasks store results the ways Tekton users do today, pushed with
 * the oras CLI (an independent writer: our reader is never tested only against our writer):
 *
 * - clone: a Konflux trusted artifact (`oras push` of a tar.gz; result `oci:<repo>@<blob digest>`)
 * - build: a multi-arch image (oras manifest index create) reported through Chains type hints,
 *   with an SBOM and a signature attached as referrers (oras attach), a signature on the SBOM,
 *   an images list attached to the image as tekton-experiments' attach-artifacts does (and one
 *   from another run of the same image), and an images list in the TEP-0193 format reported in
 *   status.artifacts
 * - test (fails): a JUnit report (one raw file) and coverage (tar+gzip of several files) in the
 *   TEP-0193 format under the PipelineRun's root; a log archive stored but not reported
 *   (unreported), and a screenshot reported but never stored (dangling)
 * - report (finally): an inline summary
 *
 * The TEP-0193 manifests are built by src/formats and written with `oras blob push` and
 * `oras manifest push`, as a controller would push them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  buildArtifactManifestJSON,
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
  type BuiltManifest,
} from '../../src/formats/build.js';
import type { Descriptor } from '../../src/oci/types.js';

const run = promisify(execFile);

/** Where the scenario is pushed: an OCI layout directory, or a registry reached over plain HTTP. */
export type Destination = { kind: 'layout'; dir: string } | { kind: 'registry'; host: string };

export interface ScenarioOptions {
  oras: string;
  destination: Destination;
  /** The registry name the run's status uses (for a layout, any realistic name). */
  registry: string;
  namespace?: string;
  pipelineRun?: string;
  /** Fixed time, so a regenerated example differs only where oras adds its own timestamps. */
  created?: string;
}

export interface Scenario {
  namespace: string;
  pipelineRun: string;
  /** Repositories, as the status names them (registry/name). */
  repositories: { artifacts: string; app: string; source: string };
  /** The run objects, as `kubectl get pipelinerun,taskrun,configmap -o yaml` would list them. */
  objects: Record<string, unknown>[];
  digests: {
    root: string;
    index: string;
    sbom: string;
    signature: string;
    sbomSignature: string;
    /** Attached to the image by this run (build-output variant). */
    attachedImages: string;
    /** Attached to the same image by another run: never part of this run's tree. */
    foreignImages: string;
    sourceBlob: string;
    images: string;
    junit: string;
    coverage: string;
    logs: string;
    missing: string;
    taskRunRefs: Record<string, string>;
  };
}

function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A deterministic tar (ustar, no timestamps) of small text files, so digests are stable. */
export function tarOf(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

class Pusher {
  constructor(
    private readonly oras: string,
    private readonly destination: Destination,
    private readonly cwd: string,
  ) {}

  private target(repository: string, reference?: string): string[] {
    if (this.destination.kind === 'layout') {
      const base = this.destination.dir;
      return [
        '--oci-layout',
        reference
          ? reference.startsWith('sha256:')
            ? `${base}@${reference}`
            : `${base}:${reference}`
          : base,
      ];
    }
    const base = `${this.destination.host}/${repository}`;
    return [
      '--plain-http',
      reference ? (reference.startsWith('sha256:') ? `${base}@${reference}` : `${base}:${reference}`) : base,
    ];
  }

  async oras_(args: string[]): Promise<string> {
    try {
      const { stdout } = await run(this.oras, args, { cwd: this.cwd, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`oras ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  }

  /** `oras push`, returning the manifest digest. */
  async push(repository: string, tag: string, files: string[], extra: string[] = []): Promise<string> {
    const [flag, ref] = this.target(repository, tag);
    const out = await this.oras_([
      'push',
      flag as string,
      ref as string,
      ...extra,
      '--format',
      'json',
      ...files,
    ]);
    return (JSON.parse(out) as { digest: string }).digest;
  }

  /** `oras attach`, returning the referrer's digest. */
  async attach(
    repository: string,
    subject: string,
    artifactType: string,
    files: string[],
    extra: string[] = [],
  ): Promise<string> {
    const [flag, ref] = this.target(repository, subject);
    const out = await this.oras_([
      'attach',
      flag as string,
      ref as string,
      '--artifact-type',
      artifactType,
      ...extra,
      '--format',
      'json',
      ...files,
    ]);
    return (JSON.parse(out) as { digest: string }).digest;
  }

  async blob(repository: string, bytes: Uint8Array): Promise<string> {
    const digest = sha256(bytes);
    const file = join(this.cwd, `blob-${digest.slice(7, 19)}`);
    await writeFile(file, bytes);
    const [flag, ref] = this.target(repository);
    await this.oras_(['blob', 'push', flag as string, ref as string, file]);
    return digest;
  }

  async manifest(repository: string, built: BuiltManifest, tag?: string): Promise<string> {
    for (const blob of built.blobs) await this.blob(repository, blob.bytes);
    const file = join(this.cwd, `manifest-${built.descriptor.digest.slice(7, 19)}.json`);
    await writeFile(file, built.bytes);
    const [flag, ref] = this.target(repository, tag ?? built.descriptor.digest);
    await this.oras_(['manifest', 'push', flag as string, ref as string, file]);
    return built.descriptor.digest;
  }

  async resolve(repository: string, reference: string): Promise<string> {
    const [flag, ref] = this.target(repository, reference);
    return (await this.oras_(['resolve', flag as string, ref as string])).trim();
  }
}

function condition(status: 'True' | 'False', reason: string, message: string): Record<string, unknown> {
  return { type: 'Succeeded', status, reason, message, lastTransitionTime: '2026-11-20T10:04:00Z' };
}

export async function pushScenario(options: ScenarioOptions): Promise<Scenario> {
  const namespace = options.namespace ?? 'ci';
  const pipelineRun = options.pipelineRun ?? 'build-app-x7k2';
  const created = options.created ?? '2026-11-20T10:00:00Z';
  const reg = options.registry;
  const repos = {
    artifacts: `${namespace}/tekton-artifacts`,
    app: `${namespace}/app`,
    source: `${namespace}/app-trusted-artifacts`,
  };
  const full = (repo: string) => `${reg}/${repo}`;
  const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-scenario-'));
  const p = new Pusher(options.oras, options.destination, work);
  try {
    // clone: Konflux trusted artifact. create-oci.sh tars with `gzip -n` and pushes the archive by name.
    const sourceTar = gzipSync(
      tarOf({
        'app/main.go': 'package main\n\nfunc main() { println("hello") }\n',
        'app/go.mod': 'module example.com/app\n\ngo 1.26\n',
        'README.md': '# app\n',
      }),
    );
    await writeFile(join(work, 'source.tar.gz'), sourceTar);
    await p.push(repos.source, `${pipelineRun}.git`, ['source.tar.gz']);
    const sourceBlob = sha256(sourceTar);

    // build: a two-platform image, pushed as images are, then indexed.
    for (const arch of ['amd64', 'arm64']) {
      const config = {
        architecture: arch,
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] as string[] },
        config: {},
      };
      const layer = gzipSync(tarOf({ [`bin/app-${arch}`]: `binary for ${arch}\n` }));
      await writeFile(join(work, `config-${arch}.json`), JSON.stringify(config));
      await writeFile(join(work, `layer-${arch}.tar.gz`), layer);
      await p.push(
        repos.app,
        `v1.4.0-${arch}`,
        [`layer-${arch}.tar.gz:application/vnd.oci.image.layer.v1.tar+gzip`],
        ['--image-spec', 'v1.0', '--config', `config-${arch}.json:application/vnd.oci.image.config.v1+json`],
      );
    }
    if (options.destination.kind === 'layout') {
      await p.oras_([
        'manifest',
        'index',
        'create',
        '--oci-layout',
        `${options.destination.dir}:v1.4.0`,
        'v1.4.0-amd64',
        'v1.4.0-arm64',
      ]);
    } else {
      await p.oras_([
        'manifest',
        'index',
        'create',
        '--plain-http',
        `${options.destination.host}/${repos.app}:v1.4.0`,
        'v1.4.0-amd64',
        'v1.4.0-arm64',
      ]);
    }
    const index = await p.resolve(repos.app, 'v1.4.0');
    await writeFile(
      join(work, 'sbom.spdx.json'),
      JSON.stringify({
        spdxVersion: 'SPDX-2.3',
        name: 'app',
        packages: [{ name: 'example.com/app', versionInfo: 'v1.4.0' }],
      }),
    );
    const sbom = await p.attach(repos.app, index, 'application/spdx+json', [
      'sbom.spdx.json:application/spdx+json',
    ]);
    await writeFile(
      join(work, 'signature.json'),
      JSON.stringify({
        critical: { image: { 'docker-manifest-digest': index }, type: 'cosign container image signature' },
      }),
    );
    const signature = await p.attach(
      repos.app,
      index,
      'application/vnd.dev.cosign.artifact.sig.v1+json',
      ['signature.json:application/vnd.dev.cosign.simplesigning.v1+json'],
      ['--annotation', 'dev.cosignproject.cosign/signature=MEUCIQDexample'],
    );
    await writeFile(
      join(work, 'sbom-signature.json'),
      JSON.stringify({ critical: { image: { 'docker-manifest-digest': sbom } } }),
    );
    const sbomSignature = await p.attach(repos.app, sbom, 'application/vnd.dev.cosign.artifact.sig.v1+json', [
      'sbom-signature.json:application/vnd.dev.cosign.simplesigning.v1+json',
    ]);
    // The build-output variant, as tekton-experiments' attach-artifacts StepAction writes it: this
    // run's image list attached to the image, beside one an earlier run attached to the same image.
    const attachAnnotations = (run: string) => [
      '--annotation',
      `dev.tekton.artifact/pipelinerun=${run}`,
      '--annotation',
      'dev.tekton.artifact/task=build',
      '--annotation',
      'dev.tekton.artifact/build-output=true',
    ];
    const imagesType = 'application/vnd.tekton.artifact.images.v1+json';
    await writeFile(
      join(work, 'images-manifest.json'),
      JSON.stringify({ images: [`${full(repos.app)}@${index}`] }),
    );
    const attachedImages = await p.attach(
      repos.app,
      index,
      imagesType,
      [`images-manifest.json:${imagesType}`],
      attachAnnotations(pipelineRun),
    );
    await writeFile(join(work, 'older-images.json'), JSON.stringify({ images: ['an earlier build'] }));
    const foreignImages = await p.attach(
      repos.app,
      index,
      imagesType,
      [`older-images.json:${imagesType}`],
      attachAnnotations('build-app-older'),
    );

    // The PipelineRun's root and one reference per TaskRun (TEP-0193 grouping).
    const root = buildRootManifestJSON({ namespace, pipelineRun, pipeline: 'build-and-test', created });
    const rootDigest = await p.manifest(repos.artifacts, root, root.tag);
    const rootDescriptor: Descriptor = root.descriptor;
    const taskRunRefs: Record<string, string> = {};
    const refDescriptors: Record<string, Descriptor> = {};
    for (const task of ['build', 'test']) {
      const ref = buildTaskRunReferenceJSON({
        namespace,
        pipelineRun,
        taskRun: `${pipelineRun}-${task}`,
        task,
        created,
        root: rootDescriptor,
      });
      taskRunRefs[task] = await p.manifest(repos.artifacts, ref, ref.tag);
      refDescriptors[task] = ref.descriptor;
    }

    const artifact = async (
      task: string,
      name: string,
      files: { title: string; bytes: Uint8Array; mediaType?: string; archive?: 'tar+gzip' }[],
      contentType: string,
    ) => {
      const built = buildArtifactManifestJSON({
        name,
        namespace,
        taskRun: `${pipelineRun}-${task}`,
        pipelineRun,
        task,
        created,
        contentType,
        subject: refDescriptors[task],
        files: await Promise.all(
          files.map(async (file) => ({
            title: file.title,
            digest: await p.blob(repos.artifacts, file.bytes),
            size: file.bytes.byteLength,
            ...(file.mediaType ? { mediaType: file.mediaType } : {}),
            ...(file.archive ? { archive: file.archive } : {}),
          })),
        ),
      });
      return p.manifest(repos.artifacts, built, built.tag);
    };
    const imagesList = JSON.stringify([`${full(repos.app)}@${index}`]);
    const images = await artifact(
      'build',
      'images',
      [{ title: 'images', bytes: Buffer.from(imagesList), mediaType: 'application/json' }],
      'application/json',
    );
    const junitXml =
      '<?xml version="1.0"?>\n<testsuite name="app" tests="3" failures="1"><testcase name="TestHello"/><testcase name="TestBye"><failure>expected bye</failure></testcase><testcase name="TestNoop"/></testsuite>\n';
    const junit = await artifact(
      'test',
      'junit',
      [{ title: 'junit', bytes: Buffer.from(junitXml), mediaType: 'application/xml' }],
      'application/xml',
    );
    const coverageTar = gzipSync(
      tarOf({
        'cover.out': 'mode: set\nexample.com/app/main.go:3.13,3.35 1 1\n',
        'summary.txt': 'coverage: 66.7% of statements\n',
      }),
    );
    const coverage = await artifact(
      'test',
      'coverage',
      [{ title: 'coverage', bytes: coverageTar, archive: 'tar+gzip' }],
      'application/octet-stream',
    );
    const logs = await artifact(
      'test',
      'logs',
      [{ title: 'logs', bytes: Buffer.from('=== RUN TestHello\n--- PASS\n=== RUN TestBye\n--- FAIL\n') }],
      'text/plain',
    );
    const missing = sha256('screenshots that were never uploaded');

    const hex = (digest: string) => digest.slice('sha256:'.length);
    const uid = (name: string) =>
      `0000${createHash('sha256').update(name).digest('hex').slice(0, 8)}-0000-4000-8000-000000000000`;
    const labels = (task: string) => ({
      'tekton.dev/pipeline': 'build-and-test',
      'tekton.dev/pipelineRun': pipelineRun,
      'tekton.dev/pipelineRunUID': uid(pipelineRun),
      'tekton.dev/pipelineTask': task,
      'tekton.dev/memberOf': task === 'report' ? 'finally' : 'tasks',
    });
    const taskRun = (task: string, status: Record<string, unknown>) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name: `${pipelineRun}-${task}`,
        namespace,
        uid: uid(`${pipelineRun}-${task}`),
        labels: labels(task),
      },
      spec: {
        taskRef: { name: task === 'clone' ? 'git-clone-oci-ta' : task },
        serviceAccountName: 'pipeline',
      },
      status: {
        podName: `${pipelineRun}-${task}-pod`,
        startTime: '2026-11-20T10:00:00Z',
        completionTime: '2026-11-20T10:03:00Z',
        ...status,
      },
    });
    const objects: Record<string, unknown>[] = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'config-artifact-storage',
          namespace,
          labels: { 'tekton.dev/config-type': 'artifact-storage' },
        },
        data: {
          enabled: 'true',
          backend: 'oci',
          'oci.repository': full(repos.artifacts),
          'inline-threshold': '1024',
        },
      },
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: {
          name: pipelineRun,
          namespace,
          uid: uid(pipelineRun),
          labels: { 'tekton.dev/pipeline': 'build-and-test' },
        },
        spec: {
          pipelineRef: { name: 'build-and-test' },
          params: [{ name: 'git-url', value: 'https://git.example.com/app.git' }],
        },
        status: {
          startTime: '2026-11-20T10:00:00Z',
          completionTime: '2026-11-20T10:04:00Z',
          conditions: [
            condition('False', 'Failed', 'Tasks Completed: 4 (Failed: 1, Cancelled 0), Skipped: 0'),
          ],
          childReferences: ['clone', 'build', 'test', 'report'].map((task) => ({
            apiVersion: 'tekton.dev/v1',
            kind: 'TaskRun',
            name: `${pipelineRun}-${task}`,
            pipelineTaskName: task,
          })),
          results: [
            { name: 'IMAGE_URL', value: `${full(repos.app)}:v1.4.0` },
            { name: 'IMAGE_DIGEST', value: index },
          ],
        },
      },
      taskRun('clone', {
        conditions: [condition('True', 'Succeeded', 'All Steps have completed executing')],
        results: [
          { name: 'SOURCE_ARTIFACT', type: 'string', value: `oci:${full(repos.source)}@${sourceBlob}` },
          { name: 'commit', type: 'string', value: '9f2c4e1b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e' },
        ],
      }),
      taskRun('build', {
        conditions: [condition('True', 'Succeeded', 'All Steps have completed executing')],
        results: [
          { name: 'IMAGE_URL', type: 'string', value: `${full(repos.app)}:v1.4.0` },
          { name: 'IMAGE_DIGEST', type: 'string', value: index },
        ],
        artifacts: {
          inputs: [
            {
              name: 'source',
              values: [
                { uri: `oci:${full(repos.source)}@${sourceBlob}`, digest: { sha256: hex(sourceBlob) } },
              ],
            },
          ],
          outputs: [
            {
              name: 'images',
              values: [
                {
                  uri: `${full(repos.artifacts)}@${images}`,
                  digest: { sha256: hex(images) },
                  ref: {
                    backend: 'oci',
                    location: `${full(repos.artifacts)}@${images}`,
                    digest: images,
                    contentType: 'application/json',
                  },
                  size: Buffer.byteLength(imagesList),
                },
              ],
            },
          ],
        },
      }),
      taskRun('test', {
        conditions: [condition('False', 'Failed', '"step-unit-tests" exited with code 1')],
        artifacts: {
          outputs: [
            {
              name: 'junit',
              values: [
                {
                  uri: `${full(repos.artifacts)}@${junit}`,
                  digest: { sha256: hex(junit) },
                  ref: {
                    backend: 'oci',
                    location: `${full(repos.artifacts)}:${namespace}.${pipelineRun}-test.junit`,
                    digest: junit,
                    contentType: 'application/xml',
                  },
                  size: Buffer.byteLength(junitXml),
                },
              ],
            },
            {
              name: 'coverage',
              values: [
                {
                  uri: `${full(repos.artifacts)}@${coverage}`,
                  digest: { sha256: hex(coverage) },
                  ref: { backend: 'oci', location: `${full(repos.artifacts)}@${coverage}`, digest: coverage },
                  size: coverageTar.byteLength,
                },
              ],
            },
            {
              name: 'screenshots',
              values: [
                {
                  uri: `${full(repos.artifacts)}@${missing}`,
                  digest: { sha256: hex(missing) },
                  ref: { backend: 'oci', location: `${full(repos.artifacts)}@${missing}`, digest: missing },
                },
              ],
            },
          ],
        },
      }),
      taskRun('report', {
        conditions: [condition('True', 'Succeeded', 'All Steps have completed executing')],
        artifacts: {
          outputs: [
            { name: 'summary', values: [{ inline: 'build ok; tests: 2 passed, 1 failed; coverage 66.7%' }] },
          ],
        },
      }),
    ];
    return {
      namespace,
      pipelineRun,
      repositories: { artifacts: full(repos.artifacts), app: full(repos.app), source: full(repos.source) },
      objects,
      digests: {
        root: rootDigest,
        index,
        sbom,
        signature,
        sbomSignature,
        attachedImages,
        foreignImages,
        sourceBlob,
        images,
        junit,
        coverage,
        logs,
        missing,
        taskRunRefs,
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The objects as one `kind: List` document, the shape `kubectl get … -o yaml` prints. */
export async function writeRunExport(scenario: Scenario, file: string): Promise<void> {
  const { stringify } = await import('yaml');
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(
    file,
    stringify(
      { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: scenario.objects },
      { lineWidth: 0 },
    ),
  );
}

export async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8'));
}
