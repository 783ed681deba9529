// A run export (`kubectl get pipelinerun,taskrun -o yaml`) of generated size, for the tests and
// benches of scale: one TaskRun with `outputs` TEP-0193 artifact outputs, each its own digest,
// and optionally a result of `resultBytes` bytes.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

export function bigRunExport(options: {
  outputs: number;
  resultBytes?: number;
  name?: string;
  namespace?: string;
  repository?: string;
}): string {
  const name = options.name ?? 'big-run';
  const namespace = options.namespace ?? 'ci';
  const repository = options.repository ?? 'registry.example.com/ci/artifacts';
  const digest = (i: number) => `sha256:${createHash('sha256').update(`artifact ${i}`).digest('hex')}`;
  const outputs = Array.from({ length: options.outputs }, (_, i) => ({
    name: `out-${i}`,
    values: [
      {
        uri: `${repository}@${digest(i)}`,
        digest: { sha256: digest(i).slice('sha256:'.length) },
      },
    ],
  }));
  const succeeded = [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }];
  const items = [
    {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name, namespace, uid: '00000000-0000-4000-8000-000000000001' },
      spec: { pipelineRef: { name: 'big' } },
      status: {
        conditions: succeeded,
        childReferences: [
          { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: `${name}-task`, pipelineTaskName: 'task' },
        ],
      },
    },
    {
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name: `${name}-task`,
        namespace,
        uid: '00000000-0000-4000-8000-000000000002',
        labels: { 'tekton.dev/pipelineRun': name, 'tekton.dev/pipelineTask': 'task' },
      },
      spec: { taskRef: { name: 'task' } },
      status: {
        conditions: succeeded,
        artifacts: { outputs },
        ...(options.resultBytes
          ? { results: [{ name: 'big', type: 'string', value: 'x'.repeat(options.resultBytes) }] }
          : {}),
      },
    },
  ];
  return stringify({ apiVersion: 'v1', kind: 'List', items }, { lineWidth: 0 });
}
