/**
 * Pairs of runs for diff's integration tests, pushed to a real registry by one of two
 * independent writers: the oras CLI (`oras push` for the Konflux trusted artifact and a directory,
 * `oras blob push`/`oras manifest push` for the TEP-0193 manifests src/formats builds, as a
 * controller would push them), or our own OCI client (src/oci RemoteRepository).
 *
 * A run of the pipeline `build-and-test`:
 * - clone: a Konflux trusted artifact (a tar.gz blob, result `oci:<repo>@<blob>`)
 * - build (TEP-0193, under the run's root): source (tar+gzip archive), images (JSON), an SPDX
 *   and a CycloneDX SBOM; and dist, an oras directory push reported by reference
 * - test (TEP-0193): a JUnit report; the TaskRun fails when a test fails
 * - report: an inline summary
 * Every knob a diff should notice is in `RunContent`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import {
  buildArtifactManifestJSON,
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
  type BuiltManifest,
} from '../../../src/formats/build.js';
import type { Descriptor as OciDescriptor } from '../../../src/oci/types.js';
import { RegistryClient } from '../../../src/oci/remote/client.js';
import { RemoteRepository } from '../../../src/oci/remote/repository.js';
import { EMPTY_CONFIG, orasDirectoryLayer, orasManifest } from '../../support/oras-manifest.js';

const exec = promisify(execFile);

export type Writer = 'oras' | 'ours';

export interface RunContent {
  /** gzip level of every archive: the same files re-compressed differ in their bytes only. */
  gzipLevel: number;
  /** Modification time written into the tar headers (and the directory pushed by oras). */
  mtime: Date;
  sourceFiles: Record<string, string>;
  cloneFiles: Record<string, string>;
  distFiles: Record<string, string>;
  imageDigest: string;
  openssl: string;
  express: string;
  byeFails: boolean;
  summary: string;
}

export const BASE: RunContent = {
  gzipLevel: 9,
  mtime: new Date('2026-11-20T10:00:00Z'),
  sourceFiles: {
    'app/main.go': 'package main\n',
    'app/go.mod': 'module example.com/app\n',
    'README.md': '# app\n',
  },
  cloneFiles: { 'main.go': 'package main\n', 'README.md': '# app\n' },
  distFiles: { 'app.js': 'console.log(1)\n', 'index.html': '<html></html>\n' },
  imageDigest: `sha256:${'a'.repeat(64)}`,
  openssl: '3.0.1',
  express: '4.18.2',
  byeFails: false,
  summary: 'build ok; tests: 2 passed',
};

export interface PushedRun {
  name: string;
  namespace: string;
  /** registry/repository of the TEP-0193 artifacts. */
  repository: string;
  /** The run's root by tag: how a pruned run is read. */
  rootReference: string;
  objects: Record<string, unknown>[];
}

function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function tarOf(files: Record<string, string>, mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const [name, content] of Object.entries(files))
    await new Promise<void>((ok, fail) =>
      pack.entry({ name, mode: 0o644, mtime }, content, (e) => (e ? fail(e) : ok())),
    );
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

interface Pusher {
  blob(repository: string, bytes: Buffer): Promise<string>;
  manifest(repository: string, built: BuiltManifest, tag?: string): Promise<string>;
  /** A Konflux trusted artifact: the tar.gz pushed as a file; returns the blob digest. */
  trustedArtifact(repository: string, tag: string, bytes: Buffer): Promise<string>;
  /** An oras directory push of `files` under `dir/`; returns the manifest digest. */
  directory(
    repository: string,
    tag: string,
    dir: string,
    files: Record<string, string>,
    content: RunContent,
  ): Promise<string>;
}

class OrasPusher implements Pusher {
  constructor(
    private readonly oras: string,
    private readonly host: string,
    private readonly work: string,
  ) {}
  private async run(args: string[], cwd = this.work): Promise<string> {
    try {
      return (await exec(this.oras, [...args, '--plain-http'], { cwd, maxBuffer: 16 * 1024 ** 2 })).stdout;
    } catch (error) {
      throw new Error(`oras ${args.join(' ')}: ${(error as { stderr?: string }).stderr ?? String(error)}`);
    }
  }
  async blob(repository: string, bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    const file = join(this.work, `blob-${digest.slice(7, 19)}`);
    await writeFile(file, bytes);
    await this.run(['blob', 'push', `${this.host}/${repository}`, file]);
    return digest;
  }
  async manifest(repository: string, built: BuiltManifest, tag?: string): Promise<string> {
    for (const blob of built.blobs) await this.blob(repository, Buffer.from(blob.bytes));
    const file = join(this.work, `manifest-${built.descriptor.digest.slice(7, 19)}.json`);
    await writeFile(file, built.bytes);
    const ref = tag
      ? `${this.host}/${repository}:${tag}`
      : `${this.host}/${repository}@${built.descriptor.digest}`;
    await this.run(['manifest', 'push', ref, file]);
    return built.descriptor.digest;
  }
  async trustedArtifact(repository: string, tag: string, bytes: Buffer): Promise<string> {
    const dir = await mkdtemp(join(this.work, 'ta-'));
    await writeFile(join(dir, 'source.tar.gz'), bytes);
    await this.run(['push', `${this.host}/${repository}:${tag}`, 'source.tar.gz'], dir);
    return sha256(bytes);
  }
  async directory(
    repository: string,
    tag: string,
    dir: string,
    files: Record<string, string>,
    content: RunContent,
  ): Promise<string> {
    const base = await mkdtemp(join(this.work, 'dir-'));
    await mkdir(join(base, dir));
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(base, dir, name), text);
      await utimes(join(base, dir, name), content.mtime, content.mtime);
    }
    const out = await this.run(['push', `${this.host}/${repository}:${tag}`, dir, '--format', 'json'], base);
    return (JSON.parse(out) as { digest: string }).digest;
  }
}

class OurPusher implements Pusher {
  private readonly client: RegistryClient;
  constructor(private readonly host: string) {
    this.client = new RegistryClient(host, { plainHttp: true });
  }
  private repo(repository: string): RemoteRepository {
    return new RemoteRepository(this.client, repository);
  }
  async blob(repository: string, bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    await this.repo(repository).push(
      { mediaType: 'application/octet-stream', digest, size: bytes.byteLength },
      bytes,
    );
    return digest;
  }
  async manifest(repository: string, built: BuiltManifest, tag?: string): Promise<string> {
    for (const blob of built.blobs) await this.blob(repository, Buffer.from(blob.bytes));
    await this.repo(repository).pushManifest(built.descriptor, built.bytes, tag ?? built.descriptor.digest);
    return built.descriptor.digest;
  }
  async trustedArtifact(repository: string, _tag: string, bytes: Buffer): Promise<string> {
    return this.blob(repository, bytes);
  }
  async directory(
    repository: string,
    tag: string,
    dir: string,
    files: Record<string, string>,
    content: RunContent,
  ): Promise<string> {
    // The manifest oras writes for a directory: one tar+gzip layer holding dir/…, marked for unpacking.
    const entries = Object.fromEntries(Object.entries(files).map(([name, text]) => [`${dir}/${name}`, text]));
    const tarBytes = await tarOf(entries, content.mtime);
    const layer = gzipSync(tarBytes, { level: content.gzipLevel });
    await this.blob(repository, layer);
    await this.blob(repository, EMPTY_CONFIG);
    const { bytes, descriptor } = orasManifest([
      orasDirectoryLayer(dir, { digest: sha256(layer), size: layer.byteLength }, sha256(tarBytes)),
    ]);
    await this.repo(repository).pushManifest(descriptor, bytes, tag);
    return descriptor.digest;
  }
}

function condition(ok: boolean): Record<string, unknown> {
  return ok
    ? {
        type: 'Succeeded',
        status: 'True',
        reason: 'Succeeded',
        message: 'done',
        lastTransitionTime: '2026-11-20T10:04:00Z',
      }
    : {
        type: 'Succeeded',
        status: 'False',
        reason: 'Failed',
        message: 'a step failed',
        lastTransitionTime: '2026-11-20T10:04:00Z',
      };
}

export async function pushRun(options: {
  writer: Writer;
  oras: string;
  host: string;
  namespace: string;
  name: string;
  content: RunContent;
}): Promise<PushedRun> {
  const { host, namespace, name, content } = options;
  const work = await mkdtemp(join(tmpdir(), 'tkn-diff-run-'));
  const p: Pusher =
    options.writer === 'oras' ? new OrasPusher(options.oras, host, work) : new OurPusher(host);
  const repos = {
    artifacts: `${namespace}/tekton-artifacts`,
    ta: `${namespace}/app-ta`,
    dist: `${namespace}/dist`,
  };
  const full = (repository: string) => `${host}/${repository}`;
  const created = '2026-11-20T10:00:00Z';
  const gz = async (files: Record<string, string>) =>
    gzipSync(await tarOf(files, content.mtime), { level: content.gzipLevel });
  try {
    const cloneBlob = await p.trustedArtifact(repos.ta, `${name}.git`, await gz(content.cloneFiles));
    const dist = await p.directory(repos.dist, name, 'dist', content.distFiles, content);

    const root = buildRootManifestJSON({ namespace, pipelineRun: name, pipeline: 'build-and-test', created });
    await p.manifest(repos.artifacts, root, root.tag);
    const refs: Record<string, OciDescriptor> = {};
    for (const task of ['build', 'test']) {
      const ref = buildTaskRunReferenceJSON({
        namespace,
        pipelineRun: name,
        taskRun: `${name}-${task}`,
        task,
        created,
        root: root.descriptor,
      });
      await p.manifest(repos.artifacts, ref, ref.tag);
      refs[task] = ref.descriptor;
    }
    const artifact = async (
      task: string,
      artifactName: string,
      bytes: Buffer,
      mediaType: string,
      archive?: 'tar+gzip',
    ) => {
      const built = buildArtifactManifestJSON({
        name: artifactName,
        namespace,
        taskRun: `${name}-${task}`,
        pipelineRun: name,
        task,
        created,
        contentType: mediaType,
        subject: refs[task],
        files: [
          {
            title: artifactName,
            digest: await p.blob(repos.artifacts, bytes),
            size: bytes.byteLength,
            ...(archive ? { archive } : { mediaType }),
          },
        ],
      });
      const digest = await p.manifest(repos.artifacts, built, built.tag);
      return { digest, size: bytes.byteLength, mediaType };
    };
    const outputs: Record<string, Awaited<ReturnType<typeof artifact>>> = {};
    outputs['source'] = await artifact(
      'build',
      'source',
      await gz(content.sourceFiles),
      'application/octet-stream',
      'tar+gzip',
    );
    outputs['images'] = await artifact(
      'build',
      'images',
      Buffer.from(
        JSON.stringify({
          images: [
            { name: 'app', digest: content.imageDigest },
            { name: 'base', digest: `sha256:${'b'.repeat(64)}` },
          ],
        }),
      ),
      'application/json',
    );
    outputs['sbom-spdx'] = await artifact(
      'build',
      'sbom-spdx',
      Buffer.from(
        JSON.stringify({
          spdxVersion: 'SPDX-2.3',
          name: 'app',
          packages: [
            {
              SPDXID: 'SPDXRef-openssl',
              name: 'openssl',
              versionInfo: content.openssl,
              externalRefs: [
                {
                  referenceCategory: 'PACKAGE-MANAGER',
                  referenceType: 'purl',
                  referenceLocator: `pkg:deb/debian/openssl@${content.openssl}?arch=amd64`,
                },
              ],
            },
            { SPDXID: 'SPDXRef-zlib', name: 'zlib', versionInfo: '1.3' },
          ],
        }),
      ),
      'application/spdx+json',
    );
    outputs['sbom-cdx'] = await artifact(
      'build',
      'sbom-cdx',
      Buffer.from(
        JSON.stringify({
          bomFormat: 'CycloneDX',
          specVersion: '1.5',
          components: [
            {
              type: 'library',
              name: 'express',
              version: content.express,
              purl: `pkg:npm/express@${content.express}`,
            },
            { type: 'library', name: 'lodash', version: '4.17.21', purl: 'pkg:npm/lodash@4.17.21' },
          ],
        }),
      ),
      'application/vnd.cyclonedx+json',
    );
    const junit = `<?xml version="1.0"?>\n<testsuites><testsuite name="app" tests="2"><testcase classname="app" name="TestHello"/><testcase classname="app" name="TestBye">${content.byeFails ? '<failure message="expected bye">got hello</failure>' : ''}</testcase></testsuite></testsuites>\n`;
    outputs['junit'] = await artifact('test', 'junit', Buffer.from(junit), 'application/xml');

    const hex = (digest: string) => digest.slice('sha256:'.length);
    const value = (out: { digest: string; size: number; mediaType: string }) => ({
      uri: `${full(repos.artifacts)}@${out.digest}`,
      digest: { sha256: hex(out.digest) },
      ref: {
        backend: 'oci',
        location: `${full(repos.artifacts)}@${out.digest}`,
        digest: out.digest,
        contentType: out.mediaType,
      },
    });
    const labels = (task: string) => ({
      'tekton.dev/pipeline': 'build-and-test',
      'tekton.dev/pipelineRun': name,
      'tekton.dev/pipelineTask': task,
    });
    const taskRun = (task: string, ok: boolean, status: Record<string, unknown>) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: { name: `${name}-${task}`, namespace, labels: labels(task) },
      spec: { taskRef: { name: task } },
      status: { conditions: [condition(ok)], ...status },
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
        data: { enabled: 'true', backend: 'oci', 'oci.repository': full(repos.artifacts) },
      },
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: { name, namespace, labels: { 'tekton.dev/pipeline': 'build-and-test' } },
        spec: { pipelineRef: { name: 'build-and-test' } },
        status: {
          conditions: [condition(!content.byeFails)],
          childReferences: ['clone', 'build', 'test', 'report'].map((task) => ({
            apiVersion: 'tekton.dev/v1',
            kind: 'TaskRun',
            name: `${name}-${task}`,
            pipelineTaskName: task,
          })),
        },
      },
      taskRun('clone', true, {
        results: [{ name: 'SOURCE_ARTIFACT', type: 'string', value: `oci:${full(repos.ta)}@${cloneBlob}` }],
      }),
      taskRun('build', true, {
        artifacts: {
          outputs: [
            ...['source', 'images', 'sbom-spdx', 'sbom-cdx'].map((n) => ({
              name: n,
              values: [value(outputs[n] as never)],
            })),
            { name: 'dist', values: [{ uri: `${full(repos.dist)}@${dist}`, digest: { sha256: hex(dist) } }] },
          ],
        },
      }),
      taskRun('test', !content.byeFails, {
        artifacts: { outputs: [{ name: 'junit', values: [value(outputs['junit'])] }] },
      }),
      taskRun('report', true, {
        artifacts: { outputs: [{ name: 'summary', values: [{ inline: content.summary }] }] },
      }),
    ];
    return {
      name,
      namespace,
      repository: full(repos.artifacts),
      rootReference: `${full(repos.artifacts)}:${root.tag}`,
      objects,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The objects as one `kind: List` document, the shape `kubectl get … -o yaml` prints. */
export async function writeExport(runs: PushedRun[], file: string): Promise<void> {
  const { stringify } = await import('yaml');
  const seen = new Set<string>();
  const items = runs
    .flatMap((r) => r.objects)
    .filter((o) => {
      const key = `${String(o['kind'])}/${String((o['metadata'] as { name: string }).name)}`;
      if (seen.has(key)) return false; // one storage ConfigMap per namespace
      seen.add(key);
      return true;
    });
  await writeFile(file, stringify({ apiVersion: 'v1', kind: 'List', items }, { lineWidth: 0 }));
}
