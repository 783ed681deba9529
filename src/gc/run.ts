/**
 * `gc`: the edge where I/O meets the pure parts. Reads the live runs (cluster or export), finds the
 * repository (flag or storage configuration), takes the inventory, decides and plans; prints the
 * plan (dry run), saves it (--plan-file), or applies it (--apply, or --apply --plan-file to apply
 * exactly a reviewed plan), then reports. docs/gc.md describes the behaviour.
 */
import { open, readFile, rename, stat } from 'node:fs/promises';
import type { RunSource } from '../cluster/source.js';
import { CliError, durationOption, toCliError } from '../cli/errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { CommandIo } from '../cli/io.js';
import type { RegistryOptions } from '../tree/targets.js';
import type { HeapValve } from '../memory/gc.js';
import type { GcReport } from './apply.js';
import type { LiveView } from './model.js';
import type { GcPlan, PlanGroup } from './plan.js';
import type { Policy } from './policy.js';
import type { GcDeleter } from './ports.js';

export interface GcOptions {
  repository?: string;
  cluster: { kubeconfig?: string; context?: string; namespace?: string; fromFile?: string };
  allNamespaces: boolean;
  registry: RegistryOptions;
  configMapName: string;
  tektonNamespace: string;
  olderThan?: string;
  keepLast?: number;
  run?: string;
  force: boolean;
  includeAttached: boolean;
  apply: boolean;
  planFile?: string;
  output: 'text' | 'json' | 'yaml';
  verbose: boolean;
  /** Deletes (and inventory reads) in flight. */
  concurrency: number;
  noColor?: boolean;
  fullDigests?: boolean;
}

/** What gc needs besides the I/O seam: the clock (plan times, ages) and the stop signal. */
export interface GcContext {
  now(): Date;
  /** SIGINT/SIGTERM: the CLI aborts it. */
  signal?: AbortSignal;
}

function usage(message: string, hint?: string): CliError {
  return new CliError(message, 'usage', hint);
}

const NO_LIVE_VIEW_HINT =
  'gc deletes only what it can prove is gone: point it at the cluster (--kubeconfig, --context, or in a Pod its ServiceAccount), or pass --from-file with `kubectl get pipelinerun,taskrun -A -o yaml`';

/** Checks flag combinations before anything is read. Exported for unit tests. */
export function validateGcOptions(options: GcOptions): { olderThanMs?: number } {
  const applyingFile = options.apply && options.planFile !== undefined;
  if (applyingFile) {
    const policyFlags = [
      options.olderThan !== undefined && '--older-than',
      options.keepLast !== undefined && '--keep-last',
      options.run !== undefined && '--run',
      options.includeAttached && '--include-attached',
      options.allNamespaces && '--all-namespaces',
    ].filter((f): f is string => typeof f === 'string');
    if (policyFlags.length > 0)
      throw usage(
        `--apply --plan-file applies the saved plan as reviewed: ${policyFlags.join(', ')} cannot change it`,
        'make a new plan with those flags, review it, then apply that one',
      );
  }
  if (options.allNamespaces && options.cluster.namespace !== undefined)
    throw usage('-n and -A are exclusive: -A looks at every namespace the stored runs name');
  if (options.force && options.run === undefined)
    throw usage('--force only applies to --run NAME (removing a named run that still exists)');
  if (options.keepLast !== undefined && (!Number.isInteger(options.keepLast) || options.keepLast < 0))
    throw usage(`--keep-last ${options.keepLast} is not a count`, 'for example --keep-last 5');
  const olderThanMs = durationOption(
    '--older-than',
    options.olderThan,
    'for example 30d, 36h, 1h30m or 2w (s, m, h, d, w)',
  );
  return olderThanMs === undefined ? {} : { olderThanMs };
}

async function openRuns(options: GcOptions): Promise<{ runs: RunSource; source: LiveView['source'] }> {
  const { fromFile, namespace, kubeconfig, context } = options.cluster;
  if (fromFile) {
    const { FileSource } = await import('../cluster/file-source.js');
    const runs = await FileSource.fromFile(fromFile, namespace ? { namespace } : {});
    const exportedAt =
      fromFile === '-' ? undefined : (await stat(fromFile).catch(() => undefined))?.mtime.toISOString();
    return {
      runs,
      source: {
        kind: 'file',
        describe: runs.describe(),
        ...(exportedAt !== undefined ? { exportedAt } : {}),
      },
    };
  }
  const { connectCluster } = await import('../cluster/cluster-source.js');
  try {
    const runs = await connectCluster({
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(context ? { context } : {}),
      ...(namespace ? { namespace } : {}),
    });
    return { runs, source: { kind: 'cluster', describe: runs.describe() } };
  } catch (err) {
    if ((err as { name?: unknown }).name === 'KubeconfigError')
      throw new CliError(`no live view of runs: ${(err as Error).message}`, 'usage', NO_LIVE_VIEW_HINT, {
        cause: err,
      });
    throw err;
  }
}

async function findRepository(options: GcOptions, runs: RunSource, namespace: string): Promise<string> {
  if (options.repository) return options.repository;
  const { loadStorageConfig } = await import('../config/load.js');
  const config = await loadStorageConfig(runs, {
    namespace: options.allNamespaces ? options.tektonNamespace : namespace,
    names: { configMapName: options.configMapName, tektonNamespace: options.tektonNamespace },
  });
  const repository = config.settings.ociRepository;
  if (!repository)
    throw new CliError(
      `artifact storage is not configured for ${options.allNamespaces ? 'the cluster' : `namespace ${namespace}`}: no repository to look in`,
      'notConfigured',
      'pass --repository REGISTRY/REPOSITORY, or set oci.repository in the config-artifact-storage ConfigMap',
    );
  return repository;
}

async function openDeleter(registry: RegistryOptions, repository: string): Promise<GcDeleter> {
  const { openStore } = await import('../tree/targets.js');
  const { RemoteRepository } = await import('../oci/remote/repository.js');
  const store = await openStore(registry);
  const target: unknown = store.targetOf(repository);
  if (target instanceof RemoteRepository) {
    return Object.assign(target, {
      pruneReferrers: async (subject: string, digests: string[]): Promise<boolean> => {
        // Not known yet (a plan applied from a file): listing the subject's referrers tells.
        if (target.referrersMode() === undefined)
          await target.referrers({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: subject,
            size: 0,
          });
        if (target.referrersMode() !== 'tag-schema') return false;
        await target.updateFallbackIndex(subject, { remove: digests });
        return true;
      },
    });
  }
  // An OCI layout keeps referrers in its index.json: delete() maintains it, nothing to prune.
  return target as GcDeleter;
}

function progressLine(io: CommandIo, enabled: boolean): { update(text: string): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    update(text: string) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      io.stderr.write(`\r\u001b[2K${text}`);
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[2K');
    },
  };
}

export async function runGc(
  options: GcOptions,
  io: CommandIo,
  context: GcContext = { now: () => new Date() },
): Promise<number> {
  // An inventory of 10,000 runs is 70,000 records built over 90,000 requests: without the valve
  // V8 lets the heap grow to three times what is live (bench/README.md, "gc").
  // Tighter than the default: a tenth past what is live plus 6 MiB (proportional, so the
  // collections' cost stays linear), and allowed half the time: at 10,000 runs that is the
  // difference between 195 and 230 MiB at the peak.
  const { startHeapValve } = await import('../memory/gc.js');
  const valve = startHeapValve({ factor: 1.1, slackBytes: 6 * 1024 ** 2, maxShare: 0.5 });
  try {
    return await gc(options, io, context, valve);
  } finally {
    valve();
  }
}

async function gc(options: GcOptions, io: CommandIo, context: GcContext, valve: HeapValve): Promise<number> {
  const { olderThanMs } = validateGcOptions(options);
  const colour = io.color;
  const progress = progressLine(io, io.stderrIsTTY);
  const text = { verbose: options.verbose, colour, fullDigests: options.fullDigests ?? false };
  const { planTextChunks, formatReport } = await import('./render.js');
  const { planJsonChunks } = await import('./plan.js');
  const printPlan = async (plan: GcPlan, apply: boolean): Promise<void> => {
    if (options.output === 'yaml') return printDocumentOrText(io, options, plan, () => '');
    const chunks =
      options.output === 'json' ? planJsonChunks(plan) : planTextChunks(plan, { ...text, apply });
    for (const chunk of chunks) await write(io.stdout, chunk);
  };

  const { runs, source } = await openRuns(options);
  const namespace = options.cluster.namespace ?? runs.defaultNamespace;
  let plan: GcPlan;
  let deleter: GcDeleter | undefined;

  if (options.apply && options.planFile !== undefined) {
    const { parsePlan, PlanFileError } = await import('./plan.js');
    let textPlan: string;
    try {
      textPlan = await readFile(options.planFile, 'utf8');
    } catch (err) {
      throw usage(`cannot read the plan file ${options.planFile}: ${(err as Error).message}`);
    }
    try {
      plan = parsePlan(textPlan);
    } catch (err) {
      if (err instanceof PlanFileError) throw usage(err.message, err.hint);
      throw err;
    }
    if (options.repository !== undefined && options.repository !== plan.repository)
      throw usage(
        `the plan is for ${plan.repository}, not ${options.repository}`,
        'drop --repository: the plan names its repository',
      );
  } else {
    try {
      ({ plan, deleter } = await makePlan());
      // The inventory is garbage now; the plan printed next is a fraction of it.
      valve.settle();
    } catch (err) {
      if (context.signal?.aborted)
        throw new CliError('interrupted while planning; nothing was deleted', 'interrupted', undefined, {
          cause: err,
        });
      throw err;
    }
    if (!options.apply) {
      if (options.planFile !== undefined) await writePlanFile(options.planFile, plan);
      await printPlan(plan, false);
      if (options.planFile !== undefined && options.output === 'text')
        io.stderr.write(
          `Plan saved to ${options.planFile}; apply it with: gc --apply --plan-file ${options.planFile}\n`,
        );
      return ExitCode.ok;
    }
  }

  if (options.output === 'text') await printPlan(plan, true);
  deleter ??= await openDeleter(options.registry, plan.repository);
  // The live view of now, for runs created since the plan was made that name what it deletes.
  const { readLiveView, lookUpRun } = await import('./liveness.js');
  const liveNow = await readLiveView(runs, plan.live.namespaces, source);
  const { applyPlan } = await import('./apply.js');
  const report = await applyPlan(plan, deleter, {
    concurrency: options.concurrency,
    ...(context.signal ? { signal: context.signal } : {}),
    referenced: liveNow.referenced,
    serialDeletes: plan.referrers === 'tag-schema',
    recheckRun: (group) => recheckRun(runs, group),
    onProgress: (p) => progress.update(`gc: deleting ${p.deleted}/${p.total} manifests…`),
  });
  progress.done();
  const { firstError, ...document } = report;
  await printDocumentOrText(io, options, document, () => formatReport(report, text));
  return exitCodeOf(report, firstError, io);

  async function makePlan(): Promise<{ plan: GcPlan; deleter: GcDeleter }> {
    const repository = await findRepository(options, runs, namespace);
    const deleterForPlan = await openDeleter(options.registry, repository);
    const { takeInventory } = await import('./inventory.js');
    const inventory = await takeInventory(deleterForPlan, {
      repository,
      concurrency: options.concurrency,
      includeAttached: options.includeAttached,
      ...(context.signal ? { signal: context.signal } : {}),
      onProgress: (p) =>
        progress.update(`gc: reading ${repository}: ${p.done} ${p.phase === 'tags' ? 'tags' : 'manifests'}…`),
      // Grouping, deciding and planning are synchronous: the valve's timer cannot run during them,
      // so it collects at their edges (the walk's maps, then the inventory's, become garbage).
      onWalked: () => valve.settle(),
    });
    valve.settle();
    progress.done();
    const namespaces = options.allNamespaces
      ? [
          ...new Set(inventory.groups.map((g) => g.namespace).filter((n): n is string => n !== undefined)),
        ].sort()
      : [namespace];
    const { readLiveView } = await import('./liveness.js');
    const live = await readLiveView(runs, namespaces, source);
    const policy: Policy = {
      namespaces: options.allNamespaces ? 'all' : [namespace],
      ...(olderThanMs !== undefined ? { olderThanMs, olderThan: options.olderThan! } : {}),
      ...(options.keepLast !== undefined ? { keepLast: options.keepLast } : {}),
      ...(options.run !== undefined ? { run: options.run } : {}),
      force: options.force,
      includeAttached: options.includeAttached,
    };
    const { decide, RunStillAliveError } = await import('./policy.js');
    const { buildPlan } = await import('./plan.js');
    let decisions;
    try {
      decisions = decide(inventory.groups, live, policy, context.now().getTime());
    } catch (err) {
      if (err instanceof RunStillAliveError)
        throw usage(err.message, `${err.hint}; add --force to remove it anyway`);
      throw err;
    }
    if (options.run !== undefined && decisions.length === 0)
      throw new CliError(
        `no stored content of a run named ${options.run} in ${repository} (namespace ${options.allNamespaces ? 'any' : namespace})`,
        'notFound',
      );
    valve.settle();
    return { plan: buildPlan(inventory, decisions, live, policy, context.now()), deleter: deleterForPlan };
  }

  async function recheckRun(runsNow: RunSource, group: PlanGroup): Promise<string | undefined> {
    if (group.namespace === undefined || group.name === undefined) return 'the plan names no run to look up';
    const run = await lookUpRun(runsNow, group.kind, group.namespace, group.name);
    const label = `${group.kind} ${group.namespace}/${group.name}`;
    if (run === undefined) return undefined;
    if (run.running) return `${label} is running`;
    if (group.gone && !(group.uid !== undefined && run.uid !== undefined && run.uid !== group.uid))
      return `${label} exists again`;
    return undefined;
  }
}

function exitCodeOf(report: GcReport, firstError: unknown, io: CommandIo): number {
  if (report.stop) {
    io.stderr.write(`Error: ${report.stop.message}\n`);
    if (report.stop.reason === 'unsupported') {
      io.stderr.write(
        'Hint: enable deletes on the registry (distribution: storage.delete.enabled: true); nothing was deleted\n',
      );
      return ExitCode.unsupported;
    }
    if (report.stop.reason === 'forbidden') {
      io.stderr.write('Hint: the registry credentials need delete permission on this repository\n');
      return ExitCode.forbidden;
    }
    return ExitCode.interrupted;
  }
  if (firstError !== undefined) {
    const cli = toCliError(firstError);
    io.stderr.write(`Error: ${cli.message}\n`);
    return cli.exitCode === ExitCode.ok ? ExitCode.internal : cli.exitCode;
  }
  return ExitCode.ok;
}

async function printDocumentOrText(
  io: CommandIo,
  options: GcOptions,
  document: unknown,
  text: () => string,
): Promise<void> {
  if (options.output === 'text') {
    io.stdout.write(text());
    return;
  }
  const { renderDocument } = await import('../render/document.js');
  io.stdout.write(await renderDocument(document, options.output));
}

/** Writes a chunk, waiting for the stream to drain when it asks (a large plan into a pipe). */
async function write(stream: CommandIo['stdout'], chunk: string): Promise<void> {
  if (chunk === '') return;
  if (!stream.write(chunk)) await new Promise<void>((r) => stream.once('drain', r));
}

async function writePlanFile(file: string, plan: GcPlan): Promise<void> {
  // Written whole under a temporary name, then renamed: a reviewer never sees half a plan.
  const tmp = `${file}.tmp-${process.pid}`;
  const { planJsonChunks } = await import('./plan.js');
  const handle = await open(tmp, 'w', 0o644);
  try {
    for (const chunk of planJsonChunks(plan)) await handle.write(chunk);
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
