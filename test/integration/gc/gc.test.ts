/**
 * gc end to end: the real CLI against olareg (referrers API) and a distribution 2.8 of its own
 * (sha256-<hex> fallback tags; started here so it can be stopped for its garbage-collect), runs
 * pushed by the oras CLI and by our own writer, live runs in the real kube-apiserver.
 *
 * Runs: A (oras) and B (writer) gone; C (oras) and D (writer) alive; R running; E recreated under
 * the same name (the old content's UID differs from the live run's); F gone, but its `src` artifact
 * is the input of a live TaskRun; a standalone TaskRun's rootless artifacts (gone); a plain oras
 * push naming no run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oras, runTool, testEnv, type TestEnv } from '../../env/context.js';
import { findBinaries } from '../../env/services/binaries.js';
import { startDistribution } from '../../env/services/distribution.js';
import { runCli } from '../../support/cli.js';
import type { GcPlan } from '../../../src/gc/plan.js';
import type { GcReport } from '../../../src/gc/apply.js';
import {
  createConsumerTaskRun,
  createPipelineRun,
  deleteRunObject,
  ensureNamespace,
  exists,
  fallbackProblems,
  gcArgs,
  pushRootless,
  pushWithOras,
  pushWithWriter,
  repositoryOf,
  snapshot,
  type StoredRun,
} from './fixtures.js';

const exec = promisify(execFile);

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length)] = (await readFile(path)).toString('base64');
  }
  return out;
}

describe.each(['olareg', 'distribution'] as const)('gc against %s', (registryName) => {
  let env: TestEnv;
  let host: string;
  let distribution: Awaited<ReturnType<typeof startDistribution>> | undefined;
  const namespace = `gc-${registryName.slice(0, 4)}`;
  const repository = `gc/${registryName}-artifacts`;
  type Key = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'L' | 'R';
  const runs = {} as Record<Key, StoredRun>;
  let eOld: StoredRun;
  let plainDigest: string;
  let work: string;
  const pulledBefore = {} as Record<Key, Record<string, string>>;

  const gc = (args: string[]) => runCli(gcArgs(env, namespace, host, repository, args));

  const pull = async (run: StoredRun, label: string): Promise<Record<string, string>> => {
    const dir = join(work, `${label}-${run.name}`);
    const result = await runCli([
      'pull',
      `${host}/${repository}:${run.namespace}.${run.name}`,
      '-o',
      dir,
      '--plain-http',
      host,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return filesUnder(dir);
  };

  beforeAll(async () => {
    env = testEnv();
    work = await mkdtemp(join(tmpdir(), 'tkn-gc-it-'));
    if (registryName === 'distribution') {
      distribution = await startDistribution(env.runDir, findBinaries(), {
        name: `gc-distribution-${process.pid}`,
      });
      host = distribution.host;
    } else host = env.registries.olareg.host;
    await ensureNamespace(env, namespace);
    const tasks = [
      { task: 'build', artifacts: ['images', 'src'] },
      { task: 'test', artifacts: ['junit', 'coverage'] },
    ];
    const live = async (name: string, writer: 'oras' | 'writer', running = false) => {
      const uid = await createPipelineRun(env, { namespace, name, running });
      const spec = { namespace, name, uid, tasks };
      return writer === 'oras'
        ? pushWithOras(env, host, repository, spec)
        : pushWithWriter(host, repository, spec);
    };
    runs.A = await live('run-a', 'oras');
    runs.B = await live('run-b', 'writer');
    runs.F = await live('run-f', 'oras');
    runs.C = await live('run-c', 'oras');
    runs.D = await live('run-d', 'writer');
    runs.R = await live('run-r', 'writer', true);
    eOld = await live('run-e', 'writer');
    for (const name of ['run-a', 'run-b', 'run-f', 'run-e'])
      await deleteRunObject(env, 'PipelineRun', namespace, name);
    runs.E = await live('run-e', 'writer');
    await createConsumerTaskRun(env, {
      namespace,
      name: 'consumer-g',
      input: `oci:${host}/${repository}@${runs.F.layers.src}`,
    });
    runs.L = await pushRootless(host, repository, {
      namespace,
      taskRun: 'lone-1',
      artifacts: ['report', 'notes'],
    });
    await writeFile(join(work, 'plain.txt'), 'a plain push naming no run\n');
    const out = await oras(env, ['push', `${host}/${repository}:plain`, 'plain.txt', '--format', 'json'], {
      cwd: work,
    });
    plainDigest = (JSON.parse(out) as { digest: string }).digest;
    for (const k of ['C', 'D', 'E'] as const) pulledBefore[k] = await pull(runs[k], 'before');
  });

  afterAll(async () => {
    await distribution?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('dry run: plans exactly the gone runs and changes nothing in the registry', async () => {
    const before = await snapshot(host, repository);
    const result = await gc(['-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as GcPlan;
    expect(plan).toMatchObject({ apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1', kind: 'GcPlan' });
    expect(plan.referrers).toBe(registryName === 'olareg' ? 'api' : 'tag-schema');
    const planned = plan.groups.map((g) => `${g.kind}/${g.name}`).sort();
    // The old run-e is found only through its fallback tag (its root tag moved to the new run).
    expect(planned).toEqual(
      registryName === 'distribution'
        ? [
            'PipelineRun/run-a',
            'PipelineRun/run-b',
            'PipelineRun/run-e',
            'PipelineRun/run-f',
            'TaskRun/lone-1',
          ]
        : ['PipelineRun/run-a', 'PipelineRun/run-b', 'PipelineRun/run-f', 'TaskRun/lone-1'],
    );
    const deleted = new Set(plan.groups.flatMap((g) => g.delete.map((i) => i.digest)));
    for (const k of ['A', 'B', 'L'] as const)
      for (const d of runs[k].manifests) expect(deleted.has(d)).toBe(true);
    if (registryName === 'distribution') for (const d of eOld.manifests) expect(deleted.has(d)).toBe(true);
    for (const k of ['C', 'D', 'E', 'R'] as const)
      for (const d of runs[k].manifests) expect(deleted.has(d)).toBe(false);
    expect(deleted.has(plainDigest)).toBe(false);
    // run-f: the input a live TaskRun names stays, with its TaskRun reference and root above it.
    const f = plan.groups.find((g) => g.name === 'run-f')!;
    expect(f.keep.map((k) => k.digest)).toContain(runs.F.artifacts.src);
    expect(f.keep.map((k) => k.digest)).toContain(runs.F.root);
    expect(deleted.has(runs.F.artifacts.src!)).toBe(false);
    expect(deleted.has(runs.F.artifacts.junit!)).toBe(true);
    expect(plan.groups.find((g) => g.name === 'run-a')!.reasons).toEqual([
      `PipelineRun ${namespace}/run-a is gone`,
    ]);
    // Leaves first in every group: no item comes after its subject.
    for (const g of plan.groups) {
      const order = g.delete.map((i) => i.digest);
      for (const [i, item] of g.delete.entries())
        if (item.subject && order.includes(item.subject))
          expect(order.indexOf(item.subject)).toBeGreaterThan(i);
    }
    const text = await gc(['-v']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`PipelineRun ${namespace}/run-a  PipelineRun ${namespace}/run-a is gone`);
    expect(text.stdout).toMatch(/PipelineRun gc-\w+\/run-r +\d+ +PipelineRun gc-\w+\/run-r is running/);
    expect(text.stdout).toContain('dry run: nothing is deleted without --apply');
    expect(await snapshot(host, repository)).toEqual(before);
  });

  it('takes the live runs from an export, refuses without any live view, and guards --run', async () => {
    const exportFile = join(work, 'live.yaml');
    const exported = await runTool(env.bin.kubectl, [
      'get',
      'pipelinerun,taskrun',
      '-n',
      namespace,
      '-o',
      'yaml',
      '--kubeconfig',
      env.kube.adminKubeconfig,
    ]);
    await writeFile(exportFile, exported);
    const common = ['gc', '-n', namespace, '--repository', `${host}/${repository}`, '--plain-http', host];
    const fromFile = await runCli([...common, '--from-file', exportFile, '-o', 'json']);
    expect(fromFile.code).toBe(0);
    const plan = JSON.parse(fromFile.stdout) as GcPlan;
    expect(plan.live).toMatchObject({ kind: 'file', namespaces: [namespace] });
    expect(plan.live.exportedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(plan.warnings.join('\n')).toContain('not from the cluster');
    const fromCluster = JSON.parse((await gc(['-o', 'json'])).stdout) as GcPlan;
    expect(plan.groups.map((g) => g.id).sort()).toEqual(fromCluster.groups.map((g) => g.id).sort());

    const blind = await runCli([...common, '--kubeconfig', join(work, 'no-such-kubeconfig')]);
    expect(blind.code).toBe(2);
    expect(blind.stderr).toContain('no live view of runs');
    expect(blind.stderr).toContain('--from-file');

    const alive = await gc(['--run', 'run-c']);
    expect(alive.code).toBe(2);
    expect(alive.stderr).toContain(`PipelineRun ${namespace}/run-c still exists`);
    const forced = await gc(['--run', 'run-c', '--force', '-o', 'json']);
    expect(forced.code).toBe(0);
    expect((JSON.parse(forced.stdout) as GcPlan).groups.map((g) => g.name)).toEqual(['run-c']);
    const running = await gc(['--run', 'run-r', '--force', '-o', 'json']);
    expect((JSON.parse(running.stdout) as GcPlan).groups).toEqual([]);
  });

  it('applies a saved plan: exactly the gone runs go, live runs still pull byte-identical', async () => {
    const planFile = join(work, 'plan.json');
    const saved = await gc(['--plan-file', planFile]);
    expect(saved.code).toBe(0);
    const applied = await runCli([
      'gc',
      '--apply',
      '--plan-file',
      planFile,
      '-o',
      'json',
      '--kubeconfig',
      env.kube.adminKubeconfig,
      '--plain-http',
      host,
    ]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const report = JSON.parse(applied.stdout) as GcReport;
    expect(report.outcome).toBe('complete');
    expect(report.totals.runsRemoved).toBe(registryName === 'distribution' ? 4 : 3);
    expect(report.totals.runsPartial).toBe(1); // run-f keeps the live run's input
    expect(report.totals.bytes).toBeGreaterThan(0);
    for (const k of ['A', 'B', 'L'] as const)
      for (const d of runs[k].manifests) expect(await exists(host, repository, d)).toBe(false);
    for (const k of ['C', 'D', 'E', 'R'] as const)
      for (const d of runs[k].manifests) expect(await exists(host, repository, d)).toBe(true);
    for (const d of eOld.manifests) expect(await exists(host, repository, d)).toBe(registryName === 'olareg');
    expect(await exists(host, repository, plainDigest)).toBe(true);
    const f = runs.F;
    expect(await exists(host, repository, f.artifacts.src!)).toBe(true);
    expect(await exists(host, repository, f.root)).toBe(true);
    expect(await exists(host, repository, f.artifacts.junit!)).toBe(false);
    expect(await exists(host, repository, f.artifacts.images!)).toBe(false);
    for (const k of ['C', 'D', 'E'] as const) expect(await pull(runs[k], 'after')).toEqual(pulledBefore[k]);
    if (registryName === 'distribution') expect(await fallbackProblems(host, repository)).toEqual([]);
    // Deleting a manifest took its tags with it; the live runs' tags still point where they did.
    const tags = new Set<string>();
    for await (const tag of repositoryOf(host, repository).tags()) tags.add(tag);
    for (const k of ['A', 'B', 'L'] as const) for (const t of runs[k].tags) expect(tags.has(t)).toBe(false);
    for (const k of ['C', 'D', 'E', 'R'] as const)
      for (const t of runs[k].tags) expect(tags.has(t)).toBe(true);
    // A second gc finds nothing left to do.
    const again = await gc(['-o', 'json']);
    const plan = JSON.parse(again.stdout) as GcPlan;
    expect(plan.groups.map((g) => `${g.name}:${g.delete.length}`)).toEqual([]);
  });

  // Registered only where it applies (nothing is skipped): olareg has no offline garbage-collect.
  if (registryName === 'distribution')
    it("distribution's garbage-collect then reclaims the gone runs' blobs; live runs still pull", async () => {
      const d = distribution!;
      await d.stop();
      await exec(findBinaries().distribution, ['garbage-collect', d.configFile]);
      const blobPath = (digest: string) =>
        join(d.dataDir, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data');
      const [, port] = host.split(':');
      distribution = await startDistribution(env.runDir, findBinaries(), {
        name: `gc-distribution-${process.pid}`,
        port: Number(port),
      });
      for (const k of ['A', 'B', 'L'] as const)
        for (const b of runs[k].uniqueBlobs) expect(existsSync(blobPath(b))).toBe(false);
      for (const b of eOld.uniqueBlobs) expect(existsSync(blobPath(b))).toBe(false);
      expect(existsSync(blobPath(runs.F.layers.junit!))).toBe(false);
      expect(existsSync(blobPath(runs.F.layers.src!))).toBe(true);
      for (const k of ['C', 'D', 'E', 'R'] as const)
        for (const b of runs[k].uniqueBlobs) expect(existsSync(blobPath(b))).toBe(true);
      for (const k of ['C', 'D', 'E'] as const)
        expect(await pull(runs[k], 'after-registry-gc')).toEqual(pulledBefore[k]);
    });
});
