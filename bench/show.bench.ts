/**
 * show on a wide run: 50 TaskRuns with 4 artifacts each under one PipelineRun root, on the test
 * OCI 1.1 registry (olareg), beside `oras discover --format json` of the same root, in the same run.
 * Target: tkn-artifacts under half of oras's time. Prints medians and the ratio; asserts nothing.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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
import { cliArgs, exec, median, outputValue, pusher, writeBenchRun, type BenchTaskRun } from './support.js';

/** Round-trip time the latency proxy adds per request, like a registry across a network. */
const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 20);

/** A loopback proxy in front of the registry that holds every request for LATENCY_MS. */
async function latencyProxy(
  target: string,
): Promise<{ host: string; server: Server; requests: () => number }> {
  const [targetHost, targetPort] = target.split(':');
  let requests = 0;
  const server = createServer((incoming, outgoing) => {
    requests++;
    setTimeout(() => {
      const upstream = request(
        {
          host: targetHost,
          port: Number(targetPort),
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      incoming.pipe(upstream);
    }, LATENCY_MS);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy did not bind');
  return { host: `127.0.0.1:${address.port}`, server, requests: () => requests };
}
const TASKS = 50;
const ARTIFACTS = 4;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const root = resolve(import.meta.dirname, '..');

async function time(command: string, args: string[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const start = performance.now();
    await exec(command, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    if (i > 0) samples.push(performance.now() - start); // the first run warms caches on both sides
  }
  return median(samples);
}

const work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-bench-show-'));
await mkdir(join(work, 'logs'), { recursive: true });
const bins = findBinaries();
const olareg = await startOlareg(work, bins);
try {
  const host = olareg.host;
  const repo = new RemoteRepository(new RegistryClient(host, { plainHttp: true }), 'bench/tekton-artifacts');
  const push = pusher(repo);
  const namespace = 'bench';
  const pipelineRun = 'wide-run';
  const created = '2026-11-20T10:00:00Z';
  const rootManifest = buildRootManifestJSON({ namespace, pipelineRun, created });
  await push(rootManifest, rootManifest.tag);
  const taskRuns: BenchTaskRun[] = [];
  for (let t = 0; t < TASKS; t++) {
    const taskRun = `${pipelineRun}-task-${t}`;
    const reference = buildTaskRunReferenceJSON({
      namespace,
      pipelineRun,
      taskRun,
      task: `task-${t}`,
      created,
      root: rootManifest.descriptor,
    });
    await push(reference);
    const outputs: Record<string, unknown>[] = [];
    for (let a = 0; a < ARTIFACTS; a++) {
      const content = Buffer.from(`content of artifact ${a} of ${taskRun}\n`);
      const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
      await repo.push({ mediaType: 'application/octet-stream', digest, size: content.length }, content);
      const artifact = buildArtifactManifestJSON({
        name: `artifact-${a}`,
        namespace,
        taskRun,
        pipelineRun,
        created,
        subject: reference.descriptor,
        files: [{ title: `artifact-${a}`, digest, size: content.length }],
      });
      await push(artifact);
      outputs.push(
        outputValue(`artifact-${a}`, `${host}/bench/tekton-artifacts`, artifact.descriptor.digest),
      );
    }
    taskRuns.push({ name: taskRun, pipelineTask: `task-${t}`, outputs });
  }
  const exportFile = join(work, 'run.yaml');
  await writeBenchRun(exportFile, {
    namespace,
    pipelineRun,
    repository: `${host}/bench/tekton-artifacts`,
    taskRuns,
  });

  const cli = join(root, 'bin', 'tkn-artifacts');
  if (process.env['BENCH_PROFILE']) {
    // Leaves V8 CPU profiles of show runs in BENCH_PROFILE, for looking into where time goes: the
    // bundle as bin/ runs it (build it with TKN_BUNDLE_MINIFY=0 for readable names), the second
    // run with the code cache the first one made under the profiler's flags.
    const node = join(root, 'node_modules', 'node', 'bin', 'node');
    const main = join(root, 'dist', 'bundle', 'start.cjs');
    for (let i = 0; i < 2; i++) {
      await exec(
        node,
        [
          '--cpu-prof',
          '--cpu-prof-dir',
          process.env['BENCH_PROFILE'],
          main,
          ...cliArgs('show', { pipelineRun, namespace, exportFile, host }, '-o', 'json'),
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
    }
  }
  // Issue 16's targets: at most 1.0x oras on loopback, 0.3x where each request costs 20 ms.
  const measure = async (
    registry: string,
    label: string,
    target: number,
    requests?: () => number,
  ): Promise<void> => {
    // The export names the registry directly; --plain-http marks it, and the proxy case rewrites the host.
    const file = registry === host ? exportFile : join(work, 'run-proxied.yaml');
    if (registry !== host) {
      const { readFile, writeFile } = await import('node:fs/promises');
      await writeFile(file, (await readFile(exportFile, 'utf8')).split(host).join(registry));
    }
    const args = cliArgs('show', { pipelineRun, namespace, exportFile: file, host: registry }, '-o', 'json');
    const ours = await time(cli, args);
    const oursFrom = requests?.() ?? 0;
    const { stdout } = await exec(cli, args, { maxBuffer: 64 * 1024 * 1024 });
    const oursRequests = (requests?.() ?? 0) - oursFrom;
    const tree = JSON.parse(stdout) as {
      taskRuns: { artifacts: { state: string }[] }[];
      problems: unknown[];
    };
    const present = tree.taskRuns.flatMap((t) => t.artifacts).filter((a) => a.state === 'present').length;
    const orasArgs = [
      'discover',
      '--plain-http',
      '--format',
      'json',
      `${registry}/bench/tekton-artifacts@${rootManifest.descriptor.digest}`,
    ];
    // BENCH_COMPARE=PATH: another build's bin/tkn-artifacts (an older checkout) in the same run.
    const compare = process.env['BENCH_COMPARE'];
    const compared = compare ? await time(compare, args) : undefined;
    const oras = await time(bins.oras, orasArgs);
    const orasFrom = requests?.() ?? 0;
    await exec(bins.oras, orasArgs, { maxBuffer: 64 * 1024 * 1024 });
    const orasRequests = (requests?.() ?? 0) - orasFrom;
    console.log(`  ${label}:`);
    console.log(
      `    tkn-artifacts show -o json     ${ours.toFixed(0)} ms   (${present} artifacts present, ${tree.problems.length} problems)`,
    );
    if (compared !== undefined)
      console.log(`    BENCH_COMPARE show -o json     ${compared.toFixed(0)} ms   (${compare})`);
    console.log(`    oras discover --format json    ${oras.toFixed(0)} ms`);
    console.log(`    ratio                          ${(ours / oras).toFixed(2)}x oras (target <= ${target})`);
    if (requests)
      console.log(`    HTTP requests per run          ${oursRequests} tkn-artifacts, ${orasRequests} oras`);
  };
  console.log(`show, ${TASKS} TaskRuns x ${ARTIFACTS} artifacts on olareg (median of ${RUNS}):`);
  await measure(host, 'loopback, no added latency', 1.0);
  const proxy = await latencyProxy(host);
  try {
    await measure(proxy.host, `through a proxy adding ${LATENCY_MS} ms per request`, 0.3, proxy.requests);
  } finally {
    proxy.server.close();
  }
} finally {
  await olareg.stop();
  await rm(work, { recursive: true, force: true });
}
