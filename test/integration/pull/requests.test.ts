// pull asks only for what it writes: pulling one artifact of a run reads that artifact's manifest
// and its blobs, and nothing else (no root, no referrers, no other artifact). Counted by a
// pass-through proxy in front of a real registry (olareg), through which the run was pushed, so
// every reference in the run's statuses goes through it.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../env/context.js';
import { runCli } from '../../support/cli.js';
import { pushScenario, writeRunExport, type Scenario } from '../../support/scenario.js';
import { startFaultyProxy, type FaultyProxy } from './proxy.js';

// olareg only: distribution answers uploads with an absolute Location, which a proxy in front breaks.
describe.each(['olareg'] as const)('requests of pull (%s)', (registryName) => {
  let work: string;
  let proxy: FaultyProxy;
  let scenario: Scenario;
  let exportFile: string;
  const namespace = `pull-requests-${registryName === 'olareg' ? 'oci11' : 'dist2'}`;

  beforeAll(async () => {
    const env = testEnv();
    work = await mkdtemp(join(tmpdir(), 'tkn-pull-requests-'));
    proxy = await startFaultyProxy(env.registries[registryName].host);
    scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'registry', host: proxy.host },
      registry: proxy.host,
      namespace,
    });
    exportFile = join(work, 'run.yaml');
    await writeRunExport(scenario, exportFile);
  });
  afterAll(async () => {
    await proxy?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('one artifact of a run: its manifest and its blobs, nothing else', async () => {
    const out = join(work, 'one');
    await mkdir(out, { recursive: true });
    proxy.requests.length = 0;
    const result = await runCli(
      [
        'pull',
        scenario.pipelineRun,
        '-n',
        namespace,
        '--from-file',
        exportFile,
        '--plain-http',
        proxy.host,
        '--artifact',
        'test/junit',
        '-o',
        out,
        '--format',
        'json',
      ],
      { env: { KUBECONFIG: '/nonexistent' } },
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { files: { digest: string; artifact: string }[] };
    expect(report.files.map((f) => f.artifact)).toEqual(['junit']);
    const blobs = new Set(report.files.map((f) => f.digest));
    const junit = scenario.digests.junit;
    const manifestRequests = proxy.requests.filter((r) => r.includes('/manifests/'));
    const blobRequests = proxy.requests.filter((r) => r.includes('/blobs/'));
    const other = proxy.requests.filter(
      (r) => !r.includes('/manifests/') && !r.includes('/blobs/') && r !== 'GET /v2/',
    );
    // The manifest the status names, by digest, read once; no tags (root), no referrers.
    expect(manifestRequests).toEqual([`GET /v2/${namespace}/tekton-artifacts/manifests/${junit}`]);
    // Each file's blob, once.
    expect(blobRequests.sort()).toEqual(
      [...blobs].map((digest) => `GET /v2/${namespace}/tekton-artifacts/blobs/${digest}`).sort(),
    );
    expect(other).toEqual([]);
  });
});
