/**
 * pull of a run with 20 artifacts totalling 1 GiB of random bytes, on the test OCI 1.1 registry
 * (olareg), beside `oras pull` of the same 20 layers (one manifest listing them all) with the same
 * concurrency, in the same run. Targets: wall time at most 1.0x oras's, and our peak RSS under
 * 150 MiB (memory stays flat: blobs stream from the socket to disk). Prints medians, the ratio and
 * peak RSS (`/usr/bin/time -f %M`); asserts nothing. Removes everything it wrote afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  buildArtifactManifestJSON,
  buildRootManifestJSON,
  buildTaskRunReferenceJSON,
} from '../src/formats/build.js';
import { RegistryClient } from '../src/oci/remote/client.js';
import { RemoteRepository } from '../src/oci/remote/repository.js';
import { findBinaries } from '../test/env/services/binaries.js';
import { startOlareg } from '../test/env/services/olareg.js';
import { cliArgs, exec, median, outputValue, pusher, writeBenchRun } from './support.js';

const ARTIFACTS = 20;
const TOTAL = Number(process.env['BENCH_PULL_BYTES'] ?? 1024 ** 3);
const CONCURRENCY = 3;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const root = resolve(import.meta.dirname, '..');

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

/** Writes `size` random bytes to `path` a MiB at a time, returning the digest: never 1 GiB in memory. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < size;) {
    const chunk = randomBytes(Math.min(1024 ** 2, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
    written += chunk.byteLength;
  }
  await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
  return `sha256:${hash.digest('hex')}`;
}

/** Runs a command under /usr/bin/time: wall milliseconds and peak RSS in bytes. */
async function measure(command: string, args: string[]): Promise<{ ms: number; rss: number }> {
  const start = performance.now();
  const { stderr } = await exec('/usr/bin/time', ['-f', 'peak-rss-kib %M', command, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = performance.now() - start;
  const kib = Number(/peak-rss-kib (\d+)/.exec(stderr)?.[1] ?? NaN);
  return { ms, rss: kib * 1024 };
}

const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-bench-pull-'));
await mkdir(join(work, 'logs'), { recursive: true });
const bins = findBinaries();
const olareg = await startOlareg(work, bins);
try {
  const host = olareg.host;
  const repository = 'bench/pull-artifacts';
  const repo = new RemoteRepository(new RegistryClient(host, { plainHttp: true }), repository);
  const push = pusher(repo);
  const namespace = 'bench';
  const pipelineRun = 'gib-run';
  const created = '2026-11-20T10:00:00Z';
  const rootManifest = buildRootManifestJSON({ namespace, pipelineRun, created });
  await push(rootManifest, rootManifest.tag);
  const taskRun = `${pipelineRun}-build`;
  const reference = buildTaskRunReferenceJSON({
    namespace,
    pipelineRun,
    taskRun,
    task: 'build',
    created,
    root: rootManifest.descriptor,
  });
  await push(reference);

  // 20 random files, each pushed as it is written and then deleted: the data exists once, in olareg.
  const size = Math.floor(TOTAL / ARTIFACTS);
  const layers: { title: string; digest: string; size: number }[] = [];
  const outputs: Record<string, unknown>[] = [];
  const artifactDigests: string[] = [];
  process.stdout.write(`pushing ${ARTIFACTS} artifacts of ${mib(size)} to olareg…\n`);
  for (let i = 0; i < ARTIFACTS; i++) {
    const name = `artifact-${String(i).padStart(2, '0')}`;
    const file = join(work, `${name}.bin`);
    const digest = await randomFile(file, size);
    await repo.push({ mediaType: 'application/octet-stream', digest, size }, createReadStream(file));
    await rm(file);
    layers.push({ title: `${name}.bin`, digest, size });
    const artifact = buildArtifactManifestJSON({
      name,
      namespace,
      taskRun,
      pipelineRun,
      task: 'build',
      created,
      subject: reference.descriptor,
      files: [{ title: `${name}.bin`, digest, size }],
    });
    await push(artifact);
    artifactDigests.push(artifact.descriptor.digest);
    outputs.push(outputValue(name, `${host}/${repository}`, artifact.descriptor.digest));
  }
  // The same 20 layers under one manifest, so one `oras pull --concurrency 3` fetches them all.
  const everything = buildArtifactManifestJSON({
    name: 'everything',
    namespace,
    taskRun,
    pipelineRun,
    created,
    files: layers,
  });
  await push(everything, 'everything');

  const exportFile = join(work, 'run.yaml');
  await writeBenchRun(exportFile, {
    namespace,
    pipelineRun,
    repository: `${host}/${repository}`,
    taskRuns: [{ name: taskRun, pipelineTask: 'build', outputs }],
  });

  const cli = join(root, 'bin', 'tkn-artifacts');
  const ours = join(work, 'ours');
  const theirs = join(work, 'oras');
  const run = { pipelineRun, namespace, exportFile, host };
  const oursArgs = cliArgs('pull', run, '-o', ours, '--concurrency', String(CONCURRENCY), '--quiet');
  const orasArgs = [
    'pull',
    '--plain-http',
    '--concurrency',
    String(CONCURRENCY),
    '-o',
    theirs,
    `${host}/${repository}:everything`,
  ];
  // Per artifact, as a script pulling each one would: 20 `oras pull`, three at a time.
  const orasEach = async (): Promise<number> => {
    const start = performance.now();
    const queue = artifactDigests.map((digest, i) => ({ digest, i }));
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await exec(bins.oras, [
            'pull',
            '--plain-http',
            '-o',
            join(theirs, String(next.i)),
            `${host}/${repository}@${next.digest}`,
          ]);
        }
      }),
    );
    return performance.now() - start;
  };
  const showArgs = cliArgs('show', run, '-o', 'json');
  if (process.env['BENCH_PROFILE']) {
    // Leaves a V8 CPU profile of one pull in BENCH_PROFILE, for looking into where time goes.
    const node = join(root, 'node_modules', 'node', 'bin', 'node');
    const main = join(root, 'dist', 'src', 'cli', 'main.js');
    await mkdir(ours, { recursive: true });
    await exec(node, ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_PROFILE'], main, ...oursArgs]);
    await rm(ours, { recursive: true, force: true });
  }
  const samples = {
    ours: [] as number[],
    oras: [] as number[],
    orasEach: [] as number[],
    show: [] as number[],
    oursRss: [] as number[],
    orasRss: [] as number[],
  };
  // One warm-up each (discarded), then alternate so both see the same page cache and machine load.
  for (let i = 0; i < RUNS + 1; i++) {
    for (const side of ['ours', 'oras'] as const) {
      const dir = side === 'ours' ? ours : theirs;
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const { ms, rss } = side === 'ours' ? await measure(cli, oursArgs) : await measure(bins.oras, orasArgs);
      if (i > 0) {
        samples[side].push(ms);
        samples[side === 'ours' ? 'oursRss' : 'orasRss'].push(rss);
      }
    }
    await rm(theirs, { recursive: true, force: true });
    const each = await orasEach();
    const show = await measure(cli, showArgs);
    if (i > 0) {
      samples.orasEach.push(each);
      samples.show.push(show.ms);
    }
  }
  const pulled = (await stat(join(ours, 'build', 'artifact-00', 'artifact-00.bin'))).size;
  await rm(ours, { recursive: true, force: true });
  await rm(theirs, { recursive: true, force: true });

  const oursMs = median(samples.ours);
  const orasMs = median(samples.oras);
  console.log(
    `pull, ${ARTIFACTS} artifacts x ${mib(size)} (${mib(size * ARTIFACTS)}) from olareg, concurrency ${CONCURRENCY} (median of ${RUNS}):`,
  );
  console.log(
    `  tkn-artifacts pull         ${(oursMs / 1000).toFixed(2)} s   peak RSS ${mib(Math.max(...samples.oursRss))}   (${mib(pulled)} per file)`,
  );
  console.log(
    `  oras pull (one manifest)   ${(orasMs / 1000).toFixed(2)} s   peak RSS ${mib(Math.max(...samples.orasRss))}`,
  );
  console.log(`  oras pull x20, 3 at a time ${(median(samples.orasEach) / 1000).toFixed(2)} s`);
  console.log(
    `  (tkn-artifacts show of the run, the resolution pull starts with: ${(median(samples.show) / 1000).toFixed(2)} s)`,
  );
  console.log(`  ratio                      ${(oursMs / orasMs).toFixed(2)}x oras (target <= 1.0)`);
  console.log(`  our peak RSS               ${mib(Math.max(...samples.oursRss))} (target < 150 MiB)`);
} finally {
  await olareg.stop();
  await rm(work, { recursive: true, force: true });
}
