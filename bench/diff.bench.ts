/**
 * diff of two runs whose archives total 1 GiB each, 1% of the files changed, on the test OCI 1.1
 * registry (olareg), beside what a person does today in the same run: `oras pull` of both runs
 * (at once, as diff resolves both sides at once) and `diff -r` of the two directories. Targets:
 * wall time at most 1.0x the peer's, and our peak RSS under 200 MiB (archives are listed as they
 * stream, never held or extracted). Prints medians, the ratio and peak RSS (`/usr/bin/time -f %M`);
 * asserts nothing, but checks that both found the same changed files. Removes what it wrote.
 *
 * Each run: ARTIFACTS oras-style directory artifacts (one tar+gzip layer holding `<dir>/…`, the
 * unpack annotation set, so `oras pull` extracts them too), each of FILE_SIZE random files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { RegistryClient } from '../src/oci/remote/client.js';
import { RemoteRepository } from '../src/oci/remote/repository.js';
import type { DiffReport } from '../src/diff/model.js';
import { findBinaries } from '../test/env/services/binaries.js';
import { startOlareg } from '../test/env/services/olareg.js';
import {
  EMPTY_CONFIG,
  EMPTY_CONFIG_DESCRIPTOR,
  orasDirectoryLayer,
  orasManifest,
  type OrasLayer,
} from '../test/support/oras-manifest.js';
import { exec, median, outputValue, writeBenchRun } from './support.js';

const TOTAL = Number(process.env['BENCH_DIFF_BYTES'] ?? 1024 ** 3);
const ARTIFACTS = 8;
const FILE_SIZE = 256 * 1024;
const CHANGED_EVERY = 100; // 1% of the files
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const root = resolve(import.meta.dirname, '..');

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

/** Two tar.gz files written in one pass: the same files, but every CHANGED_EVERY-th differs in b. */
async function archivePair(
  dir: string,
  files: number,
  paths: { a: string; b: string },
  changed: string[],
  offset: number,
): Promise<{ a: { digest: string; size: number }; b: { digest: string; size: number } }> {
  const sides = (['a', 'b'] as const).map((side) => {
    const pack = tar.pack();
    const hash = createHash('sha256');
    let size = 0;
    const gzip = createGzip({ level: 1 });
    const done = pipeline(
      pack,
      gzip,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.byteLength;
          yield chunk;
        }
      },
      createWriteStream(paths[side]),
    );
    return { pack, done, result: () => ({ digest: `sha256:${hash.digest('hex')}`, size }) };
  });
  const mtime = new Date('2026-11-20T10:00:00Z');
  const entry = (pack: tar.Pack, name: string, body: Buffer) =>
    new Promise<void>((ok, fail) =>
      pack.entry({ name, mode: 0o644, mtime }, body, (e) => (e ? fail(e) : ok())),
    );
  for (let i = 0; i < files; i++) {
    const name = `${dir}/f${String(i).padStart(5, '0')}.bin`;
    const body = randomBytes(FILE_SIZE);
    await entry(sides[0]!.pack, name, body);
    if ((offset + i) % CHANGED_EVERY === 0) {
      changed.push(name);
      await entry(sides[1]!.pack, name, randomBytes(FILE_SIZE));
    } else await entry(sides[1]!.pack, name, body);
  }
  for (const side of sides) side.pack.finalize();
  await Promise.all(sides.map((side) => side.done));
  return { a: sides[0]!.result(), b: sides[1]!.result() };
}

/** Runs a command under /usr/bin/time: wall milliseconds, peak RSS in bytes, and its stdout. */
async function measure(
  command: string,
  args: string[],
): Promise<{ ms: number; rss: number; stdout: string }> {
  const start = performance.now();
  const result = await exec('/usr/bin/time', ['-f', 'peak-rss-kib %M', command, ...args], {
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  }).catch((error: { stdout: string; stderr: string; code?: number }) => {
    // diff exits 1 when the runs differ: that is its answer, not a failure.
    if (error.code === 1) return error;
    throw error;
  });
  const ms = performance.now() - start;
  const kib = Number(/peak-rss-kib (\d+)/.exec(result.stderr)?.[1] ?? NaN);
  return { ms, rss: kib * 1024, stdout: result.stdout };
}

const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-bench-diff-'));
await mkdir(join(work, 'logs'), { recursive: true });
const bins = findBinaries();
const olareg = await startOlareg(work, bins);
try {
  const host = olareg.host;
  const repository = 'bench/diff-artifacts';
  const repo = new RemoteRepository(new RegistryClient(host, { plainHttp: true }), repository);
  const namespace = 'bench';
  const filesPerArtifact = Math.max(1, Math.floor(TOTAL / ARTIFACTS / FILE_SIZE));
  const changed: string[] = [];
  const outputs = { a: [] as Record<string, unknown>[], b: [] as Record<string, unknown>[] };
  const layers = { a: [] as OrasLayer[], b: [] as OrasLayer[] };
  await repo.push(EMPTY_CONFIG_DESCRIPTOR, EMPTY_CONFIG);
  process.stdout.write(
    `writing and pushing 2 runs x ${ARTIFACTS} archives x ${filesPerArtifact} files of ${FILE_SIZE / 1024} KiB…\n`,
  );
  for (let n = 0; n < ARTIFACTS; n++) {
    const dir = `art-${String(n).padStart(2, '0')}`;
    const paths = { a: join(work, `${dir}-a.tar.gz`), b: join(work, `${dir}-b.tar.gz`) };
    const pair = await archivePair(dir, filesPerArtifact, paths, changed, n * filesPerArtifact);
    for (const side of ['a', 'b'] as const) {
      const { digest, size } = pair[side];
      await repo.push(
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size },
        createReadStream(paths[side]),
      );
      await rm(paths[side]);
      const layer = orasDirectoryLayer(dir, { digest, size });
      layers[side].push(layer);
      const manifest = orasManifest([layer]);
      await repo.pushManifest(manifest.descriptor, manifest.bytes);
      outputs[side].push(outputValue(dir, `${host}/${repository}`, manifest.descriptor.digest));
    }
  }
  // All of a run's archives under one manifest, so one `oras pull` fetches and extracts them all.
  for (const side of ['a', 'b'] as const) {
    const manifest = orasManifest(layers[side]);
    await repo.pushManifest(manifest.descriptor, manifest.bytes, `everything-${side}`);
  }
  const exports = { a: join(work, 'run-a.yaml'), b: join(work, 'run-b.yaml') };
  for (const side of ['a', 'b'] as const)
    await writeBenchRun(exports[side], {
      namespace,
      pipelineRun: `run-${side}`,
      repository: `${host}/${repository}`,
      taskRuns: [{ name: `run-${side}-build`, pipelineTask: 'build', outputs: outputs[side] }],
    });

  const cli = join(root, 'bin', 'tkn-artifacts');
  const oursArgs = [
    'diff',
    'run-a',
    'run-b',
    '-n',
    namespace,
    '--from-file-a',
    exports.a,
    '--from-file-b',
    exports.b,
    '--plain-http',
    host,
    '-o',
    'json',
  ];
  const pulled = { a: join(work, 'oras-a'), b: join(work, 'oras-b') };
  const peer = async (): Promise<{ ms: number; changed: number }> => {
    for (const dir of Object.values(pulled)) await rm(dir, { recursive: true, force: true });
    const start = performance.now();
    await Promise.all(
      (['a', 'b'] as const).map((side) =>
        exec(bins.oras, [
          'pull',
          '--plain-http',
          '-o',
          pulled[side],
          `${host}/${repository}:everything-${side}`,
        ]),
      ),
    );
    const out = await exec('diff', ['-rq', pulled.a, pulled.b]).catch(
      (error: { code?: number; stdout: string }) => {
        if (error.code === 1) return error;
        throw error;
      },
    );
    const ms = performance.now() - start;
    return { ms, changed: out.stdout.split('\n').filter((line) => line.startsWith('Files ')).length };
  };

  const samples = { ours: [] as number[], peer: [] as number[], rss: [] as number[] };
  let oursChanged = 0;
  let peerChanged = 0;
  // One warm-up each (discarded), then alternating, so both see the same page cache and load.
  for (let i = 0; i < RUNS + 1; i++) {
    const ours = await measure(cli, oursArgs);
    const report = JSON.parse(ours.stdout) as DiffReport;
    oursChanged = report.summary.files.changed;
    const theirs = await peer();
    peerChanged = theirs.changed;
    if (i > 0) {
      samples.ours.push(ours.ms);
      samples.rss.push(ours.rss);
      samples.peer.push(theirs.ms);
    }
  }
  const extracted = (await stat(join(pulled.a, 'art-00', 'f00000.bin'))).size;
  for (const dir of Object.values(pulled)) await rm(dir, { recursive: true, force: true });

  const oursMs = median(samples.ours);
  const peerMs = median(samples.peer);
  const perRun = ARTIFACTS * filesPerArtifact * FILE_SIZE;
  console.log(
    `diff of 2 runs x ${ARTIFACTS} archives (${mib(perRun)} of files each, ${ARTIFACTS * filesPerArtifact} files), ${changed.length} files changed, from olareg (median of ${RUNS}):`,
  );
  console.log(
    `  tkn-artifacts diff -o json          ${(oursMs / 1000).toFixed(2)} s   peak RSS ${mib(Math.max(...samples.rss))}   (${oursChanged} files changed)`,
  );
  console.log(
    `  oras pull a & b, then diff -rq      ${(peerMs / 1000).toFixed(2)} s   (${peerChanged} files differ; ${extracted / 1024} KiB per file)`,
  );
  console.log(`  ratio                               ${(oursMs / peerMs).toFixed(2)}x (target <= 1.0)`);
  console.log(`  our peak RSS                        ${mib(Math.max(...samples.rss))} (target < 200 MiB)`);
  if (oursChanged !== changed.length || peerChanged !== changed.length)
    console.log(`  MISMATCH: ${changed.length} files were changed`);
} finally {
  await olareg.stop();
  await rm(work, { recursive: true, force: true });
}
