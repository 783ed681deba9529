/**
 * gc at scale: the plan (inventory, liveness, decisions) over 1,000 and 10,000 stored runs of 5
 * artifacts each (a root, a TaskRun reference, 5 artifacts: 7 manifests a run), with its time and
 * peak RSS; then, on olareg, apply throughput beside a loop of `oras manifest delete` over the
 * same manifests (the same count, same order, leaves first) in the same run. Live runs come from
 * an export naming 1 % of the runs. Prints figures and ratios; asserts nothing.
 *
 * The plan's repositories are written directly in olareg's storage format (olareg-layout.ts) and
 * served by layout-registry.ts: olareg v0.2.1 rewrites index.json on every push (seeding 1,000
 * runs through its API took 519 s) and copies the whole index on every request, so a plan over
 * 70,000 manifests on it measures olareg, quadratically. BENCH_GC_PLAN_ON_OLAREG=1 plans on olareg
 * instead (the same storage, written before olareg starts).
 * BENCH_GC_SIZES=1000,10000 and BENCH_GC_APPLY_RUNS=200 change the sizes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { buildArtifactManifestJSON, type BuiltManifest } from '../src/formats/build.js';
import { mapConcurrent } from '../src/oci/concurrency.js';
import { RegistryClient } from '../src/oci/remote/client.js';
import { RemoteRepository } from '../src/oci/remote/repository.js';
import type { GcPlan } from '../src/gc/plan.js';
import { findBinaries } from '../test/env/services/binaries.js';
import { startOlareg } from '../test/env/services/olareg.js';
import { OlaregRepositoryWriter, startLayoutRegistry } from './olareg-layout.js';
import { buildSingleTaskRun } from './support.js';

const run = promisify(execFile);
const SIZES = (process.env['BENCH_GC_SIZES'] ?? '1000,10000').split(',').map(Number);
const APPLY_RUNS = Number(process.env['BENCH_GC_APPLY_RUNS'] ?? 200);
const ARTIFACTS = 5;
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin', 'tkn-artifacts');
const namespace = 'bench';
const created = '2026-11-20T10:00:00Z';

/** Run `i`'s manifests, parents first: its root, its TaskRun reference, ARTIFACTS artifacts of `layer`. */
function runManifests(i: number, layer: { digest: string; size: number }): BuiltManifest[] {
  const pipelineRun = `run-${String(i).padStart(5, '0')}`;
  const { rootManifest, taskRun, reference } = buildSingleTaskRun({
    namespace,
    pipelineRun,
    pipelineRunUid: `uid-${i}`,
    created,
  });
  const artifacts = Array.from({ length: ARTIFACTS }, (_, a) =>
    buildArtifactManifestJSON({
      name: `artifact-${a}`,
      namespace,
      taskRun,
      pipelineRun,
      created,
      subject: reference.descriptor,
      files: [{ title: `artifact-${a}`, digest: layer.digest, size: layer.size }],
    }),
  );
  return [rootManifest, reference, ...artifacts];
}

/** Pushes `runs` runs into `repository`, every manifest under its tag, 16 runs at a time. */
async function seed(host: string, repository: string, runs: number): Promise<void> {
  const repo = new RemoteRepository(
    new RegistryClient(host, { plainHttp: true, concurrency: 16 }),
    repository,
  );
  const content = Buffer.from('one shared content blob: gc never deletes blobs, only manifests\n');
  const layer = {
    mediaType: 'application/octet-stream',
    digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
    size: content.byteLength,
  };
  await repo.push(layer, content);
  // Each artifact has its own Tekton config blob (it names the run); the empty blob is shared.
  const put = async (built: BuiltManifest): Promise<void> => {
    for (const b of built.blobs) await repo.push(b.descriptor, b.bytes);
    await repo.pushManifest(built.descriptor, built.bytes, built.tag);
  };
  const indices = Array.from({ length: runs }, (_, i) => i);
  await mapConcurrent(indices, 16, async (i) => {
    for (const built of runManifests(i, layer)) await put(built);
  });
}

/** Writes the same runs as seed() straight into olareg's storage format under `dataDir`. */
function seedLayout(dataDir: string, repository: string, runs: number): void {
  const writer = new OlaregRepositoryWriter(dataDir, repository);
  const content = Buffer.from('one shared content blob: gc never deletes blobs, only manifests\n');
  const layer = { digest: writer.blob(content), size: content.byteLength };
  for (let i = 0; i < runs; i++)
    for (const built of runManifests(i, layer)) writer.manifest(built, built.tag);
  writer.finish();
}

/** The export gc reads as the live runs: 1 % of the runs (every 100th) still exist. */
async function writeExport(file: string, runs: number): Promise<void> {
  const items = [];
  for (let i = 0; i < runs; i += 100) {
    items.push({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: `run-${String(i).padStart(5, '0')}`, namespace, uid: `uid-${i}` },
      status: {
        completionTime: created,
        conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
      },
    });
  }
  await writeFile(file, stringify({ apiVersion: 'v1', kind: 'List', items }));
}

/** Runs the CLI under GNU time: wall milliseconds, peak RSS in MiB, stdout. */
async function timed(args: string[]): Promise<{ ms: number; rssMiB: number; stdout: string }> {
  const start = performance.now();
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'maxrss-kib=%M', cli, ...args], {
    maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = performance.now() - start;
  const kib = Number(/maxrss-kib=(\d+)/.exec(stderr)?.[1] ?? NaN);
  return { ms, rssMiB: kib / 1024, stdout };
}

const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-bench-gc-'));
await mkdir(join(work, 'logs'), { recursive: true });
const bins = findBinaries();
const planOnOlareg = process.env['BENCH_GC_PLAN_ON_OLAREG'] === '1';
// olareg's --dir (startOlareg's layout): the plan's repositories are written there before it starts.
const olaregData = join(work, 'olareg', 'data');
const planData = planOnOlareg ? olaregData : join(work, 'layout');
const seededMs = new Map<number, number>();
for (const runs of SIZES) {
  const seedStart = performance.now();
  seedLayout(planData, `bench/gc-${runs}`, runs);
  seededMs.set(runs, performance.now() - seedStart);
}
const olareg = await startOlareg(work, bins);
const layoutRegistry = planOnOlareg ? undefined : await startLayoutRegistry(planData);
const host = olareg.host;
const planHost = layoutRegistry?.host ?? host;
try {
  console.log(
    `gc plan on ${planOnOlareg ? 'olareg' : 'layout-registry.ts'}, runs of 1 root + 1 TaskRun reference + ${ARTIFACTS} artifacts (7 manifests):`,
  );
  const plans: Array<{ runs: number; ms: number; rssMiB: number }> = [];
  for (const runs of SIZES) {
    const repository = `bench/gc-${runs}`;
    const seeded = seededMs.get(runs) ?? NaN;
    const exportFile = join(work, `live-${runs}.yaml`);
    await writeExport(exportFile, runs);
    const args = [
      'gc',
      '-n',
      namespace,
      '--repository',
      `${planHost}/${repository}`,
      '--from-file',
      exportFile,
      '--plain-http',
      planHost,
      '-o',
      'json',
    ];
    if (process.env['BENCH_PROFILE']) {
      // A V8 CPU profile of one plan in BENCH_PROFILE, for looking into where time goes.
      const node = join(root, 'node_modules', 'node', 'bin', 'node');
      await run(
        node,
        [
          '--cpu-prof',
          '--cpu-prof-dir',
          process.env['BENCH_PROFILE'],
          join(root, 'dist', 'src', 'cli', 'main.js'),
          ...args,
        ],
        {
          maxBuffer: 1024 * 1024 * 1024,
        },
      );
    }
    const { ms, rssMiB, stdout } = await timed(args);
    const plan = JSON.parse(stdout) as GcPlan;
    plans.push({ runs, ms, rssMiB });
    console.log(
      `  plan, ${runs} runs (${runs * 7} manifests; written in ${(seeded / 1000).toFixed(0)} s): ${(ms / 1000).toFixed(2)} s, peak RSS ${rssMiB.toFixed(0)} MiB, ${plan.totals.runs} runs to remove, ${plan.totals.kept} kept`,
    );
  }
  if (plans.length >= 2) {
    const [a, b] = [plans[0]!, plans.at(-1)!];
    console.log(
      `  growth: ${(b.runs / a.runs).toFixed(0)}x the runs took ${(b.ms / a.ms).toFixed(1)}x the time (linear: ${(b.runs / a.runs).toFixed(0)}x); peak RSS ${b.rssMiB.toFixed(0)} MiB at ${b.runs} (target < 200 MiB)`,
    );
  }

  if (APPLY_RUNS > 0) {
    // Apply throughput on olareg: the same manifests, deleted by gc and by a loop of `oras manifest delete`.
    const ours = 'bench/apply-gc';
    const theirs = 'bench/apply-oras';
    await seed(host, ours, APPLY_RUNS);
    await seed(host, theirs, APPLY_RUNS);
    const exportFile = join(work, 'live-none.yaml');
    // One live run outside the seeded names keeps the namespace "looked at"; every seeded run is gone.
    await writeFile(
      exportFile,
      stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [{ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { name: 'other', namespace } }],
      }),
    );
    const planFile = join(work, 'plan.json');
    const common = ['-n', namespace, '--from-file', exportFile, '--plain-http', host];
    await run(cli, ['gc', ...common, '--repository', `${host}/${ours}`, '--plan-file', planFile], {
      maxBuffer: 256 * 1024 * 1024,
    });
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as GcPlan;
    const order = plan.groups.flatMap((g) => g.delete.map((i) => i.digest));
    const applied = await timed(['gc', ...common, '--apply', '--plan-file', planFile, '-o', 'json']);
    const report = JSON.parse(applied.stdout) as { totals: { manifestsDeleted: number } };
    // oras deletes the same digests (the second repository holds byte-identical manifests), in the same order.
    const orasStart = performance.now();
    for (const digest of order)
      await run(bins.oras, ['manifest', 'delete', '--force', '--plain-http', `${host}/${theirs}@${digest}`]);
    const orasMs = performance.now() - orasStart;
    const oursRate = report.totals.manifestsDeleted / (applied.ms / 1000);
    const orasRate = order.length / (orasMs / 1000);
    console.log(`  apply, ${APPLY_RUNS} runs (${order.length} manifests), plan applied from a file:`);
    console.log(
      `    tkn-artifacts gc --apply      ${(applied.ms / 1000).toFixed(2)} s, ${oursRate.toFixed(0)} manifests/s (re-checks included), peak RSS ${applied.rssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `    oras manifest delete loop     ${(orasMs / 1000).toFixed(2)} s, ${orasRate.toFixed(0)} manifests/s`,
    );
    console.log(`    ratio                         ${(oursRate / orasRate).toFixed(1)}x oras's throughput`);
  }
} finally {
  layoutRegistry?.stop();
  await olareg.stop();
  await rm(work, { recursive: true, force: true });
}
