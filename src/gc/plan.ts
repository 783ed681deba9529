/**
 * The plan (pure): from decisions to an ordered list of deletions per run group, leaves before
 * parents, with sizes; what stays and why; fallback-index repairs. Also the plan file: written as
 * the JSON `-o json` prints, read back strictly (a plan edited into something else is refused).
 */
import { GC_API_VERSION, type Inventory, type LiveView, type StaleEntry, type StoredRole } from './model.js';
import type { Decision, Policy } from './policy.js';

export interface PlanItem {
  digest: string;
  mediaType: string;
  /** Manifest size in bytes. */
  size: number;
  role: StoredRole;
  artifactType?: string;
  /** Tags that pointed at it; deleting the manifest removes them. */
  tags: string[];
  /** Subject digest: the fallback index of this subject loses the entry. */
  subject?: string;
  /** Artifact name, for people. */
  name?: string;
  /** Config and layer digests: a live run naming one of them (a Konflux blob URI) keeps the item. */
  blobs: string[];
}

export interface PlanGroup {
  id: string;
  kind: 'PipelineRun' | 'TaskRun';
  namespace?: string;
  name?: string;
  uid?: string;
  origin: string;
  /** Why it goes: "PipelineRun ci/build-1 is gone", "older than 30d", … */
  reasons: string[];
  /** Whether liveness said gone (true) or a retention policy reached a live run (false). */
  gone: boolean;
  /** Deletion order: leaves first. */
  delete: PlanItem[];
  /** Members that stay although the group goes. */
  keep: Array<{ digest: string; reason: string }>;
  /** Fallback-index entries naming missing manifests, removed with the group. */
  repair: StaleEntry[];
  /** Manifest bytes plus blob bytes nothing else gc read refers to. */
  bytes: number;
}

export interface KeptGroup {
  id: string;
  kind: 'PipelineRun' | 'TaskRun';
  namespace?: string;
  name?: string;
  origin: string;
  reasons: string[];
  manifests: number;
}

export interface GcPlan {
  apiVersion: typeof GC_API_VERSION;
  kind: 'GcPlan';
  /** RFC 3339, when the plan was made. */
  created: string;
  repository: string;
  referrers: Inventory['referrers'];
  live: { kind: 'cluster' | 'file'; source: string; exportedAt?: string; namespaces: string[] };
  policy: {
    namespaces: string[] | 'all';
    olderThan?: string;
    keepLast?: number;
    run?: string;
    force: boolean;
    includeAttached: boolean;
  };
  groups: PlanGroup[];
  kept: KeptGroup[];
  untouchable: Array<{ digest: string; tags: string[]; reason: string }>;
  /** Stale entries under subjects that are gone too: removed whatever the groups. */
  repair: StaleEntry[];
  totals: { runs: number; manifests: number; tags: number; bytes: number; kept: number };
  warnings: string[];
}

export function buildPlan(
  inventory: Inventory,
  decisions: Decision[],
  live: LiveView,
  policy: Policy,
  now: Date,
): GcPlan {
  // Blobs something that stays refers to: never counted as freed.
  const keptBlobs = new Set(inventory.otherBlobs);
  const decided = new Set(decisions.map((d) => d.group));
  for (const g of inventory.groups) {
    if (decided.has(g)) continue;
    for (const m of g.members) for (const b of m.blobs) keptBlobs.add(b.digest);
  }
  for (const d of decisions) {
    for (const m of d.group.members) {
      if (d.action === 'keep' || d.keptMembers.has(m.digest))
        for (const b of m.blobs) keptBlobs.add(b.digest);
    }
  }
  const counted = new Set<string>();
  const groups: PlanGroup[] = [];
  const kept: KeptGroup[] = [];
  for (const d of decisions) {
    const g = d.group;
    const base = {
      id: g.id,
      kind: g.kind,
      ...(g.namespace !== undefined ? { namespace: g.namespace } : {}),
      ...(g.name !== undefined ? { name: g.name } : {}),
      origin: g.origin,
    };
    if (d.action === 'keep') {
      kept.push({ ...base, reasons: d.reasons, manifests: g.members.length });
      continue;
    }
    const items = g.members
      .filter((m) => !d.keptMembers.has(m.digest))
      // Leaves first: deepest members, then their parents; the top (root) last.
      .sort((a, b) => b.depth - a.depth);
    if (items.length === 0 && g.stale.length === 0) {
      // Everything left of it is named by live runs: nothing to do, so it is a kept group.
      kept.push({ ...base, reasons: [...new Set(d.keptMembers.values())], manifests: g.members.length });
      continue;
    }
    let bytes = 0;
    for (const m of items) {
      bytes += m.size;
      for (const b of m.blobs) {
        if (keptBlobs.has(b.digest) || counted.has(b.digest)) continue;
        counted.add(b.digest);
        bytes += b.size;
      }
    }
    groups.push({
      ...base,
      ...(g.uid !== undefined ? { uid: g.uid } : {}),
      reasons: d.reasons,
      gone: d.liveness.state === 'gone',
      delete: items.map((m) => ({
        digest: m.digest,
        mediaType: m.mediaType,
        size: m.size,
        role: m.role,
        ...(m.artifactType !== undefined ? { artifactType: m.artifactType } : {}),
        // One tag (the usual case) is already sorted: its array is shared, not copied.
        tags: m.tags.length < 2 ? m.tags : [...m.tags].sort(),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        ...(m.mark.name !== undefined ? { name: m.mark.name } : {}),
        blobs: m.blobs.map((b) => b.digest),
      })),
      keep: [...d.keptMembers].map(([digest, reason]) => ({ digest, reason })),
      repair: g.stale,
      bytes,
    });
  }
  const warnings = [...inventory.warnings];
  if (inventory.imagesNotScanned > 0)
    warnings.push(
      `${inventory.imagesNotScanned} image${inventory.imagesNotScanned === 1 ? '' : 's'} in ${inventory.repository}: Tekton referrers attached to them are considered only with --include-attached`,
    );
  if (live.source.kind === 'file')
    warnings.push(
      `live runs come from ${live.source.describe}${live.source.exportedAt ? ` (exported ${live.source.exportedAt})` : ''}, not from the cluster: runs created since are unknown to gc`,
    );
  return {
    apiVersion: GC_API_VERSION,
    kind: 'GcPlan',
    created: now.toISOString(),
    repository: inventory.repository,
    referrers: inventory.referrers,
    live: {
      kind: live.source.kind,
      source: live.source.describe,
      ...(live.source.exportedAt !== undefined ? { exportedAt: live.source.exportedAt } : {}),
      namespaces: [...live.namespaces].sort(),
    },
    policy: {
      namespaces: policy.namespaces,
      ...(policy.olderThan !== undefined ? { olderThan: policy.olderThan } : {}),
      ...(policy.keepLast !== undefined ? { keepLast: policy.keepLast } : {}),
      ...(policy.run !== undefined ? { run: policy.run } : {}),
      force: policy.force,
      includeAttached: policy.includeAttached,
    },
    groups,
    kept,
    untouchable: inventory.untouchable,
    repair: inventory.orphanStale,
    totals: {
      runs: groups.length,
      manifests: groups.reduce((n, g) => n + g.delete.length, 0),
      tags: groups.reduce((n, g) => n + g.delete.reduce((t, i) => t + i.tags.length, 0), 0),
      bytes: groups.reduce((n, g) => n + g.bytes, 0),
      kept: kept.length,
    },
    warnings,
  };
}

/**
 * The plan as JSON, in pieces: one per group (a plan over 10,000 runs is tens of MiB as one
 * string). Joined, the pieces are the document JSON.stringify(plan, null, 2) would give.
 */
export function* planJsonChunks(plan: GcPlan): Generator<string> {
  const indent = (value: unknown): string => JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
  const entries = Object.entries(plan);
  yield '{\n';
  for (const [i, [key, value]] of entries.entries()) {
    const last = i === entries.length - 1;
    if (Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      for (const [j, item] of value.entries())
        yield `    ${indent(item).replace(/\n/g, '\n  ')}${j === value.length - 1 ? '' : ','}\n`;
      yield `  ]${last ? '' : ','}\n`;
    } else yield `  ${JSON.stringify(key)}: ${indent(value)}${last ? '' : ','}\n`;
  }
  yield '}\n';
}

// ---- the plan file ------------------------------------------------------------------------------

/** A plan file that is not what gc wrote; run.ts reports it as a usage error (exit 2). */
export class PlanFileError extends Error {
  override name = 'PlanFileError';
  constructor(
    message: string,
    readonly hint = 'write a plan with: tkn artifacts gc --plan-file plan.json (without --apply), review it, then apply it',
  ) {
    super(message);
  }
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function expect(cond: boolean, where: string, what: string): asserts cond {
  if (!cond) throw new PlanFileError(`plan file: ${where} ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a plan file strictly: every digest and tag well-formed, every group ordered leaves first. */
export function parsePlan(text: string): GcPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PlanFileError(`plan file is not JSON: ${(err as Error).message}`);
  }
  expect(isObject(value), 'the document', 'is not an object');
  expect(value['apiVersion'] === GC_API_VERSION, 'apiVersion', `is not ${GC_API_VERSION}`);
  expect(value['kind'] === 'GcPlan', 'kind', 'is not GcPlan');
  expect(typeof value['repository'] === 'string', 'repository', 'is missing');
  expect(Array.isArray(value['groups']), 'groups', 'is not a list');
  const groups = value['groups'] as unknown[];
  groups.forEach((g, gi) => {
    const where = `groups[${gi}]`;
    expect(isObject(g), where, 'is not an object');
    expect(
      g['kind'] === 'PipelineRun' || g['kind'] === 'TaskRun',
      `${where}.kind`,
      'is not PipelineRun or TaskRun',
    );
    expect(typeof g['id'] === 'string', `${where}.id`, 'is missing');
    expect(Array.isArray(g['delete']), `${where}.delete`, 'is not a list');
    const items = g['delete'] as unknown[];
    const digests = new Set<string>();
    items.forEach((it, ii) => {
      const w = `${where}.delete[${ii}]`;
      expect(isObject(it), w, 'is not an object');
      expect(
        typeof it['digest'] === 'string' && DIGEST.test(it['digest']),
        `${w}.digest`,
        'is not a sha256 digest',
      );
      expect(
        typeof it['size'] === 'number' && Number.isSafeInteger(it['size']),
        `${w}.size`,
        'is not a size',
      );
      expect(typeof it['mediaType'] === 'string', `${w}.mediaType`, 'is missing');
      expect(
        Array.isArray(it['tags']) && it['tags'].every((t) => typeof t === 'string' && TAG.test(t)),
        `${w}.tags`,
        'is not a list of tags',
      );
      expect(
        it['subject'] === undefined || (typeof it['subject'] === 'string' && DIGEST.test(it['subject'])),
        `${w}.subject`,
        'is not a digest',
      );
      // A parent listed before one of its children would be deleted first: refuse such an order.
      expect(
        !digests.has(String(it['subject'])) || it['subject'] === undefined,
        w,
        'comes after its subject',
      );
      digests.add(it['digest']);
    });
    expect(Array.isArray(g['repair'] ?? []), `${where}.repair`, 'is not a list');
  });
  return value as unknown as GcPlan;
}
