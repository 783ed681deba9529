// A kube-apiserver over TLS with RBAC and client-certificate auth, Tekton's CRDs installed, an
// \`admin\` and a \`restricted\` identity (may only get pipelineruns in the test namespace).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  applyObject,
  identityFromKubeconfig,
  kubeHttp,
  writeKubeconfigYaml,
  type KubeIdentity,
  type KubeObject,
} from '../kube-client.js';
import { CRDS_FILE, type Binaries } from './binaries.js';
import type { EtcdService } from './etcd.js';
import { createPki } from './pki.js';
import {
  ServiceStartError,
  freePort,
  sleep,
  spawnService,
  stopSpawned,
  waitReady,
  type Service,
} from './process.js';

export interface KubeService extends Service {
  server: string;
  caFile: string;
  adminKubeconfig: string;
  restrictedKubeconfig: string;
  namespace: string;
}

/** The Role the `restricted` user gets in the test namespace; see grantRestricted. */
export const RESTRICTED_ROLE = 'tkn-artifacts-restricted';

export async function startKubeApiserver(
  runDir: string,
  bins: Binaries,
  etcd: EtcdService,
  namespace = 'default',
): Promise<KubeService> {
  const dir = path.join(runDir, 'kube');
  const pki = await createPki(path.join(dir, 'pki'));
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const command = [
    bins.kubeApiserver,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    '--anonymous-auth=true', // only /healthz, /readyz, /livez, /version (system:public-info-viewer)
    `--etcd-servers=${etcd.clientUrl}`,
    `--etcd-prefix=/registry-${path.basename(runDir)}`,
    '--service-cluster-ip-range=10.0.0.0/24', // a config value only: no traffic goes there
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--api-audiences=https://kubernetes.default.svc.cluster.local',
    '--endpoint-reconciler-type=none', // 127.0.0.1 is not a valid Endpoints address
    '--profiling=false',
    '--v=1',
  ];
  const logFile = path.join(runDir, 'logs', 'kube-apiserver.log');
  const s = spawnService('kube-apiserver', command, logFile, { cwd: dir });

  const read = (f: string) => readFileSync(f);
  const admin: KubeIdentity = {
    server,
    ca: read(pki.caCert),
    cert: read(pki.adminCert),
    key: read(pki.adminKey),
  };
  const restricted: KubeIdentity = {
    server,
    ca: admin.ca,
    cert: read(pki.restrictedCert),
    key: read(pki.restrictedKey),
  };
  const adminKubeconfig = path.join(dir, 'admin.kubeconfig');
  const restrictedKubeconfig = path.join(dir, 'restricted.kubeconfig');
  writeFileSync(
    adminKubeconfig,
    writeKubeconfigYaml({ ...admin, user: 'tkn-artifacts-test-admin', namespace }),
    {
      mode: 0o600,
    },
  );
  writeFileSync(restrictedKubeconfig, writeKubeconfigYaml({ ...restricted, user: 'restricted', namespace }), {
    mode: 0o600,
  });

  // /readyz covers etcd, the RBAC bootstrap roles and the CRD/aggregation controllers.
  await waitReady(
    s,
    async () => (await kubeHttp(admin, 'GET', '/readyz', undefined, { timeoutMs: 3_000 })).status === 200,
    180_000,
  );

  const fail = (reason: string): never => {
    throw new ServiceStartError('kube-apiserver', command, logFile, reason);
  };
  try {
    await setUpCluster(admin, restricted, namespace);
  } catch (e) {
    await stopSpawned(s, 2_000);
    fail(`cluster setup failed: ${(e as Error).message}`);
  }
  const v = await kubeHttp<{ gitVersion?: string }>(admin, 'GET', '/version');
  // Sanity: the kubeconfig files round-trip to the same identities.
  identityFromKubeconfig(adminKubeconfig);
  identityFromKubeconfig(restrictedKubeconfig);
  return {
    name: 'kube-apiserver',
    version: v.body.gitVersion ?? 'unknown',
    address: server,
    server,
    caFile: pki.caCert,
    adminKubeconfig,
    restrictedKubeconfig,
    namespace,
    command,
    logFile,
    stop: () => stopSpawned(s),
  };
}

async function until(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < deadlineMs) {
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${deadlineMs / 1000}s waiting for ${what}${last ? `: ${last}` : ''}`);
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function setUpCluster(admin: KubeIdentity, restricted: KubeIdentity, namespace: string): Promise<void> {
  // Namespaces: `default` is created by the API server itself; tekton-pipelines by us.
  await until(`namespace ${namespace}`, 60_000, async () => {
    return (await kubeHttp(admin, 'GET', `/api/v1/namespaces/${namespace}`)).status === 200;
  });
  await applyObject(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tekton-pipelines' } });

  // Tekton CRDs, then wait for Established and for the resources to actually be served.
  const docs = parseAllDocuments(readFileSync(CRDS_FILE, 'utf8'));
  const crds = docs
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o && o.kind === 'CustomResourceDefinition');
  if (crds.length !== 4) throw new Error(`${CRDS_FILE}: expected 4 CRDs, found ${crds.length}`);
  for (const crd of crds) await applyObject(admin, crd);
  for (const crd of crds) {
    const name = crd.metadata.name;
    await until(`CRD ${name} Established`, 60_000, async () => {
      const r = await kubeHttp(
        admin,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      );
      const conds = (r.body.status?.conditions ?? []) as Condition[];
      return conds.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const plural = name.split('.')[0];
    for (const version of ['v1', 'v1beta1']) {
      await until(`tekton.dev/${version} ${plural} served`, 60_000, async () => {
        const p = `/apis/tekton.dev/${version}/namespaces/${namespace}/${plural}`;
        return (await kubeHttp(admin, 'GET', p)).status === 200;
      });
    }
  }
  await grantRestricted(admin, restricted, namespace);
  // The API server's first write to the custom resources takes ~2 s (one-time lazy
  // set-up); pay it here with dry-run creates so tests see normal latencies.
  for (const crd of crds) {
    const plural = crd.metadata.name.split('.')[0] ?? '';
    const kind = (crd.spec?.names as { kind: string }).kind;
    const r = await kubeHttp(
      admin,
      'POST',
      `/apis/tekton.dev/v1/namespaces/${namespace}/${plural}?dryRun=All`,
      {
        apiVersion: 'tekton.dev/v1',
        kind,
        metadata: { name: 'warm-up' },
        spec: {},
      },
    );
    if (r.status !== 201) throw new Error(`dry-run create of a ${kind}: HTTP ${r.status}: ${r.text}`);
  }
}

/**
 * RBAC for the user `restricted` (client cert CN=restricted, no groups). Besides what every
 * authenticated user has through the default ClusterRoles (system:basic-user for
 * self-reviews, system:discovery and system:public-info-viewer for discovery and /version),
 * it may only `get` tekton.dev pipelineruns, by name, in the test namespace. It may not
 * list or watch pipelineruns, nor touch taskruns (listing them is a 403), nor anything in
 * other namespaces or cluster-scoped.
 */
async function grantRestricted(
  admin: KubeIdentity,
  restricted: KubeIdentity,
  namespace: string,
): Promise<void> {
  await applyObject(admin, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: RESTRICTED_ROLE, namespace },
    rules: [{ apiGroups: ['tekton.dev'], resources: ['pipelineruns'], verbs: ['get'] }],
  });
  await applyObject(admin, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: RESTRICTED_ROLE, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RESTRICTED_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
  });
  // The RBAC authorizer works from informers: wait until the binding is in effect.
  await until('RBAC for user restricted', 30_000, async () => {
    const r = await kubeHttp<{ status?: { allowed?: boolean } }>(
      restricted,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: { namespace, verb: 'get', group: 'tekton.dev', resource: 'pipelineruns' },
        },
      },
    );
    return r.status === 201 && r.body.status?.allowed === true;
  });
}
