// The live cluster for validate: the RunSource of src/cluster for ConfigMaps, plus reading
// Tasks, Pipelines and runs to check them (`--from-cluster`), which RunSource does not offer.
// Only imported when a cluster is actually used: @kubernetes/client-node is slow to load.

import type * as K8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ClusterSource, loadKubeconfig } from '../cluster/cluster-source.js';
import {
  ApiServerError,
  ForbiddenError,
  InputError,
  NotFoundError,
  UnauthorizedError,
  UnreachableError,
} from '../cluster/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { InputText } from './inputs.js';
import { type TektonKind } from './resources.js';
import { isRecord } from '../json/guards.js';
import { crdServesArtifactApi } from './tekton/release.js';

const GROUP = 'tekton.dev';
const VERSIONS = ['v1', 'v1beta1'];
const PLURAL: Record<TektonKind, string> = {
  Task: 'tasks',
  // Cluster-scoped, and deprecated: not read with --from-cluster (no KIND_ALIASES entry).
  ClusterTask: 'clustertasks',
  Pipeline: 'pipelines',
  PipelineRun: 'pipelineruns',
  TaskRun: 'taskruns',
};

const KIND_ALIASES: Record<string, TektonKind> = {
  task: 'Task',
  tasks: 'Task',
  pipeline: 'Pipeline',
  pipelines: 'Pipeline',
  pipelinerun: 'PipelineRun',
  pipelineruns: 'PipelineRun',
  pr: 'PipelineRun',
  taskrun: 'TaskRun',
  taskruns: 'TaskRun',
  tr: 'TaskRun',
};

export interface ClusterSelector {
  kind: TektonKind;
  /** Undefined: every object of the kind in the namespace. */
  name?: string;
}

/** `task/build`, `pipelines`, `pr/ci-run-x7k2` (kubectl's TYPE[/NAME], with or without .tekton.dev). */
export function parseClusterSelector(text: string): ClusterSelector {
  const [rawKind = '', name, extra] = text.split('/');
  const key = rawKind.toLowerCase().replace(/\.tekton\.dev$/, '');
  // Own keys only: "constructor" must not find Object.prototype's.
  const kind = Object.hasOwn(KIND_ALIASES, key) ? KIND_ALIASES[key] : undefined;
  if (!kind || extra !== undefined || name === '') {
    throw new InputError({
      file: text,
      message: 'not a resource to read from the cluster',
      hint: 'write KIND or KIND/NAME, with KIND one of task, pipeline, pipelinerun, taskrun (e.g. task/build)',
    });
  }
  return name === undefined ? { kind } : { kind, name };
}

export interface LiveCluster {
  source: RunSource;
  /** -n, else the context's namespace, else "default". */
  namespace: string;
  describe(): string;
  /** Tekton objects as virtual YAML files, to be parsed like user files. */
  read(selectors: readonly ClusterSelector[], namespace: string): Promise<InputText[]>;
  /** Whether the tasks.tekton.dev CRD serves the proposed artifact API, and how that is known. */
  artifactApi(): Promise<{ served: boolean; source: string }>;
}

export interface LiveClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  requestTimeoutMs?: number;
}

export async function connectLive(options: LiveClusterOptions): Promise<LiveCluster> {
  const loaded = await loadKubeconfig({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const source = new ClusterSource(loaded, timeoutMs);
  const k8s = loaded.k8s;
  const custom = loaded.kc.makeApiClient(k8s.CustomObjectsApi);
  const describe = () => source.describe();

  const requestOptions = (): K8s.ConfigurationOptions<K8s.ObservableMiddleware> => ({
    middleware: [
      {
        // An abort signal per request, so a hung server cannot hang the CLI.
        pre: (ctx) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (rsp) => new k8s.Observable(Promise.resolve(rsp)),
      },
    ],
    middlewareMergeStrategy: 'append',
  });

  const mapError = (
    err: unknown,
    verb: string,
    kind: TektonKind,
    namespace: string,
    name?: string,
  ): Error => {
    if (err instanceof k8s.ApiException) {
      const message = statusMessage(err.body);
      if (err.code === 404)
        return new NotFoundError({ kind, namespace, name: name ?? PLURAL[kind], tried: describe() });
      if (err.code === 403) {
        const identity = message?.match(/User "([^"]+)"/)?.[1];
        return new ForbiddenError({
          verb,
          resource: PLURAL[kind],
          group: GROUP,
          namespace,
          ...(name ? { name } : {}),
          ...(identity ? { identity } : {}),
          ...(message ? { serverMessage: message } : {}),
        });
      }
      if (err.code === 401)
        return new UnauthorizedError({ server: source.server, context: source.contextName });
      return new ApiServerError(err.code, message ?? err.message);
    }
    const reason = networkReason(err);
    if (reason) return new UnreachableError(source.server, reason);
    return err instanceof Error ? err : new Error(String(err));
  };

  /** v1 first; a bare 404 (no Status naming the object) means the version is not served. */
  const tekton = async <T>(
    verb: string,
    kind: TektonKind,
    namespace: string,
    name: string | undefined,
    call: (version: string) => Promise<T>,
  ): Promise<T> => {
    for (const version of VERSIONS) {
      try {
        return await call(version);
      } catch (err) {
        if (err instanceof k8s.ApiException && err.code === 404 && !statusNotFound(err.body)) continue;
        throw mapError(err, verb, kind, namespace, name);
      }
    }
    throw new NotFoundError({
      kind: 'API resource',
      name: `${PLURAL[kind]}.${GROUP}`,
      tried: describe(),
      hint: `is Tekton Pipelines installed? check with: kubectl api-resources --api-group=${GROUP}`,
    });
  };

  const read = async (selectors: readonly ClusterSelector[], namespace: string): Promise<InputText[]> => {
    const wanted: ClusterSelector[] =
      selectors.length > 0 ? [...selectors] : [{ kind: 'Task' }, { kind: 'Pipeline' }];
    const batches = await Promise.all(
      wanted.map(async (sel): Promise<Array<{ kind: TektonKind; obj: Record<string, unknown> }>> => {
        const plural = PLURAL[sel.kind];
        if (sel.name !== undefined) {
          const name = sel.name;
          const obj: unknown = await tekton('get', sel.kind, namespace, name, (version) =>
            custom.getNamespacedCustomObject(
              { group: GROUP, version, namespace, plural, name },
              requestOptions(),
            ),
          );
          return isRecord(obj) ? [{ kind: sel.kind, obj }] : [];
        }
        const list: unknown = await tekton('list', sel.kind, namespace, undefined, (version) =>
          custom.listNamespacedCustomObject({ group: GROUP, version, namespace, plural }, requestOptions()),
        );
        const items = isRecord(list) && Array.isArray(list.items) ? list.items.filter(isRecord) : [];
        return items.map((obj) => ({ kind: sel.kind, obj }));
      }),
    );
    return batches.flat().map(({ kind, obj }) => toVirtualFile(kind, obj, namespace, source.server));
  };

  const artifactApi = async (): Promise<{ served: boolean; source: string }> => {
    const name = `tasks.${GROUP}`;
    try {
      const ext = loaded.kc.makeApiClient(k8s.ApiextensionsV1Api);
      const crd = await ext.readCustomResourceDefinition({ name }, requestOptions());
      const served = crdServesArtifactApi(crd);
      return {
        served,
        source: `the schema of CRD ${name} in ${describe()} ${served ? 'declares' : 'does not declare'} the proposed artifact fields`,
      };
    } catch (err) {
      // Reading CRDs needs a ClusterRole many CI identities lack: the released API is assumed.
      const code = err instanceof k8s.ApiException ? ` (HTTP ${err.code})` : '';
      return {
        served: false,
        source: `CRD ${name} could not be read${code}, so the released API is assumed`,
      };
    }
  };

  return { source, namespace: loaded.namespace, describe, read, artifactApi };
}

/**
 * A cluster object as a YAML "file" named cluster/<namespace>/<kind>/<name>.yaml, printed like
 * `kubectl get -o yaml` (keys sorted, sequences not indented, managedFields hidden), so positions
 * in findings match what kubectl shows. With the server, `uri` is the object's API URL: no file
 * by that name exists, so SARIF points there instead.
 */
export function toVirtualFile(
  kind: TektonKind,
  obj: Record<string, unknown>,
  namespace: string,
  server?: string,
): InputText {
  const meta = isRecord(obj.metadata) ? { ...obj.metadata } : {};
  delete meta.managedFields;
  const full = { apiVersion: `${GROUP}/v1`, kind, ...obj, metadata: meta };
  const name = typeof meta.name === 'string' ? meta.name : 'unnamed';
  const ns = typeof meta.namespace === 'string' ? meta.namespace : namespace;
  const version = String(full.apiVersion).split('/')[1] ?? 'v1';
  const seg = encodeURIComponent;
  return {
    file: `cluster/${ns}/${kind.toLowerCase()}/${name}.yaml`,
    text: stringify(full, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }),
    ...(server
      ? {
          uri: `${server.replace(/\/+$/, '')}/apis/${GROUP}/${seg(version)}/namespaces/${seg(ns)}/${PLURAL[kind]}/${seg(name)}`,
        }
      : {}),
  };
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (isRecord(body)) return body;
  if (typeof body !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(body);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function statusMessage(body: unknown): string | undefined {
  const s = parseBody(body);
  return s && typeof s.message === 'string' ? s.message : undefined;
}

function statusNotFound(body: unknown): boolean {
  const s = parseBody(body);
  return s?.kind === 'Status' && s.reason === 'NotFound';
}

/** undici reports network failures as TypeError("fetch failed") with the system error as cause. */
function networkReason(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && isRecord(cur); depth++) {
    const code = typeof cur.code === 'string' ? cur.code : undefined;
    const name = typeof cur.name === 'string' ? cur.name : undefined;
    if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
    if (code && /^(E[A-Z]+|UND_ERR_[A-Z_]+|CERT_[A-Z_]+|ERR_TLS_[A-Z_]+|[A-Z_]*CERT[A-Z_]*)$/.test(code)) {
      return `${typeof cur.message === 'string' ? cur.message : code} (${code})`;
    }
    cur = cur.cause;
  }
  return err instanceof TypeError && err.message === 'fetch failed' ? err.message : undefined;
}
