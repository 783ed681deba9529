/**
 * Applying a plan: per run group, the run is looked up again, then every item, leaves first, is
 * checked again just before it is deleted (still there with the same size, its tags still pointing
 * at it, nothing below it that the plan does not delete). What changed is skipped and reported,
 * and so is everything above it, so no manifest is ever left with a dangling subject.
 *
 * Deletes run with bounded concurrency (groups in parallel, each group in order). The first delete
 * runs alone: a registry that refuses deletes (405/UNSUPPORTED) stops gc before anything is gone.
 * 401/403 stop scheduling; SIGINT/SIGTERM too: deletes in flight finish (with their fallback-index
 * update), nothing new starts, and the report says what was done. A re-run completes the plan.
 */
import { KeyedMutex, mapConcurrent } from '../oci/concurrency.js';
import { hasCode } from '../oci/errors.js';
import { GC_API_VERSION, type Namer } from './model.js';
import { namedByOther } from './policy.js';
import type { GcPlan, PlanGroup, PlanItem } from './plan.js';
import type { GcDeleter } from './ports.js';

export type GroupStatus = 'removed' | 'partial' | 'skipped' | 'not-started';

export interface GroupReport {
  id: string;
  kind: 'PipelineRun' | 'TaskRun';
  namespace?: string;
  name?: string;
  status: GroupStatus;
  /** Deleted by this run of gc. */
  deleted: string[];
  /** Already gone when gc came to them (a previous, stopped gc). */
  alreadyGone: string[];
  skipped: Array<{ digest: string; reason: string }>;
  /** Fallback-index entries removed that named missing manifests. */
  repaired: number;
  tagsDeleted: number;
  bytes: number;
}

export type StopReason = 'interrupted' | 'forbidden' | 'unsupported';

export interface GcReport {
  apiVersion: typeof GC_API_VERSION;
  kind: 'GcReport';
  repository: string;
  planCreated: string;
  finished: string;
  /** complete: every group handled; stopped: see `stop`. */
  outcome: 'complete' | 'stopped';
  stop?: { reason: StopReason; message: string };
  totals: {
    runsRemoved: number;
    runsPartial: number;
    runsSkipped: number;
    runsNotStarted: number;
    manifestsDeleted: number;
    tagsDeleted: number;
    /** Bytes the registry's own garbage collection can now reclaim (manifests and unshared blobs). */
    bytes: number;
    failures: number;
  };
  groups: GroupReport[];
  /** The first failure that was not a stop (the exit code follows it). */
  firstError?: unknown;
}

export interface ApplyOptions {
  concurrency: number;
  /** Aborted on SIGINT/SIGTERM: nothing new starts; deletes in flight finish. */
  signal?: AbortSignal;
  /** Looks the group's run up again; a reason when it must stay after all (it exists again, it runs). */
  recheckRun(group: PlanGroup): Promise<string | undefined>;
  /** Digests live runs name now (manifests or blobs) → who: items another run names stay. */
  referenced?: Map<string, Namer[]>;
  onProgress?(progress: { deleted: number; total: number }): void;
  /**
   * One delete at a time (reads stay concurrent). For registries without the referrers API:
   * distribution 2.8 deletes a manifest, then untags it, and under concurrent deletes in one
   * repository the untagging can fail (500 "invalid checksum digest format") and leave a tag
   * pointing at nothing.
   */
  serialDeletes?: boolean;
}

type Check = { state: 'ok' } | { state: 'gone' } | { state: 'changed'; reason: string };

class Stop extends Error {
  constructor(
    readonly reason: StopReason,
    message: string,
    readonly error?: unknown,
  ) {
    super(message);
  }
}

export async function applyPlan(plan: GcPlan, target: GcDeleter, options: ApplyOptions): Promise<GcReport> {
  const planned = new Set(plan.groups.flatMap((g) => g.delete.map((i) => i.digest)));
  const total = planned.size;
  let deletedCount = 0;
  let stop: Stop | undefined;
  let firstError: unknown;
  let failures = 0;
  let probed = false;
  const probe = new KeyedMutex();
  const serial = new KeyedMutex();
  const writing = <T>(fn: () => Promise<T>): Promise<T> =>
    options.serialDeletes ? serial.run('w', fn) : fn();
  const onAbort = (): void => {
    stop ??= new Stop('interrupted', 'interrupted: deletes in flight finished, nothing new was started');
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const del = async (item: PlanItem): Promise<void> => {
    const descriptor = { mediaType: item.mediaType, digest: item.digest, size: item.size };
    const once = async (): Promise<void> =>
      writing(async () => {
        if (stop) throw stop;
        await target.delete(descriptor);
      });
    if (probed) return once();
    // Until one delete has succeeded, deletes run one at a time: the first tells whether the
    // registry deletes at all, before a second one starts.
    await probe.run('first', async () => {
      await once();
      probed = true;
    });
  };

  const check = async (item: PlanItem, group: PlanGroup): Promise<Check> => {
    const named = [item.digest, ...item.blobs]
      .map((d) => namedByOther(options.referenced?.get(d), group))
      .find((w) => w !== undefined);
    if (named !== undefined) return { state: 'changed', reason: `${named} names it` };
    let current;
    try {
      current = await target.resolve(item.digest);
    } catch (err) {
      if (hasCode(err, 'MANIFEST_UNKNOWN', 'NOT_FOUND', 'NAME_UNKNOWN')) return { state: 'gone' };
      throw err;
    }
    if (current.digest !== item.digest)
      return { state: 'changed', reason: `the registry answers ${current.digest} for it` };
    if (current.size !== item.size)
      return { state: 'changed', reason: `its size is now ${current.size}, the plan says ${item.size}` };
    for (const tag of item.tags) {
      try {
        const at = await target.resolve(tag);
        if (at.digest !== item.digest)
          return { state: 'changed', reason: `tag ${tag} now points at ${at.digest}` };
      } catch (err) {
        if (!hasCode(err, 'MANIFEST_UNKNOWN', 'NOT_FOUND')) throw err;
      }
    }
    const below = await target.referrers({ mediaType: item.mediaType, digest: item.digest, size: item.size });
    const extra = below.find((d) => !planned.has(d.digest));
    if (extra) return { state: 'changed', reason: `a new referrer ${extra.digest} appeared below it` };
    const pending = below.find((d) => planned.has(d.digest));
    if (pending) return { state: 'changed', reason: `${pending.digest} below it is still there` };
    return { state: 'ok' };
  };

  const missing = async (digest: string): Promise<boolean> => {
    try {
      await target.resolve(digest);
      return false;
    } catch (err) {
      if (hasCode(err, 'MANIFEST_UNKNOWN', 'NOT_FOUND', 'NAME_UNKNOWN')) return true;
      throw err;
    }
  };

  const repair = async (subject: string, digest: string): Promise<boolean> => {
    const prune = target.pruneReferrers?.bind(target);
    if (!prune) return false;
    return writing(() => prune(subject, [digest]));
  };

  /** Removes a fallback entry only once the manifest it names is confirmed missing. */
  const repairEntry = async (subject: string, digest: string): Promise<boolean> =>
    (await missing(digest)) && (await repair(subject, digest));

  const runGroup = async (group: PlanGroup): Promise<GroupReport> => {
    const report: GroupReport = {
      id: group.id,
      kind: group.kind,
      ...(group.namespace !== undefined ? { namespace: group.namespace } : {}),
      ...(group.name !== undefined ? { name: group.name } : {}),
      status: 'not-started',
      deleted: [],
      alreadyGone: [],
      skipped: [],
      repaired: 0,
      tagsDeleted: 0,
      bytes: 0,
    };
    if (stop) return report;
    const changed = await options.recheckRun(group);
    if (changed !== undefined) {
      report.status = 'skipped';
      report.skipped = group.delete.map((i) => ({ digest: i.digest, reason: changed }));
      return report;
    }
    /** Subjects that must stay because something below them stays. */
    const blocked = new Map<string, string>();
    for (const k of group.keep) {
      const item = group.delete.find((i) => i.digest === k.digest);
      if (item?.subject) blocked.set(item.subject, k.reason);
    }
    // Stale fallback entries first: they would read as referrers the plan does not delete.
    for (const entry of group.repair) {
      if (stop) break;
      try {
        if (await repairEntry(entry.subject, entry.digest)) report.repaired++;
      } catch (err) {
        failures++;
        firstError ??= err;
      }
    }
    for (const item of group.delete) {
      if (stop) {
        break;
      }
      const block = (reason: string): void => {
        report.skipped.push({ digest: item.digest, reason });
        if (item.subject) blocked.set(item.subject, `${item.digest} below it stays`);
      };
      const held = blocked.get(item.digest);
      if (held !== undefined) {
        block(held);
        continue;
      }
      try {
        const state = await check(item, group);
        if (state.state === 'changed') {
          block(state.reason);
          continue;
        }
        if (state.state === 'gone') {
          // A gc stopped between the delete and the fallback-index update left the entry behind.
          report.alreadyGone.push(item.digest);
          if (item.subject !== undefined && (await repair(item.subject, item.digest))) report.repaired++;
          continue;
        }
        try {
          await del(item);
        } catch (err) {
          // Gone under us: distribution 2.8 can answer a concurrent DELETE with a 500 after deleting,
          // and the retry then finds nothing. The goal is reached; only its fallback entry may remain.
          if (!hasCode(err, 'MANIFEST_UNKNOWN', 'NOT_FOUND')) throw err;
          report.alreadyGone.push(item.digest);
          if (item.subject !== undefined && (await repair(item.subject, item.digest))) report.repaired++;
          continue;
        }
        report.deleted.push(item.digest);
        report.tagsDeleted += item.tags.length;
        report.bytes += item.size;
        options.onProgress?.({ deleted: ++deletedCount, total });
      } catch (err) {
        if (err instanceof Stop) {
          break;
        }
        if (hasCode(err, 'UNSUPPORTED')) {
          stop ??= new Stop('unsupported', (err as Error).message, err);
          break;
        }
        if (hasCode(err, 'DENIED', 'UNAUTHORIZED')) {
          stop ??= new Stop('forbidden', (err as Error).message, err);
          block(`refused: ${(err as Error).message}`);
          break;
        }
        failures++;
        firstError ??= err;
        block(`failed: ${(err as Error).message}`);
      }
    }
    const handled = report.deleted.length + report.alreadyGone.length;
    if (handled === group.delete.length && group.keep.length === 0) {
      report.status = 'removed';
      report.bytes = Math.max(report.bytes, group.bytes);
    } else if (handled > 0) report.status = 'partial';
    else report.status = report.skipped.length > 0 ? 'skipped' : 'not-started';
    return report;
  };

  const groups = await mapConcurrent(plan.groups, Math.max(1, options.concurrency), runGroup);
  options.signal?.removeEventListener('abort', onAbort);
  if (!stop) {
    for (const entry of plan.repair) {
      try {
        await repairEntry(entry.subject, entry.digest);
      } catch (err) {
        failures++;
        firstError ??= err;
      }
    }
  }
  const count = (s: GroupStatus): number => groups.filter((g) => g.status === s).length;
  const finalStop = stop;
  return {
    apiVersion: GC_API_VERSION,
    kind: 'GcReport',
    repository: plan.repository,
    planCreated: plan.created,
    finished: new Date().toISOString(),
    outcome: finalStop ? 'stopped' : 'complete',
    ...(finalStop ? { stop: { reason: finalStop.reason, message: finalStop.message } } : {}),
    totals: {
      runsRemoved: count('removed'),
      runsPartial: count('partial'),
      runsSkipped: count('skipped'),
      runsNotStarted: count('not-started'),
      manifestsDeleted: groups.reduce((n, g) => n + g.deleted.length, 0),
      tagsDeleted: groups.reduce((n, g) => n + g.tagsDeleted, 0),
      bytes: groups.reduce((n, g) => n + g.bytes, 0),
      failures,
    },
    groups,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}
