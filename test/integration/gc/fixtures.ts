/**
 * Stored runs for gc's integration tests, written two independent ways into a real registry:
 *
 * - by the oras CLI: the root with `oras manifest index create --artifact-type …pipelinerun.v1`,
 *   TaskRun references and artifacts with `oras attach` (untagged, found only through referrers),
 *   a cosign-style signature attached to an artifact, and artifact tags with `oras tag`;
 * - by our own writer: src/formats builders pushed through RemoteRepository (tagged as the tag
 *   patterns say).
 *
 * Both record the PipelineRun's UID on the root, as the format says (docs/formats.md). Runs exist
 * in the real kube-apiserver, their status written through /status as Tekton's controller does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeApply, kubeRequest, oras, type TestEnv } from '../../env/context.js';
import { createRun } from '../../support/cluster.js';
import {
  buildArtifactManifestJSON,
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
} from '../../../src/formats/build.js';
import * as C from '../../../src/formats/constants.js';
import { MediaType } from '../../../src/oci/types.js';
import { RegistryClient } from '../../../src/oci/remote/client.js';
import { RemoteRepository } from '../../../src/oci/remote/repository.js';

export interface StoredRun {
  namespace: string;
  name: string;
  uid: string;
  /** Every manifest digest the run stored (root first). */
  manifests: string[];
  /** Tags it created (besides fallback tags). */
  tags: string[];
  root: string;
  /** artifact name → manifest digest */
  artifacts: Record<string, string>;
  /** artifact name → layer (content) blob digest */
  layers: Record<string, string>;
  /** blob digests only this run uses (content layers). */
  uniqueBlobs: string[];
}

function emptyRun(namespace: string, name: string, uid: string): StoredRun {
  return {
    namespace,
    name,
    uid,
    manifests: [],
    tags: [],
    root: '',
    artifacts: {},
    layers: {},
    uniqueBlobs: [],
  };
}

/** gc's command line against `host/repository`, as the cluster's admin (tests add what they test). */
export function gcArgs(
  env: TestEnv,
  namespace: string,
  host: string,
  repository: string,
  extra: string[] = [],
): string[] {
  return [
    'gc',
    '-n',
    namespace,
    '--kubeconfig',
    env.kube.adminKubeconfig,
    '--repository',
    `${host}/${repository}`,
    '--plain-http',
    host,
    ...extra,
  ];
}

export interface RunSpec {
  namespace: string;
  name: string;
  pipeline?: string;
  tasks: Array<{ task: string; artifacts: string[] }>;
  /** RFC 3339 creation time recorded in the content. */
  created?: string;
  /** Leave the PipelineRun running (no completion). */
  running?: boolean;
}

function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function ensureNamespace(env: TestEnv, name: string): Promise<void> {
  await kubeApply(env, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export async function deleteRunObject(
  env: TestEnv,
  kind: 'PipelineRun' | 'TaskRun',
  namespace: string,
  name: string,
): Promise<void> {
  const plural = kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns';
  const response = await kubeRequest(
    env,
    'DELETE',
    `/apis/tekton.dev/v1/namespaces/${namespace}/${plural}/${name}`,
  );
  if (response.status !== 200 && response.status !== 202)
    throw new Error(`DELETE ${kind} ${namespace}/${name}: HTTP ${response.status}: ${response.text}`);
}

/** A PipelineRun in the cluster (completed unless `running`), with optional TaskRun params naming inputs. */
export async function createPipelineRun(
  env: TestEnv,
  spec: { namespace: string; name: string; pipeline?: string; running?: boolean },
): Promise<string> {
  const completed = !spec.running;
  const stored = await createRun(env, {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { 'tekton.dev/pipeline': spec.pipeline ?? 'build' },
    },
    spec: { pipelineRef: { name: spec.pipeline ?? 'build' } },
    status: {
      startTime: '2026-11-20T10:00:00Z',
      ...(completed ? { completionTime: '2026-11-20T10:04:00Z' } : {}),
      conditions: [
        {
          type: 'Succeeded',
          status: completed ? 'True' : 'Unknown',
          reason: completed ? 'Succeeded' : 'Running',
          lastTransitionTime: '2026-11-20T10:04:00Z',
        },
      ],
    },
  });
  return stored.metadata.uid as string;
}

/** A TaskRun of a live run that takes `input` (a Konflux-style `oci:` param naming a blob). */
export async function createConsumerTaskRun(
  env: TestEnv,
  spec: { namespace: string; name: string; input: string },
): Promise<void> {
  await createRun(env, {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: { taskRef: { name: 'consume' }, params: [{ name: 'SOURCE_ARTIFACT', value: spec.input }] },
    status: {
      startTime: '2026-11-20T10:00:00Z',
      completionTime: '2026-11-20T10:04:00Z',
      conditions: [
        {
          type: 'Succeeded',
          status: 'True',
          reason: 'Succeeded',
          lastTransitionTime: '2026-11-20T10:04:00Z',
        },
      ],
    },
  });
}

function content(run: string, task: string, artifact: string, salt: string): Buffer {
  return Buffer.from(`${artifact} of ${run}/${task} (${salt})\n${randomBytes(64).toString('hex')}\n`);
}

/** Pushes a run's content with the oras CLI alone. */
export async function pushWithOras(
  env: TestEnv,
  host: string,
  repository: string,
  spec: RunSpec & { uid: string },
): Promise<StoredRun> {
  const work = await mkdtemp(join(tmpdir(), 'tkn-gc-oras-'));
  const ref = (r: string) => `${host}/${repository}${r.startsWith('sha256:') ? '@' : ':'}${r}`;
  const created = spec.created ?? '2026-11-20T10:00:00Z';
  const run = emptyRun(spec.namespace, spec.name, spec.uid);
  const digestOf = (out: string): string => (JSON.parse(out) as { digest: string }).digest;
  try {
    const rootTag = `${spec.namespace}.${spec.name}`;
    await oras(env, [
      'manifest',
      'index',
      'create',
      ref(rootTag),
      '--artifact-type',
      C.TEKTON_PIPELINERUN_ARTIFACT_TYPE,
      '--annotation',
      `${C.ANNOTATION_PIPELINERUN}=${spec.name}`,
      '--annotation',
      `${C.ANNOTATION_NAMESPACE}=${spec.namespace}`,
      '--annotation',
      `${C.ANNOTATION_PIPELINE}=${spec.pipeline ?? 'build'}`,
      '--annotation',
      `${C.ANNOTATION_PIPELINERUN_UID}=${spec.uid}`,
      '--annotation',
      `${C.ANNOTATION_CREATED}=${created}`,
    ]);
    run.root = (await oras(env, ['resolve', ref(rootTag)])).trim();
    run.manifests.push(run.root);
    run.tags.push(rootTag);
    for (const t of spec.tasks) {
      const taskRun = `${spec.name}-${t.task}`;
      const refOut = await oras(env, [
        'attach',
        ref(run.root),
        '--artifact-type',
        C.TEKTON_TASKRUN_ARTIFACT_TYPE,
        '--annotation',
        `${C.ANNOTATION_TASKRUN}=${taskRun}`,
        '--annotation',
        `${C.ANNOTATION_PIPELINERUN}=${spec.name}`,
        '--annotation',
        `${C.ANNOTATION_NAMESPACE}=${spec.namespace}`,
        '--annotation',
        `${C.ANNOTATION_TASK}=${t.task}`,
        '--format',
        'json',
      ]);
      const trRef = digestOf(refOut);
      run.manifests.push(trRef);
      for (const a of t.artifacts) {
        const bytes = content(spec.name, t.task, a, 'oras');
        await writeFile(join(work, a), bytes);
        const out = await oras(
          env,
          [
            'attach',
            ref(trRef),
            '--artifact-type',
            MediaType.TektonArtifact,
            '--annotation',
            `${C.ANNOTATION_NAME}=${a}`,
            '--annotation',
            `${C.ANNOTATION_TASKRUN}=${taskRun}`,
            '--annotation',
            `${C.ANNOTATION_PIPELINERUN}=${spec.name}`,
            '--annotation',
            `${C.ANNOTATION_NAMESPACE}=${spec.namespace}`,
            '--format',
            'json',
            `${a}:application/octet-stream`,
          ],
          { cwd: work },
        );
        const digest = digestOf(out);
        run.manifests.push(digest);
        run.artifacts[a] = digest;
        run.layers[a] = sha256(bytes);
        run.uniqueBlobs.push(sha256(bytes));
        const tag = `${spec.namespace}.${taskRun}.${a}`;
        await oras(env, ['tag', ref(digest), tag]);
        run.tags.push(tag);
      }
    }
    // A signature on the first artifact: not Tekton's, but below the run, so it goes with it.
    const first = Object.values(run.artifacts)[0];
    if (first) {
      const sig = Buffer.from(
        JSON.stringify({
          critical: { image: { 'docker-manifest-digest': first } },
          n: randomBytes(8).toString('hex'),
        }),
      );
      await writeFile(join(work, 'sig.json'), sig);
      const out = await oras(
        env,
        [
          'attach',
          ref(first),
          '--artifact-type',
          'application/vnd.dev.cosign.artifact.sig.v1+json',
          '--format',
          'json',
          'sig.json:application/vnd.dev.cosign.simplesigning.v1+json',
        ],
        { cwd: work },
      );
      run.manifests.push(digestOf(out));
      run.uniqueBlobs.push(sha256(sig));
    }
    return run;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function repositoryOf(host: string, repository: string): RemoteRepository {
  return new RemoteRepository(new RegistryClient(host, { plainHttp: true }), repository);
}

/** Pushes a run's content with our own writer (src/formats builders, RemoteRepository). */
export async function pushWithWriter(
  host: string,
  repository: string,
  spec: RunSpec & { uid: string },
): Promise<StoredRun> {
  const repo = repositoryOf(host, repository);
  const created = spec.created ?? '2026-11-20T10:00:00Z';
  const run = emptyRun(spec.namespace, spec.name, spec.uid);
  const put = async (built: {
    bytes: Uint8Array;
    descriptor: { mediaType: string; digest: string; size: number };
    tag: string;
    blobs: Array<{ descriptor: { mediaType: string; digest: string; size: number }; bytes: Uint8Array }>;
  }) => {
    for (const b of built.blobs) await repo.push(b.descriptor, b.bytes);
    await repo.push(built.descriptor, built.bytes);
    await repo.tag(built.descriptor, built.tag);
    run.manifests.push(built.descriptor.digest);
    run.tags.push(built.tag);
    return built.descriptor;
  };
  const root = buildRootManifestJSON({
    namespace: spec.namespace,
    pipelineRun: spec.name,
    pipelineRunUid: spec.uid,
    pipeline: spec.pipeline ?? 'build',
    created,
  });
  run.root = (await put(root)).digest;
  for (const t of spec.tasks) {
    const taskRun = `${spec.name}-${t.task}`;
    const trRef = buildTaskRunReferenceJSON({
      namespace: spec.namespace,
      pipelineRun: spec.name,
      taskRun,
      task: t.task,
      created,
      root: root.descriptor,
    });
    await put(trRef);
    for (const a of t.artifacts) {
      const bytes = content(spec.name, t.task, a, 'writer');
      const layer = { mediaType: 'application/octet-stream', digest: sha256(bytes), size: bytes.byteLength };
      await repo.push(layer, bytes);
      const built = buildArtifactManifestJSON({
        name: a,
        namespace: spec.namespace,
        taskRun,
        pipelineRun: spec.name,
        task: t.task,
        created,
        contentType: 'text/plain',
        subject: trRef.descriptor,
        files: [{ title: a, digest: layer.digest, size: layer.size }],
      });
      const d = await put(built);
      run.artifacts[a] = d.digest;
      run.layers[a] = layer.digest;
      run.uniqueBlobs.push(layer.digest);
    }
  }
  return run;
}

/** Rootless: TEP-0193 artifacts tagged per artifact, no root, naming a TaskRun. */
export async function pushRootless(
  host: string,
  repository: string,
  spec: { namespace: string; taskRun: string; artifacts: string[] },
): Promise<StoredRun> {
  const repo = repositoryOf(host, repository);
  const run = emptyRun(spec.namespace, spec.taskRun, '');
  for (const a of spec.artifacts) {
    const bytes = content(spec.taskRun, 'standalone', a, 'rootless');
    const layer = { mediaType: 'application/octet-stream', digest: sha256(bytes), size: bytes.byteLength };
    await repo.push(layer, bytes);
    const built = buildArtifactManifestJSON({
      name: a,
      namespace: spec.namespace,
      taskRun: spec.taskRun,
      created: '2026-11-20T10:00:00Z',
      files: [{ title: a, digest: layer.digest, size: layer.size }],
    });
    for (const b of built.blobs) await repo.push(b.descriptor, b.bytes);
    await repo.push(built.descriptor, built.bytes);
    await repo.tag(built.descriptor, built.tag);
    run.manifests.push(built.descriptor.digest);
    run.tags.push(built.tag);
    run.artifacts[a] = built.descriptor.digest;
    run.layers[a] = layer.digest;
    run.uniqueBlobs.push(layer.digest);
  }
  return run;
}

/**
 * Everything a client can see of a repository: every tag and what it points at, every fallback
 * index's entries, and the referrers of every manifest reachable from a tag. Compared before and
 * after a dry run.
 */
export async function snapshot(host: string, repository: string): Promise<Record<string, unknown>> {
  const repo = repositoryOf(host, repository);
  const out: Record<string, unknown> = {};
  const queue: string[] = [];
  for await (const tag of repo.tags()) {
    const d = await repo.resolve(tag);
    out[`tag ${tag}`] = d.digest;
    queue.push(d.digest);
  }
  const seen = new Set<string>();
  while (queue.length > 0) {
    const digest = queue.shift()!;
    if (seen.has(digest)) continue;
    seen.add(digest);
    const fetched = await repo.fetchManifest(digest);
    const referrers = await repo.referrers(fetched.descriptor);
    out[`referrers ${digest}`] = referrers.map((r) => r.digest).sort();
    queue.push(...referrers.map((r) => r.digest));
  }
  return out;
}

export async function exists(host: string, repository: string, digest: string): Promise<boolean> {
  try {
    await repositoryOf(host, repository).resolve(digest);
    return true;
  } catch (err) {
    if (
      (err as { code?: string }).code === 'MANIFEST_UNKNOWN' ||
      (err as { code?: string }).code === 'NOT_FOUND'
    )
      return false;
    throw err;
  }
}

/**
 * On a registry without the referrers API: every `sha256-<hex>` tag is an index whose entries all
 * exist and whose subject exists. Returns what is wrong (empty when all is well).
 */
export async function fallbackProblems(host: string, repository: string): Promise<string[]> {
  const repo = repositoryOf(host, repository);
  const problems: string[] = [];
  for await (const tag of repo.tags()) {
    if (!/^sha256-[0-9a-f]{64}$/.test(tag)) continue;
    const subject = `sha256:${tag.slice(7)}`;
    if (!(await exists(host, repository, subject))) problems.push(`${tag}: its subject is gone`);
    const index = await repo.fetchManifest(tag);
    for (const entry of (index.manifest as { manifests: Array<{ digest: string }> }).manifests)
      if (!(await exists(host, repository, entry.digest)))
        problems.push(`${tag}: lists missing ${entry.digest}`);
  }
  return problems;
}
