/**
 * Resolution of a run's artifact tree: what each TaskRun reported, checked against what the store
 * holds, and what the store holds for the run that nobody reported. Everything here reaches the
 * outside only through the ports, so it runs the same against a registry, a layout or a fake.
 *
 * Wall time follows the depth of the tree, not its width: every artifact of every TaskRun is
 * resolved at once, and the store bounds the requests in flight per registry.
 */
import {
  NAMED_CONTENT_TASK,
  TREE_API_VERSION,
  type ArtifactNode,
  type ArtifactTree,
  type Failure,
  type FileEntry,
  type Outcome,
  type PlatformNode,
  type Problem,
  type ReferrerNode,
  type RunInfo,
  type StorageInfo,
  type TaskRunNode,
} from './model.js';
import { failNode, typedFailure } from '../cli/errors.js';

/** A thrown value as a problem's typed failure (kind and code, without the message). */
function failureOf(error: unknown): Failure {
  const { kind, code } = typedFailure(error);
  return code ? { kind, code } : { kind };
}
import { drainConcurrent, mapConcurrent } from '../oci/concurrency.js';
import { isNotFound } from '../oci/errors.js';
import {
  EMPTY_JSON,
  MediaType,
  effectiveArtifactType,
  isIndex as isIndexManifest,
  type Descriptor,
  type FetchedManifest,
  type Manifest,
} from '../oci/types.js';
import { errorMessage, type ContentStore } from './ports.js';
import { DEFAULT_MAX_NODES, WalkLimitError } from './limits.js';
import { cosignTagsOf, type CosignTag } from '../formats/cosign.js';
import { filterArtifactByType } from './artifact-type.js';
import { blobMediaType } from './blob.js';

/** Referrers walked at once per subject: enough to keep a registry's 8 requests in flight busy. */
const WALK_CONCURRENCY = 32;

/** One artifact or result as a TaskRun status reported it (src/formats finds these). */
export interface ReportedArtifact {
  name: string;
  producers: string[];
  paths: string[];
  direction: 'output' | 'input';
  location?: string;
  digest?: string;
  digestRefersTo: 'manifest' | 'blob' | 'unknown';
  size?: number;
  inline?: string;
  mediaType?: string;
  buildOutput?: boolean;
}

export interface TaskRunView {
  name: string;
  pipelineTask?: string;
  outcome: Outcome;
  reason?: string;
  reported: ReportedArtifact[];
  /** Values that could not be read, with where they are. */
  warnings: { path: string; message: string }[];
}

/** What a manifest is, in Tekton terms (src/formats classifies). */
export interface ManifestClass {
  role: 'pipelinerun-root' | 'taskrun-reference' | 'artifact' | 'unknown';
  /** For people: signature, attestation, sbom, tekton-artifact, image, … */
  kind: string;
  artifactName?: string;
  taskRun?: string;
  /** The pipeline task (dev.tekton.artifact/task): registry-only views name TaskRuns by it. */
  task?: string;
  pipelineRun?: string;
  buildOutput?: boolean;
  files: FileEntry[];
}

/** Whether `value` (NAME, TASK/NAME or TASKRUN/NAME, as --artifact takes it) names an artifact. */
export function namesArtifact(
  value: string,
  task: string | undefined,
  taskRun: string | undefined,
  name: string,
): boolean {
  return (
    value === name ||
    (task !== undefined && value === `${task}/${name}`) ||
    (taskRun !== undefined && value === `${taskRun}/${name}`)
  );
}

/** How far resolution walks: each level costs registry requests, so the caller decides. */
export interface Reach {
  /** Levels of referrers to follow below each artifact (0: none; cycle-safe regardless). */
  referrers: number;
  /**
   * Walk the run's root for stored content: artifacts no status names (unreported) and, for a
   * root given by reference, the whole run. Off, only what the statuses name is read.
   */
  root: boolean;
}

/** What show prints without --depth. */
export const FULL_REACH: Reach = { referrers: 4, root: true };

/** An OCI location split into where to look and what to look for. */
export interface Location {
  repository: string;
  digest?: string;
  tag?: string;
}

export interface ResolveInput {
  run: RunInfo;
  taskRuns: TaskRunView[];
  /** The repository the storage configuration points at (or --repository). */
  repository?: string;
  /** The tag of the run's root artifact in that repository, e.g. `ci.build-app-x7k2`. */
  rootTag?: string;
  /**
   * Where else to look for `rootTag` when no repository is configured (an export of runs only):
   * the repositories the TaskRuns' statuses name, or the OCI layout.
   */
  rootRepositories?: string[];
  /** The storage configuration groups artifacts under a root (`oci.groupByPipelineRun`): its absence is a problem. */
  expectRoot?: boolean;
  /** A root given directly (show <reference>). */
  root?: Location;
  store: ContentStore;
  classify: (manifest: Manifest, descriptor: Descriptor) => ManifestClass;
  /** Parses an OCI location; undefined when it is not an OCI reference (pkg:, https:, …). Throws on malformed OCI references. */
  parseLocation: (location: string) => Location | undefined;
  /** `artifacts`: only reported artifacts these names (NAME, TASK/NAME, TASKRUN/NAME) select are read. */
  filters?: { tasks?: string[]; artifactTypes?: string[]; artifacts?: string[] };
  /** How far to walk; the caller asks only for what it uses. Default: everything show prints. */
  reach?: Reach;
  /**
   * True for a referrer that another run attached (build-output variant: every run attaches its
   * artifacts to the image it built, and an image can be built by many runs).
   */
  isForeign?: (descriptor: Descriptor) => boolean;
  /** Referrer nodes walked at most (limits.ts); past it resolution fails with WalkLimitError. */
  maxNodes?: number;
  /**
   * Where cosign's `sha256-<hex>.sig|.att|.sbom` tags are, when not beside their subject: the
   * repository `COSIGN_REPOSITORY` names (cosign and Chains write there when it is set).
   */
  cosignRepository?: string;
}

function reachOf(state: Resolution): Reach {
  return state.input.reach ?? FULL_REACH;
}

function isIndex(fetched: FetchedManifest): boolean {
  return isIndexManifest(fetched.manifest);
}

function platformName(descriptor: Descriptor): string {
  const p = descriptor.platform;
  if (!p) return descriptor.annotations?.['vnd.docker.reference.type'] ?? 'unknown';
  return [p.os ?? '?', p.architecture ?? '?', p.variant].filter(Boolean).join('/');
}

/** What the layers of a manifest weigh (an index has none). */
function layersSize(manifest: Manifest): number {
  return isIndexManifest(manifest) ? 0 : manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

/**
 * The manifest a referrers listing entry stands for, as far as the listing tells (artifactType and
 * annotations, which the API copies up): enough to know a TaskRun reference without fetching it.
 */
function listedManifest(descriptor: Descriptor): Manifest {
  return {
    schemaVersion: 2,
    mediaType: descriptor.mediaType,
    ...(descriptor.artifactType ? { artifactType: descriptor.artifactType } : {}),
    config: { mediaType: MediaType.OciEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size },
    layers: [],
    annotations: descriptor.annotations ?? {},
  };
}

function artifactTypeOf(fetched: FetchedManifest): string | undefined {
  return (
    fetched.manifest.artifactType ??
    fetched.descriptor.artifactType ??
    effectiveArtifactType(fetched.manifest)
  );
}

/** Distinct strings kept shared at most: media types and TaskRun names are few, digests are not asked. */
const SHARED_STRINGS = 1_000;

/** Mutable state of one resolution: problems, and every digest the statuses account for. */
class Resolution {
  /**
   * One copy of the strings every node of a flood repeats (media types, artifact types, TaskRun
   * names): each manifest's parse makes its own, and 100,000 nodes kept 100,000 of each.
   */
  private readonly strings = new Map<string, string>();
  readonly problems: Problem[] = [];
  readonly reportedDigests = new Set<string>();
  /** Subjects seen on reported artifacts: the way to a root when its tag is unknown. */
  readonly subjects: { repository: string; subject: Descriptor; from: string }[] = [];
  referrersMode: StorageInfo['referrers'];
  /** Where a TaskRun reference was met: the run's content is grouped under a root in that repository. */
  rootExpectedIn: string | undefined;
  /** Referrer nodes walked so far, against input.maxNodes. */
  private nodes = 0;
  constructor(readonly input: ResolveInput) {}

  shared<T extends string | undefined>(value: T): T {
    if (value === undefined) return value;
    const known = this.strings.get(value);
    if (known !== undefined) return known as T;
    if (this.strings.size < SHARED_STRINGS) this.strings.set(value, value);
    return value;
  }

  /** A manifest's files as a node keeps them: their media types shared. */
  files(files: FileEntry[]): FileEntry[] {
    for (const file of files) file.mediaType = this.shared(file.mediaType);
    return files;
  }

  /** Counts referrers about to be walked; throws WalkLimitError past the cap. */
  walk(count: number, where: string): void {
    this.nodes += count;
    const max = this.input.maxNodes ?? DEFAULT_MAX_NODES;
    if (this.nodes > max) throw new WalkLimitError(max, where);
  }
}

/** A swallowed failure is one node's problem; the walk's cap is the whole resolution's. */
function rethrowCap(error: unknown): void {
  if (error instanceof WalkLimitError) throw error;
}

/** A subject's referrers as the registry lists them; a failed listing is the run's problem, not a throw. */
async function listReferrers(
  state: Resolution,
  repository: string,
  subject: Descriptor,
): Promise<Descriptor[]> {
  const { store } = state.input;
  try {
    const descriptors = await store.referrers(repository, subject);
    state.referrersMode = store.referrersMode(repository) ?? state.referrersMode;
    return descriptors;
  } catch (error) {
    state.problems.push({
      kind: 'fetch-error',
      reference: store.referenceOf(repository, subject.digest),
      message: `listing referrers failed: ${errorMessage(error)}`,
      failure: failureOf(error),
    });
    return [];
  }
}

interface Tagged {
  /** The repository the tag was found in. */
  repository: string;
  tag: CosignTag;
  fetched: FetchedManifest;
}

/**
 * cosign's attachments of a subject, stored under `sha256-<hex>.sig|.att|.sbom` tags of its
 * repository (or of the one COSIGN_REPOSITORY names): looked up in the repository's tag list (one
 * listing per repository), or one by one when the registry does not list tags.
 */
async function cosignTagged(
  state: Resolution,
  subjectRepository: string,
  subject: Descriptor,
): Promise<Tagged[]> {
  const { store } = state.input;
  const repository = state.input.cosignRepository ?? subjectRepository;
  const candidates = cosignTagsOf(subject.digest);
  let listed: ReadonlySet<string> | undefined;
  try {
    listed = await store.tagsOf(repository);
  } catch {
    listed = undefined;
  }
  const wanted = listed ? candidates.filter((candidate) => listed.has(candidate.tag)) : candidates;
  const found = await Promise.all(
    wanted.map(async (tag): Promise<Tagged | undefined> => {
      try {
        return { repository, tag, fetched: await store.fetchManifest(repository, tag.tag) };
      } catch (error) {
        // Asked one by one, an absent tag is the usual answer.
        if (!listed && isNotFound(error)) return undefined;
        state.problems.push({
          kind: 'fetch-error',
          reference: `${repository}:${tag.tag}`,
          message: `reading cosign's ${tag.kind} failed: ${errorMessage(error)}`,
          failure: failureOf(error),
        });
        return undefined;
      }
    }),
  );
  return found.filter((entry): entry is Tagged => entry !== undefined);
}

function withAnnotations(node: ReferrerNode, annotations: Record<string, string> | undefined): void {
  if (annotations && Object.keys(annotations).length > 0) node.annotations = annotations;
}

/**
 * What a walk has already been through: the digests on the path from the walk's start (a
 * registry can craft A → B → A), and a set shared by every branch (the run root's children, so
 * that an artifact is not walked again as another's referrer). A path is a chain of links, not a
 * copied set: with N referrers in flight, copies held N sets of N digests at once (3.6 GiB at
 * 10,000 referrers of one subject).
 */
interface Seen {
  digest: string;
  parent?: Seen;
  shared?: ReadonlySet<string>;
}

function seenFrom(digests: readonly string[], shared?: ReadonlySet<string>): Seen | undefined {
  let seen: Seen | undefined;
  for (const digest of digests)
    seen = { digest, ...(seen ? { parent: seen } : {}), ...(shared ? { shared } : {}) };
  return seen;
}

function hasSeen(seen: Seen | undefined, digest: string): boolean {
  if (seen?.shared?.has(digest)) return true;
  for (let at = seen; at; at = at.parent) if (at.digest === digest) return true;
  return false;
}

function seenWith(seen: Seen | undefined, digest: string): Seen {
  return { digest, ...(seen ? { parent: seen } : {}), ...(seen?.shared ? { shared: seen.shared } : {}) };
}

/**
 * A subject's referrers, and cosign's tag-stored attachments beside them, `depth` levels down.
 * Each level looks up both again: a signature can be signed, an SBOM attested.
 */
async function walkReferrers(
  state: Resolution,
  repository: string,
  subject: Descriptor,
  depth: number,
  seen: Seen | undefined,
): Promise<ReferrerNode[]> {
  if (depth <= 0) return [];
  const { store, classify } = state.input;
  const [descriptors, tagged] = await Promise.all([
    listReferrers(state, repository, subject),
    cosignTagged(state, repository, subject),
  ]);
  const walked = descriptors.filter(
    (descriptor) => !hasSeen(seen, descriptor.digest) && !state.input.isForeign?.(descriptor),
  );
  const listedDigests = new Set(walked.map((descriptor) => descriptor.digest));
  const taggedWalked = tagged.filter(
    ({ fetched }) =>
      !hasSeen(seen, fetched.descriptor.digest) && !listedDigests.has(fetched.descriptor.digest),
  );
  state.walk(walked.length + taggedWalked.length, store.referenceOf(repository, subject.digest));
  // At most WALK_CONCURRENCY referrers in flight: each one waiting holds a node, a request and
  // its deadline, and a subject can have 100,000 of them.
  const referrers = mapConcurrent(walked, WALK_CONCURRENCY, async (descriptor): Promise<ReferrerNode> => {
    // A registry can craft A → B → A; each path remembers where it has been.
    const path = seenWith(seen, descriptor.digest);
    const node: ReferrerNode = {
      digest: descriptor.digest,
      mediaType: state.shared(descriptor.mediaType),
      artifactType: state.shared(descriptor.artifactType ?? ''),
      size: descriptor.size,
      kind: 'artifact',
      files: [],
      referrers: [],
    };
    withAnnotations(node, descriptor.annotations);
    try {
      const fetched = await store.fetchManifest(repository, descriptor.digest);
      const classified = classify(fetched.manifest, fetched.descriptor);
      node.kind = classified.kind;
      node.artifactType = state.shared(artifactTypeOf(fetched)) ?? node.artifactType;
      node.files = state.files(classified.files);
      withAnnotations(node, fetched.manifest.annotations);
      node.referrers = await walkReferrers(state, repository, fetched.descriptor, depth - 1, path);
    } catch (error) {
      rethrowCap(error);
      failNode(node, typedFailure(error));
    }
    return node;
  });
  const attachments = taggedWalked.map(
    async ({ repository: stored, tag, fetched }): Promise<ReferrerNode> => {
      const node: ReferrerNode = {
        digest: fetched.descriptor.digest,
        mediaType: state.shared(fetched.descriptor.mediaType),
        // The tagged manifest has no artifactType: cosign's own name for what the tag holds.
        artifactType: tag.artifactType,
        size: fetched.descriptor.size,
        kind: tag.kind,
        tag: tag.tag,
        ...(stored !== repository ? { repository: stored } : {}),
        files: state.files(classify(fetched.manifest, fetched.descriptor).files),
        referrers: [],
      };
      withAnnotations(node, fetched.manifest.annotations);
      const path = seenWith(seen, fetched.descriptor.digest);
      node.referrers = await walkReferrers(state, stored, fetched.descriptor, depth - 1, path);
      return node;
    },
  );
  const [listed, ...attached] = await Promise.all([referrers, ...attachments]);
  return [...listed, ...attached];
}

function emptyNode(reported: ReportedArtifact): ArtifactNode {
  const node: ArtifactNode = {
    name: reported.name,
    direction: reported.direction,
    producers: reported.producers,
    reportedAt: reported.paths,
    digestRefersTo: reported.digestRefersTo,
    state: 'error',
    usable: false,
    files: [],
    platforms: [],
    referrers: [],
  };
  if (reported.location !== undefined) node.location = reported.location;
  if (reported.digest !== undefined) node.digest = reported.digest;
  if (reported.size !== undefined) node.size = reported.size;
  if (reported.mediaType !== undefined) node.mediaType = reported.mediaType;
  if (reported.buildOutput) node.buildOutput = true;
  if (reported.inline !== undefined) node.inline = reported.inline;
  return node;
}

async function resolveReported(
  state: Resolution,
  taskRun: TaskRunView,
  reported: ReportedArtifact,
): Promise<ArtifactNode> {
  const { store, parseLocation, classify } = state.input;
  const succeeded = taskRun.outcome === 'Succeeded';
  const node = emptyNode(reported);
  const problem = (kind: Problem['kind'], message: string): void => {
    const entry: Problem = {
      kind,
      message,
      taskRun: taskRun.pipelineTask ?? taskRun.name,
      artifact: reported.name,
    };
    if (node.reference ?? node.location) entry.reference = node.reference ?? node.location;
    state.problems.push(entry);
  };

  if (reported.location === undefined) {
    if (reported.inline !== undefined) {
      node.state = 'inline';
      node.usable = succeeded;
    } else {
      node.state = 'error';
      problem(
        'malformed',
        failNode(node, { kind: 'usage', message: 'reported with neither a location nor an inline value' }),
      );
    }
    return node;
  }

  let location: Location | undefined;
  try {
    location = parseLocation(reported.location);
  } catch (error) {
    node.state = 'error';
    problem('malformed', `${reported.location}: ${failNode(node, typedFailure(error))}`);
    return node;
  }
  if (!location) {
    node.state = 'external';
    node.usable = succeeded;
    return node;
  }
  // The reported digest wins over one embedded in the location only when they agree.
  const digest = reported.digest ?? location.digest;
  if (reported.digest && location.digest && reported.digest !== location.digest) {
    problem(
      'digest-conflict',
      `the location names ${location.digest} but the status reports ${reported.digest}`,
    );
  }
  if (digest) {
    node.digest = digest;
    node.reference = store.referenceOf(location.repository, digest);
    state.reportedDigests.add(digest);
  }

  try {
    // TEP-0164 StorageRef digests may name the content rather than the manifest: try the manifest, then the blob.
    if (reported.digestRefersTo === 'unknown' && digest) {
      try {
        await store.fetchManifest(location.repository, digest);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        if ((await store.blobSize(location.repository, digest)) !== undefined)
          reported = { ...reported, digestRefersTo: 'blob' };
      }
    }
    if (reported.digestRefersTo === 'blob') {
      if (!digest) throw new Error('a blob location needs a digest');
      const size = await store.blobSize(location.repository, digest);
      if (size === undefined) {
        node.state = 'dangling';
        const message = `${location.repository} has no blob ${digest}`;
        problem('dangling', failNode(node, { kind: 'notFound', code: 'BLOB_UNKNOWN', message }));
        return node;
      }
      if (reported.size !== undefined && reported.size !== size) {
        problem('digest-conflict', `the status reports ${reported.size} bytes but the blob has ${size}`);
      }
      node.size = size;
      node.files = [{ digest, size, mediaType: blobMediaType(node.producers, reported.mediaType) }];
      node.state = 'present';
      node.usable = succeeded;
      return node;
    }

    const fetched = await store.fetchManifest(location.repository, digest ?? location.tag ?? 'latest');
    if (!digest) {
      node.digest = fetched.descriptor.digest;
      node.reference = store.referenceOf(location.repository, fetched.descriptor.digest);
      state.reportedDigests.add(fetched.descriptor.digest);
    }
    node.mediaType = fetched.descriptor.mediaType;
    const artifactType = artifactTypeOf(fetched);
    if (artifactType) node.artifactType = artifactType;
    let platformsWalked: Promise<PlatformNode[]> = Promise.resolve([]);
    if (isIndex(fetched)) {
      // An index's platform manifests have referrers of their own (a signature on the amd64 image).
      const children = isIndexManifest(fetched.manifest) ? fetched.manifest.manifests : [];
      platformsWalked = Promise.all(
        children.map(async (child): Promise<PlatformNode> => ({
          platform: platformName(child),
          digest: child.digest,
          size: child.size,
          mediaType: child.mediaType,
          referrers: await walkReferrers(
            state,
            location.repository,
            child,
            // One level below the platform, as a referrer's referrers are below the referrer.
            reachOf(state).referrers - 1,
            seenFrom([fetched.descriptor.digest, child.digest]),
          ),
        })),
      );
      node.size = fetched.descriptor.size + children.reduce((sum, child) => sum + child.size, 0);
    } else {
      const classified = classify(fetched.manifest, fetched.descriptor);
      node.files = classified.files;
      node.size = fetched.descriptor.size + layersSize(fetched.manifest);
      if (classified.buildOutput) node.buildOutput = true;
    }
    if (fetched.manifest.subject) {
      state.subjects.push({
        repository: location.repository,
        subject: fetched.manifest.subject,
        from: reported.name,
      });
    }
    node.state = 'present';
    node.usable = succeeded;
    [node.referrers, node.platforms] = await Promise.all([
      walkReferrers(
        state,
        location.repository,
        fetched.descriptor,
        reachOf(state).referrers,
        seenFrom([fetched.descriptor.digest]),
      ),
      platformsWalked,
    ]);
    return node;
  } catch (error) {
    rethrowCap(error);
    if (isNotFound(error)) {
      node.state = 'dangling';
      const message = `${location.repository} has no ${digest ? `manifest ${digest}` : `tag ${location.tag ?? 'latest'}`}`;
      problem('dangling', failNode(node, { ...typedFailure(error), message }));
    } else {
      node.state = 'error';
      problem('fetch-error', failNode(node, typedFailure(error)));
    }
    return node;
  }
}

/** Reports of the same artifact name in one TaskRun that disagree on the digest. */
function conflicts(taskRun: TaskRunView): Problem[] {
  const byName = new Map<string, Set<string>>();
  for (const reported of taskRun.reported) {
    if (!reported.digest || reported.direction !== 'output') continue;
    const digests = byName.get(reported.name) ?? new Set<string>();
    digests.add(reported.digest);
    byName.set(reported.name, digests);
  }
  return [...byName.entries()]
    .filter(([, digests]) => digests.size > 1)
    .map(([name, digests]) => ({
      kind: 'digest-conflict' as const,
      taskRun: taskRun.pipelineTask ?? taskRun.name,
      artifact: name,
      message: `reported with ${digests.size} different digests: ${[...digests].join(', ')}`,
    }));
}

interface RootFound {
  repository: string;
  fetched: FetchedManifest;
  foundBy: string;
}

async function findRoot(state: Resolution): Promise<RootFound | undefined> {
  const { store, classify, repository, rootTag, root } = state.input;
  const attempts: { repository: string; reference: string; foundBy: string; guessed?: true }[] = [];
  if (root)
    attempts.push({
      repository: root.repository,
      reference: root.digest ?? root.tag ?? 'latest',
      foundBy: 'argument',
    });
  if (repository && rootTag) attempts.push({ repository, reference: rootTag, foundBy: `tag ${rootTag}` });
  else if (rootTag)
    for (const candidate of new Set(state.input.rootRepositories ?? []))
      attempts.push({
        repository: candidate,
        reference: rootTag,
        foundBy: `tag ${rootTag} in ${candidate}`,
        guessed: true,
      });
  for (const attempt of attempts) {
    try {
      const fetched = await store.fetchManifest(attempt.repository, attempt.reference);
      return { repository: attempt.repository, fetched, foundBy: attempt.foundBy };
    } catch (error) {
      // The root the user named is the whole question: its absence or any failure is the answer.
      if (attempt.foundBy === 'argument') throw error;
      // A repository guessed from the statuses may well refuse a tag it does not have (401, 403).
      if (!isNotFound(error) && !attempt.guessed) {
        state.problems.push({
          kind: 'fetch-error',
          reference: `${attempt.repository}:${attempt.reference}`,
          message: `looking for the run's root artifact failed: ${errorMessage(error)}`,
          failure: failureOf(error),
        });
      }
    }
  }
  // A root is also reachable through the subject of any reported artifact: artifact → TaskRun reference → root.
  for (const { repository: repo, subject, from } of state.subjects) {
    let current: Descriptor | undefined = subject;
    for (let hops = 0; current && hops < 3; hops++) {
      try {
        const fetched = await store.fetchManifest(repo, current.digest);
        const classified = classify(fetched.manifest, fetched.descriptor);
        if (classified.role === 'pipelinerun-root')
          return { repository: repo, fetched, foundBy: `subject of ${from}` };
        // A TaskRun reference is grouped under a root: the run has one, found or not.
        if (classified.role === 'taskrun-reference') state.rootExpectedIn = repo;
        current = fetched.manifest.subject;
      } catch {
        current = undefined;
      }
    }
  }
  return undefined;
}

interface RegistryArtifact {
  taskRun?: string;
  task?: string;
  node: ArtifactNode;
}

/**
 * Walks the run's root: TaskRun references, and below them, the artifacts, in the order the
 * listings give them (not the order their fetches end: the output is the same from run to run).
 */
async function registryArtifacts(state: Resolution, found: RootFound): Promise<RegistryArtifact[]> {
  const { store, classify } = state.input;
  const visited = new Set<string>([found.fetched.descriptor.digest]);

  const visit = async (
    subject: Descriptor,
    hint: { taskRun?: string; task?: string },
    depth: number,
  ): Promise<RegistryArtifact[]> => {
    if (depth > 3) return [];
    let referrers: (Descriptor | undefined)[];
    try {
      referrers = await store.referrers(found.repository, subject);
      state.referrersMode = store.referrersMode(found.repository) ?? state.referrersMode;
    } catch (error) {
      state.problems.push({
        kind: 'fetch-error',
        message: `listing referrers of ${subject.digest} failed: ${errorMessage(error)}`,
        failure: failureOf(error),
      });
      return [];
    }
    state.walk(referrers.length, store.referenceOf(found.repository, subject.digest));
    // Bounded, as walkReferrers is: a TaskRun reference can carry 100,000 artifacts, and each
    // listing entry is let go once its node is built.
    const walked = new Array<RegistryArtifact | RegistryArtifact[] | undefined>(referrers.length);
    await drainConcurrent(referrers, WALK_CONCURRENCY, async (descriptor, index) => {
      if (visited.has(descriptor.digest)) return;
      visited.add(descriptor.digest);
      // Reported content is already in the tree; only a TaskRun reference needs a look inside.
      if (state.reportedDigests.has(descriptor.digest)) return;
      // The listing carries artifactType and annotations: a TaskRun reference is known without a fetch.
      if (descriptor.artifactType) {
        const listed = classify(listedManifest(descriptor), descriptor);
        if (listed.role === 'taskrun-reference' && listed.taskRun) {
          walked[index] = await visit(
            descriptor,
            { taskRun: listed.taskRun, ...(listed.task ? { task: listed.task } : {}) },
            depth + 1,
          );
          return;
        }
      }
      let fetched: FetchedManifest;
      try {
        fetched = await store.fetchManifest(found.repository, descriptor.digest);
      } catch (error) {
        state.problems.push({
          kind: 'fetch-error',
          reference: store.referenceOf(found.repository, descriptor.digest),
          message: errorMessage(error),
          failure: failureOf(error),
        });
        return;
      }
      const classified = classify(fetched.manifest, fetched.descriptor);
      if (classified.role === 'taskrun-reference') {
        const taskRun = classified.taskRun ?? hint.taskRun;
        const task = classified.task ?? hint.task;
        walked[index] = await visit(
          fetched.descriptor,
          { ...(taskRun ? { taskRun } : {}), ...(task ? { task } : {}) },
          depth + 1,
        );
        return;
      }
      if (state.reportedDigests.has(descriptor.digest)) return;
      const node: ArtifactNode = {
        name:
          classified.artifactName ??
          descriptor.annotations?.['org.opencontainers.image.title'] ??
          classified.kind,
        direction: 'output',
        producers: [classified.kind],
        reportedAt: [],
        reference: store.referenceOf(found.repository, descriptor.digest),
        digest: descriptor.digest,
        digestRefersTo: 'manifest',
        size: fetched.descriptor.size + layersSize(fetched.manifest),
        mediaType: state.shared(fetched.descriptor.mediaType),
        state: 'present',
        usable: false,
        files: state.files(classified.files),
        platforms: [],
        referrers: await walkReferrers(
          state,
          found.repository,
          fetched.descriptor,
          reachOf(state).referrers - 1,
          // The run's children so far, shared (never copied), and this artifact's own path.
          seenFrom([found.fetched.descriptor.digest, descriptor.digest], visited),
        ),
      };
      const artifactType = state.shared(artifactTypeOf(fetched));
      if (artifactType) node.artifactType = artifactType;
      if (classified.buildOutput) node.buildOutput = true;
      const taskRun = state.shared(classified.taskRun ?? hint.taskRun);
      const task = state.shared(classified.task ?? hint.task);
      walked[index] = {
        ...(taskRun !== undefined ? { taskRun } : {}),
        ...(task !== undefined ? { task } : {}),
        node,
      };
    });
    return walked.flatMap((entry) => entry ?? []);
  };
  return visit(found.fetched.descriptor, {}, 0);
}

/**
 * A reference given as the root that names no run root (an image, an index, an artifact): content
 * to show as itself, with its platforms and referrers, not a run whose parts are missing.
 */
function isNamedContent(state: Resolution, found: RootFound): boolean {
  if (state.input.run.kind !== 'Artifact' || found.foundBy !== 'argument') return false;
  const { role } = state.input.classify(found.fetched.manifest, found.fetched.descriptor);
  return role !== 'pipelinerun-root' && role !== 'taskrun-reference';
}

async function namedContent(state: Resolution, found: RootFound): Promise<TaskRunNode> {
  const { store, classify } = state.input;
  const { descriptor, manifest } = found.fetched;
  const classified = classify(manifest, descriptor);
  const reference = store.referenceOf(found.repository, descriptor.digest);
  const view: TaskRunView = {
    name: reference,
    pipelineTask: NAMED_CONTENT_TASK,
    outcome: 'Unknown',
    reported: [],
    warnings: [],
  };
  const node = await resolveReported(state, view, {
    // Named as the producer named it, else after the repository (as pull --artifact-ref names it).
    name: classified.artifactName ?? found.repository.split('/').at(-1) ?? found.repository,
    producers: [classified.kind],
    paths: [],
    direction: 'output',
    location: reference,
    digestRefersTo: 'manifest',
  });
  // No TaskRun made it: what the user named is usable when it is there.
  node.usable = node.state === 'present';
  return { name: reference, pipelineTask: NAMED_CONTENT_TASK, outcome: 'Unknown', artifacts: [node] };
}

export async function resolveTree(input: ResolveInput): Promise<ArtifactTree> {
  const state = new Resolution(input);
  const tasks = input.filters?.tasks ?? [];
  const selected = input.taskRuns.filter(
    (taskRun) =>
      tasks.length === 0 || tasks.includes(taskRun.pipelineTask ?? '') || tasks.includes(taskRun.name),
  );

  const taskRuns: TaskRunNode[] = await Promise.all(
    selected.map(async (taskRun) => {
      for (const warning of taskRun.warnings) {
        state.problems.push({
          kind: 'malformed',
          taskRun: taskRun.pipelineTask ?? taskRun.name,
          message: `${warning.path}: ${warning.message}`,
        });
      }
      state.problems.push(...conflicts(taskRun));
      const named = input.filters?.artifacts ?? [];
      const wanted = taskRun.reported.filter(
        (reported) =>
          named.length === 0 ||
          named.some((value) => namesArtifact(value, taskRun.pipelineTask, taskRun.name, reported.name)),
      );
      const artifacts = await Promise.all(
        wanted.map((reported) => resolveReported(state, taskRun, reported)),
      );
      const node: TaskRunNode = { name: taskRun.name, outcome: taskRun.outcome, artifacts };
      if (taskRun.pipelineTask) node.pipelineTask = taskRun.pipelineTask;
      if (taskRun.reason) node.reason = taskRun.reason;
      return node;
    }),
  );

  const storage: StorageInfo = {};
  if (input.repository) storage.repository = input.repository;
  const unreported: ArtifactNode[] = [];
  const root = reachOf(state).root || input.run.kind === 'Artifact' ? await findRoot(state) : undefined;
  if (root && isNamedContent(state, root)) {
    storage.repository ??= root.repository;
    taskRuns.push(await namedContent(state, root));
  } else if (root) {
    storage.root = {
      reference: input.store.referenceOf(root.repository, root.fetched.descriptor.digest),
      digest: root.fetched.descriptor.digest,
      foundBy: root.foundBy,
    };
    storage.repository ??= root.repository;
    for (const { taskRun, task, node } of await registryArtifacts(state, root)) {
      const owner = taskRuns.find((candidate) => candidate.name === taskRun);
      // Content of a TaskRun that --task filtered out is not "unreported": it is just not shown.
      if (!owner && taskRun && input.taskRuns.some((candidate) => candidate.name === taskRun)) continue;
      // Shown for one TaskRun, the root still holds its siblings' content: out of view, not unreported.
      if (!owner && input.run.kind === 'TaskRun') continue;
      if (owner) {
        node.usable = owner.outcome === 'Succeeded';
        node.producers = [...node.producers];
        owner.artifacts.push(node);
        if (input.run.kind !== 'Artifact') {
          state.problems.push({
            kind: 'unreported',
            taskRun: owner.pipelineTask ?? owner.name,
            artifact: node.name,
            reference: node.reference,
            message: `stored under the run's root but not named in the TaskRun's status`,
          });
        }
      } else if (taskRun && input.run.kind === 'Artifact') {
        // Registry-only: the TaskRun is known only by the annotations of its reference artifact.
        let synthetic = taskRuns.find((candidate) => candidate.name === taskRun);
        if (!synthetic) {
          // Named by its pipeline task when the annotations give one, as a cluster view is.
          synthetic = {
            name: taskRun,
            ...(task ? { pipelineTask: task } : {}),
            outcome: 'Unknown',
            artifacts: [],
          };
          taskRuns.push(synthetic);
        }
        synthetic.artifacts.push(node);
      } else {
        unreported.push(node);
        state.problems.push({
          kind: 'unreported',
          artifact: node.name,
          reference: node.reference,
          message: taskRun
            ? `attributed to TaskRun ${taskRun}, which is not part of this run`
            : `no TaskRun status names it`,
        });
      }
    }
  }
  const looked = reachOf(state).root || input.run.kind === 'Artifact';
  const expected = input.expectRoot || state.rootExpectedIn !== undefined;
  if (looked && !root && input.run.kind !== 'Artifact' && expected) {
    // Where it should be: the configured repository, else where its TaskRun references are.
    const where = input.repository ?? state.rootExpectedIn;
    const tag = input.rootTag ? ` (tag ${input.rootTag}${where ? ` in ${where}` : ''})` : '';
    state.problems.push({
      kind: 'root-not-found',
      ...(input.rootTag && where ? { reference: `${where}:${input.rootTag}` } : {}),
      message: `the run's root artifact was not found${tag}: content stored under it that no status names is not shown`,
    });
  }
  if (state.referrersMode) storage.referrers = state.referrersMode;

  const types = input.filters?.artifactTypes ?? [];
  const ofType = (artifacts: ArtifactNode[]): ArtifactNode[] =>
    artifacts.flatMap((artifact) => filterArtifactByType(artifact, types) ?? []);
  for (const taskRun of taskRuns) taskRun.artifacts = ofType(taskRun.artifacts);
  return {
    apiVersion: TREE_API_VERSION,
    kind: 'ArtifactTree',
    run: input.run,
    storage,
    taskRuns,
    unreported: ofType(unreported),
    problems: state.problems.map((problem) => {
      // Drop undefined optional fields so JSON output stays tidy.
      const clean = { ...problem };
      for (const key of Object.keys(clean) as (keyof Problem)[])
        if (clean[key] === undefined) delete clean[key];
      return clean;
    }),
  };
}
