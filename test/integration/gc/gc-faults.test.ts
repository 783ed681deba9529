/**
 * gc under faults, against real registries: deletes disabled (distribution without
 * delete.enabled), deletes refused halfway (a proxy answering 403 DENIED from the N-th delete on),
 * gc SIGKILLed in the middle of a delete then run again, and a writer pushing while gc applies.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, type TestEnv } from '../../env/context.js';
import { findBinaries } from '../../env/services/binaries.js';
import { startDistribution } from '../../env/services/distribution.js';
import { cliPath, runCli } from '../../support/cli.js';
import type { GcReport } from '../../../src/gc/apply.js';
import { buildArtifactManifestJSON } from '../../../src/formats/build.js';
import {
  createPipelineRun,
  deleteRunObject,
  ensureNamespace,
  exists,
  fallbackProblems,
  gcArgs,
  pushWithWriter,
  repositoryOf,
  snapshot,
  type StoredRun,
} from './fixtures.js';
import { startGateProxy, type GateProxy } from './gate-proxy.js';

const tasks = [
  { task: 'build', artifacts: ['images', 'src'] },
  { task: 'test', artifacts: ['junit'] },
];

let env: TestEnv;
const stops: Array<() => Promise<void>> = [];

beforeAll(() => {
  env = testEnv();
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** Pushes runs, then deletes the cluster objects of those marked gone. */
async function seed(
  host: string,
  namespace: string,
  repository: string,
  names: { gone: string[]; live: string[] },
): Promise<Record<string, StoredRun>> {
  await ensureNamespace(env, namespace);
  const out: Record<string, StoredRun> = {};
  for (const name of [...names.gone, ...names.live]) {
    const uid = await createPipelineRun(env, { namespace, name });
    out[name] = await pushWithWriter(host, repository, { namespace, name, uid, tasks });
  }
  for (const name of names.gone) await deleteRunObject(env, 'PipelineRun', namespace, name);
  return out;
}

async function proxyTo(upstream: string): Promise<GateProxy> {
  const proxy = await startGateProxy(upstream);
  stops.push(() => proxy.close());
  return proxy;
}

/** Nothing dangling: every manifest a run stored either exists with its subject, or is gone. */
async function dangling(host: string, repository: string, run: StoredRun): Promise<string[]> {
  const repo = repositoryOf(host, repository);
  const problems: string[] = [];
  for (const digest of run.manifests) {
    if (!(await exists(host, repository, digest))) continue;
    const subject = (await repo.fetchManifest(digest)).manifest.subject?.digest;
    if (subject && !(await exists(host, repository, subject)))
      problems.push(`${digest} lost its subject ${subject}`);
  }
  return problems;
}

describe('gc faults', () => {
  it('exits 8 and deletes nothing when the registry refuses deletes', async () => {
    const registry = await startDistribution(env.runDir, findBinaries(), {
      name: `gc-nodelete-${process.pid}`,
      deleteEnabled: false,
    });
    stops.push(() => registry.stop());
    const repository = 'gc/no-delete';
    await seed(registry.host, 'gc-nodelete', repository, { gone: ['old-1', 'old-2'], live: ['new-1'] });
    const before = await snapshot(registry.host, repository);
    const result = await runCli(
      gcArgs(env, 'gc-nodelete', registry.host, repository, ['--apply', '-o', 'json']),
    );
    expect(result.code).toBe(8);
    expect(result.stderr).toMatch(/deletion is disabled/);
    expect(result.stderr).toMatch(/storage\.delete\.enabled/);
    const report = JSON.parse(result.stdout) as GcReport;
    expect(report.totals.manifestsDeleted).toBe(0);
    expect(report.stop?.reason).toBe('unsupported');
    expect(await snapshot(registry.host, repository)).toEqual(before);
  });

  it('exits 4 with a partial report when deletes are refused halfway, and a re-run completes', async () => {
    const upstream = env.registries.olareg.host;
    const repository = `gc/refused-${process.pid}`;
    const runs = await seed(upstream, 'gc-refused', repository, {
      gone: ['old-1', 'old-2'],
      live: ['new-1'],
    });
    const proxy = await proxyTo(upstream);
    proxy.denyFrom = 4;
    const result = await runCli(
      gcArgs(env, 'gc-refused', proxy.host, repository, ['--apply', '-o', 'json', '--concurrency', '1']),
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/delete refused by the test proxy/);
    const report = JSON.parse(result.stdout) as GcReport;
    expect(report.stop?.reason).toBe('forbidden');
    expect(report.totals.manifestsDeleted).toBe(3);
    const deleted = report.groups.flatMap((g) => g.deleted);
    for (const d of deleted) expect(await exists(upstream, repository, d)).toBe(false);
    for (const run of Object.values(runs)) expect(await dangling(upstream, repository, run)).toEqual([]);

    const again = await runCli(gcArgs(env, 'gc-refused', upstream, repository, ['--apply', '-o', 'json']));
    expect(again.code).toBe(0);
    for (const name of ['old-1', 'old-2'])
      for (const d of runs[name]!.manifests) expect(await exists(upstream, repository, d)).toBe(false);
    for (const d of runs['new-1']!.manifests) expect(await exists(upstream, repository, d)).toBe(true);
  });

  it('SIGKILLed in the middle of a delete, a re-run completes and leaves nothing dangling', async () => {
    const registry = await startDistribution(env.runDir, findBinaries(), { name: `gc-kill-${process.pid}` });
    stops.push(() => registry.stop());
    const repository = 'gc/killed';
    const runs = await seed(registry.host, 'gc-killed', repository, {
      gone: ['old-1', 'old-2', 'old-3'],
      live: ['new-1'],
    });
    const proxy = await proxyTo(registry.host);
    proxy.holdAt = 5;
    const child = spawn(
      cliPath,
      gcArgs(env, 'gc-killed', proxy.host, repository, ['--apply', '--concurrency', '1']),
      {
        stdio: 'ignore',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await proxy.held();
    child.kill('SIGKILL');
    await exited;
    // The registry applies the delete its client never heard back about: the fallback index still
    // lists the manifest, the worst moment to be stopped.
    proxy.release();
    const again = await runCli(
      gcArgs(env, 'gc-killed', registry.host, repository, ['--apply', '-o', 'json']),
    );
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    // The delete the killed gc never heard back about: already gone, its fallback entry repaired.
    const rerun = JSON.parse(again.stdout) as GcReport;
    expect(rerun.groups.reduce((n, g) => n + g.repaired, 0)).toBeGreaterThanOrEqual(1);
    for (const name of ['old-1', 'old-2', 'old-3'])
      for (const d of runs[name]!.manifests) expect(await exists(registry.host, repository, d)).toBe(false);
    for (const d of runs['new-1']!.manifests) expect(await exists(registry.host, repository, d)).toBe(true);
    for (const run of Object.values(runs)) expect(await dangling(registry.host, repository, run)).toEqual([]);
    expect(await fallbackProblems(registry.host, repository)).toEqual([]);
  });

  it('SIGINT finishes the delete in flight, reports, exits 130; a re-run completes', async () => {
    const upstream = env.registries.olareg.host;
    const repository = `gc/interrupted-${process.pid}`;
    const namespace = 'gc-interrupted';
    const runs = await seed(upstream, namespace, repository, { gone: ['old-1', 'old-2'], live: ['new-1'] });
    const proxy = await proxyTo(upstream);
    proxy.holdAt = 3;
    const child = spawn(
      cliPath,
      gcArgs(env, namespace, proxy.host, repository, ['--apply', '-o', 'json', '--concurrency', '1']),
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    let noticed: () => void = () => undefined;
    const handled = new Promise<void>((r) => (noticed = r));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('SIGINT: finishing the deletes in flight')) noticed();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await proxy.held();
    child.kill('SIGINT');
    // The signal is handled before the held delete is let through: wait for gc to say so.
    await handled;
    proxy.release();
    expect(await exited).toBe(130);
    const report = JSON.parse(stdout) as GcReport;
    expect(report.stop?.reason).toBe('interrupted');
    // The third delete was in flight: it finished and is reported; nothing after it started.
    expect(report.totals.manifestsDeleted).toBe(3);
    expect(proxy.deletes).toBe(3);
    for (const d of report.groups.flatMap((g) => g.deleted))
      expect(await exists(upstream, repository, d)).toBe(false);
    for (const run of Object.values(runs)) expect(await dangling(upstream, repository, run)).toEqual([]);
    const again = await runCli(gcArgs(env, namespace, upstream, repository, ['--apply']));
    expect(again.code).toBe(0);
    for (const name of ['old-1', 'old-2'])
      for (const d of runs[name]!.manifests) expect(await exists(upstream, repository, d)).toBe(false);
    for (const d of runs['new-1']!.manifests) expect(await exists(upstream, repository, d)).toBe(true);
  });

  it('leaves alone what a writer pushes while gc applies', async () => {
    const upstream = env.registries.olareg.host;
    const repository = `gc/racing-${process.pid}`;
    const namespace = 'gc-racing';
    const runs = await seed(upstream, namespace, repository, { gone: ['old-1', 'old-2'], live: ['new-1'] });
    const proxy = await proxyTo(upstream);
    proxy.holdAt = 2;
    const gc = runCli(
      gcArgs(env, namespace, proxy.host, repository, ['--apply', '-o', 'json', '--concurrency', '1']),
    );
    await proxy.held();
    // While gc is held in the first run's deletes: the live run stores a new artifact, and a
    // straggler attaches a report to the second gone run's TaskRun reference.
    const repo = repositoryOf(upstream, repository);
    const attach = async (run: StoredRun, name: string): Promise<string> => {
      const subjectDigest = (await repo.fetchManifest(`${namespace}.${run.name}.${run.name}-test`))
        .descriptor;
      const bytes = Buffer.from(`${name} pushed while gc ran\n`);
      const { createHash } = await import('node:crypto');
      const layer = {
        mediaType: 'application/octet-stream',
        digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
        size: bytes.byteLength,
      };
      await repo.push(layer, bytes);
      const built = buildArtifactManifestJSON({
        name,
        namespace,
        taskRun: `${run.name}-test`,
        pipelineRun: run.name,
        task: 'test',
        created: '2026-11-20T11:00:00Z',
        subject: subjectDigest,
        files: [{ title: name, digest: layer.digest, size: layer.size }],
      });
      for (const b of built.blobs) await repo.push(b.descriptor, b.bytes);
      await repo.push(built.descriptor, built.bytes);
      return built.descriptor.digest;
    };
    const fresh = await attach(runs['new-1']!, 'late-live');
    const straggler = await attach(runs['old-2']!, 'late-straggler');
    proxy.release();
    const result = await gc;
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as GcReport;
    expect(await exists(upstream, repository, fresh)).toBe(true);
    expect(await exists(upstream, repository, straggler)).toBe(true);
    for (const d of runs['new-1']!.manifests) expect(await exists(upstream, repository, d)).toBe(true);
    for (const d of runs['old-1']!.manifests) expect(await exists(upstream, repository, d)).toBe(false);
    const old2 = report.groups.find((g) => g.name === 'old-2')!;
    expect(old2.status).toBe('partial');
    expect(old2.skipped.map((s) => s.reason).join('\n')).toContain(`a new referrer ${straggler}`);
    expect(await dangling(upstream, repository, runs['old-2']!)).toEqual([]);
  });
});
