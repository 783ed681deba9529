// ClusterSource against a fake API server on loopback (plain HTTP): error mapping, the v1 → v1beta1
// fallback, timeouts; and kubeconfig loading from temporary files. The real apiserver is in
// test/integration/cluster.
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiServerError,
  connectCluster,
  ForbiddenError,
  KubeconfigError,
  loadKubeconfig,
  NotFoundError,
  UnauthorizedError,
  UnreachableError,
} from '../../../src/cluster/index.js';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
}

const seen: Seen[] = [];
let server: http.Server;
let base = '';
let dir = '';
/** When true the server serves only tekton.dev/v1beta1, like Pipelines before 0.44. */
let onlyV1beta1 = false;

function status(
  res: http.ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: object,
): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason,
      message,
      code,
      ...(details ? { details } : {}),
    }),
  );
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  seen.push({
    method: req.method ?? '',
    url: `${url.pathname}${url.search}`,
    auth: req.headers.authorization,
  });
  const m = /^\/apis\/tekton\.dev\/(v1|v1beta1)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(
    url.pathname,
  );
  if (m) {
    const [, version, ns, plural, name] = m;
    if ((onlyV1beta1 && version === 'v1') || (!onlyV1beta1 && version === 'v1beta1')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    if (ns === 'unauth') return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (ns === 'broken') return status(res, 500, 'InternalError', 'etcdserver: request timed out');
    if (ns === 'hang') return; // never answers
    if (name === 'forbidden' || ns === 'locked') {
      return status(
        res,
        403,
        'Forbidden',
        `${plural}.tekton.dev "${name ?? ''}" is forbidden: User "jane" cannot ${name ? 'get' : 'list'} resource "${plural}" in API group "tekton.dev" in the namespace "${ns}"`,
        { name, group: 'tekton.dev', kind: plural },
      );
    }
    if (!name) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          apiVersion: `tekton.dev/${version}`,
          kind: 'TaskRunList',
          items: [
            {
              apiVersion: `tekton.dev/${version}`,
              kind: 'TaskRun',
              metadata: { name: 'tr-1', namespace: ns },
            },
          ],
        }),
      );
      return;
    }
    if (name === 'p1' || name === 'tr-1' || name === 'pipe') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          apiVersion: `tekton.dev/${version}`,
          kind: 'X',
          metadata: { name, namespace: ns },
          status: { taskResults: [] },
        }),
      );
      return;
    }
    return status(res, 404, 'NotFound', `${plural}.tekton.dev "${name}" not found`, {
      name,
      group: 'tekton.dev',
      kind: plural,
    });
  }
  const cm = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(url.pathname);
  if (cm) {
    const [, ns, name] = cm;
    if (ns === 'locked')
      return status(
        res,
        403,
        'Forbidden',
        `configmaps "${name}" is forbidden: User "jane" cannot get resource "configmaps" in API group "" in the namespace "locked"`,
      );
    if (name === 'present' || !name) {
      const obj = {
        metadata: {
          name: 'present',
          namespace: ns,
          creationTimestamp: '2026-03-01T10:00:00Z',
          labels: { a: 'b' },
        },
        data: { k: 'v' },
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          name
            ? { apiVersion: 'v1', kind: 'ConfigMap', ...obj }
            : { apiVersion: 'v1', kind: 'ConfigMapList', items: [obj] },
        ),
      );
      return;
    }
    return status(res, 404, 'NotFound', `configmaps "${name}" not found`, { name, kind: 'configmaps' });
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('404 page not found');
}

function kubeconfig(
  file: string,
  server: string,
  extra: { contexts?: Array<{ name: string; namespace?: string }>; current?: string; strict?: boolean } = {},
): string {
  const contexts = extra.contexts ?? [{ name: 'fake', namespace: 'ns' }];
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: fake-cluster`,
    `  cluster: {server: "${server}", insecure-skip-tls-verify: ${server.startsWith('http:') && !extra.strict}}`,
    'users:',
    '- name: jane',
    '  user: {token: secret-token}',
    'contexts:',
    ...contexts.flatMap((c) => [
      `- name: ${c.name}`,
      `  context: {cluster: fake-cluster, user: jane${c.namespace ? `, namespace: ${c.namespace}` : ''}}`,
    ]),
    `current-context: "${extra.current ?? contexts[0]?.name ?? ''}"`,
  ].join('\n');
  const p = path.join(dir, file);
  writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tkn-artifacts-kc-'));
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function source(options: { requestTimeoutMs?: number } = {}) {
  return connectCluster({ kubeconfig: kubeconfig('config', base), env: {}, ...options });
}

describe('ClusterSource', () => {
  it('reads tekton.dev/v1 objects with the kubeconfig credentials; namespace from the context', async () => {
    onlyV1beta1 = false;
    const src = await source();
    expect(src.defaultNamespace).toBe('ns');
    expect(src.describe()).toBe(`cluster ${base} (context fake)`);
    const pr = await src.getPipelineRun('ns', 'p1');
    expect(pr.metadata.name).toBe('p1');
    expect(seen.at(-1)).toEqual({
      method: 'GET',
      url: '/apis/tekton.dev/v1/namespaces/ns/pipelineruns/p1',
      auth: 'Bearer secret-token',
    });
    const list = await src.listTaskRuns('ns', { labelSelector: 'tekton.dev/pipelineRun=p1' });
    expect(list.map((t) => t.metadata.name)).toEqual(['tr-1']);
    expect(seen.at(-1)?.url).toBe(
      '/apis/tekton.dev/v1/namespaces/ns/taskruns?labelSelector=tekton.dev%2FpipelineRun%3Dp1',
    );
  });

  it('falls back to v1beta1 when v1 is not served, and remembers it', async () => {
    onlyV1beta1 = true;
    try {
      const src = await source();
      const tr = await src.getTaskRun('ns', 'tr-1');
      expect(tr.apiVersion).toBe('tekton.dev/v1beta1');
      const before = seen.length;
      await src.getTaskRun('ns', 'tr-1');
      expect(seen.slice(before).map((s) => s.url)).toEqual([
        '/apis/tekton.dev/v1beta1/namespaces/ns/taskruns/tr-1',
      ]);
    } finally {
      onlyV1beta1 = false;
    }
  });

  it('404 on the object is NotFoundError (no v1beta1 retry)', async () => {
    const src = await source();
    const before = seen.length;
    const err = await src.getPipelineRun('ns', 'missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toBe(
      `PipelineRun "missing" not found in namespace "ns" (looked in cluster ${base} (context fake))`,
    );
    expect((err as NotFoundError).hint).toBe('check the name, and the namespace with -n/--namespace');
    expect(seen.length - before).toBe(1);
  });

  it('403 is ForbiddenError with the identity from the server and the RBAC to ask for', async () => {
    const src = await source();
    const err = await src.getPipelineRun('ns', 'forbidden').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    const f = err as ForbiddenError;
    expect(f).toMatchObject({
      verb: 'get',
      resource: 'pipelineruns',
      group: 'tekton.dev',
      namespace: 'ns',
      identity: 'jane',
      code: 'FORBIDDEN',
    });
    expect(f.message).toBe(
      'forbidden: jane is not allowed to get pipelineruns.tekton.dev "forbidden" in namespace "ns"',
    );
    expect(f.hint).toContain('RBAC "get" on pipelineruns.tekton.dev in namespace "ns"');
    const list = await src.listTaskRuns('locked').catch((e: unknown) => e);
    expect(list).toMatchObject({ verb: 'list', resource: 'taskruns' });
  });

  it('401 is UnauthorizedError naming the user and context', async () => {
    const src = await source();
    const err = await src.getPipelineRun('unauth', 'p1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toBe(
      `the API server ${base} rejected the credentials of user "jane" (context "fake")`,
    );
  });

  it('5xx is ApiServerError with the server message', async () => {
    const src = await source();
    const err = await src.getPipelineRun('broken', 'p1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiServerError);
    expect((err as ApiServerError).status).toBe(500);
    expect((err as Error).message).toBe('the API server answered 500: etcdserver: request timed out');
  });

  it('a server that does not answer times out as UnreachableError', async () => {
    const src = await source({ requestTimeoutMs: 300 });
    const err = await src.getPipelineRun('hang', 'p1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe(
      `cannot reach the Kubernetes API server ${base}: timed out after 300ms`,
    );
  });

  it('a refused connection is UnreachableError', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    // Refused at connect time, by the probe, before client-node is loaded (kubectl is that quick).
    const err = await connectCluster({
      kubeconfig: kubeconfig('refused', `http://127.0.0.1:${port}`),
      env: {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).reason).toBe('connection refused (ECONNREFUSED)');
    expect((err as Error).message).toBe(
      `cannot reach the Kubernetes API server http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
  });

  it('ConfigMaps: plain objects, absent is undefined, 403 is ForbiddenError', async () => {
    const src = await source();
    expect(await src.getConfigMap('ns', 'present')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'present',
        namespace: 'ns',
        creationTimestamp: '2026-03-01T10:00:00.000Z',
        labels: { a: 'b' },
      },
      data: { k: 'v' },
    });
    expect(await src.getConfigMap('ns', 'absent')).toBeUndefined();
    await expect(src.getConfigMap('locked', 'x')).rejects.toMatchObject({
      resource: 'configmaps',
      group: '',
      identity: 'jane',
    });
    expect((await src.listConfigMaps('ns')).map((c) => c.metadata.name)).toEqual(['present']);
  });

  it('plain http without insecure-skip-tls-verify is a KubeconfigError', async () => {
    const src = await connectCluster({ kubeconfig: kubeconfig('strict', base, { strict: true }), env: {} });
    await expect(src.getPipelineRun('ns', 'p1')).rejects.toThrow(KubeconfigError);
  });

  it('getPipeline: undefined when absent', async () => {
    const src = await source();
    expect(await src.getPipeline('ns', 'nope')).toBeUndefined();
    expect((await src.getPipeline('ns', 'pipe'))?.metadata.name).toBe('pipe');
  });
});

describe('kubeconfig loading', () => {
  it('--kubeconfig that does not exist', async () => {
    const err = await loadKubeconfig({ kubeconfig: path.join(dir, 'nope'), env: {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeconfigError);
    expect((err as Error).message).toBe(`kubeconfig ${path.join(dir, 'nope')} does not exist`);
  });

  it('an unparseable kubeconfig', async () => {
    const p = path.join(dir, 'bad');
    writeFileSync(p, 'clusters: [');
    await expect(loadKubeconfig({ kubeconfig: p, env: {} })).rejects.toThrow(/cannot load kubeconfig/);
  });

  it('--context must exist; the error lists the contexts', async () => {
    const p = kubeconfig('ctx', base, { contexts: [{ name: 'a' }, { name: 'b', namespace: 'bee' }] });
    await expect(loadKubeconfig({ kubeconfig: p, context: 'c', env: {} })).rejects.toThrow(KubeconfigError);
    const err = (await loadKubeconfig({ kubeconfig: p, context: 'c', env: {} }).catch(
      (e: unknown) => e,
    )) as KubeconfigError;
    expect(err.hint).toBe('available contexts: a, b');
    const ok = await loadKubeconfig({ kubeconfig: p, context: 'b', env: {} });
    expect(ok).toMatchObject({ contextName: 'b', namespace: 'bee', user: 'jane', server: base });
    expect((await loadKubeconfig({ kubeconfig: p, env: {} })).namespace).toBe('default');
    expect((await loadKubeconfig({ kubeconfig: p, context: 'b', namespace: 'n', env: {} })).namespace).toBe(
      'n',
    );
  });

  it('no current context', async () => {
    const p = kubeconfig('nocurrent', base, { contexts: [{ name: 'a' }], current: '' });
    await expect(loadKubeconfig({ kubeconfig: p, env: {} })).rejects.toThrow(
      'the kubeconfig has no current context',
    );
  });

  it('KUBECONFIG: several files, missing ones skipped, first current-context wins', async () => {
    const first = kubeconfig('k1', base, { contexts: [{ name: 'one', namespace: 'n1' }] });
    const secondDir = mkdtempSync(path.join(tmpdir(), 'tkn-artifacts-kc2-'));
    const second = path.join(secondDir, 'k2');
    writeFileSync(
      second,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: other, cluster: {server: "https://10.0.0.1"}}]',
        'users: [{name: bob, user: {token: t}}]',
        'contexts: [{name: two, context: {cluster: other, user: bob}}]',
        'current-context: two',
      ].join('\n'),
    );
    const env = { KUBECONFIG: [path.join(dir, 'missing'), first, second].join(path.delimiter) };
    const k = await loadKubeconfig({ env });
    expect(k.contextName).toBe('one');
    expect(k.files).toEqual([first, second]);
    expect((await loadKubeconfig({ env, context: 'two' })).server).toBe('https://10.0.0.1');
    await expect(loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'missing') } })).rejects.toThrow(
      /none of the files in KUBECONFIG exist/,
    );
  });

  it('nothing to load at all', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'tkn-artifacts-home-'));
    const err = (await loadKubeconfig({ env: { HOME: home } }).catch((e: unknown) => e)) as KubeconfigError;
    expect(err).toBeInstanceOf(KubeconfigError);
    expect(err.message).toMatch(/^no kubeconfig found/);
    expect(err.hint).toMatch(/--from-file/);
  });

  it('~/.kube/config is the default', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'tkn-artifacts-home-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(home, '.kube'));
    writeFileSync(
      path.join(home, '.kube', 'config'),
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${base}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u, namespace: home-ns}}]\ncurrent-context: x\n`,
    );
    expect(await loadKubeconfig({ env: { HOME: home } })).toMatchObject({
      contextName: 'x',
      namespace: 'home-ns',
    });
  });
});
