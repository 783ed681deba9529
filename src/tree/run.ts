/**
 * Resolving a run: reads the run (cluster or file), the storage configuration, and the store
 * (registries or an OCI layout), and resolves its artifact tree. The edge where I/O is wired to
 * the pure resolver; show, pull (and diff) start here, and print elsewhere (tree never renders).
 */
import type { RunSource } from '../cluster/source.js';
import type { PipelineRun, TaskRun } from '../cluster/types.js';
import { CliError } from '../cli/errors.js';
import type { ArtifactTree, Outcome, RunInfo } from './model.js';
import {
  resolveTree,
  type Location,
  type ManifestClass,
  type Reach,
  type ReportedArtifact,
  type TaskRunView,
} from './resolve.js';
import type { Descriptor, Manifest } from '../oci/types.js';
import { openStore, type RegistryOptions } from './targets.js';

export interface RunOptions {
  run?: string;
  pipelineRun?: string;
  repository?: string;
  cluster: { kubeconfig?: string; context?: string; namespace?: string; fromFile?: string };
  registry: RegistryOptions;
  /** `artifacts` (pull's --artifact): only the reported artifacts these name are read. */
  filters: { tasks: string[]; artifactTypes: string[]; artifacts?: string[] };
  explainConfig?: boolean;
  configMapName: string;
  tektonNamespace: string;
  /** How far to walk (src/tree/resolve.ts); default: everything show prints. */
  reach?: Reach;
  /** Where warnings about the configuration go (show and pull pass their stderr). */
  warn?: (message: string) => void;
}

/** What RUN names: a PipelineRun, a TaskRun, or a root artifact in a registry. */
export type RunTarget =
  { kind: 'PipelineRun' | 'TaskRun'; name: string } | { kind: 'Artifact'; reference: string };

const KIND_PREFIXES: Record<string, 'PipelineRun' | 'TaskRun'> = {
  pipelinerun: 'PipelineRun',
  pipelineruns: 'PipelineRun',
  pr: 'PipelineRun',
  'pipelinerun.tekton.dev': 'PipelineRun',
  'pipelineruns.tekton.dev': 'PipelineRun',
  taskrun: 'TaskRun',
  taskruns: 'TaskRun',
  tr: 'TaskRun',
  'taskrun.tekton.dev': 'TaskRun',
  'taskruns.tekton.dev': 'TaskRun',
};

/** Kubernetes object names: lower-case RFC 1123 subdomains. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses RUN the way kubectl reads `TYPE/NAME`, and anything with a registry part as a reference. */
export function parseRunArgument(argument: string): RunTarget {
  const slash = argument.indexOf('/');
  if (slash > 0) {
    const kind = KIND_PREFIXES[argument.slice(0, slash).toLowerCase()];
    const name = argument.slice(slash + 1);
    if (kind) {
      if (!OBJECT_NAME.test(name)) throw new CliError(`"${name}" is not a valid ${kind} name`, 'usage');
      return { kind, name };
    }
  }
  if (slash < 0 && !argument.includes('@') && !argument.includes(':')) {
    if (!OBJECT_NAME.test(argument)) {
      throw new CliError(
        `"${argument}" is neither a PipelineRun name nor an OCI reference`,
        'usage',
        'names are lower-case letters, digits, "-" and "."; references look like registry/repository:tag or …@sha256:…',
      );
    }
    return { kind: 'PipelineRun', name: argument };
  }
  return { kind: 'Artifact', reference: argument };
}

export function outcomeOf(obj: { status?: { conditions?: unknown } }): { outcome: Outcome; reason?: string } {
  const conditions = Array.isArray(obj.status?.conditions) ? (obj.status.conditions as unknown[]) : [];
  const succeeded = conditions.find(
    (c): c is { type: string; status?: string; reason?: string } =>
      typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'Succeeded',
  );
  if (!succeeded) return { outcome: 'Unknown' };
  const reason =
    typeof succeeded.reason === 'string' && succeeded.reason !== '' ? succeeded.reason : undefined;
  const withReason = (outcome: Outcome) => (reason ? { outcome, reason } : { outcome });
  if (succeeded.status === 'True') return withReason('Succeeded');
  if (succeeded.status === 'False')
    return withReason(reason && /cancel/i.test(reason) ? 'Cancelled' : 'Failed');
  return withReason('Running');
}

export async function openSource(options: Pick<RunOptions, 'cluster'>): Promise<RunSource> {
  const { fromFile, namespace, kubeconfig, context } = options.cluster;
  if (fromFile) {
    const { FileSource } = await import('../cluster/file-source.js');
    return FileSource.fromFile(fromFile, namespace ? { namespace } : {});
  }
  const { connectCluster } = await import('../cluster/cluster-source.js');
  return connectCluster({
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(context ? { context } : {}),
    ...(namespace ? { namespace } : {}),
  });
}

function toReported(ref: import('../formats/refs.js').ArtifactRef): ReportedArtifact {
  const reported: ReportedArtifact = {
    name: ref.name,
    producers: [...ref.producers],
    paths: [...ref.paths],
    direction: ref.direction,
    digestRefersTo: ref.digestRefersTo,
  };
  const location = ref.location ?? ref.uri;
  if (location !== undefined) reported.location = location;
  if (ref.digest !== undefined) reported.digest = ref.digest;
  if (ref.size !== undefined) reported.size = ref.size;
  if (ref.inline !== undefined) reported.inline = ref.inline;
  if (ref.mediaType !== undefined) reported.mediaType = ref.mediaType;
  if (ref.buildOutput) reported.buildOutput = true;
  return reported;
}

/** The Tekton meaning of a manifest, for the resolver. */
async function classifier(): Promise<(manifest: Manifest, descriptor: Descriptor) => ManifestClass> {
  const { classifyManifest } = await import('../formats/manifest.js');
  return (manifest, descriptor) => {
    const c = classifyManifest(manifest, {
      descriptor: { digest: descriptor.digest, size: descriptor.size },
    });
    const out: ManifestClass = {
      role: c.role,
      kind: c.kind === 'tekton-grouping' ? c.label : c.kind,
      files: c.files.map((file) => ({ ...file })),
    };
    if (c.artifactName) out.artifactName = c.artifactName;
    if (c.taskRun) out.taskRun = c.taskRun;
    if (c.task) out.task = c.task;
    if (c.pipelineRun) out.pipelineRun = c.pipelineRun;
    if (c.buildOutput) out.buildOutput = true;
    return out;
  };
}

async function locationParser(): Promise<(location: string) => Location | undefined> {
  const { parseReference, repositoryName, referenceForm } = await import('../oci/reference.js');
  return (location) => {
    // Only OCI references resolve in a registry; purls, git and https URLs are shown as reported.
    // A URL of any scheme (`git+https://` as Chains' *_ARTIFACT_INPUTS carry it, `s3://`, …) too.
    if (
      (/^(pkg|git|https?|s3|gs|file):/i.test(location) || /^[a-z][a-z0-9+.-]*:\/\//i.test(location)) &&
      referenceForm(location) === 'plain'
    )
      return undefined;
    // git's scp-like `user@host:path` (git@github.com:acme/app.git): a source, not a reference
    // (which has a `/` before any `@`, and a digest after it).
    if (/^[^/@\s]+@[^/@:\s]+:/.test(location) && !/@sha(256|512):[0-9a-f]+$/i.test(location))
      return undefined;
    const reference = parseReference(location);
    const out: Location = { repository: repositoryName(reference) };
    if (reference.digest) out.digest = reference.digest;
    if (reference.tag) out.tag = reference.tag;
    return out;
  };
}

/** What resolving a run gives: its tree, or (with --explain-config) the configuration text. */
export type Resolved = { kind: 'tree'; tree: ArtifactTree } | { kind: 'explanation'; text: string };

/** The resolver's helpers that read formats, loaded once per resolution. */
interface Readers {
  classify: (manifest: Manifest, descriptor: Descriptor) => ManifestClass;
  parseLocation: (location: string) => Location | undefined;
}

/** The resolver's options every way in shares: filters, the walk's bounds and reach. */
function walkOptions(options: RunOptions, readers: Readers) {
  const cosignRepository = cosignRepositoryOf(options.registry.cosignRepository, readers);
  return {
    ...readers,
    filters: options.filters,
    ...(options.registry.maxNodes !== undefined ? { maxNodes: options.registry.maxNodes } : {}),
    ...(options.reach ? { reach: options.reach } : {}),
    ...(cosignRepository !== undefined ? { cosignRepository } : {}),
  };
}

/** COSIGN_REPOSITORY as a repository name, or a usage error that says where the value came from. */
function cosignRepositoryOf(value: string | undefined, readers: Readers): string | undefined {
  if (value === undefined) return undefined;
  let location: Location | undefined;
  try {
    location = readers.parseLocation(value);
  } catch {
    location = undefined;
  }
  if (!location || location.tag !== undefined || location.digest !== undefined)
    throw new CliError(
      `COSIGN_REPOSITORY=${JSON.stringify(value)} is not a repository`,
      'usage',
      'set it as cosign takes it, a repository without tag or digest (registry.example.com/signatures), or unset it',
    );
  return location.repository;
}

/**
 * Where `--pipelinerun NAME` (without RUN) finds the run's root: the `<namespace>.<pipelinerun>`
 * tag in `--repository`, or in the repository the storage configuration names.
 */
async function rootByRunName(options: RunOptions, name: string, readers: Readers): Promise<Location> {
  const { expandTagPattern } = await import('../config/tag-pattern.js');
  const { ROOT_TAG_PATTERN } = await import('../formats/constants.js');
  let namespace = options.cluster.namespace ?? 'default';
  let configured = options.repository;
  if (!configured) {
    // No --repository: the storage configuration says where this namespace's runs are stored.
    const source = await openSource(options);
    namespace = options.cluster.namespace ?? source.defaultNamespace;
    const { loadStorageConfig } = await import('../config/load.js');
    const config = await loadStorageConfig(source, {
      namespace,
      names: { configMapName: options.configMapName, tektonNamespace: options.tektonNamespace },
    });
    configured = config.settings.ociRepository;
    if (!configured) {
      throw new CliError(
        `no artifact repository is configured for namespace ${namespace} (looked in ${config.levels.map((level) => level.source).join(', ')})`,
        'notConfigured',
        `pass --repository REGISTRY/REPOSITORY, or set oci.repository in the ${options.configMapName} ConfigMap`,
      );
    }
  }
  const repository = readers.parseLocation(configured);
  if (!repository) throw new CliError(`"${configured}" is not an OCI repository`, 'usage');
  return {
    repository: repository.repository,
    tag: expandTagPattern(ROOT_TAG_PATTERN, { namespace, pipelinerun: name }),
  };
}

/** A run read from the registry alone: a root reference, or --pipelinerun with a repository. */
async function resolveFromRegistry(
  options: RunOptions,
  target: RunTarget,
  readers: Readers,
): Promise<Resolved> {
  const store = await openStore(options.registry);
  let root: Location;
  let name: string;
  if (target.kind === 'Artifact') {
    const parsed = readers.parseLocation(target.reference);
    if (!parsed) throw new CliError(`"${target.reference}" is not an OCI reference`, 'usage');
    root = parsed;
    name = target.reference;
  } else {
    root = await rootByRunName(options, target.name, readers);
    name = target.name;
  }
  const run: RunInfo = { kind: 'Artifact', name, outcome: 'Unknown', source: `registry ${root.repository}` };
  const tree = await resolveTree({
    run,
    taskRuns: [],
    root,
    repository: root.repository,
    store,
    ...walkOptions(options, readers),
  });
  return { kind: 'tree', tree };
}

/** What the cluster (or the export) says about a run: its outcome, its TaskRuns and their reports. */
interface RunSide {
  runInfo: RunInfo;
  taskRuns: TaskRunView[];
  /** The PipelineRun (a TaskRun's parent, when it still exists): its storage annotations and root tag. */
  pipelineRun?: PipelineRun;
}

function warningsOf(list: { path: string; message: string }[]): { path: string; message: string }[] {
  return list.map((w) => ({ path: w.path, message: w.message }));
}

async function readTaskRunSide(source: RunSource, namespace: string, name: string): Promise<RunSide> {
  const { extractTaskRunArtifacts } = await import('../formats/extract.js');
  const taskRun: TaskRun = await source.getTaskRun(namespace, name);
  const pipelineTask = taskRun.metadata.labels?.['tekton.dev/pipelineTask'];
  const extraction = extractTaskRunArtifacts(taskRun, pipelineTask ? { pipelineTaskName: pipelineTask } : {});
  const outcome = outcomeOf(taskRun);
  const side: RunSide = {
    runInfo: { kind: 'TaskRun', name, namespace, ...outcome, source: source.describe() },
    taskRuns: [
      {
        name,
        ...(pipelineTask ? { pipelineTask } : {}),
        ...outcome,
        reported: extraction.refs.map(toReported),
        warnings: warningsOf(extraction.warnings),
      },
    ],
  };
  const parent = taskRun.metadata.labels?.['tekton.dev/pipelineRun'];
  if (parent) {
    try {
      side.pipelineRun = await source.getPipelineRun(namespace, parent);
    } catch {
      // The parent may be gone; the TaskRun's own artifacts still show.
    }
  }
  return side;
}

async function readPipelineRunSide(source: RunSource, namespace: string, name: string): Promise<RunSide> {
  const { extractRunArtifacts } = await import('../formats/extract.js');
  const { getPipelineRunTaskRuns } = await import('../cluster/source.js');
  const pipelineRun = await source.getPipelineRun(namespace, name);
  const children = await getPipelineRunTaskRuns(source, pipelineRun);
  const present = children.taskRuns.filter((child) => child.taskRun !== undefined);
  const extraction = extractRunArtifacts(
    pipelineRun,
    present.map((child) => ({
      taskRun: child.taskRun as TaskRun,
      ...(child.pipelineTaskName ? { pipelineTaskName: child.pipelineTaskName } : {}),
    })),
  );
  const outcome = outcomeOf(pipelineRun);
  const taskRuns: TaskRunView[] = children.taskRuns.map((child) => {
    const found = extraction.taskRuns.find((t) => t.name === child.name);
    return {
      name: child.name,
      ...(child.pipelineTaskName ? { pipelineTask: child.pipelineTaskName } : {}),
      ...(child.taskRun
        ? outcomeOf(child.taskRun)
        : { outcome: 'Unknown' as const, reason: 'TaskRun not found' }),
      reported: found ? found.refs.map(toReported) : [],
      warnings: found ? warningsOf(found.warnings) : [],
    };
  });
  const pipelineLevel = extraction.pipelineRun.refs.filter((ref) => !ref.sameAs);
  if (pipelineLevel.length > 0) {
    taskRuns.push({
      name,
      pipelineTask: '(pipeline results)',
      ...outcome,
      reported: pipelineLevel.map(toReported),
      warnings: warningsOf(extraction.pipelineRun.warnings),
    });
  }
  return {
    runInfo: { kind: 'PipelineRun', name, namespace, ...outcome, source: source.describe() },
    taskRuns,
    pipelineRun,
  };
}

/**
 * With no repository configured (an export of runs only), where to look for the root tag: the
 * repositories the statuses store content in; in an OCI layout, which has no repositories, once.
 */
function rootSearchRepositories(taskRuns: TaskRunView[], options: RunOptions, readers: Readers): string[] {
  const named = taskRuns.flatMap((view) =>
    view.reported.flatMap((reported) => {
      try {
        const location = reported.location ? readers.parseLocation(reported.location) : undefined;
        return location ? [location.repository] : [];
      } catch {
        return [];
      }
    }),
  );
  return options.registry.ociLayout ? [named[0] ?? options.registry.ociLayout] : [...new Set(named)];
}

/**
 * Resolves a run given any way show accepts it (a name in the cluster or a file, a root reference,
 * --pipelinerun with --repository) into its artifact tree. pull and diff start from here too.
 */
export async function resolveRun(options: RunOptions): Promise<Resolved> {
  // A walk of many referrers allocates far more than it keeps: the heap is held near what is live.
  const { startHeapValve } = await import('../memory/gc.js');
  const stop = startHeapValve();
  try {
    return await resolveRunWalking(options);
  } finally {
    stop();
  }
}

async function resolveRunWalking(options: RunOptions): Promise<Resolved> {
  if (!options.run && !options.pipelineRun) {
    throw new CliError(
      'show needs a run: a PipelineRun name, taskrun/NAME, or an OCI reference',
      'usage',
      'for example: tkn artifacts show build-app-x7k2',
    );
  }
  const target: RunTarget = options.run
    ? parseRunArgument(options.run)
    : { kind: 'PipelineRun', name: options.pipelineRun as string };
  const [classify, parseLocation] = await Promise.all([classifier(), locationParser()]);
  const readers: Readers = { classify, parseLocation };
  // --pipelinerun (without RUN) finds a run by its root tag: the run may be gone from the cluster.
  if (target.kind === 'Artifact' || (options.pipelineRun !== undefined && !options.run))
    return resolveFromRegistry(options, target, readers);

  const source = await openSource(options);
  const namespace = options.cluster.namespace ?? source.defaultNamespace;
  const { runInfo, taskRuns, pipelineRun } =
    target.kind === 'TaskRun'
      ? await readTaskRunSide(source, namespace, target.name)
      : await readPipelineRunSide(source, namespace, target.name);
  checkTaskFilter(options.filters.tasks, taskRuns);

  const { loadStorageConfig, formatStorageConfigExplanation, expandTagPattern } =
    await import('../config/index.js');
  const config = await loadStorageConfig(source, {
    namespace,
    ...(pipelineRun ? { pipelineRun } : {}),
    names: { configMapName: options.configMapName, tektonNamespace: options.tektonNamespace },
  });
  if (options.explainConfig) return { kind: 'explanation', text: formatStorageConfigExplanation(config) };
  for (const warning of config.warnings) options.warn?.(`Warning: ${warning.message}`);

  // The storage configuration's `insecure: "true"` is what the controller connects with: the
  // repository's registry is reached the same way here (the flags add to it, never take away).
  const configured = config.settings.ociRepository ? parseLocation(config.settings.ociRepository) : undefined;
  const configuredRegistry = configured ? configured.repository.split('/')[0] : undefined;
  const store = await openStore(
    config.settings.insecure && configuredRegistry
      ? { ...options.registry, insecure: [...options.registry.insecure, configuredRegistry] }
      : options.registry,
  );
  const { ROOT_TAG_PATTERN } = await import('../formats/constants.js');
  const rootTag = pipelineRun
    ? expandTagPattern(ROOT_TAG_PATTERN, { namespace, pipelinerun: pipelineRun.metadata.name })
    : undefined;
  const repository = options.repository ?? config.settings.ociRepository ?? undefined;
  const repositoryName = repository ? parseLocation(repository)?.repository : undefined;
  const { referrerBelongsToRun, ANNOTATION_PIPELINERUN } = await import('../formats/index.js');
  const runName = pipelineRun?.metadata.name;
  const isForeign = runName
    ? (descriptor: Descriptor) =>
        descriptor.annotations?.[ANNOTATION_PIPELINERUN] !== undefined &&
        !referrerBelongsToRun(descriptor, { pipelineRun: runName, namespace })
    : undefined;
  const rootRepositories =
    !repositoryName && rootTag ? rootSearchRepositories(taskRuns, options, readers) : undefined;
  const tree = await resolveTree({
    run: runInfo,
    taskRuns,
    ...(rootRepositories ? { rootRepositories } : {}),
    ...(config.settings.ociGroupByPipelineRun ? { expectRoot: true } : {}),
    ...(isForeign ? { isForeign } : {}),
    ...(repositoryName ? { repository: repositoryName } : {}),
    ...(rootTag ? { rootTag } : {}),
    store,
    ...walkOptions(options, readers),
  });
  return { kind: 'tree', tree };
}

/**
 * --task names what the user expects to be there: a name that matches no TaskRun is an error, as
 * --artifact's is, not an empty answer a script would take for "no artifacts".
 */
function checkTaskFilter(tasks: string[], taskRuns: TaskRunView[]): void {
  const unmatched = tasks.filter(
    (task) => !taskRuns.some((taskRun) => taskRun.pipelineTask === task || taskRun.name === task),
  );
  if (unmatched.length === 0) return;
  const names = [...new Set(taskRuns.map((taskRun) => taskRun.pipelineTask ?? taskRun.name))];
  throw new CliError(
    `no task matches ${unmatched.map((task) => JSON.stringify(task)).join(', ')}`,
    'notFound',
    names.length > 0 ? `the run has: ${names.join(', ')}` : 'the run has no TaskRuns',
  );
}
