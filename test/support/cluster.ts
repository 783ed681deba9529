// Putting runs into the test kube-apiserver as Tekton leaves them: the object created, then its
// status written through the status subresource, as the controller writes it.
import { kubeApply, kubeRequest, type KubeObject, type TestEnv } from '../env/context.js';
import type { Scenario } from './scenario.js';

/**
 * Creates the object, then writes its status through /status, as the Tekton controller does.
 * Returns the object as stored (with the UID the API server gave it).
 */
export async function createRun(env: TestEnv, obj: Record<string, unknown>): Promise<KubeObject> {
  const { status, ...rest } = obj as { status?: unknown } & KubeObject;
  // The API server assigns UIDs; the scenario's are only for the offline export.
  const { uid: _uid, ...metadata } = rest.metadata as KubeObject['metadata'] & { uid?: string };
  const stored = await kubeApply(env, { ...rest, metadata });
  if (status === undefined) return stored;
  const kind = (obj as { kind: string }).kind;
  const plural = kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns';
  const path = `/apis/tekton.dev/v1/namespaces/${stored.metadata.namespace}/${plural}/${stored.metadata.name}/status`;
  const response = await kubeRequest(env, 'PUT', path, { ...stored, status });
  if (response.status !== 200) throw new Error(`PUT ${path}: HTTP ${response.status}: ${response.text}`);
  return response.body;
}

/** The scenario's namespace and every run of it, with status. */
export async function loadIntoCluster(env: TestEnv, scenario: Scenario): Promise<void> {
  await kubeApply(env, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: scenario.namespace } });
  for (const obj of scenario.objects) await createRun(env, obj);
}
