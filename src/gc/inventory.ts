/**
 * The inventory: every run group stored in one repository. I/O at this edge only; grouping is pure
 * (groupStored). Tags are listed page by page and resolved as they come; manifests are read once
 * and kept as small records (digest, size, role, run mark, blob refs), never whole.
 *
 *  1. every tag (fallback `sha256-<hex>` tags aside) is fetched and classified;
 *  2. below every Tekton manifest (and, with --include-attached, every image) the referrers are
 *     listed (API or fallback tag), level by level, until nothing new turns up;
 *  3. on registries without the referrers API, fallback tags whose subject nothing reached yet
 *     lead to roots whose own tag moved to a newer run of the same name;
 *  4. groupStored assembles groups: roots with everything below them, Tekton manifests without a
 *     root (per-artifact tags), and Tekton referrers attached to images.
 */
import { mapConcurrent } from '../oci/concurrency.js';
import { hasCode } from '../oci/errors.js';
import { isReferrersTag } from '../oci/remote/referrers-index.js';
import { blobsOf, namesRun, roleOf, runMarkFromConfig, runMarkOf } from './classify.js';
import {
  groupLabel,
  type BlobRef,
  type Inventory,
  type RunGroup,
  type RunKind,
  type RunMark,
  type StaleEntry,
  type StoredManifest,
  type Untouchable,
} from './model.js';
import type { Descriptor, GcReader } from './ports.js';

export interface InventoryOptions {
  /** registry/repository, for messages and the plan. */
  repository: string;
  concurrency: number;
  includeAttached: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { phase: 'tags' | 'referrers'; done: number }) => void;
  /** Tags read per page. */
  pageSize?: number;
  /**
   * Called once the walk is over, before the (synchronous) grouping: the moment to collect the
   * walk's garbage, since no timer runs until grouping is done.
   */
  onWalked?: () => void;
}

/** What the walk found, before grouping (exported for unit tests of groupStored). */
export interface Stored {
  manifests: Map<string, StoredManifest>;
  /** parent digest → referrer digests */
  children: Map<string, string[]>;
  /** Roots reached only through their fallback tag. */
  untaggedRoots: Set<string>;
  stale: StaleEntry[];
  /** Tagged manifests too large or unreadable as manifests. */
  unreadable: Untouchable[];
}

/**
 * One copy of each repeated string: JSON.parse gives every manifest its own copy of the same media
 * types, blob digests, run names and dates, which at 70,000 records was about a fifth of the heap.
 */
type Intern = (value: string) => string;

function interner(): Intern {
  const pool = new Map<string, string>();
  return (value) => {
    const known = pool.get(value);
    if (known !== undefined) return known;
    pool.set(value, value);
    return value;
  };
}

/** Blob references, one object per digest and size: most artifacts share their layers. */
type InternBlob = (blob: BlobRef) => BlobRef;

function blobInterner(): InternBlob {
  // Keyed by the digest the first reference brought (kept as the reference's own), not through
  // the string interner: config digests are mostly one per artifact, and 50,000 more entries
  // there doubled its table. A size that disagrees is not pooled.
  const pool = new Map<string, BlobRef>();
  return (blob) => {
    const known = pool.get(blob.digest);
    if (known !== undefined && known.size === blob.size) return known;
    const ref = { digest: blob.digest, size: blob.size };
    if (known === undefined) pool.set(blob.digest, ref);
    return ref;
  };
}

/**
 * A RunMark holding its fields in the object itself: a plain object built key by key keeps its
 * fifth field in a separate property array (an artifact's mark has five), one more allocation for
 * each of 70,000 records. `declare` keeps absent fields absent.
 */
class CompactMark implements RunMark {
  declare namespace?: string;
  declare pipelineRun?: string;
  declare pipelineRunUid?: string;
  declare taskRun?: string;
  declare taskRunUid?: string;
  declare pipeline?: string;
  declare created?: string;
  declare name?: string;

  constructor(mark: RunMark, intern: Intern) {
    if (mark.namespace !== undefined) this.namespace = intern(mark.namespace);
    if (mark.pipelineRun !== undefined) this.pipelineRun = intern(mark.pipelineRun);
    if (mark.pipelineRunUid !== undefined) this.pipelineRunUid = intern(mark.pipelineRunUid);
    if (mark.taskRun !== undefined) this.taskRun = intern(mark.taskRun);
    if (mark.taskRunUid !== undefined) this.taskRunUid = intern(mark.taskRunUid);
    if (mark.pipeline !== undefined) this.pipeline = intern(mark.pipeline);
    if (mark.created !== undefined) this.created = intern(mark.created);
    if (mark.name !== undefined) this.name = intern(mark.name);
  }
}

/**
 * The small record gc keeps of a manifest; the parsed manifest itself is dropped once read. Fields
 * a manifest lacks stay absent, as in the object literal it replaces.
 */
class Record implements StoredManifest {
  declare artifactType?: string;
  declare subject?: string;
  tags: string[] = [];
  depth = 0;

  constructor(
    public digest: string,
    public mediaType: string,
    public size: number,
    artifactType: string | undefined,
    subject: string | undefined,
    public role: StoredManifest['role'],
    public mark: RunMark,
    public blobs: BlobRef[],
  ) {
    if (artifactType !== undefined) this.artifactType = artifactType;
    if (subject !== undefined) this.subject = subject;
  }
}

function record(
  descriptor: Descriptor,
  fetched: Awaited<ReturnType<GcReader['fetchManifest']>>,
  mark: RunMark,
  intern: Intern,
  internBlob: InternBlob,
): StoredManifest {
  const m = fetched.manifest;
  const artifactType = m.artifactType ?? ('config' in m ? m.config.mediaType : undefined);
  return new Record(
    intern(fetched.descriptor.digest),
    intern(fetched.descriptor.mediaType ?? descriptor.mediaType),
    fetched.descriptor.size,
    artifactType !== undefined ? intern(artifactType) : undefined,
    m.subject ? intern(m.subject.digest) : undefined,
    roleOf(m),
    new CompactMark(mark, intern),
    blobsOf(m).map(internBlob),
  );
}

export async function takeInventory(target: GcReader, options: InventoryOptions): Promise<Inventory> {
  const { signal } = options;
  const stored: Stored = {
    manifests: new Map(),
    children: new Map(),
    untaggedRoots: new Set(),
    stale: [],
    unreadable: [],
  };
  const fallbackSubjects: string[] = [];
  let tagCount = 0;
  const danglingTags: string[] = [];
  let done = 0;
  const intern = interner();
  const internBlob = blobInterner();

  /** Reads a manifest once; undefined when it does not exist (404). */
  const read = async (reference: string | Descriptor): Promise<StoredManifest | undefined> => {
    const isDigest = typeof reference === 'string' && /^sha(256|512):/.test(reference);
    const digest = typeof reference === 'string' ? (isDigest ? reference : undefined) : reference.digest;
    const known = digest ? stored.manifests.get(digest) : undefined;
    if (known) return known;
    let fetched;
    try {
      fetched = await target.fetchManifest(reference, { ...(signal ? { signal } : {}) });
    } catch (err) {
      if (hasCode(err, 'MANIFEST_UNKNOWN', 'NOT_FOUND', 'NAME_UNKNOWN')) return undefined;
      if (hasCode(err, 'TOO_LARGE', 'MANIFEST_INVALID', 'UNSUPPORTED')) {
        stored.unreadable.push({
          digest: digest ?? '',
          tags: typeof reference === 'string' && !isDigest ? [reference] : [],
          reason: `not readable as a manifest: ${(err as Error).message}`,
        });
        return undefined;
      }
      throw err;
    }
    const existing = stored.manifests.get(fetched.descriptor.digest);
    if (existing) return existing;
    const mark = runMarkOf(fetched.manifest.annotations);
    if (roleOf(fetched.manifest) === 'artifact' && !namesRun(mark) && 'config' in fetched.manifest) {
      // TEP-0164 keeps the run in the config blob when annotations do not carry it.
      Object.assign(mark, await configMark(target, fetched.manifest.config, signal));
    }
    // Read while the config blob was fetched: the first record made wins, as before.
    const again = stored.manifests.get(fetched.descriptor.digest);
    if (again) return again;
    const rec = record(
      typeof reference === 'string' ? fetched.descriptor : reference,
      fetched,
      mark,
      intern,
      internBlob,
    );
    stored.manifests.set(rec.digest, rec);
    return rec;
  };

  // 1. tags, page by page.
  const pageSize = options.pageSize ?? 1000;
  let page: string[] = [];
  const flush = async (): Promise<void> => {
    const tags = page;
    page = [];
    await mapConcurrent(tags, options.concurrency, async (tag) => {
      const rec = await read(tag);
      // A new array of the exact length: push() (and spreading) gives each record room for 16 tags.
      if (rec) rec.tags = rec.tags.concat(tag);
      else if (!stored.unreadable.some((u) => u.tags.includes(tag))) danglingTags.push(tag);
      options.onProgress?.({ phase: 'tags', done: ++done });
    });
  };
  for await (const tag of target.tags({ pageSize, ...(signal ? { signal } : {}) })) {
    if (isReferrersTag(tag)) {
      fallbackSubjects.push(`${tag.slice(0, tag.indexOf('-'))}:${tag.slice(tag.indexOf('-') + 1)}`);
      continue;
    }
    tagCount++;
    page.push(tag);
    if (page.length >= pageSize) await flush();
  }
  await flush();

  // 2. referrers, level by level.
  const walked = new Set<string>();
  const shouldWalk = (m: StoredManifest): boolean =>
    m.role !== 'other' || options.includeAttached || m.subject !== undefined;
  const walkLevel = async (frontier: StoredManifest[]): Promise<void> => {
    while (frontier.length > 0) {
      const next: StoredManifest[] = [];
      await mapConcurrent(frontier, options.concurrency, async (parent) => {
        if (walked.has(parent.digest)) return;
        walked.add(parent.digest);
        const referrers = await target.referrers(
          { mediaType: parent.mediaType, digest: parent.digest, size: parent.size },
          { ...(signal ? { signal } : {}) },
        );
        const kids: string[] = [];
        for (const d of referrers) {
          const child = await read(d);
          if (!child) {
            stored.stale.push({ subject: parent.digest, digest: d.digest });
            continue;
          }
          // A listing that names a manifest whose subject is another is not this parent's child.
          if (child.subject !== parent.digest) continue;
          kids.push(child.digest);
          next.push(child);
        }
        // slice(): exactly as long as it is, where push() left room for 16.
        if (kids.length > 0) stored.children.set(parent.digest, kids.slice());
        options.onProgress?.({ phase: 'referrers', done: ++done });
      });
      frontier = next.filter((m) => !walked.has(m.digest) && shouldWalk(m));
    }
  };
  await walkLevel([...stored.manifests.values()].filter(shouldWalk));

  // 3. fallback tags whose subject nothing reached: untagged roots (and what hangs below them).
  const unreached = fallbackSubjects.filter((d) => !walked.has(d));
  const found: StoredManifest[] = [];
  await mapConcurrent(unreached, options.concurrency, async (digest) => {
    const rec = await read(digest);
    if (rec) {
      if (rec.role === 'root') stored.untaggedRoots.add(rec.digest);
      found.push(rec);
      return;
    }
    // The subject itself is gone: its index still names referrers; those are looked at as tops.
    const referrers = await target.referrers(
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 0 },
      { ...(signal ? { signal } : {}) },
    );
    for (const d of referrers) {
      const child = await read(d);
      if (child) found.push(child);
      else stored.stale.push({ subject: digest, digest: d.digest });
    }
  });
  await walkLevel(found.filter((m) => m.role !== 'other'));

  const mode = target.referrersMode?.();
  options.onWalked?.();
  const grouped = groupStored(stored, options);
  if (danglingTags.length > 0)
    grouped.warnings.push(
      `${danglingTags.length} tag${danglingTags.length === 1 ? ' points' : 's point'} at nothing (${danglingTags.slice(0, 3).join(', ')}${danglingTags.length > 3 ? ', …' : ''}): the registry listed ${danglingTags.length === 1 ? 'it' : 'them'} but has no manifest behind; gc leaves ${danglingTags.length === 1 ? 'it' : 'them'} alone`,
    );
  return {
    ...grouped,
    repository: options.repository,
    referrers: mode ?? 'unknown',
    tagCount,
  };
}

async function configMark(
  target: GcReader,
  config: Descriptor,
  signal: AbortSignal | undefined,
): Promise<RunMark> {
  const fetchable = target as GcReader & {
    fetch?: (d: Descriptor, o?: { signal?: AbortSignal }) => Promise<NodeJS.ReadableStream>;
  };
  if (!fetchable.fetch || config.size > 64 * 1024 || !config.mediaType.includes('tekton')) return {};
  try {
    const stream = await fetchable.fetch(config, { ...(signal ? { signal } : {}) });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return runMarkFromConfig(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  } catch (err) {
    if (hasCode(err, 'BLOB_UNKNOWN', 'NOT_FOUND') || err instanceof SyntaxError) return {};
    throw err;
  }
}

// ---- grouping (pure) ----------------------------------------------------------------------------

interface Owner {
  kind: RunKind;
  namespace?: string;
  name: string;
  uid?: string;
}

/** The run a top manifest belongs to: a PipelineRun when named, else its TaskRun. */
export function ownerOf(mark: RunMark): Owner | undefined {
  if (mark.pipelineRun !== undefined) {
    return {
      kind: 'PipelineRun',
      name: mark.pipelineRun,
      ...(mark.namespace !== undefined ? { namespace: mark.namespace } : {}),
      ...(mark.pipelineRunUid !== undefined ? { uid: mark.pipelineRunUid } : {}),
    };
  }
  if (mark.taskRun !== undefined) {
    return {
      kind: 'TaskRun',
      name: mark.taskRun,
      ...(mark.namespace !== undefined ? { namespace: mark.namespace } : {}),
      ...(mark.taskRunUid !== undefined ? { uid: mark.taskRunUid } : {}),
    };
  }
  return undefined;
}

/** Builds the groups from what the walk found. Exported for unit tests. */
export function groupStored(
  stored: Stored,
  options: { includeAttached: boolean },
): Omit<Inventory, 'repository' | 'referrers' | 'tagCount'> {
  const { manifests, children } = stored;
  const groups = new Map<string, RunGroup>();
  const inGroup = new Set<string>();
  const untouchable: Untouchable[] = [...stored.unreadable];
  let imagesNotScanned = 0;
  const warnings: string[] = [];

  const collect = (group: RunGroup, top: StoredManifest): void => {
    const queue: Array<[StoredManifest, number]> = [[top, 0]];
    while (queue.length > 0) {
      const [m, depth] = queue.shift()!;
      if (inGroup.has(m.digest)) continue;
      inGroup.add(m.digest);
      // In place: a copy per manifest would double what a large inventory holds.
      m.depth = depth;
      if (m.role === 'other') m.role = 'referrer';
      group.members.push(m);
      for (const kid of children.get(m.digest) ?? []) {
        const k = manifests.get(kid);
        if (k) queue.push([k, depth + 1]);
      }
    }
  };

  const groupFor = (owner: Owner, origin: RunGroup['origin'], top: StoredManifest): RunGroup => {
    // Roots are one group each (a run recreated under a name has another root); tops without a root
    // merge per run.
    const key =
      origin === 'root' || origin === 'untagged-root'
        ? `${owner.kind}/${owner.namespace ?? ''}/${owner.name}@${top.digest}`
        : `${origin}:${owner.kind}/${owner.namespace ?? ''}/${owner.name}/${owner.uid ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        id: key,
        kind: owner.kind,
        name: owner.name,
        ...(owner.namespace !== undefined ? { namespace: owner.namespace } : {}),
        ...(owner.uid !== undefined ? { uid: owner.uid } : {}),
        ...(top.mark.pipeline !== undefined ? { pipeline: top.mark.pipeline } : {}),
        ...(top.mark.created !== undefined ? { created: top.mark.created } : {}),
        origin,
        members: [],
        stale: [],
      };
      groups.set(key, g);
    } else if (top.mark.created !== undefined && (g.created === undefined || top.mark.created > g.created)) {
      g.created = top.mark.created;
    }
    return g;
  };

  // Roots first, so everything below them is theirs.
  const sorted = [...manifests.values()].sort((a, b) => rank(a) - rank(b));
  for (const m of sorted) {
    if (inGroup.has(m.digest)) continue;
    const parent = m.subject !== undefined ? manifests.get(m.subject) : undefined;
    if (m.role === 'root') {
      const owner = ownerOf(m.mark);
      if (!owner) {
        untouchable.push({ digest: m.digest, tags: m.tags, reason: 'a root that names no PipelineRun' });
        continue;
      }
      collect(groupFor(owner, stored.untaggedRoots.has(m.digest) ? 'untagged-root' : 'root', m), m);
      continue;
    }
    if (m.role === 'other') continue;
    // A Tekton manifest not below any root: hanging on an image (attached), or on nothing we have.
    if (parent && parent.role !== 'other') continue; // below another Tekton manifest: reached from its top
    const owner = ownerOf(m.mark);
    if (!owner) {
      untouchable.push({ digest: m.digest, tags: m.tags, reason: 'Tekton content that names no run' });
      continue;
    }
    if (parent) {
      const g = groupFor(owner, 'attached', m);
      g.attachedTo ??= parent.digest;
      collect(g, m);
    } else {
      collect(groupFor(owner, 'rootless', m), m);
    }
  }

  const otherBlobs = new Set<string>();
  for (const m of manifests.values()) {
    if (inGroup.has(m.digest)) continue;
    for (const b of m.blobs) otherBlobs.add(b.digest);
    if (m.tags.length === 0) continue;
    if (m.role === 'other' && m.subject === undefined) {
      if (!options.includeAttached) imagesNotScanned++;
      untouchable.push({ digest: m.digest, tags: m.tags, reason: 'names no run (an image or a plain push)' });
    } else if (m.role === 'other') {
      untouchable.push({ digest: m.digest, tags: m.tags, reason: 'a referrer of content gc keeps' });
    }
  }

  // Stale fallback entries: on the group whose member is the subject, else kept for the plan.
  // (A map of every member, so only built when there are stale entries to place.)
  const bySubject = new Map<string, RunGroup>();
  if (stored.stale.length > 0)
    for (const g of groups.values()) for (const m of g.members) bySubject.set(m.digest, g);
  const orphanStale: StaleEntry[] = [];
  for (const s of stored.stale) {
    const g = bySubject.get(s.subject);
    if (g) g.stale.push(s);
    else if (!manifests.has(s.subject)) orphanStale.push(s);
  }
  if (orphanStale.length > 0) {
    warnings.push(
      `${orphanStale.length} fallback index entr${orphanStale.length === 1 ? 'y names' : 'ies name'} manifests that no longer exist, under subjects that are gone too`,
    );
  }
  const list = [...groups.values()];
  for (const g of list) {
    if (g.namespace === undefined)
      warnings.push(`${groupLabel(g)}: the stored content names no namespace, so gc cannot look the run up`);
  }
  return { groups: list, untouchable, otherBlobs, imagesNotScanned, warnings, orphanStale };
}

function rank(m: StoredManifest): number {
  if (m.role === 'root') return 0;
  if (m.role === 'taskrun-reference') return 1;
  if (m.role === 'artifact') return 2;
  return 3;
}
