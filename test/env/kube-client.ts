// A minimal HTTPS client for the test kube-apiserver, authenticating with the client
// certificates embedded in the kubeconfig files that services/kube-apiserver.ts writes. Used by the
// environment itself (installing CRDs, RBAC) and by tests through context.ts. It is
// deliberately independent of the project's own cluster code in src/.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export interface KubeIdentity {
  /** https://127.0.0.1:PORT */
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** The loose shape of any Kubernetes object (tests narrow it further themselves). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface KubeResponse<T = KubeObject> {
  status: number;
  /** Parsed JSON body (undefined when the body is not JSON). */
  body: T;
  text: string;
}

export interface KubeRequestOptions {
  /** default application/json (merge patches: application/merge-patch+json) */
  contentType?: string;
  /** default application/json; e.g. 'application/json;as=Table;v=v1;g=meta.k8s.io' */
  accept?: string;
  timeoutMs?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function kubeHttp<T = KubeObject>(
  id: KubeIdentity,
  method: HttpMethod,
  path: string,
  body?: unknown,
  opts: KubeRequestOptions = {},
): Promise<KubeResponse<T>> {
  const contentType = opts.contentType ?? 'application/json';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const url = new URL(path, id.server);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: id.ca,
        cert: id.cert,
        key: id.key,
        headers: {
          accept: opts.accept ?? 'application/json',
          ...(payload === undefined
            ? {}
            : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

interface KubeconfigFile {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  'current-context': string;
}

export function writeKubeconfigYaml(opts: {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  user: string;
  namespace: string;
}): string {
  const cfg: KubeconfigFile & { apiVersion: string; kind: string } = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'tkn-artifacts-test',
        cluster: { server: opts.server, 'certificate-authority-data': opts.ca.toString('base64') },
      },
    ],
    users: [
      {
        name: opts.user,
        user: {
          'client-certificate-data': opts.cert.toString('base64'),
          'client-key-data': opts.key.toString('base64'),
        },
      },
    ],
    contexts: [
      {
        name: `${opts.user}@tkn-artifacts-test`,
        context: { cluster: 'tkn-artifacts-test', user: opts.user, namespace: opts.namespace },
      },
    ],
    'current-context': `${opts.user}@tkn-artifacts-test`,
  };
  return stringifyYaml(cfg);
}

const identityCache = new Map<string, KubeIdentity>();

/** Reads the current context's server and client certificate from a kubeconfig we wrote. */
export function identityFromKubeconfig(file: string): KubeIdentity {
  const cached = identityCache.get(file);
  if (cached) return cached;
  const cfg = parseYaml(readFileSync(file, 'utf8')) as KubeconfigFile;
  const ctx = cfg.contexts.find((c) => c.name === cfg['current-context']);
  const cluster = cfg.clusters.find((c) => c.name === ctx?.context.cluster);
  const user = cfg.users.find((u) => u.name === ctx?.context.user);
  if (!ctx || !cluster || !user) throw new Error(`${file}: current context is incomplete`);
  const id: KubeIdentity = {
    server: cluster.cluster.server,
    ca: Buffer.from(cluster.cluster['certificate-authority-data'], 'base64'),
    cert: Buffer.from(user.user['client-certificate-data'], 'base64'),
    key: Buffer.from(user.user['client-key-data'], 'base64'),
  };
  identityCache.set(file, id);
  return id;
}

const irregularPlurals: Record<string, string> = {
  Endpoints: 'endpoints',
  NetworkPolicy: 'networkpolicies',
  PodSecurityPolicy: 'podsecuritypolicies',
};

/** The REST collection path for an object (namespaced unless it has no metadata.namespace). */
export function collectionPath(obj: KubeObject): string {
  if (!obj.apiVersion || !obj.kind) throw new Error('object needs apiVersion and kind');
  const plural = irregularPlurals[obj.kind] ?? `${obj.kind.toLowerCase()}s`;
  const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const ns = obj.metadata.namespace ? `/namespaces/${encodeURIComponent(obj.metadata.namespace)}` : '';
  return `${base}${ns}/${plural}`;
}

/** Create the object, or replace it (keeping its resourceVersion) when it already exists. */
export async function applyObject(id: KubeIdentity, obj: KubeObject): Promise<KubeObject> {
  const coll = collectionPath(obj);
  const created = await kubeHttp(id, 'POST', coll, obj);
  if (created.status === 201 || created.status === 200) return created.body;
  if (created.status !== 409) {
    throw new Error(
      `POST ${coll} (${obj.kind} ${obj.metadata.name}): HTTP ${created.status}: ${created.text}`,
    );
  }
  const itemPath = `${coll}/${encodeURIComponent(obj.metadata.name)}`;
  const existing = await kubeHttp(id, 'GET', itemPath);
  if (existing.status !== 200) throw new Error(`GET ${itemPath}: HTTP ${existing.status}: ${existing.text}`);
  const replaced = await kubeHttp(id, 'PUT', itemPath, {
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: existing.body.metadata.resourceVersion },
  });
  if (replaced.status !== 200) throw new Error(`PUT ${itemPath}: HTTP ${replaced.status}: ${replaced.text}`);
  return replaced.body;
}
