/**
 * A referrer flood: one TaskRun with 10,000 and 100,000 artifacts, each a manifest of about 940
 * bytes attached to the TaskRun reference under the run's root. Times `show -o json` of the root and `oras discover --format
 * json` of the same root on the same registry in the same run, with peak RSS, and prints each
 * tool's memory growth over its own run of a root with no referrers (the target: ours within 2x
 * of oras's growth, no crash); the timed runs raise --max-nodes above the flood. Then shows the
 * caps with their defaults: the largest flood against --max-nodes 100,000 (the reference and its
 * artifacts are 100,001 nodes at 100,000), and a subject with one referrer more than the
 * per-subject cap (100,000), with message and exit code. The storage is written directly in olareg's format (olareg-layout.ts) and served by
 * layout-registry.ts, because olareg v0.2.1 pages a referrers listing over 4 MiB in quadratic
 * time (see there); a sample is checked through the API with oras before anything is timed.
 * Prints figures; asserts nothing.
 * BENCH_REFERRERS_SIZES=10000,100000 changes the sizes; BENCH_PROFILE=DIR leaves a V8 heap
 * profile of our run at the smallest size in DIR.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  buildArtifactManifestJSON,
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
} from '../src/formats/build.js';
import { DEFAULT_MAX_REFERRERS } from '../src/oci/limits.js';
import { findBinaries } from '../test/env/services/binaries.js';
import { OlaregRepositoryWriter, startLayoutRegistry } from './olareg-layout.js';

const SIZES = (process.env['BENCH_REFERRERS_SIZES'] ?? '10000,100000').split(',').map(Number);
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin', 'tkn-artifacts');
const namespace = 'bench';
const created = '2026-11-20T10:00:00Z';

interface Measured {
  ms: number;
  rssMiB: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command under GNU time: wall ms, peak RSS, exit code, output (never throws on exit codes). */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  const start = performance.now();
  return new Promise((done, fail) => {
    execFile(
      '/usr/bin/time',
      ['-f', 'maxrss-kib=%M', command, ...args],
      { maxBuffer: 1024 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => {
        const ms = performance.now() - start;
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        // Not an exit code: the command could not be run at all.
        if (error && code === -1) return fail(new Error(`${command} could not be run: ${error.message}`));
        const kib = Number(/maxrss-kib=(\d+)\s*$/.exec(stderr)?.[1] ?? NaN);
        done({ ms, rssMiB: kib / 1024, code, stdout, stderr: stderr.replace(/maxrss-kib=\d+\s*$/, '') });
      },
    );
  });
}

/**
 * Writes repository `repository`: a PipelineRun root, one TaskRun reference, and `count` artifacts
 * (one file each) attached to that reference, the subject of the flood. Returns the root's tag.
 */
function seed(dataDir: string, repository: string, count: number): string {
  const writer = new OlaregRepositoryWriter(dataDir, repository);
  const rootManifest = buildRootManifestJSON({ namespace, pipelineRun: 'flood', created });
  writer.manifest(rootManifest, rootManifest.tag);
  const taskRun = 'flood-build';
  const reference = buildTaskRunReferenceJSON({
    namespace,
    pipelineRun: 'flood',
    taskRun,
    task: 'build',
    created,
    root: rootManifest.descriptor,
  });
  writer.manifest(reference, reference.tag);
  const file = new TextEncoder().encode('one shared file\n');
  const digest = writer.blob(file);
  for (let i = 0; i < count; i++) {
    const name = `artifact-${String(i).padStart(6, '0')}`;
    writer.manifest(
      buildArtifactManifestJSON({
        name,
        namespace,
        taskRun,
        pipelineRun: 'flood',
        task: 'build',
        created,
        subject: reference.descriptor,
        files: [{ title: name, digest, size: file.byteLength }],
      }),
    );
  }
  writer.finish();
  return rootManifest.tag;
}

const mib = (m: Measured): string => `${(m.ms / 1000).toFixed(1)} s, peak RSS ${m.rssMiB.toFixed(0)} MiB`;
const firstLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join(' / ');

const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-bench-referrers-'));
const dataDir = join(work, 'data');
await mkdir(dataDir, { recursive: true });
const bins = findBinaries();
const seedStart = performance.now();
const tags = new Map<number, string>();
const repositories = new Map<number, string>();
for (const count of [0, ...SIZES, DEFAULT_MAX_REFERRERS + 1]) {
  const repository = `bench/flood-${count}`;
  tags.set(count, seed(dataDir, repository, count));
  repositories.set(count, repository);
}
console.log(`seeded olareg's storage in ${((performance.now() - seedStart) / 1000).toFixed(0)} s`);
const registry = await startLayoutRegistry(dataDir);
const host = registry.host;
const reference = (count: number): string => `${host}/${repositories.get(count)}:${tags.get(count)}`;
try {
  // A sample through the API before timing: the listing is complete and a referrer resolves.
  const sample = Math.min(...SIZES);
  const listed = JSON.parse(
    (
      await timed(bins.oras, [
        'discover',
        '--plain-http',
        '--format',
        'json',
        '--depth',
        '2',
        reference(sample),
      ])
    ).stdout,
  ) as { referrers?: Array<{ referrers?: Array<{ digest: string; artifactType?: string }> }> };
  const artifacts = listed.referrers?.[0]?.referrers ?? [];
  const first = artifacts[0];
  if (listed.referrers?.length !== 1 || artifacts.length !== sample || !first)
    throw new Error(
      `oras discover listed ${artifacts.length} referrers of the TaskRun reference, expected ${sample}`,
    );
  const fetched = await timed(bins.oras, [
    'manifest',
    'fetch',
    '--plain-http',
    `${host}/${repositories.get(sample)}@${first.digest}`,
  ]);
  if (fetched.code !== 0 || !fetched.stdout.includes('"subject"'))
    throw new Error(`oras manifest fetch of ${first.digest} failed: ${fetched.stderr}`);
  console.log(
    `checked through the API: ${sample} referrers listed, ${first.digest} (${first.artifactType}) fetched`,
  );

  const ours = (count: number, extra: string[] = []): Promise<Measured> =>
    timed(cli, ['show', reference(count), '--plain-http', host, '-o', 'json', ...extra]);
  const uncapped = ['--max-nodes', '1000000'];
  const theirs = (count: number): Promise<Measured> =>
    timed(bins.oras, ['discover', '--plain-http', '--format', 'json', reference(count)]);

  const base = { ours: await ours(0), theirs: await theirs(0) };
  console.log(`no referrers: tkn-artifacts ${mib(base.ours)}; oras ${mib(base.theirs)}`);
  for (const count of SIZES) {
    const a = await ours(count, uncapped);
    const b = await theirs(count);
    const shown = a.code === 0 ? 'ok' : `exit ${a.code}: ${firstLine(a.stderr)}`;
    const growthOurs = a.rssMiB - base.ours.rssMiB;
    const growthTheirs = b.rssMiB - base.theirs.rssMiB;
    console.log(`${count} referrers:`);
    console.log(`  tkn-artifacts show -o json   ${mib(a)} (${shown}), ${a.stdout.length} bytes of JSON`);
    console.log(
      `  oras discover --format json  ${mib(b)} (exit ${b.code}), ${b.stdout.length} bytes of JSON`,
    );
    console.log(
      `  time ${(a.ms / b.ms).toFixed(2)}x oras; memory growth ${growthOurs.toFixed(0)} MiB vs ${growthTheirs.toFixed(0)} MiB: ${(growthOurs / growthTheirs).toFixed(2)}x (target <= 2x)`,
    );
    if (process.env['BENCH_PROFILE'] && count === Math.min(...SIZES)) {
      const node = join(root, 'node_modules', 'node', 'bin', 'node');
      await timed(node, [
        '--heap-prof',
        '--heap-prof-dir',
        process.env['BENCH_PROFILE'],
        join(root, 'dist', 'src', 'cli', 'main.js'),
        'show',
        reference(count),
        '--plain-http',
        host,
        '-o',
        'json',
        ...uncapped,
      ]);
      console.log(`  heap profile of our run in ${process.env['BENCH_PROFILE']}`);
    }
  }

  // The caps at their defaults: the walk's node cap, and one referrer past the per-subject cap.
  const largest = Math.max(...SIZES);
  const capped = await ours(largest);
  console.log(`${largest} referrers, default --max-nodes: ${mib(capped)}, exit ${capped.code}`);
  console.log(`  ${firstLine(capped.stderr)}`);
  const over = DEFAULT_MAX_REFERRERS + 1;
  const overOurs = await ours(over);
  const overTheirs = await theirs(over);
  console.log(
    `${over} referrers (per-subject cap ${DEFAULT_MAX_REFERRERS}): ${mib(overOurs)}, exit ${overOurs.code}`,
  );
  console.log(`  ${firstLine(overOurs.stderr)}`);
  console.log(`  oras discover: ${mib(overTheirs)}, exit ${overTheirs.code}`);
} finally {
  registry.stop();
  await rm(work, { recursive: true, force: true });
}
