/**
 * `diff`: resolves both sides at once (each the way show resolves a run, or one artifact the way
 * pull does with --artifact-ref), matches them (pure), compares the content of what changed, and
 * prints. This is the edge where I/O is wired to the pure parts. Exit 0 when equal, 1 when not.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, toCliError } from '../cli/errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { ExtractLimits } from '../pull/limits.js';
import type { ArtifactTree } from '../tree/model.js';
import type { CommandIo } from '../cli/io.js';
import type { RunOptions } from '../tree/run.js';
import type { RegistryOptions } from '../tree/targets.js';
import type { TargetStore } from '../tree/store.js';
import { ContentComparer, SideError, type SideName } from './content.js';
import { matchTrees, type MatchedArtifact } from './match.js';
import { DIFF_API_VERSION, type DiffReport, type DiffSide } from './model.js';
import { renderDiff, type DiffFormat } from './render.js';
import { summarize } from './summary.js';

/** Where one side is read from, when it differs from the other (--from-file-a, --oci-layout-b, …). */
export interface SideSource {
  fromFile?: string | undefined;
  ociLayout?: string | undefined;
}

export interface DiffOptions {
  a: string;
  b: string;
  /** RUN_A and RUN_B are single artifacts (references or oci: URIs). */
  artifactRef: boolean;
  cluster: RunOptions['cluster'];
  registry: RegistryOptions;
  /** Per-side overrides of --from-file and --oci-layout. */
  sides: { a: SideSource; b: SideSource };
  configMapName: string;
  tektonNamespace: string;
  filters: { tasks: string[]; artifactTypes: string[]; artifacts: string[]; inputs: boolean };
  format: DiffFormat;
  /** --content: unified diffs of text files. */
  unified: boolean;
  /** Compare digests only, fetch no content. */
  shallow: boolean;
  limits: ExtractLimits;
  maxContentSize: number;
  maxEntries: number;
  /** Blobs fetched at once. */
  concurrency: number;
  noColor?: boolean;
}

const LABEL: Record<SideName, string> = { a: 'A', b: 'B' };

/** An error of one side, named as such, with the exit code its cause has. */
function sideFailure(side: SideName, argument: string, error: unknown): CliError {
  const cause = toCliError(error instanceof SideError ? error.cause : error);
  return new CliError(`side ${LABEL[side]} (${argument}): ${cause.message}`, cause.exit, cause.hint, {
    cause: error,
  });
}

function validateDiffOptions(options: DiffOptions): void {
  if (options.a === '' || options.b === '')
    throw new CliError(
      'diff needs two runs: RUN_A and RUN_B',
      'usage',
      'for example: tkn artifacts diff build-app-x7k2 build-app-q9m4',
    );
  if (options.artifactRef && (options.filters.tasks.length > 0 || options.filters.artifacts.length > 0))
    throw new CliError(
      '--task and --artifact select within runs; --artifact-ref compares two artifacts',
      'usage',
    );
}

interface Side {
  tree: ArtifactTree;
  store: TargetStore;
  info: DiffSide;
  runName?: string;
}

function registryOf(options: DiffOptions, side: SideName): RegistryOptions {
  const layout = options.sides[side].ociLayout ?? options.registry.ociLayout;
  return { ...options.registry, ociLayout: layout };
}

async function artifactTree(options: DiffOptions, side: SideName, store: TargetStore): Promise<ArtifactTree> {
  const { resolveSingle } = await import('../pull/single.js');
  const { TREE_API_VERSION } = await import('../tree/model.js');
  const argument = options[side];
  const candidate = await resolveSingle(argument, store);
  // Both sides are one artifact: the same name, so the matcher pairs them.
  candidate.node.name = 'artifact';
  return {
    apiVersion: TREE_API_VERSION,
    kind: 'ArtifactTree',
    run: { kind: 'Artifact', name: argument, outcome: 'Unknown', source: 'registry' },
    storage: {},
    taskRuns: [
      { name: '(artifact)', pipelineTask: '(artifact)', outcome: 'Unknown', artifacts: [candidate.node] },
    ],
    unreported: [],
    problems: [],
  };
}

/** The Pipeline and PipelineRun behind a side: from its root's annotations, else the PipelineRun. */
async function identify(
  options: DiffOptions,
  side: SideName,
  tree: ArtifactTree,
  store: TargetStore,
): Promise<{ pipeline?: string; runName?: string }> {
  const out: { pipeline?: string; runName?: string } = {};
  if (tree.run.kind === 'PipelineRun') out.runName = tree.run.name;
  const root = tree.storage.root;
  if (root) {
    const { ANNOTATION_PIPELINE, ANNOTATION_PIPELINERUN } = await import('../formats/constants.js');
    const at = root.reference.lastIndexOf('@');
    try {
      const fetched = await store.fetchManifest(root.reference.slice(0, at), root.digest);
      const annotations = fetched.manifest.annotations ?? {};
      if (annotations[ANNOTATION_PIPELINE]) out.pipeline = annotations[ANNOTATION_PIPELINE];
      out.runName ??= annotations[ANNOTATION_PIPELINERUN];
    } catch {
      // Read a moment ago by the resolver; if it fails now, the pipeline check is just skipped.
    }
  }
  if (out.pipeline === undefined && tree.run.kind === 'PipelineRun') {
    try {
      const { openSource } = await import('../tree/run.js');
      const source = await openSource({
        cluster: { ...options.cluster, fromFile: options.sides[side].fromFile ?? options.cluster.fromFile },
      });
      const run = await source.getPipelineRun(tree.run.namespace ?? source.defaultNamespace, tree.run.name);
      const pipeline = run.metadata.labels?.['tekton.dev/pipeline'] ?? run.spec?.pipelineRef?.name;
      if (typeof pipeline === 'string') out.pipeline = pipeline;
    } catch {
      // Only for the warning about different pipelines.
    }
  }
  return out;
}

async function resolveSide(
  options: DiffOptions,
  side: SideName,
  warn: (message: string) => void,
): Promise<Side> {
  const { openStore } = await import('../tree/targets.js');
  const registry = registryOf(options, side);
  const store = await openStore(registry);
  const argument = options[side];
  let tree: ArtifactTree;
  if (options.artifactRef) tree = await artifactTree(options, side, store);
  else {
    const { resolveRun } = await import('../tree/run.js');
    const resolved = await resolveRun({
      run: argument,
      cluster: { ...options.cluster, fromFile: options.sides[side].fromFile ?? options.cluster.fromFile },
      registry,
      filters: { tasks: options.filters.tasks, artifactTypes: options.filters.artifactTypes },
      configMapName: options.configMapName,
      tektonNamespace: options.tektonNamespace,
      // Content under the run's root counts (a pruned run is nothing else); referrers do not.
      reach: { referrers: 0, root: true },
      warn,
    });
    if (resolved.kind !== 'tree')
      throw new Error('resolveRun explained the configuration instead of resolving');
    tree = resolved.tree;
  }
  const identity = options.artifactRef ? {} : await identify(options, side, tree, store);
  const info: DiffSide = {
    argument,
    kind: tree.run.kind,
    name: tree.run.name,
    source: tree.run.source,
    outcome: tree.run.outcome,
  };
  if (tree.run.namespace !== undefined) info.namespace = tree.run.namespace;
  if (identity.pipeline !== undefined) info.pipeline = identity.pipeline;
  if (tree.storage.root) info.root = tree.storage.root.reference;
  const result: Side = { tree, store, info };
  if (identity.runName !== undefined) result.runName = identity.runName;
  return result;
}

function warningsFor(a: Side, b: Side): string[] {
  const warnings: string[] = [];
  if (a.info.pipeline && b.info.pipeline && a.info.pipeline !== b.info.pipeline)
    warnings.push(
      `the runs are of different pipelines (${a.info.pipeline} and ${b.info.pipeline}): compared anyway, task by task`,
    );
  for (const [label, side, other] of [
    ['A', a, b],
    ['B', b, a],
  ] as const) {
    if (
      side.info.kind === 'Artifact' &&
      other.info.kind !== 'Artifact' &&
      side.tree.run.source !== 'registry'
    )
      warnings.push(
        `side ${label} was read from its root in the registry alone: it knows only what is stored under the root (no outcomes, no inline results, nothing stored elsewhere), so side ${label === 'A' ? 'B' : 'A'}'s other artifacts show as ${label === 'A' ? 'added' : 'removed'}`,
      );
    const problems = side.tree.problems.filter(
      (p) => p.kind === 'fetch-error' || p.kind === 'malformed',
    ).length;
    if (problems > 0)
      warnings.push(
        `side ${label} has ${problems} problem${problems === 1 ? '' : 's'} reading its tree: \`show ${side.info.argument}\` lists them`,
      );
  }
  return warnings;
}

export async function runDiff(options: DiffOptions, io: CommandIo): Promise<number> {
  // Two Konflux `oci:<repo>@<blob>` URIs are artifacts, never runs' roots.
  if (!options.artifactRef) {
    const { referenceForm } = await import('../oci/reference.js');
    if (referenceForm(options.a) === 'oci' && referenceForm(options.b) === 'oci')
      options = { ...options, artifactRef: true };
  }
  validateDiffOptions(options);
  // Both sides at once: each may be a cluster run, a file, a root in a registry or a layout.
  // Both sides usually share a namespace and its configuration: each warning is said once.
  const said = new Set<string>();
  const warn = (message: string) => {
    if (said.has(message)) return;
    said.add(message);
    io.stderr.write(`${message}\n`);
  };
  const settled = await Promise.allSettled([
    resolveSide(options, 'a', warn),
    resolveSide(options, 'b', warn),
  ]);
  const [ra, rb] = settled;
  if (ra.status === 'rejected') throw sideFailure('a', options.a, ra.reason);
  if (rb.status === 'rejected') throw sideFailure('b', options.b, rb.reason);
  const a = ra.value;
  const b = rb.value;

  const match = matchTrees(a.tree, b.tree, {
    runNames: { a: a.runName, b: b.runName },
    artifacts: options.filters.artifacts,
    inputs: options.filters.inputs || options.artifactRef,
  });
  if (options.filters.artifacts.length > 0 && match.artifacts.length === 0)
    throw new CliError(
      `no artifact matches ${options.filters.artifacts.map((n) => JSON.stringify(n)).join(', ')} on either side`,
      'notFound',
    );
  if (!options.shallow) await compareContent(options, match.artifacts, a, b);

  const warnings = warningsFor(a, b);
  for (const warning of warnings) io.stderr.write(`Warning: ${warning}\n`);
  const summary = summarize(
    match.tasks,
    match.artifacts.map((m) => m.diff),
  );
  const report: DiffReport = {
    apiVersion: DIFF_API_VERSION,
    kind: 'ArtifactDiff',
    a: a.info,
    b: b.info,
    equal: false,
    summary,
    warnings,
    tasks: match.tasks,
    artifacts: match.artifacts.map((m) => m.diff),
  };
  report.equal =
    summary.artifacts.added + summary.artifacts.removed + summary.artifacts.changed === 0 &&
    summary.tasks.added + summary.tasks.removed + summary.tasks.outcomeChanged === 0;
  io.stdout.write(
    await renderDiff(report, options.format, { color: io.color && !options.noColor, columns: io.columns }),
  );
  return report.equal ? ExitCode.ok : ExitCode.findings;
}

async function compareContent(
  options: DiffOptions,
  matched: MatchedArtifact[],
  a: Side,
  b: Side,
): Promise<void> {
  const changed = matched.filter((m) => m.diff.status === 'changed');
  if (changed.length === 0) return;
  const scratch = await mkdtemp(join(tmpdir(), 'tkn-artifacts-diff-'));
  const controller = new AbortController();
  // Archives stream through as pull's blobs do: the same valve keeps dead buffers from piling up.
  const { startMemoryValve } = await import('../pull/memory.js');
  const stopValve = startMemoryValve();
  try {
    const comparer = new ContentComparer({
      blobs: (side, repository) => (side === 'a' ? a : b).store.targetOf(repository),
      limits: options.limits,
      maxContentSize: options.maxContentSize,
      maxEntries: options.maxEntries,
      unified: options.unified,
      scratch,
      concurrency: options.concurrency,
      signal: controller.signal,
    });
    await Promise.all(
      changed.map((m) =>
        comparer.compare(m).catch((error: unknown) => {
          // The first failure stops the other downloads.
          controller.abort(error);
          throw error;
        }),
      ),
    ).catch((error: unknown) => {
      if (error instanceof SideError) throw sideFailure(error.side, options[error.side], error);
      throw error;
    });
  } finally {
    stopValve();
    await rm(scratch, { recursive: true, force: true });
  }
}
