// A graph walk from one manifest: its children (an index's manifests; optionally a manifest's
// config and layers) and, recursively, its referrers. Level by level, each level fetched
// concurrently, so the result is deterministic; a visited set by digest makes it safe against
// graphs a malicious registry crafts (A → B → A), and failures stay on the node they belong to.
import { OciError } from './errors.js';
import { isImageManifest, isIndex, isManifestMediaType, type Descriptor, type Manifest } from './manifest.js';
import type { ManifestFetcher, ReferrerLister, Resolver } from './target.js';
import { mapConcurrent } from './concurrency.js';

export type WalkRelation = 'root' | 'child' | 'referrer' | 'blob';

export interface WalkNode {
  descriptor: Descriptor;
  relation: WalkRelation;
  /** Referrer hops from the root (children share their parent's count). */
  depth: number;
  manifest?: Manifest;
  referrers: WalkNode[];
  children: WalkNode[];
  /** Fetching or checking this node failed; the walk went on elsewhere. */
  error?: OciError;
  /** Listing this node's referrers failed. */
  referrersError?: OciError;
  /** The digest was already expanded elsewhere in this walk (shared node, or a cycle); not expanded again. */
  repeated?: boolean;
  /** Some children or referrers were left out because the walk hit `maxNodes`. */
  truncated?: boolean;
}

export interface WalkOptions {
  /** Referrer levels to follow: 1 = direct referrers only. Default: all (like `oras discover`). */
  depth?: number;
  /** Only referrers of this artifactType, at every level (their own referrers are not visited otherwise). */
  artifactType?: string;
  /** Follow an index's manifests. Default true. */
  children?: boolean;
  /** Add a manifest's config and layers as leaf `blob` nodes. Default false. */
  blobs?: boolean;
  /** Follow referrers. Default true. */
  referrers?: boolean;
  /** Nodes fetched at once. Default 8 (the registry client bounds requests on its own too). */
  concurrency?: number;
  /** Stop adding nodes after this many (protection against huge or hostile graphs). Default 10 000. */
  maxNodes?: number;
  /** Check that each referrer's `subject` is the node that listed it. Default true. */
  verifySubject?: boolean;
  signal?: AbortSignal;
}

function asOciError(err: unknown): OciError {
  if (err instanceof OciError) return err;
  return new OciError('UNKNOWN', err instanceof Error ? err.message : String(err), { cause: err });
}

function node(descriptor: Descriptor, relation: WalkRelation, depth: number): WalkNode {
  return { descriptor, relation, depth, referrers: [], children: [] };
}

interface Pending {
  children: Descriptor[];
  blobs: Descriptor[];
  referrers: Descriptor[];
  /** Referrers listed over the listing's byte cap: kept as nodes carrying the error, not expanded. */
  oversized: Map<string, OciError>;
}

/** Walks from `root` (a descriptor, or a tag/digest the target resolves). */
export async function walk(
  target: Resolver & ManifestFetcher & Pick<ReferrerLister, 'referrers'>,
  root: Descriptor | string,
  options: WalkOptions = {},
): Promise<WalkNode> {
  const rootDesc = typeof root === 'string' ? await target.resolve(root, { signal: options.signal }) : root;
  const maxDepth = options.depth ?? Number.POSITIVE_INFINITY;
  const maxNodes = options.maxNodes ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const verifySubject = options.verifySubject ?? true;
  const rootNode = node(rootDesc, 'root', 0);
  const visited = new Set<string>([rootDesc.digest]);
  const parents = new Map<WalkNode, WalkNode>();
  let count = 1;
  let level: WalkNode[] = [rootNode];

  while (level.length > 0) {
    options.signal?.throwIfAborted();
    const pending = await mapConcurrent(level, concurrency, (n) => expand(n));
    const next: WalkNode[] = [];
    level.forEach((n, i) => {
      const p = pending[i]!;
      const add = (d: Descriptor, relation: WalkRelation, into: WalkNode[]): void => {
        if (count >= maxNodes) {
          n.truncated = true;
          return;
        }
        const depth = relation === 'referrer' ? n.depth + 1 : n.depth;
        const child = node(d, relation, depth);
        count++;
        into.push(child);
        parents.set(child, n);
        if (relation === 'blob') return;
        if (visited.has(d.digest)) {
          child.repeated = true;
          return;
        }
        visited.add(d.digest);
        const tooLarge = relation === 'referrer' ? p.oversized.get(d.digest) : undefined;
        if (tooLarge) child.error = tooLarge;
        else next.push(child);
      };
      for (const d of p.children) add(d, 'child', n.children);
      for (const d of p.blobs) add(d, 'blob', n.children);
      for (const d of p.referrers) add(d, 'referrer', n.referrers);
    });
    level = next;
  }
  return rootNode;

  async function expand(n: WalkNode): Promise<Pending> {
    const out: Pending = { children: [], blobs: [], referrers: [], oversized: new Map() };
    if (!isManifestMediaType(n.descriptor.mediaType)) return out;
    try {
      const fetched = await target.fetchManifest(n.descriptor, { signal: options.signal });
      n.manifest = fetched.manifest;
    } catch (err) {
      n.error = asOciError(err);
      return out;
    }
    const m = n.manifest;
    if (n.relation === 'referrer' && verifySubject) {
      const parent = parents.get(n);
      if (parent && m.subject?.digest !== parent.descriptor.digest) {
        n.error = new OciError(
          'REFERRER_MISMATCH',
          `${n.descriptor.digest} is listed as a referrer of ${parent.descriptor.digest} but its subject is ${m.subject?.digest ?? 'missing'}`,
          {
            hint: 'The referrers listing (API or sha256-<hex> index) is stale or wrong; it was not followed further.',
          },
        );
        return out;
      }
    }
    if (isIndex(m) && (options.children ?? true)) out.children = m.manifests;
    if (isImageManifest(m) && options.blobs) out.blobs = [m.config, ...m.layers];
    if ((options.referrers ?? true) && n.depth < maxDepth) {
      try {
        out.referrers = await target.referrers(n.descriptor, {
          artifactType: options.artifactType,
          signal: options.signal,
          onOversized: (d, error) => out.oversized.set(d.digest, error),
        });
      } catch (err) {
        n.referrersError = asOciError(err);
      }
    }
    return out;
  }
}

/** Every node of a walk, depth-first, root first. */
export function* walkNodes(root: WalkNode): Generator<WalkNode> {
  yield root;
  for (const c of root.children) yield* walkNodes(c);
  for (const r of root.referrers) yield* walkNodes(r);
}
