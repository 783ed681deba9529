/**
 * `gc --print-cronjob`: the objects are accepted by the real kube-apiserver (server-side dry run),
 * and gc run with exactly that ServiceAccount's identity (a token from the TokenRequest API) works;
 * with a Role that lacks taskruns it fails clearly, naming what is missing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeApply, kubeRequest, runTool, testEnv, type TestEnv } from '../../env/context.js';
import { runCli } from '../../support/cli.js';
import type { GcReport } from '../../../src/gc/apply.js';
import { createPipelineRun, deleteRunObject, ensureNamespace, exists, pushWithWriter } from './fixtures.js';

const namespace = 'gc-cron';
let env: TestEnv;
let work: string;

function kubectl(args: string[], input?: string): Promise<string> {
  return runTool(env.bin.kubectl, [...args, '--kubeconfig', env.kube.adminKubeconfig], {
    ...(input !== undefined ? { input } : {}),
  });
}

async function printed(extra: string[]): Promise<string> {
  const result = await runCli([
    'gc',
    '--print-cronjob',
    '--image',
    'registry.example.com/tekton/tkn-artifacts:0.1.0',
    '--schedule',
    '15 2 * * *',
    ...extra,
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** A kubeconfig whose user is the ServiceAccount's token (what the Pod would use). */
async function tokenKubeconfig(token: string): Promise<string> {
  const admin = readFileSync(env.kube.adminKubeconfig, 'utf8');
  const ca = /certificate-authority-data: (\S+)/.exec(admin)?.[1];
  const file = join(work, 'sa-kubeconfig.yaml');
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: env.kube.server, 'certificate-authority-data': ca } }],
      users: [{ name: 'gc', user: { token } }],
      contexts: [{ name: 'gc', context: { cluster: 'test', user: 'gc', namespace } }],
      'current-context': 'gc',
    }),
    { mode: 0o600 },
  );
  return file;
}

beforeAll(async () => {
  env = testEnv();
  work = await mkdtemp(join(tmpdir(), 'tkn-gc-cron-'));
  await ensureNamespace(env, namespace);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('gc --print-cronjob', () => {
  it('prints objects the API server accepts (server-side dry run), for -n and for -A', async () => {
    for (const flags of [['-n', namespace], ['-A']]) {
      const yaml = await printed(flags);
      expect(yaml).toContain('kind: CronJob');
      expect(yaml).toContain('schedule: 15 2 * * *');
      const out = await kubectl(['apply', '--dry-run=server', '-f', '-'], yaml);
      expect(out).toMatch(/cronjob\.batch\/tkn-artifacts-gc created \(server dry run\)/);
      expect(out).toMatch(/serviceaccount\/tkn-artifacts-gc created \(server dry run\)/);
    }
  });

  it('gc runs with exactly that identity, and fails clearly when the Role lacks taskruns', async () => {
    const host = env.registries.olareg.host;
    const repository = `gc/cron-${process.pid}`;
    await kubectl(['apply', '-f', '-'], await printed(['-n', namespace]));
    await kubeApply(env, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'config-artifact-storage',
        namespace,
        labels: { 'tekton.dev/config-type': 'artifact-storage' },
      },
      data: { enabled: 'true', backend: 'oci', 'oci.repository': `${host}/${repository}` },
    });
    const goneUid = await createPipelineRun(env, { namespace, name: 'nightly-old' });
    const gone = await pushWithWriter(host, repository, {
      namespace,
      name: 'nightly-old',
      uid: goneUid,
      tasks: [{ task: 'build', artifacts: ['images'] }],
    });
    await deleteRunObject(env, 'PipelineRun', namespace, 'nightly-old');
    const liveUid = await createPipelineRun(env, { namespace, name: 'nightly-new' });
    const live = await pushWithWriter(host, repository, {
      namespace,
      name: 'nightly-new',
      uid: liveUid,
      tasks: [{ task: 'build', artifacts: ['images'] }],
    });
    const token = (await kubectl(['create', 'token', 'tkn-artifacts-gc', '-n', namespace])).trim();
    const kubeconfig = await tokenKubeconfig(token);
    // As the CronJob runs it (its args), with the repository from the ConfigMap the Role lets it read.
    const asTheJob = (extra: string[] = []) =>
      runCli(['gc', '--apply', '-n', namespace, '--kubeconfig', kubeconfig, '--plain-http', host, ...extra]);
    const ok = await asTheJob(['-o', 'json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as GcReport).totals.runsRemoved).toBe(1);
    for (const d of gone.manifests) expect(await exists(host, repository, d)).toBe(false);
    for (const d of live.manifests) expect(await exists(host, repository, d)).toBe(true);

    // Less than that: no taskruns. gc stops before planning and says what is missing.
    const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/tkn-artifacts-gc`;
    const patched = await kubeRequest(env, 'PATCH', path, {
      rules: [
        { apiGroups: ['tekton.dev'], resources: ['pipelineruns'], verbs: ['get', 'list'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: ['config-artifact-storage'],
          verbs: ['get'],
        },
      ],
    });
    expect(patched.status).toBe(200);
    const denied = await asTheJob();
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/list taskruns\.tekton\.dev/);
    expect(denied.stderr).toContain('system:serviceaccount:gc-cron:tkn-artifacts-gc');
    for (const d of live.manifests) expect(await exists(host, repository, d)).toBe(true);
  });
});
