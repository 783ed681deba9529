/**
 * gc's vocabulary: what the inventory found in a repository (run groups of stored manifests), what
 * is known of live runs, and the plan and report the command prints. Pure types and small helpers;
 * docs/gc.md documents the JSON shapes.
 */

/** Versioned like every other document we print (docs/gc.md: "JSON schema"). */
export const GC_API_VERSION = 'tkn-artifacts.tekton.dev/v1alpha1';

export type RunKind = 'PipelineRun' | 'TaskRun';

/** What a stored manifest is, for gc. */
export type StoredRole =
  /** Our PipelineRun root index (artifactType …pipelinerun.v1). */
  | 'root'
  /** Our per-TaskRun reference (artifactType …taskrun.v1). */
  | 'taskrun-reference'
  /** A Tekton artifact manifest (TEP-0164/0193, tekton-experiments, prototype referrers). */
  | 'artifact'
  /** Anything below a run's manifests that is not Tekton's (signatures, SBOMs attached to artifacts). */
  | 'referrer'
  /** An image or any manifest naming no run: never deleted. */
  | 'other';

export interface BlobRef {
  digest: string;
  size: number;
}

/** The run a stored manifest says it belongs to (annotations, or the Tekton config blob). */
export interface RunMark {
  namespace?: string;
  pipelineRun?: string;
  pipelineRunUid?: string;
  taskRun?: string;
  taskRunUid?: string;
  pipeline?: string;
  /** RFC 3339, `dev.tekton.artifact/created` (or the config blob's `created`). */
  created?: string;
  /** Artifact name, for messages. */
  name?: string;
}

export interface StoredManifest {
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  /** The subject's digest, when the manifest has one. */
  subject?: string;
  role: StoredRole;
  mark: RunMark;
  /** Tags that pointed at it when the repository was listed. */
  tags: string[];
  /** Config and layers (not index children): what its deletion may leave unreferenced. */
  blobs: BlobRef[];
  /** Distance from the group's top (0 for a root or a rootless artifact). */
  depth: number;
}

/** How a group was found. */
export type GroupOrigin =
  /** A root index, found by its tag. */
  | 'root'
  /** A root found only through its `sha256-<hex>` fallback tag (its own tag moved to a newer run). */
  | 'untagged-root'
  /** Tagged Tekton manifests with no root above them (per-artifact tags of runs stored without grouping). */
  | 'rootless'
  /** Tekton referrers attached to a build output (an image) that stays. */
  | 'attached';

/** The stored content of one run. */
export interface RunGroup {
  /** Stable within one inventory: `<kind>/<namespace>/<name>` plus the top digest. */
  id: string;
  kind: RunKind;
  namespace?: string;
  name?: string;
  /** The run's UID as the stored content records it (root or TaskRun reference annotation). */
  uid?: string;
  pipeline?: string;
  created?: string;
  origin: GroupOrigin;
  /** Parents before children (walk order). */
  members: StoredManifest[];
  /** For `attached`: the build output the referrers hang on (kept). */
  attachedTo?: string;
  /** Fallback-index entries naming manifests that no longer exist (a gc stopped between two requests). */
  stale: StaleEntry[];
}

export interface StaleEntry {
  /** The subject whose `sha256-<hex>` index lists it. */
  subject: string;
  /** The missing manifest. */
  digest: string;
}

/** A tagged manifest gc will not touch, with why. */
export interface Untouchable {
  digest: string;
  tags: string[];
  reason: string;
}

export interface Inventory {
  /** registry/repository */
  repository: string;
  /** How referrers were listed: `api`, `tag-schema` (sha256-<hex> tags), or unknown (no subject seen). */
  referrers: 'api' | 'tag-schema' | 'layout' | 'unknown';
  groups: RunGroup[];
  /** Tagged manifests that name no run (images, plain oras pushes, …). */
  untouchable: Untouchable[];
  /** Blob references of every manifest read that is not in a group (so their blobs stay referenced). */
  otherBlobs: Set<string>;
  /** Digest → tags, for every tag listed (fallback tags excluded). */
  tagCount: number;
  /** Images whose Tekton referrers were not looked at (no --include-attached). */
  imagesNotScanned: number;
  /** Fallback-index entries naming missing manifests under subjects that are missing too. */
  orphanStale: StaleEntry[];
  warnings: string[];
}

// ---- live runs --------------------------------------------------------------------------------

export interface LiveRun {
  kind: RunKind;
  namespace: string;
  name: string;
  uid?: string;
  pipeline?: string;
  /** Not finished yet (no completionTime, or Succeeded is Unknown). */
  running: boolean;
  /** RFC 3339 */
  completed?: string;
  created?: string;
}

/** What gc knows about the cluster (or an export of it). */
export interface LiveView {
  source: { kind: 'cluster' | 'file'; describe: string; exportedAt?: string };
  /** Namespaces whose runs were listed: only groups in these can be proven gone. */
  namespaces: Set<string>;
  runs: Map<string, LiveRun>;
  /** Digests (manifest or blob) a live run names in its status, params or results → who names them. */
  referenced: Map<string, Namer[]>;
}

/** A live run naming a digest: for messages, and the runs it is (itself, its PipelineRun) with UIDs. */
export interface Namer {
  label: string;
  runs: Array<{ key: string; uid?: string }>;
}

export function runKey(kind: RunKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function groupLabel(g: Pick<RunGroup, 'kind' | 'namespace' | 'name'>): string {
  const where = g.namespace ? `${g.namespace}/` : '';
  return `${g.kind} ${where}${g.name ?? '(unnamed)'}`;
}
