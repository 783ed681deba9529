/**
 * `gc --print-cronjob`: the objects an admin applies to run gc nightly (pure). Least privilege:
 * get/list PipelineRuns and TaskRuns (where gc looks), get the one storage ConfigMap at namespace
 * and cluster level (by name), and nothing on Secrets: the registry credentials are a
 * dockerconfigjson Secret the kubelet mounts, so gc's identity never reads Secrets itself.
 */
import { stringify } from 'yaml';
import { CliError } from '../cli/errors.js';

export interface CronJobOptions {
  image: string | undefined;
  schedule: string;
  /** -n: the namespace gc cleans (and runs in); undefined with -A. */
  namespace: string | undefined;
  allNamespaces: boolean;
  repository: string | undefined;
  olderThan: string | undefined;
  keepLast: number | undefined;
  tektonNamespace: string;
  configMapName: string;
  /** Name of the dockerconfigjson Secret with delete rights on the repository. */
  registryConfigSecret: string | undefined;
}

const GC_NAME = 'tkn-artifacts-gc';
const REGISTRY_SECRET = `${GC_NAME}-registry`;
const MOUNT = '/var/run/secrets/tkn-artifacts/registry';

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

function checkSchedule(schedule: string): void {
  const fields = schedule.trim().split(/\s+/);
  const macro = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(schedule.trim());
  if (!macro && (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))))
    throw new CliError(
      `--schedule ${JSON.stringify(schedule)} is not a cron schedule`,
      'usage',
      'five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *" (or @daily)',
    );
}

/** The objects, in apply order. Exported for tests. */
export function cronJobObjects(options: CronJobOptions): Record<string, unknown>[] {
  if (!options.image)
    throw new CliError(
      '--print-cronjob needs --image IMAGE',
      'usage',
      'the image whose entrypoint is tkn-artifacts',
    );
  if (options.allNamespaces && options.namespace) throw new CliError('-n and -A are exclusive', 'usage');
  checkSchedule(options.schedule);
  const home = options.allNamespaces ? options.tektonNamespace : (options.namespace ?? 'default');
  const secret = options.registryConfigSecret ?? REGISTRY_SECRET;
  const labels = { 'app.kubernetes.io/name': GC_NAME, 'app.kubernetes.io/component': 'artifact-gc' };
  const meta = (name: string, namespace?: string) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels,
  });
  const runRules = [
    { apiGroups: ['tekton.dev'], resources: ['pipelineruns', 'taskruns'], verbs: ['get', 'list'] },
  ];
  const configRule = {
    apiGroups: [''],
    resources: ['configmaps'],
    resourceNames: [options.configMapName],
    verbs: ['get'],
  };
  const subject = { kind: 'ServiceAccount', name: GC_NAME, namespace: home };
  const objects: Record<string, unknown>[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(GC_NAME, home) },
  ];
  if (options.allNamespaces) {
    objects.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: meta(GC_NAME),
        rules: runRules,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: meta(GC_NAME),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: GC_NAME },
        subjects: [subject],
      },
    );
  } else {
    objects.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: meta(GC_NAME, home),
        rules: [...runRules, configRule],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(GC_NAME, home),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: GC_NAME },
        subjects: [subject],
      },
    );
  }
  // The cluster-level storage ConfigMap, by name only.
  objects.push(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(`${GC_NAME}-config`, options.tektonNamespace),
      rules: [configRule],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(`${GC_NAME}-config`, options.tektonNamespace),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${GC_NAME}-config` },
      subjects: [subject],
    },
  );
  const args = [
    'gc',
    '--apply',
    ...(options.allNamespaces ? ['-A'] : ['-n', home]),
    ...(options.repository ? ['--repository', options.repository] : []),
    ...(options.olderThan ? ['--older-than', options.olderThan] : []),
    ...(options.keepLast !== undefined ? ['--keep-last', String(options.keepLast)] : []),
    '--registry-config',
    `${MOUNT}/.dockerconfigjson`,
  ];
  objects.push({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(GC_NAME, home),
    spec: {
      schedule: options.schedule,
      // One gc at a time: a second would race the first over the same manifests.
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 1,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: GC_NAME,
              restartPolicy: 'Never',
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'gc',
                  image: options.image,
                  command: ['tkn-artifacts'],
                  args,
                  env: [{ name: 'NO_COLOR', value: '1' }],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                  volumeMounts: [{ name: 'registry', mountPath: MOUNT, readOnly: true }],
                },
              ],
              volumes: [{ name: 'registry', secret: { secretName: secret } }],
            },
          },
        },
      },
    },
  });
  return objects;
}

export function printCronJob(options: CronJobOptions): string {
  const objects = cronJobObjects(options);
  const header = [
    '# tkn artifacts gc, nightly. Before applying, create the registry credentials it mounts',
    `# (delete rights on the repository): kubectl -n ${objects[0] ? String((objects[0]['metadata'] as { namespace: string }).namespace) : ''} create secret docker-registry ${options.registryConfigSecret ?? REGISTRY_SECRET} --docker-server=REGISTRY --docker-username=USER --docker-password=...`,
  ];
  return `${header.join('\n')}\n${objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('')}`;
}
