/**
 * Which run groups go, and why (pure). A group goes when its run is provably gone (default), or
 * when a retention policy reaches it (--older-than, --keep-last), or when --run names it; it stays
 * when its run is alive or running, when gc cannot prove anything, or (member by member) when a
 * live run names what it holds.
 */
import { groupLabel, runKey, type LiveRun, type LiveView, type Namer, type RunGroup } from './model.js';

export interface Policy {
  /** Namespaces in scope; `all` means every namespace the stored content names and the live view lists. */
  namespaces: string[] | 'all';
  olderThanMs?: number;
  /** Human form of --older-than, for reasons ("older than 30d"). */
  olderThan?: string;
  keepLast?: number;
  /** --run NAME: only this run's content. */
  run?: string;
  force: boolean;
  includeAttached: boolean;
}

/** Where a group's run stands. */
export type Liveness =
  | { state: 'gone'; why: string }
  | { state: 'alive'; run: LiveRun; why: string }
  | { state: 'unknown'; why: string };

export function livenessOf(group: RunGroup, live: LiveView): Liveness {
  const label = groupLabel(group);
  if (group.name === undefined) return { state: 'unknown', why: 'the stored content names no run' };
  if (group.namespace === undefined)
    return { state: 'unknown', why: `${label}: the stored content names no namespace` };
  if (!live.namespaces.has(group.namespace))
    return { state: 'unknown', why: `namespace ${group.namespace} was not looked at` };
  const run = live.runs.get(runKey(group.kind, group.namespace, group.name));
  if (!run) return { state: 'gone', why: `${label} is gone` };
  if (group.uid !== undefined && run.uid !== undefined && run.uid !== group.uid)
    return { state: 'gone', why: `${label} is gone (a newer run has its name, UID ${run.uid})` };
  if (group.uid === undefined)
    return {
      state: 'alive',
      run,
      why: `${label} exists and the stored content records no UID, so it may be this run`,
    };
  return { state: 'alive', run, why: `${label} exists` };
}

export interface Decision {
  group: RunGroup;
  liveness: Liveness;
  action: 'delete' | 'keep';
  /** Why it goes, or why it stays. */
  reasons: string[];
  /** Members kept inside a group that goes, digest → why (a live run names it, or what is below it). */
  keptMembers: Map<string, string>;
}

/** Age reference: the live run's completion, else the stored creation annotation. */
function ageOf(group: RunGroup, liveness: Liveness): number | undefined {
  const when = liveness.state === 'alive' ? (liveness.run.completed ?? group.created) : group.created;
  if (when === undefined) return undefined;
  const t = Date.parse(when);
  return Number.isNaN(t) ? undefined : t;
}

function inScope(group: RunGroup, policy: Policy): boolean {
  // Content naming no namespace is shown (kept, as unprovable) whatever the scope.
  if (policy.namespaces === 'all' || group.namespace === undefined) return true;
  return policy.namespaces.includes(group.namespace);
}

export class RunStillAliveError extends Error {
  override name = 'RunStillAliveError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export function decide(groups: RunGroup[], live: LiveView, policy: Policy, now: number): Decision[] {
  const scoped = groups.filter(
    (g) => inScope(g, policy) && (policy.run === undefined || g.name === policy.run),
  );
  const decisions = scoped.map((group) => ({ group, liveness: livenessOf(group, live) }));

  // --keep-last: rank per pipeline and namespace, newest first (tkn pr delete --keep counts so).
  const beyondLast = new Map<RunGroup, string>();
  if (policy.keepLast !== undefined) {
    const buckets = new Map<string, Array<{ group: RunGroup; at: number }>>();
    for (const { group, liveness } of decisions) {
      const at = ageOf(group, liveness);
      if (at === undefined || group.origin === 'attached') continue;
      const pipeline = group.pipeline ?? (liveness.state === 'alive' ? liveness.run.pipeline : undefined);
      const key = `${group.namespace ?? ''}\u0000${pipeline ?? ''}`;
      const list = buckets.get(key) ?? [];
      list.push({ group, at });
      buckets.set(key, list);
    }
    for (const [key, list] of buckets) {
      const pipeline = key.split('\u0000')[1] || '(no pipeline)';
      list.sort((a, b) => b.at - a.at);
      for (const { group } of list.slice(policy.keepLast))
        beyondLast.set(group, `beyond the last ${policy.keepLast} of pipeline ${pipeline}`);
    }
  }

  const out: Decision[] = [];
  for (const { group, liveness } of decisions) {
    const keep = (...reasons: string[]): void => {
      out.push({ group, liveness, action: 'keep', reasons, keptMembers: new Map() });
    };
    const go = (...reasons: string[]): void => {
      out.push({ group, liveness, action: 'delete', reasons, keptMembers: new Map() });
    };
    if (group.origin === 'attached' && !policy.includeAttached) {
      keep('attached to a build output; considered only with --include-attached');
      continue;
    }
    if (liveness.state === 'unknown') {
      keep(`cannot prove the run is gone: ${liveness.why}`);
      continue;
    }
    if (liveness.state === 'alive' && liveness.run.running) {
      keep(`${groupLabel(group)} is running`);
      continue;
    }
    if (policy.run !== undefined) {
      if (liveness.state === 'alive' && !policy.force)
        throw new RunStillAliveError(
          `${groupLabel(group)} still exists: gc --run removes a live run's content only with --force`,
          liveness.why,
        );
      go(liveness.state === 'gone' ? liveness.why : `--run ${policy.run} --force`);
      continue;
    }
    const reasons: string[] = [];
    if (liveness.state === 'gone') reasons.push(liveness.why);
    const retention: string[] = [];
    const at = ageOf(group, liveness);
    const old =
      policy.olderThanMs !== undefined && at !== undefined && now - at > policy.olderThanMs
        ? `older than ${policy.olderThan ?? `${policy.olderThanMs} ms`}`
        : undefined;
    const beyond = beyondLast.get(group);
    // tkn habit: with both --keep and --keep-since a run stays when either keeps it.
    if (policy.olderThanMs !== undefined && policy.keepLast !== undefined) {
      if (old && beyond) retention.push(old, beyond);
    } else if (old) retention.push(old);
    else if (beyond) retention.push(beyond);
    reasons.push(...retention);
    if (reasons.length > 0) go(...reasons);
    else keep(liveness.why);
  }
  protectNamed(out, live);
  return out;
}

/**
 * The first live run naming a digest that is not the group's own run. A run naming its own outputs
 * does not keep them from a policy that removes that run's content; it is itself only when the
 * UIDs say so (content that records no UID is kept by any namer).
 */
export function namedByOther(
  namers: Namer[] | undefined,
  group: { kind: RunGroup['kind']; namespace?: string; name?: string; uid?: string },
): string | undefined {
  const own =
    group.namespace !== undefined && group.name !== undefined && group.uid !== undefined
      ? { key: runKey(group.kind, group.namespace, group.name), uid: group.uid }
      : undefined;
  return namers?.find((n) => !own || !n.runs.some((r) => r.key === own.key && r.uid === own.uid))?.label;
}

/**
 * Inside groups that go: members a live run names stay, with everything above them (their subject
 * chain), so no kept manifest is left with a dangling subject.
 */
function protectNamed(decisions: Decision[], live: LiveView): void {
  for (const d of decisions) {
    if (d.action !== 'delete') continue;
    const byDigest = new Map(d.group.members.map((m) => [m.digest, m]));
    const other = (namers: Namer[] | undefined): string | undefined => namedByOther(namers, d.group);
    for (const m of d.group.members) {
      const who =
        other(live.referenced.get(m.digest)) ??
        m.blobs.map((b) => other(live.referenced.get(b.digest))).find((w) => w !== undefined);
      if (who === undefined) continue;
      d.keptMembers.set(m.digest, `${who} names it`);
      let up = m.subject !== undefined ? byDigest.get(m.subject) : undefined;
      while (up && !d.keptMembers.has(up.digest)) {
        d.keptMembers.set(up.digest, `above ${m.digest.slice(0, 19)}, which ${who} names`);
        up = up.subject !== undefined ? byDigest.get(up.subject) : undefined;
      }
    }
  }
}
