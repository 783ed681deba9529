/**
 * pull on the test OCI 1.1 registry (olareg), beside `oras pull` of the same layers with the same
 * concurrency (3), in the same run, for two shapes of 1 GiB of random bytes: one artifact of 8
 * layers of 128 MiB, and 20 artifacts of 51 MiB (oras pulls the same 20 layers under one manifest,
 * and, as a script would, one `oras pull` per artifact). Targets: wall time at most 1.0x oras's,
 * and our peak RSS under 100 MiB. Prints medians of wall and CPU time (user + system) and peak
 * RSS (`/usr/bin/time`), and the ratio; asserts nothing. Removes everything it wrote afterwards.
 * `BENCH_PULL_SHAPES=one,many` picks shapes; `BENCH_PULL_BYTES` sets the total per shape.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildArtifactManifestJSON } from '../src/formats/build.js';
import { RegistryClient } from '../src/oci/remote/client.js';
import { RemoteRepository } from '../src/oci/remote/repository.js';
import { findBinaries } from '../test/env/services/binaries.js';
import { startOlareg } from '../test/env/services/olareg.js';
import { buildSingleTaskRun, cliArgs, exec, median, outputValue, pusher, writeBenchRun } from './support.js';

const TOTAL = Number(process.env['BENCH_PULL_BYTES'] ?? 1024 ** 3);
const CONCURRENCY = 3;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const SHAPES = (process.env['BENCH_PULL_SHAPES'] ?? 'one,many').split(',');
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

interface Sample {
  /** Wall milliseconds. */
  ms: number;
  /** User + system CPU milliseconds (GNU time, 10 ms resolution). */
  cpu: number;
  /** Peak RSS in bytes. */
  rss: number;
}

/** Runs a command under /usr/bin/time: wall and CPU milliseconds, peak RSS in bytes. */
async function measure(command: string, args: string[]): Promise<Sample> {
  const start = performance.now();
  const { stderr } = await exec('/usr/bin/time', ['-f', 'bench-time %U %S %M', command, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = performance.now() - start;
  const [, user, sys, kib] = /bench-time ([\d.]+) ([\d.]+) (\d+)/.exec(stderr) ?? [];
  return { ms, cpu: (Number(user) + Number(sys)) * 1000, rss: Number(kib) * 1024 };
}

function summary(samples: Sample[]): { ms: number; cpu: number; rss: number } {
  return {
    ms: median(samples.map((s) => s.ms)),
    cpu: median(samples.map((s) => s.cpu)),
    rss: Math.max(...samples.map((s) => s.rss)),
  };
}

function line(label: string, samples: Sample[]): string {
  const { ms, cpu, rss } = summary(samples);
  return `  ${label.padEnd(30)} ${(ms / 1000).toFixed(2)} s wall  ${(cpu / 1000).toFixed(2)} s CPU  peak RSS ${mib(rss)}   (walls: ${samples.map((s) => (s.ms / 1000).toFixed(2)).join(' ')})`;
}

const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-bench-pull-'));
await mkdir(join(work, 'logs'), { recursive: true });
const bins = findBinaries();
const olareg = await startOlareg(work, bins);
const cli = join(root, 'bin', 'tkn-artifacts');
try {
  const host = olareg.host;
  const repo = (repository: string) =>
    new RemoteRepository(new RegistryClient(host, { plainHttp: true }), repository);

  /**
   * Pushes a run of one TaskRun whose artifacts hold `shape` (files per artifact) of random layers,
   * then the same layers under one manifest tagged `everything`; returns what the CLIs need.
   */
  async function prepare(name: string, artifacts: number, filesPerArtifact: number) {
    const repository = `bench/pull-${name}`;
    const target = repo(repository);
    const push = pusher(target);
    const namespace = 'bench';
    const pipelineRun = `${name}-run`;
    const created = '2026-11-20T10:00:00Z';
    const { rootManifest, taskRun, reference } = buildSingleTaskRun({ namespace, pipelineRun, created });
    await push(rootManifest, rootManifest.tag);
    await push(reference);
    // Random files, each pushed as it is written and then deleted: the data exists once, in olareg.
    const size = Math.floor(TOTAL / (artifacts * filesPerArtifact));
    const layers: { title: string; digest: string; size: number }[] = [];
    const outputs: Record<string, unknown>[] = [];
    const artifactDigests: string[] = [];
    process.stdout.write(
      `pushing ${artifacts} artifact(s) of ${filesPerArtifact} x ${mib(size)} to olareg (${repository})…\n`,
    );
    for (let i = 0; i < artifacts; i++) {
      const artifactName = `artifact-${String(i).padStart(2, '0')}`;
      const files: { title: string; digest: string; size: number }[] = [];
      for (let f = 0; f < filesPerArtifact; f++) {
        const title = filesPerArtifact === 1 ? `${artifactName}.bin` : `layer-${f}.bin`;
        const file = join(work, title);
        const digest = await randomFile(file, size);
        await target.push({ mediaType: 'application/octet-stream', digest, size }, createReadStream(file));
        await rm(file);
        files.push({ title, digest, size });
        layers.push({ title: `${artifactName}-${title}`, digest, size });
      }
      const artifact = buildArtifactManifestJSON({
        name: artifactName,
        namespace,
        taskRun,
        pipelineRun,
        task: 'build',
        created,
        subject: reference.descriptor,
        files,
      });
      await push(artifact);
      artifactDigests.push(artifact.descriptor.digest);
      outputs.push(outputValue(artifactName, `${host}/${repository}`, artifact.descriptor.digest));
    }
    // The same layers under one manifest, so one `oras pull --concurrency 3` fetches them all.
    const everything = buildArtifactManifestJSON({
      name: 'everything',
      namespace,
      taskRun,
      pipelineRun,
      created,
      files: layers,
    });
    await push(everything, 'everything');
    const exportFile = join(work, `${name}.yaml`);
    await writeBenchRun(exportFile, {
      namespace,
      pipelineRun,
      repository: `${host}/${repository}`,
      taskRuns: [{ name: taskRun, pipelineTask: 'build', outputs }],
    });
    return { repository, size, artifactDigests, run: { pipelineRun, namespace, exportFile, host } };
  }

  async function bench(name: string, artifacts: number, filesPerArtifact: number, title: string) {
    const { repository, size, artifactDigests, run } = await prepare(name, artifacts, filesPerArtifact);
    const ours = join(work, 'ours');
    const theirs = join(work, 'oras');
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
    // Per artifact, as a script pulling each one would: one `oras pull` each, three at a time.
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
    if (process.env['BENCH_PROFILE']) {
      // Leaves a V8 CPU profile of one pull in BENCH_PROFILE, for looking into where time goes.
      const node = join(root, 'node_modules', 'node', 'bin', 'node');
      const main = join(root, 'dist', 'src', 'cli', 'main.js');
      await mkdir(ours, { recursive: true });
      await exec(node, ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_PROFILE'], main, ...oursArgs]);
      await rm(ours, { recursive: true, force: true });
    }
    const samples = { ours: [] as Sample[], oras: [] as Sample[], orasEach: [] as number[] };
    const loads: number[] = [];
    // One warm-up each (discarded), then alternate so both see the same page cache and machine load.
    for (let i = 0; i < RUNS + 1; i++) {
      for (const side of ['ours', 'oras'] as const) {
        const dir = side === 'ours' ? ours : theirs;
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        const sample = side === 'ours' ? await measure(cli, oursArgs) : await measure(bins.oras, orasArgs);
        if (i > 0) samples[side].push(sample);
      }
      loads.push(loadavg()[0] as number);
      if (artifacts > 1) {
        await rm(theirs, { recursive: true, force: true });
        const each = await orasEach();
        if (i > 0) samples.orasEach.push(each);
      }
    }
    const first = filesPerArtifact === 1 ? 'artifact-00.bin' : 'layer-0.bin';
    const pulled = (await stat(join(ours, 'build', 'artifact-00', first))).size;
    if (pulled !== size) throw new Error(`pulled ${pulled} bytes of ${first}, expected ${size}`);
    await rm(ours, { recursive: true, force: true });
    await rm(theirs, { recursive: true, force: true });
    const o = summary(samples.ours);
    const t = summary(samples.oras);
    console.log(`pull, ${title} (${mib(size)} each), concurrency ${CONCURRENCY}, median of ${RUNS}:`);
    console.log(line('tkn-artifacts pull', samples.ours));
    console.log(line('oras pull (one manifest)', samples.oras));
    if (artifacts > 1)
      console.log(
        `  oras pull x${artifacts}, 3 at a time       ${(median(samples.orasEach) / 1000).toFixed(2)} s`,
      );
    console.log(
      `  ratio                          ${(o.ms / t.ms).toFixed(2)}x oras wall, ${(o.cpu / t.cpu).toFixed(2)}x oras CPU (target <= 1.0 wall)`,
    );
    console.log(`  our peak RSS                   ${mib(o.rss)} (target < 100 MiB)`);
    console.log(`  load average (1 min) during the runs: ${loads.map((l) => l.toFixed(1)).join(' ')}`);
  }

  if (SHAPES.includes('one')) await bench('one', 1, 8, 'one artifact of 8 layers');
  if (SHAPES.includes('many')) await bench('many', 20, 1, '20 artifacts of one file');
} finally {
  await olareg.stop();
  await rm(work, { recursive: true, force: true });
}
