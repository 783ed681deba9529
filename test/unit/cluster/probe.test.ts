// The TCP probe before client-node loads: which server it picks, and that only a definite
// refusal is reported (a listening server passes).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnreachableError } from '../../../src/cluster/errors.js';
import { apiServerToProbe, probeApiServer } from '../../../src/cluster/probe.js';

const dir = mkdtempSync(path.join(tmpdir(), 'probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, clusters: Record<string, string>, current: string, extra = ''): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...Object.entries(clusters).map(([n, s]) => `- name: ${n}\n  cluster: {server: "${s}"${extra}}`),
      'contexts:',
      ...Object.keys(clusters).map((n) => `- name: ${n}\n  context: {cluster: ${n}, user: u}`),
      `current-context: ${current}`,
    ].join('\n'),
  );
  return file;
}

describe('apiServerToProbe', () => {
  it('reads the current context, --context, and KUBECONFIG with the first file winning', async () => {
    const a = config('a', { one: 'https://10.1.1.1:6443', two: 'https://10.2.2.2:6443' }, 'one');
    const b = config('b', { three: 'https://10.3.3.3' }, 'three');
    expect((await apiServerToProbe({ kubeconfig: a, env: {} }))?.host).toBe('10.1.1.1:6443');
    expect((await apiServerToProbe({ kubeconfig: a, context: 'two', env: {} }))?.host).toBe('10.2.2.2:6443');
    const merged = await apiServerToProbe({ env: { KUBECONFIG: `${b}${path.delimiter}${a}` } });
    expect(merged?.host).toBe('10.3.3.3');
    expect(await apiServerToProbe({ env: { KUBECONFIG: b }, context: 'one' })).toBeUndefined();
  });

  it('leaves proxies, proxy-url and unreadable files to the real request', async () => {
    const a = config('c', { one: 'https://10.1.1.1:6443' }, 'one');
    expect(
      await apiServerToProbe({ kubeconfig: a, env: { HTTPS_PROXY: 'http://proxy:3128' } }),
    ).toBeUndefined();
    const p = config('d', { one: 'https://10.1.1.1:6443' }, 'one', ', proxy-url: "http://proxy:3128"');
    expect(await apiServerToProbe({ kubeconfig: p, env: {} })).toBeUndefined();
    expect(await apiServerToProbe({ kubeconfig: path.join(dir, 'missing'), env: {} })).toBeUndefined();
  });
});

describe('probeApiServer', () => {
  it('passes a listening server and reports a refused port', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await expect(probeApiServer(new URL(`https://127.0.0.1:${port}`))).resolves.toBeUndefined();
    await new Promise<void>((r) => server.close(() => r()));
    const err = await probeApiServer(new URL(`https://127.0.0.1:${port}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe(
      `cannot reach the Kubernetes API server https://127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
  });
});
