// Proves the test kube-apiserver behaves like a cluster with Tekton installed: the CRDs
// are served, status is a real subresource (written the way Tekton's controller writes
// it: PUT .../status with the object's resourceVersion), and RBAC is enforced for the
// `restricted` identity. Uses the plain HTTPS helper from test/env, not src/.
import { randomBytes } from 'node:crypto';
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeRequest, testEnv, type KubeObject } from '../env/context.js';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}
interface KubeList {
  items: KubeObject[];
}
interface Table {
  kind: string;
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

const suffix = randomBytes(3).toString('hex');
const prName = `build-and-push-${suffix}`;
const trNames = { build: `${prName}-build`, push: `${prName}-push` };
const IMAGE_DIGEST = `sha256:${'ab'.repeat(32)}`;

function base(kind: 'pipelineruns' | 'taskruns', version = 'v1'): string {
  return `/apis/tekton.dev/${version}/namespaces/${testEnv().kube.namespace}/${kind}`;
}

function succeeded(at: string, message: string): Condition {
  return { type: 'Succeeded', status: 'True', reason: 'Succeeded', message, lastTransitionTime: at };
}

function taskRunStatus(task: 'build' | 'push', start: string, end: string): Record<string, unknown> {
  return {
    conditions: [succeeded(end, 'All Steps have completed executing')],
    podName: `${trNames[task]}-pod`,
    startTime: start,
    completionTime: end,
    steps: [
      {
        name: task,
        container: `step-${task}`,
        imageID: `registry.example/tools/${task}@sha256:${'cd'.repeat(32)}`,
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: start,
          finishedAt: end,
          containerID: 'c1',
        },
      },
    ],
    results:
      task === 'build'
        ? [{ name: 'IMAGE_DIGEST', type: 'string', value: IMAGE_DIGEST }]
        : [{ name: 'IMAGE_URL', type: 'string', value: `registry.example/app@${IMAGE_DIGEST}` }],
    artifacts:
      task === 'push'
        ? {
            outputs: [
              {
                name: 'image',
                values: [{ uri: 'registry.example/app', digest: { sha256: 'ab'.repeat(32) } }],
              },
            ],
          }
        : {},
    taskSpec: { steps: [{ name: task, image: `registry.example/tools/${task}` }] },
    provenance: { featureFlags: { EnableAPIFields: 'beta', ResultExtractionMethod: 'termination-message' } },
  };
}

describe('cluster smoke: Tekton CRDs on the test kube-apiserver', () => {
  const start = '2026-01-02T03:04:05Z';
  const mid = '2026-01-02T03:05:00Z';
  const end = '2026-01-02T03:06:07Z';
  let prUid = '';

  it('creates a PipelineRun and two TaskRuns; status is dropped on create', async () => {
    const env = testEnv();
    const pr = await kubeRequest(env, 'POST', base('pipelineruns'), {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: prName, labels: { 'tekton.dev/pipeline': 'build-and-push' } },
      spec: {
        pipelineRef: { name: 'build-and-push' },
        params: [{ name: 'git-revision', value: 'main' }],
        taskRunTemplate: { serviceAccountName: 'default' },
        timeouts: { pipeline: '1h0m0s' },
      },
      // The status subresource means the API server ignores this on create.
      status: { conditions: [succeeded(end, 'forged')] },
    });
    expect(pr.status, pr.text).toBe(201);
    expect(pr.body.metadata.name).toBe(prName);
    expect(pr.body.metadata.generation).toBe(1);
    expect(pr.body.status).toBeUndefined();
    prUid = pr.body.metadata.uid ?? '';
    expect(prUid).not.toBe('');

    for (const task of ['build', 'push'] as const) {
      const tr = await kubeRequest(env, 'POST', base('taskruns'), {
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: {
          name: trNames[task],
          labels: {
            'tekton.dev/pipeline': 'build-and-push',
            'tekton.dev/pipelineRun': prName,
            'tekton.dev/pipelineTask': task,
            'tekton.dev/task': task,
          },
          ownerReferences: [
            {
              apiVersion: 'tekton.dev/v1',
              kind: 'PipelineRun',
              name: prName,
              uid: prUid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: { taskRef: { name: task, kind: 'Task' }, serviceAccountName: 'default', timeout: '1h0m0s' },
      });
      expect(tr.status, tr.text).toBe(201);
      expect(tr.body.status).toBeUndefined();
    }
  });

  it('writes status through /status with the resourceVersion, as the Tekton controller does', async () => {
    const env = testEnv();
    for (const task of ['build', 'push'] as const) {
      const path = `${base('taskruns')}/${trNames[task]}`;
      const current = await kubeRequest(env, 'GET', path);
      expect(current.status).toBe(200);
      const rv = current.body.metadata.resourceVersion;
      const status = taskRunStatus(task, task === 'build' ? start : mid, task === 'build' ? mid : end);

      const put = await kubeRequest(env, 'PUT', `${path}/status`, { ...current.body, status });
      expect(put.status, put.text).toBe(200);
      expect(put.body.status).toEqual(status);
      expect(put.body.metadata.resourceVersion).not.toBe(rv);
      expect(put.body.metadata.generation).toBe(1); // status writes don't bump generation

      // A second writer with the stale resourceVersion loses (optimistic concurrency).
      const stale = await kubeRequest(env, 'PUT', `${path}/status`, {
        ...current.body,
        status: { conditions: [] },
      });
      expect(stale.status).toBe(409);
    }

    const prPath = `${base('pipelineruns')}/${prName}`;
    const current = await kubeRequest(env, 'GET', prPath);
    const prStatus = {
      conditions: [succeeded(end, 'Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0')],
      startTime: start,
      completionTime: end,
      childReferences: (['build', 'push'] as const).map((task) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        name: trNames[task],
        pipelineTaskName: task,
      })),
      results: [
        { name: 'IMAGE_DIGEST', value: IMAGE_DIGEST },
        { name: 'IMAGE_URL', value: `registry.example/app@${IMAGE_DIGEST}` },
      ],
      pipelineSpec: {
        tasks: [
          { name: 'build', taskRef: { name: 'build', kind: 'Task' } },
          { name: 'push', taskRef: { name: 'push', kind: 'Task' }, runAfter: ['build'] },
        ],
      },
      provenance: { featureFlags: { EnableAPIFields: 'beta' } },
    };
    const put = await kubeRequest(env, 'PUT', `${prPath}/status`, { ...current.body, status: prStatus });
    expect(put.status, put.text).toBe(200);

    const back = await kubeRequest(env, 'GET', prPath);
    expect(back.status).toBe(200);
    expect(back.body.status).toEqual(prStatus);
  });

  it('reads the runs back: status persisted, children found by label, v1beta1 served too', async () => {
    const env = testEnv();
    const list = await kubeRequest<KubeList>(
      env,
      'GET',
      `${base('taskruns')}?labelSelector=${encodeURIComponent(`tekton.dev/pipelineRun=${prName}`)}`,
    );
    expect(list.status).toBe(200);
    const byTask = new Map(
      list.body.items.map((tr) => [tr.metadata.labels?.['tekton.dev/pipelineTask'], tr]),
    );
    expect([...byTask.keys()].sort()).toEqual(['build', 'push']);
    expect(byTask.get('build')?.status?.results).toEqual([
      { name: 'IMAGE_DIGEST', type: 'string', value: IMAGE_DIGEST },
    ]);
    expect((byTask.get('push')?.status?.conditions as Condition[])[0]?.status).toBe('True');
    expect(byTask.get('push')?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'PipelineRun', name: prName, uid: prUid }),
    ]);

    const beta = await kubeRequest(env, 'GET', `${base('pipelineruns', 'v1beta1')}/${prName}`);
    expect(beta.status).toBe(200);
    expect(beta.body.apiVersion).toBe('tekton.dev/v1beta1');
    expect((beta.body.status?.childReferences as unknown[]).length).toBe(2);

    // Printer columns, as `kubectl get pipelineruns` shows them.
    const table = await kubeRequest<Table>(
      env,
      'GET',
      `${base('pipelineruns')}/${prName}`,
      undefined,
      'admin',
      {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      },
    );
    expect(table.status, table.text).toBe(200);
    expect(table.body.kind).toBe('Table');
    const cols = table.body.columnDefinitions.map((c) => c.name);
    expect(cols).toEqual(['Name', 'Succeeded', 'Reason', 'StartTime', 'CompletionTime']);
    expect(table.body.rows[0]?.cells.slice(0, 3)).toEqual([prName, 'True', 'Succeeded']);
  });

  it('a PUT to the main resource changes spec but never status', async () => {
    const env = testEnv();
    const prPath = `${base('pipelineruns')}/${prName}`;
    const before = await kubeRequest(env, 'GET', prPath);
    const spec = { ...before.body.spec, params: [{ name: 'git-revision', value: 'release-1' }] };
    const put = await kubeRequest(env, 'PUT', prPath, {
      ...before.body,
      spec,
      status: { conditions: [{ type: 'Succeeded', status: 'False', reason: 'Overwritten' }] },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.metadata.generation).toBe(2);
    expect(put.body.spec).toEqual(spec);
    expect(put.body.status).toEqual(before.body.status);

    const after = await kubeRequest(env, 'GET', prPath);
    expect(after.body.status).toEqual(before.body.status);
    expect((after.body.status?.conditions as Condition[])[0]?.reason).toBe('Succeeded');
  });

  it('restricted may get the PipelineRun but not list TaskRuns (RBAC)', async () => {
    const env = testEnv();
    const get = await kubeRequest(env, 'GET', `${base('pipelineruns')}/${prName}`, undefined, 'restricted');
    expect(get.status, get.text).toBe(200);
    expect(get.body.metadata.name).toBe(prName);
    expect((get.body.status?.conditions as Condition[])[0]?.type).toBe('Succeeded');

    const listTr = await kubeRequest(env, 'GET', base('taskruns'), undefined, 'restricted');
    expect(listTr.status).toBe(403);
    expect(listTr.body.reason).toBe('Forbidden');
    expect(listTr.body.message).toContain('User "restricted" cannot list resource "taskruns"');

    const getTr = await kubeRequest(
      env,
      'GET',
      `${base('taskruns')}/${trNames.build}`,
      undefined,
      'restricted',
    );
    expect(getTr.status).toBe(403);
    const listPr = await kubeRequest(env, 'GET', base('pipelineruns'), undefined, 'restricted');
    expect(listPr.status).toBe(403);
    const write = await kubeRequest(
      env,
      'PATCH',
      `${base('pipelineruns')}/${prName}`,
      { metadata: { labels: { x: 'y' } } },
      'restricted',
    );
    expect(write.status).toBe(403);
    const otherNs = await kubeRequest(
      env,
      'GET',
      `/apis/tekton.dev/v1/namespaces/tekton-pipelines/pipelineruns/${prName}`,
      undefined,
      'restricted',
    );
    expect(otherNs.status).toBe(403);
  });

  it('the kubeconfig files work with @kubernetes/client-node, for both identities', async () => {
    const env = testEnv();
    const api = (file: string) => {
      const kc = new KubeConfig();
      kc.loadFromFile(file);
      expect(kc.getCurrentCluster()?.server).toBe(env.kube.server);
      expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe(env.kube.namespace);
      return kc.makeApiClient(CustomObjectsApi);
    };
    const ref = { group: 'tekton.dev', version: 'v1', namespace: env.kube.namespace };

    const admin = api(env.kube.adminKubeconfig);
    const list = (await admin.listNamespacedCustomObject({ ...ref, plural: 'taskruns' })) as KubeList;
    expect(list.items.map((i) => i.metadata.name)).toEqual(expect.arrayContaining(Object.values(trNames)));

    const restricted = api(env.kube.restrictedKubeconfig);
    const pr = (await restricted.getNamespacedCustomObject({
      ...ref,
      plural: 'pipelineruns',
      name: prName,
    })) as KubeObject;
    expect(pr.metadata.name).toBe(prName);
    const denied = await restricted.listNamespacedCustomObject({ ...ref, plural: 'taskruns' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(denied).toBeInstanceOf(ApiException);
    expect((denied as ApiException<unknown>).code).toBe(403);
  });

  it('deletes the runs', async () => {
    const env = testEnv();
    for (const task of ['build', 'push'] as const) {
      expect((await kubeRequest(env, 'DELETE', `${base('taskruns')}/${trNames[task]}`)).status).toBe(200);
    }
    expect((await kubeRequest(env, 'DELETE', `${base('pipelineruns')}/${prName}`)).status).toBe(200);
    expect((await kubeRequest(env, 'GET', `${base('pipelineruns')}/${prName}`)).status).toBe(404);
  });
});
