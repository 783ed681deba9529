// A TCP connect to the API server before @kubernetes/client-node is loaded. Loading client-node
// takes seconds on a busy machine; kubectl reports a refused connection in a fraction of one. A
// definite "no" (refused, unknown host, no route) is reported at once; anything else (a slow
// answer, a proxy in the way, a kubeconfig we cannot read here) is left to the real request.
import { connect } from 'node:net';
import { UnreachableError } from './errors.js';
import { isRecord } from '../json/guards.js';

/** Connection errors that a request through client-node could only repeat, more slowly. */
const DEFINITE: Record<string, (code: string) => { reason: string; hint?: string }> = {
  ECONNREFUSED: () => ({ reason: 'connection refused (ECONNREFUSED)' }),
  ENOTFOUND: (code) => ({
    reason: `host name not resolved (${code})`,
    hint: 'check the server address of the cluster in the kubeconfig',
  }),
  EHOSTUNREACH: (code) => ({ reason: `no route to host (${code})` }),
  ENETUNREACH: (code) => ({ reason: `network unreachable (${code})` }),
};

/** How long the probe may take before the real request is left to decide. */
const PROBE_TIMEOUT_MS = 2_000;

export interface ProbeOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env: Record<string, string | undefined>;
}

/**
 * The server of the context kubectl would use, read the way kubectl merges kubeconfigs (first
 * file wins), or undefined when it cannot be told simply (in-cluster, unreadable files, a proxy).
 */
export async function apiServerToProbe(options: ProbeOptions): Promise<URL | undefined> {
  const { env } = options;
  if (env['HTTPS_PROXY'] || env['https_proxy'] || env['HTTP_PROXY'] || env['http_proxy']) return undefined;
  const [{ readFile }, path, { parse }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('yaml'),
  ]);
  const home = env['HOME'] ?? env['USERPROFILE'];
  const files = options.kubeconfig
    ? [options.kubeconfig]
    : env['KUBECONFIG']
      ? env['KUBECONFIG'].split(path.delimiter).filter((f) => f !== '')
      : home
        ? [path.join(home, '.kube', 'config')]
        : [];
  const docs: Record<string, unknown>[] = [];
  for (const file of files) {
    try {
      const doc: unknown = parse(await readFile(file, 'utf8'));
      if (isRecord(doc)) docs.push(doc);
    } catch {
      // Missing or unreadable: the kubeconfig loader reports it properly.
    }
  }
  const named = (key: string, name: unknown): Record<string, unknown> | undefined => {
    for (const doc of docs) {
      const list = doc[key];
      if (!Array.isArray(list)) continue;
      const found = list.find((item: unknown) => isRecord(item) && item['name'] === name) as unknown;
      if (isRecord(found)) return found;
    }
    return undefined;
  };
  const current = options.context ?? docs.map((d) => d['current-context']).find((c) => typeof c === 'string');
  const context = named('contexts', current)?.['context'];
  if (!isRecord(context)) return undefined;
  const cluster = named('clusters', context['cluster'])?.['cluster'];
  if (!isRecord(cluster) || typeof cluster['server'] !== 'string' || cluster['proxy-url']) return undefined;
  try {
    return new URL(cluster['server']);
  } catch {
    return undefined;
  }
}

/**
 * Probes the server the kubeconfig options select, when it can be told simply: every command that
 * talks to the cluster calls this before loading client-node.
 */
export async function probeKubeconfigServer(options: ProbeOptions): Promise<void> {
  const server = await apiServerToProbe(options);
  if (server) await probeApiServer(server);
}

/** Throws UnreachableError when the server definitely cannot be reached; resolves otherwise. */
export async function probeApiServer(server: URL): Promise<void> {
  const port = Number(server.port || (server.protocol === 'http:' ? 80 : 443));
  const host = server.hostname.replace(/^\[|\]$/g, '');
  const failure = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port });
    const done = (code: string | undefined) => {
      socket.destroy();
      resolve(code);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(undefined));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'UNKNOWN'));
  });
  const describe = failure ? DEFINITE[failure] : undefined;
  if (!describe || !failure) return;
  const { reason, hint } = describe(failure);
  // As the kubeconfig spells it, like the errors of requests made through client-node.
  throw new UnreachableError(server.href.replace(/\/$/, ''), reason, hint);
}
