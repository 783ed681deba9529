// ClusterSource and loadStorageConfig against the real test kube-apiserver (RBAC, Tekton CRDs).
// Runs are created as admin, and their status is written through the /status subresource the
// way Tekton's controller does. Names are unique per run; the "Tekton namespace" and ConfigMap
// name are parameters, so the cluster-level ConfigMap here cannot disturb other tests.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  connectCluster,
  ForbiddenError,
  getPipelineRunTaskRuns,
  NotFoundError,
  type ClusterSource,
} from '../../../src/cluster/index.js';
import { loadStorageConfig } from '../../../src/config/index.js';
import { extractRunArtifacts } from '../../../src/formats/index.js';
import { kubeApply, kubeRequest, testEnv, type KubeObject } from '../../env/context.js';

const id = randomBytes(3).toString('hex');
const PR = `it-build-${id}`;
const PR_LABELS = `it-labels-${id}`;
const PR_V1BETA1 = `it-beta-${id}`;
const TEKTON_NS = `it-tekton-${id}`;
const CM = `it-artifact-storage-${id}`;
const DIGEST = {
  image: `sha256:${'ab'.repeat(32)}`,
  source: `sha256:${'cd'.repeat(32)}`,
  junit: `sha256:${'ef'.repeat(32)}`,
};

function ns(): string {
  return testEnv().kube.namespace;
}

function coll(plural: string, version = 'v1'): string {
  return `/apis/tekton.dev/${version}/namespaces/${ns()}/${plural}`;
}

const done = (ok: boolean, at: string) => ({
  type: 'Succeeded',
  status: ok ? 'True' : 'False',
  reason: ok ? 'Succeeded' : 'Failed',
  message: ok ? 'All Steps have completed executing' : '"step-run" exited with code 1',
  lastTransitionTime: at,
});

/** Creates the object (spec only, as kubectl would), then writes its status via /status. */
async function createWithStatus(
  plural: string,
  obj: KubeObject,
  status: Record<string, unknown>,
  version = 'v1',
): Promise<KubeObject> {
  const env = testEnv();
  const created = await kubeRequest(env, 'POST', coll(plural, version), obj);
  expect(created.status, created.text).toBe(201);
  // Like the controller: PUT …/status with the object's resourceVersion.
  const put = await kubeRequest(env, 'PUT', `${coll(plural, version)}/${obj.metadata.name}/status`, {
    ...created.body,
    status,
  });
  expect(put.status, put.text).toBe(200);
  return put.body;
}

function taskRun(name: string, task: string, prName: string, uid: string, labels: boolean): KubeObject {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: {
      name,
      namespace: ns(),
      ...(labels
        ? {
            labels: {
              'tekton.dev/pipelineRun': prName,
              'tekton.dev/pipelineRunUID': uid,
              'tekton.dev/pipelineTask': task,
              'tekton.dev/memberOf': 'tasks',
            },
          }
        : {}),
    },
    spec: { taskRef: { name: task } },
  };
}

async function createRun(prName: string, withChildReferences: boolean): Promise<void> {
  const env = testEnv();
  const pr = await kubeRequest(env, 'POST', coll('pipelineruns'), {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name: prName,
      namespace: ns(),
      annotations: { 'tekton.dev/artifact-storage-oci-repository': `registry.local/${prName}` },
    },
    spec: { pipelineRef: { name: `pipeline-${id}` } },
  });
  expect(pr.status, pr.text).toBe(201);
  const uid = pr.body.metadata.uid ?? '';
  const t0 = '2026-03-01T10:00:00Z';
  await createWithStatus('taskruns', taskRun(`${prName}-clone`, 'clone', prName, uid, true), {
    conditions: [done(true, t0)],
    startTime: '2026-03-01T10:00:01Z',
    results: [
      { name: 'SOURCE_ARTIFACT', type: 'string', value: `oci:registry.local/${prName}@${DIGEST.source}` },
    ],
  });
  await createWithStatus('taskruns', taskRun(`${prName}-build`, 'build', prName, uid, true), {
    conditions: [done(true, t0)],
    startTime: '2026-03-01T10:01:00Z',
    results: [
      { name: 'IMAGE_URL', type: 'string', value: 'registry.local/app:1' },
      { name: 'IMAGE_DIGEST', type: 'string', value: DIGEST.image },
    ],
  });
  await createWithStatus('taskruns', taskRun(`${prName}-test`, 'test', prName, uid, true), {
    conditions: [done(false, t0)],
    startTime: '2026-03-01T10:02:00Z',
    steps: [
      {
        name: 'run',
        container: 'step-run',
        outputs: [
          {
            name: 'junit',
            values: [
              {
                digest: { sha256: 'ef'.repeat(32) },
                ref: { backend: 'oci', location: `registry.local/${prName}:junit`, digest: DIGEST.junit },
                size: 10,
              },
            ],
          },
        ],
      },
    ],
  });
  const children = ['clone', 'build', 'test'].map((t) => ({
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    name: `${prName}-${t}`,
    pipelineTaskName: t,
  }));
  const put = await kubeRequest(env, 'PUT', `${coll('pipelineruns')}/${prName}/status`, {
    ...pr.body,
    status: {
      conditions: [done(false, t0)],
      pipelineSpec: { tasks: [{ name: 'clone' }, { name: 'build' }, { name: 'test' }] },
      // reversed on purpose: the source returns pipeline order
      ...(withChildReferences ? { childReferences: children.reverse() } : {}),
    },
  });
  expect(put.status, put.text).toBe(200);
}

let admin: ClusterSource;
let restricted: ClusterSource;

beforeAll(async () => {
  const env = testEnv();
  await createRun(PR, true);
  await createRun(PR_LABELS, false);
  // A v1beta1 run: created and status-written through tekton.dev/v1beta1 (taskResults).
  await createWithStatus(
    'taskruns',
    {
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'TaskRun',
      metadata: {
        name: `${PR_V1BETA1}-pkg`,
        namespace: ns(),
        labels: { 'tekton.dev/pipelineRun': PR_V1BETA1, 'tekton.dev/pipelineTask': 'pkg' },
      },
      spec: { taskRef: { name: 'pkg' } },
    },
    {
      conditions: [done(true, '2026-03-01T10:00:00Z')],
      taskResults: [{ name: 'TARBALL_ARTIFACT', value: `oci:registry.local/beta@${DIGEST.source}` }],
    },
    'v1beta1',
  );
  await createWithStatus(
    'pipelineruns',
    {
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'PipelineRun',
      metadata: { name: PR_V1BETA1, namespace: ns() },
      spec: { pipelineSpec: { tasks: [{ name: 'pkg' }] } },
    },
    {
      conditions: [done(true, '2026-03-01T10:00:00Z')],
      taskRuns: { [`${PR_V1BETA1}-pkg`]: { pipelineTaskName: 'pkg' } },
    },
    'v1beta1',
  );
  // Storage configuration at namespace and "cluster" level.
  await kubeApply(env, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEKTON_NS } });
  await kubeApply(env, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CM, namespace: TEKTON_NS },
    data: { enabled: 'true', 'oci-repository': 'registry.local/cluster', 'oci.groupByPipelineRun': 'true' },
  });
  await kubeApply(env, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CM, namespace: ns(), labels: { 'tekton.dev/config-type': 'artifact-storage' } },
    data: { 'oci.repository': 'registry.local/namespace', 'oci.credentialsSecret': 'ns-creds' },
  });
  await kubeApply(env, {
    apiVersion: 'tekton.dev/v1',
    kind: 'Pipeline',
    metadata: {
      name: `pipeline-${id}`,
      namespace: ns(),
      annotations: { 'tekton.dev/artifact-storage-oci-repository': 'registry.local/pipeline' },
    },
    spec: { tasks: [{ name: 'clone', taskRef: { name: 'clone' } }] },
  });
  admin = await connectCluster({ kubeconfig: env.kube.adminKubeconfig, env: {} });
  restricted = await connectCluster({ kubeconfig: env.kube.restrictedKubeconfig, env: {} });
});

describe('ClusterSource (admin)', () => {
  it('describes the cluster and takes the namespace from the context', () => {
    expect(admin.describe()).toBe(
      `cluster ${testEnv().kube.server} (context tkn-artifacts-test-admin@tkn-artifacts-test)`,
    );
    expect(admin.defaultNamespace).toBe(ns());
  });

  it('reads a PipelineRun and its TaskRuns through childReferences, in pipeline order', async () => {
    const pr = await admin.getPipelineRun(ns(), PR);
    expect(pr.apiVersion).toBe('tekton.dev/v1');
    const { taskRuns, via } = await getPipelineRunTaskRuns(admin, pr);
    expect(via).toBe('childReferences');
    expect(taskRuns.map((t) => [t.pipelineTaskName, t.taskRun?.status?.conditions?.[0]?.status])).toEqual([
      ['clone', 'True'],
      ['build', 'True'],
      ['test', 'False'],
    ]);
    const run = extractRunArtifacts(
      pr,
      taskRuns.map((t) => ({ taskRun: t.taskRun!, pipelineTaskName: t.pipelineTaskName ?? '' })),
    );
    expect(run.all.map((r) => [r.owner.pipelineTaskName, r.producer, r.digest])).toEqual([
      ['clone', 'konflux-trusted-artifact', DIGEST.source],
      ['build', 'chains-type-hint', DIGEST.image],
      ['test', 'tep0164', DIGEST.junit],
    ]);
  });

  it('falls back to the tekton.dev/pipelineRun label when the status has no childReferences', async () => {
    const pr = await admin.getPipelineRun(ns(), PR_LABELS);
    expect(pr.status?.childReferences).toBeUndefined();
    const { taskRuns, via } = await getPipelineRunTaskRuns(admin, pr);
    expect(via).toBe('label');
    expect(taskRuns.map((t) => t.name)).toEqual([
      `${PR_LABELS}-clone`,
      `${PR_LABELS}-build`,
      `${PR_LABELS}-test`,
    ]);
  });

  it('reads objects written through v1beta1 (taskResults, embedded taskRuns)', async () => {
    const pr = await admin.getPipelineRun(ns(), PR_V1BETA1);
    const { taskRuns } = await getPipelineRunTaskRuns(admin, pr);
    expect(taskRuns.map((t) => t.pipelineTaskName)).toEqual(['pkg']);
    const run = extractRunArtifacts(
      pr,
      taskRuns.map((t) => t.taskRun!),
    );
    expect(run.all[0]).toMatchObject({ path: 'status.taskResults[0]', producer: 'konflux-trusted-artifact' });
  });

  it('a missing PipelineRun is NotFoundError naming the namespace and the cluster', async () => {
    const err = await admin.getPipelineRun(ns(), `nope-${id}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(
      `PipelineRun "nope-${id}" not found in namespace "${ns()}" (looked in ${admin.describe()})`,
    );
  });

  it('absent ConfigMaps and Pipelines are undefined', async () => {
    expect(await admin.getConfigMap(ns(), `absent-${id}`)).toBeUndefined();
    expect(await admin.getPipeline(ns(), `absent-${id}`)).toBeUndefined();
  });
});

describe('loadStorageConfig against the cluster', () => {
  it('combines PipelineRun and Pipeline annotations with namespace and cluster ConfigMaps', async () => {
    const r = await loadStorageConfig(admin, {
      namespace: ns(),
      pipelineRun: PR,
      names: { configMapName: CM, tektonNamespace: TEKTON_NS },
    });
    expect(r.settings).toMatchObject({
      enabled: true,
      ociRepository: `registry.local/${PR}`,
      ociCredentialsSecret: 'ns-creds',
      ociGroupByPipelineRun: true,
    });
    expect(r.values.ociRepository.overrides.map((o) => [o.level, o.raw])).toEqual([
      ['pipeline', 'registry.local/pipeline'],
      ['namespace', 'registry.local/namespace'],
      ['cluster', 'registry.local/cluster'],
    ]);
    expect(r.values.enabled.source).toBe(`ConfigMap ${TEKTON_NS}/${CM}`);
    expect(r.warnings).toEqual([]);
  });
});

describe('ClusterSource (restricted: may only get pipelineruns)', () => {
  it('can get the PipelineRun', async () => {
    await expect(restricted.getPipelineRun(ns(), PR)).resolves.toMatchObject({ metadata: { name: PR } });
  });

  it('reading its TaskRuns is a ForbiddenError with the identity and the RBAC to ask for', async () => {
    const pr = await restricted.getPipelineRun(ns(), PR);
    const err = await getPipelineRunTaskRuns(restricted, pr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    const f = err as ForbiddenError;
    expect(f).toMatchObject({
      verb: 'get',
      resource: 'taskruns',
      group: 'tekton.dev',
      namespace: ns(),
      identity: 'restricted',
    });
    expect(f.message).toMatch(
      new RegExp(
        `^forbidden: restricted is not allowed to get taskruns\\.tekton\\.dev "${PR}-\\w+" in namespace "${ns()}"$`,
      ),
    );
    expect(f.hint).toContain(`RBAC "get" on taskruns.tekton.dev in namespace "${ns()}"`);
    const list = await restricted
      .listTaskRuns(ns(), { labelSelector: `tekton.dev/pipelineRun=${PR}` })
      .catch((e: unknown) => e);
    expect(list).toBeInstanceOf(ForbiddenError);
    expect((list as ForbiddenError).verb).toBe('list');
  });

  it('a 403 on ConfigMaps and the Pipeline is a warning per level, not a failure', async () => {
    const r = await loadStorageConfig(restricted, {
      namespace: ns(),
      pipelineRun: PR,
      names: { configMapName: CM, tektonNamespace: TEKTON_NS },
    });
    expect(r.settings.ociRepository).toBe(`registry.local/${PR}`);
    expect(r.levels.map((l) => [l.level, l.status])).toEqual([
      ['pipelinerun', 'used'],
      ['pipeline', 'unavailable'],
      ['namespace', 'unavailable'],
      ['cluster', 'unavailable'],
      ['default', 'used'],
    ]);
    expect(r.levels[2]?.detail).toBe('forbidden: restricted cannot get configmaps');
    expect(r.warnings.map((w) => w.code)).toEqual(['unavailable', 'unavailable', 'unavailable']);
  });
});
