// A RunSource over a live cluster through @kubernetes/client-node.
//
// client-node is large (undici, openid-client, js-yaml…), so it is imported lazily inside
// `connectCluster`; this module only imports its types at the top, which compile away.

import type * as K8s from '@kubernetes/client-node';
import {
  ApiServerError,
  ClusterError,
  ForbiddenError,
  KubeconfigError,
  NotFoundError,
  UnauthorizedError,
  UnreachableError,
} from './errors.js';
import type { ListOptions, RunSource } from './source.js';
import type { ConfigMap, ObjectMeta, Pipeline, PipelineRun, TaskRun } from './types.js';
import { isRecord } from '../json/guards.js';

export interface ClusterOptions {
  /** --kubeconfig */
  kubeconfig?: string;
  /** --context */
  context?: string;
  /** -n/--namespace */
  namespace?: string;
  /** Defaults to process.env (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST). */
  env?: Record<string, string | undefined>;
  /** Per-request timeout; default 30 s. */
  requestTimeoutMs?: number;
}

const TEKTON_GROUP = 'tekton.dev';
/** Newest first: v1 is served since Pipelines 0.44; older installations only serve v1beta1. */
const TEKTON_VERSIONS = ['v1', 'v1beta1'] as const;

type K8sModule = typeof K8s;
/** ObjectParamAPI methods take observable-style middleware. */
type RequestOptions = K8s.ConfigurationOptions<K8s.ObservableMiddleware>;

export interface LoadedKubeconfig {
  kc: K8s.KubeConfig;
  files: string[];
  contextName: string;
  server: string;
  user: string | undefined;
  namespace: string;
}

/**
 * Loads the kubeconfig the way kubectl does: --kubeconfig, else every file in KUBECONFIG (first
 * wins on duplicate names and current-context), else ~/.kube/config, else in-cluster
 * configuration; then applies --context and picks the namespace (-n, else the context's, else
 * "default").
 */
export async function loadKubeconfig(
  options: ClusterOptions = {},
): Promise<LoadedKubeconfig & { k8s: K8sModule }> {
  const k8s = await import('@kubernetes/client-node');
  const env = options.env ?? process.env;
  const fs = await import('node:fs');
  const path = await import('node:path');
  const kc = new k8s.KubeConfig();
  let files: string[] = [];

  const loadFile = (file: string, into: K8s.KubeConfig): void => {
    try {
      into.loadFromFile(file);
    } catch (err) {
      const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
      throw new KubeconfigError(
        code === 'ENOENT'
          ? `kubeconfig ${file} does not exist`
          : `cannot load kubeconfig ${file}: ${(err as Error).message}`,
        [file],
        code === 'ENOENT'
          ? 'check the --kubeconfig path or KUBECONFIG'
          : 'check that the file is a valid kubeconfig (kubectl config view)',
        { cause: err },
      );
    }
  };

  if (options.kubeconfig) {
    files = [options.kubeconfig];
    loadFile(options.kubeconfig, kc);
  } else if (env.KUBECONFIG) {
    // kubectl ignores missing entries in KUBECONFIG as long as one exists.
    const listed = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '');
    files = listed.filter((f) => fs.existsSync(f));
    if (files.length === 0) {
      throw new KubeconfigError(`none of the files in KUBECONFIG exist: ${listed.join(', ')}`, listed);
    }
    let current = '';
    files.forEach((file, i) => {
      const part = i === 0 ? kc : new k8s.KubeConfig();
      loadFile(file, part);
      if (i === 0) {
        current = kc.currentContext;
        return;
      }
      if (!current && part.currentContext) current = part.currentContext;
      for (const c of part.clusters) if (!kc.getCluster(c.name)) kc.addCluster(c);
      for (const u of part.users) if (!kc.getUser(u.name)) kc.addUser(u);
      for (const x of part.contexts) if (!kc.getContextObject(x.name)) kc.addContext(x);
    });
    kc.setCurrentContext(current);
  } else {
    const home = env.HOME ?? env.USERPROFILE;
    const def = home ? path.join(home, '.kube', 'config') : undefined;
    if (def && fs.existsSync(def)) {
      files = [def];
      loadFile(def, kc);
    } else if (
      env.KUBERNETES_SERVICE_HOST &&
      fs.existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')
    ) {
      kc.loadFromCluster();
    } else {
      throw new KubeconfigError(
        `no kubeconfig found (looked at --kubeconfig, KUBECONFIG${def ? `, ${def}` : ''} and in-cluster configuration)`,
        def ? [def] : [],
        'pass --kubeconfig <file>, set KUBECONFIG, or use --from-file with a kubectl export',
      );
    }
  }

  const available = kc.getContexts().map((c) => c.name);
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new KubeconfigError(
        `context "${options.context}" is not in the kubeconfig`,
        files,
        available.length > 0
          ? `available contexts: ${available.join(', ')}`
          : 'the kubeconfig has no contexts',
      );
    }
    kc.setCurrentContext(options.context);
  }
  const contextName = kc.getCurrentContext();
  const context = contextName ? kc.getContextObject(contextName) : null;
  if (!context) {
    throw new KubeconfigError(
      contextName
        ? `current context "${contextName}" is not defined in the kubeconfig`
        : 'the kubeconfig has no current context',
      files,
      available.length > 0 ? `pass --context (available: ${available.join(', ')})` : undefined,
    );
  }
  const cluster = kc.getCluster(context.cluster);
  if (!cluster) {
    throw new KubeconfigError(
      `context "${contextName}" refers to cluster "${context.cluster}", which is not defined`,
      files,
    );
  }
  if (context.user && !kc.getUser(context.user)) {
    throw new KubeconfigError(
      `context "${contextName}" refers to user "${context.user}", which is not defined`,
      files,
    );
  }
  return {
    k8s,
    kc,
    files,
    contextName,
    server: cluster.server,
    user: context.user || undefined,
    namespace: options.namespace || context.namespace || 'default',
  };
}

/** Connects: a TCP probe of the API server, then no request until the first read. */
export async function connectCluster(options: ClusterOptions = {}): Promise<ClusterSource> {
  // One TCP connect first: a refused connection is reported before client-node takes seconds to load.
  const { apiServerToProbe, probeApiServer } = await import('./probe.js');
  const server = await apiServerToProbe({
    kubeconfig: options.kubeconfig,
    context: options.context,
    env: options.env ?? process.env,
  });
  if (server) await probeApiServer(server);
  const loaded = await loadKubeconfig(options);
  return new ClusterSource(loaded, options.requestTimeoutMs ?? 30_000);
}

interface Operation {
  verb: 'get' | 'list';
  kind: string;
  resource: string;
  group: string;
  namespace: string;
  name?: string;
}

export class ClusterSource implements RunSource {
  readonly defaultNamespace: string;
  readonly server: string;
  readonly contextName: string;
  readonly user: string | undefined;
  private readonly k8s: K8sModule;
  private readonly custom: K8s.CustomObjectsApi;
  private readonly core: K8s.CoreV1Api;
  /** Which tekton.dev version answers, per resource, once known. */
  private readonly tektonVersion = new Map<string, string>();

  constructor(
    loaded: LoadedKubeconfig & { k8s: K8sModule },
    private readonly timeoutMs: number,
  ) {
    this.k8s = loaded.k8s;
    this.defaultNamespace = loaded.namespace;
    this.server = loaded.server;
    this.contextName = loaded.contextName;
    this.user = loaded.user;
    this.custom = loaded.kc.makeApiClient(loaded.k8s.CustomObjectsApi);
    this.core = loaded.kc.makeApiClient(loaded.k8s.CoreV1Api);
  }

  describe(): string {
    return `cluster ${this.server} (context ${this.contextName})`;
  }

  /** Per-request options: an abort signal so a hung server cannot hang the CLI. */
  private requestOptions(): RequestOptions {
    const { Observable } = this.k8s;
    const timeoutMs = this.timeoutMs;
    const middleware: K8s.ObservableMiddleware = {
      pre: (ctx) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        return new Observable(Promise.resolve(ctx));
      },
      post: (rsp) => new Observable(Promise.resolve(rsp)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  private async call<T>(op: Operation, fn: (options: RequestOptions) => Promise<T>): Promise<T> {
    try {
      return await fn(this.requestOptions());
    } catch (err) {
      throw this.mapError(op, err);
    }
  }

  /** Tekton objects: v1 first; a 404 that is not about the object means the version is not served. */
  private async tekton<T>(
    op: Omit<Operation, 'group'>,
    fn: (version: string, options: RequestOptions) => Promise<T>,
  ): Promise<T> {
    const known = this.tektonVersion.get(op.resource);
    const versions = known ? [known] : TEKTON_VERSIONS;
    const full: Operation = { ...op, group: TEKTON_GROUP };
    for (const version of versions) {
      try {
        const out = await fn(version, this.requestOptions());
        this.tektonVersion.set(op.resource, version);
        return out;
      } catch (err) {
        if (
          err instanceof this.k8s.ApiException &&
          err.code === 404 &&
          !isObjectNotFound(err.body, op.name)
        ) {
          continue;
        }
        throw this.mapError(full, err);
      }
    }
    throw new NotFoundError({
      kind: 'API resource',
      name: `${op.resource}.${TEKTON_GROUP}`,
      tried: `${TEKTON_VERSIONS.map((v) => `${TEKTON_GROUP}/${v}`).join(' and ')} on ${this.describe()}`,
      hint: `is Tekton Pipelines installed? check with: kubectl api-resources --api-group=${TEKTON_GROUP}`,
    });
  }

  private mapError(op: Operation, err: unknown): Error {
    if (err instanceof ClusterError) return err;
    if (err instanceof this.k8s.ApiException) {
      const status = parseStatus(err.body);
      switch (err.code) {
        case 404:
          return new NotFoundError(
            {
              kind: op.kind,
              namespace: op.namespace,
              name: op.name ?? op.resource,
              tried: this.describe(),
            },
            { cause: err },
          );
        case 403: {
          const identity =
            status?.message?.match(/User "([^"]+)"/)?.[1] ??
            (this.user ? `kubeconfig user "${this.user}"` : undefined);
          return new ForbiddenError(
            {
              verb: op.verb,
              resource: op.resource,
              group: op.group,
              namespace: op.namespace,
              ...(op.name ? { name: op.name } : {}),
              ...(identity ? { identity } : {}),
              ...(status?.message ? { serverMessage: status.message } : {}),
            },
            { cause: err },
          );
        }
        case 401:
          return new UnauthorizedError(
            { server: this.server, context: this.contextName, ...(this.user ? { user: this.user } : {}) },
            { cause: err },
          );
        default:
          return new ApiServerError(
            err.code,
            status?.message ??
              (typeof err.body === 'string' && err.body ? err.body.slice(0, 200) : err.message),
            err.code === 429 || err.code >= 500
              ? 'the API server is overloaded or failing; retry later'
              : undefined,
            { cause: err },
          );
      }
    }
    const net = networkCause(err);
    if (net) {
      const { reason, hint } = describeNetworkError(net, this.timeoutMs);
      return new UnreachableError(this.server, reason, hint, { cause: err });
    }
    if (err instanceof Error && /HTTP protocol is not allowed/.test(err.message)) {
      return new KubeconfigError(
        `the cluster server ${this.server} is plain http://, which is refused unless the cluster sets insecure-skip-tls-verify: true`,
        [],
        'use the https:// address of the API server, or set insecure-skip-tls-verify for a local test cluster',
        { cause: err },
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  async getPipelineRun(namespace: string, name: string): Promise<PipelineRun> {
    const op = { verb: 'get', kind: 'PipelineRun', resource: 'pipelineruns', namespace, name } as const;
    const obj: unknown = await this.tekton(op, (version, options) =>
      this.custom.getNamespacedCustomObject(
        { group: TEKTON_GROUP, version, namespace, plural: 'pipelineruns', name },
        options,
      ),
    );
    return obj as PipelineRun;
  }

  async getTaskRun(namespace: string, name: string): Promise<TaskRun> {
    const op = { verb: 'get', kind: 'TaskRun', resource: 'taskruns', namespace, name } as const;
    const obj: unknown = await this.tekton(op, (version, options) =>
      this.custom.getNamespacedCustomObject(
        { group: TEKTON_GROUP, version, namespace, plural: 'taskruns', name },
        options,
      ),
    );
    return obj as TaskRun;
  }

  async listTaskRuns(namespace: string, options: ListOptions = {}): Promise<TaskRun[]> {
    const op = { verb: 'list', kind: 'TaskRun', resource: 'taskruns', namespace } as const;
    const list: unknown = await this.tekton(op, (version, opts) =>
      this.custom.listNamespacedCustomObject(
        {
          group: TEKTON_GROUP,
          version,
          namespace,
          plural: 'taskruns',
          ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        },
        opts,
      ),
    );
    return itemsOf(list).map((o) => o as unknown as TaskRun);
  }

  async listPipelineRuns(namespace: string, options: ListOptions = {}): Promise<PipelineRun[]> {
    const op = { verb: 'list', kind: 'PipelineRun', resource: 'pipelineruns', namespace } as const;
    const list: unknown = await this.tekton(op, (version, opts) =>
      this.custom.listNamespacedCustomObject(
        {
          group: TEKTON_GROUP,
          version,
          namespace,
          plural: 'pipelineruns',
          ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        },
        opts,
      ),
    );
    return itemsOf(list).map((o) => o as unknown as PipelineRun);
  }

  async getPipeline(namespace: string, name: string): Promise<Pipeline | undefined> {
    const op = { verb: 'get', kind: 'Pipeline', resource: 'pipelines', namespace, name } as const;
    try {
      const obj: unknown = await this.tekton(op, (version, options) =>
        this.custom.getNamespacedCustomObject(
          { group: TEKTON_GROUP, version, namespace, plural: 'pipelines', name },
          options,
        ),
      );
      return obj as Pipeline;
    } catch (err) {
      if (err instanceof NotFoundError && err.kind === 'Pipeline') return undefined;
      throw err;
    }
  }

  async getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    const op: Operation = {
      verb: 'get',
      kind: 'ConfigMap',
      resource: 'configmaps',
      group: '',
      namespace,
      name,
    };
    try {
      const cm = await this.call(op, (options) =>
        this.core.readNamespacedConfigMap({ name, namespace }, options),
      );
      return plainConfigMap(cm);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async listConfigMaps(namespace: string, options: ListOptions = {}): Promise<ConfigMap[]> {
    const op: Operation = { verb: 'list', kind: 'ConfigMap', resource: 'configmaps', group: '', namespace };
    const list = await this.call(op, (opts) =>
      this.core.listNamespacedConfigMap(
        { namespace, ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}) },
        opts,
      ),
    );
    return list.items.map(plainConfigMap);
  }
}

// ---------------------------------------------------------------------------------------------

interface KubeStatus {
  kind?: string;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; group?: string };
}

/** ApiException bodies are the raw response text (a Status as JSON, or "404 page not found"). */
function parseStatus(body: unknown): KubeStatus | undefined {
  let v: unknown = body;
  if (typeof body === 'string') {
    try {
      v = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return isRecord(v) && v.kind === 'Status' ? v : undefined;
}

/**
 * A 404 is about the object when the server answers with a Status naming it; an unserved API
 * version gives a bare "404 page not found" instead.
 */
function isObjectNotFound(body: unknown, name: string | undefined): boolean {
  const s = parseStatus(body);
  if (!s || s.reason !== 'NotFound') return false;
  return name === undefined || s.details?.name === name;
}

function itemsOf(list: unknown): Array<Record<string, unknown>> {
  return isRecord(list) && Array.isArray(list.items) ? list.items.filter(isRecord) : [];
}

function toIso(v: unknown): string | undefined {
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'string' ? v : undefined;
}

/** client-node models carry Date objects; our types are the wire (string) form. */
function plainMeta(m: K8s.V1ObjectMeta | undefined, fallbackName: string): ObjectMeta {
  const created = toIso(m?.creationTimestamp);
  const deleted = toIso(m?.deletionTimestamp);
  return {
    name: m?.name ?? fallbackName,
    ...(m?.namespace ? { namespace: m.namespace } : {}),
    ...(m?.uid ? { uid: m.uid } : {}),
    ...(m?.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    ...(created ? { creationTimestamp: created } : {}),
    ...(deleted ? { deletionTimestamp: deleted } : {}),
    ...(m?.labels ? { labels: { ...m.labels } } : {}),
    ...(m?.annotations ? { annotations: { ...m.annotations } } : {}),
  };
}

function plainConfigMap(cm: K8s.V1ConfigMap): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: plainMeta(cm.metadata, ''),
    ...(cm.data ? { data: { ...cm.data } } : {}),
  };
}

interface NetCause {
  code?: string;
  name?: string;
  message: string;
}

/** undici reports network failures as TypeError("fetch failed") with the system error as cause. */
function networkCause(err: unknown): NetCause | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && isRecord(cur); depth++) {
    const code = typeof cur.code === 'string' ? cur.code : undefined;
    const name = typeof cur.name === 'string' ? cur.name : undefined;
    const message = typeof cur.message === 'string' ? cur.message : '';
    if (name === 'TimeoutError' || name === 'AbortError') return { name, message };
    if (
      code &&
      /^(E[A-Z]+|UND_ERR_[A-Z_]+|CERT_[A-Z_]+|ERR_TLS_[A-Z_]+|[A-Z_]*CERT[A-Z_]*|DEPTH_ZERO_SELF_SIGNED_CERT)$/.test(
        code,
      )
    ) {
      return { code, message };
    }
    cur = cur.cause;
  }
  if (err instanceof TypeError && err.message === 'fetch failed') return { message: err.message };
  return undefined;
}

function describeNetworkError(c: NetCause, timeoutMs: number): { reason: string; hint?: string } {
  if (c.name === 'TimeoutError' || c.name === 'AbortError' || c.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return {
      reason: `timed out after ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)}s` : `${timeoutMs}ms`}`,
    };
  }
  const code = c.code ?? '';
  if (code === 'ECONNREFUSED') return { reason: 'connection refused (ECONNREFUSED)' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      reason: `host name not resolved (${code})`,
      hint: 'check the server address of the cluster in the kubeconfig',
    };
  }
  if (/CERT|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return {
      reason: `TLS verification failed (${code}): ${c.message}`,
      hint: 'check certificate-authority(-data) for this cluster in the kubeconfig',
    };
  }
  return { reason: code ? `${c.message} (${code})` : c.message };
}
