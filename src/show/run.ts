/**
 * `show`: resolves a run as far as --depth asks (src/tree/run.ts) and prints it through
 * src/render. --depth means the same in every format: the tree is cut before any printer sees it,
 * and what is cut is not fetched.
 */
import type { CommandIo } from '../cli/io.js';
import { ExitCode } from '../cli/exit-codes.js';
import { printTree, type PrintOptions } from '../render/index.js';
import { CliError } from '../cli/errors.js';
import { TREE_API_VERSION, type ArtifactNode, type ArtifactTree, type ReferrerNode } from '../tree/model.js';
import { FULL_REACH, type Reach } from '../tree/resolve.js';
import { decidingFailure, describeMissing, missingFrom } from '../tree/partial.js';
import { resolveRun, type RunOptions } from '../tree/run.js';
import { sanitizeLines } from '../text/sanitize.js';

export interface ShowOptions extends RunOptions {
  strict?: boolean;
  /** Exit 0 (or 1 with --strict) when something could not be read; stderr still says what. */
  allowPartial?: boolean;
  /** Levels below the run: 1 TaskRuns, 2 artifacts, 3 their files and referrers, 4 referrers of those… */
  depth?: number | undefined;
  print: Omit<PrintOptions, 'depth'>;
}

/** Levels above the first referrers: the TaskRun and the artifact. */
const LEVELS_ABOVE_REFERRERS = 2;

/** How far resolution walks for a --depth: referrers only as deep as they are shown. */
export function reachForDepth(depth: number | undefined): Reach {
  if (depth === undefined) return FULL_REACH;
  return { referrers: Math.max(0, depth - LEVELS_ABOVE_REFERRERS), root: true };
}

function trimReferrers(referrers: ReferrerNode[], levels: number): ReferrerNode[] {
  if (levels <= 0) return [];
  return referrers.map((referrer) => ({
    ...referrer,
    ...(levels <= 1 ? { files: [] } : {}),
    referrers: trimReferrers(referrer.referrers, levels - 1),
  }));
}

function trimArtifact(artifact: ArtifactNode, depth: number): ArtifactNode {
  if (depth > LEVELS_ABOVE_REFERRERS) {
    const levels = depth - LEVELS_ABOVE_REFERRERS;
    return {
      ...artifact,
      // A platform's referrers sit one level below the platform, as a referrer's referrers do.
      platforms: artifact.platforms.map((platform) => ({
        ...platform,
        referrers: trimReferrers(platform.referrers, levels - 1),
      })),
      referrers: trimReferrers(artifact.referrers, levels),
    };
  }
  return { ...artifact, files: [], platforms: [], referrers: [] };
}

/** The tree as deep as --depth shows it: the same cut for tree, table, json, yaml and name. */
export function trimTree(tree: ArtifactTree, depth: number | undefined): ArtifactTree {
  if (depth === undefined) return tree;
  const artifacts = (list: ArtifactNode[]) => (depth <= 1 ? [] : list.map((a) => trimArtifact(a, depth)));
  return {
    ...tree,
    taskRuns: tree.taskRuns.map((taskRun) => ({ ...taskRun, artifacts: artifacts(taskRun.artifacts) })),
    unreported: artifacts(tree.unreported),
    ...(tree.artifact ? { artifact: depth <= 1 ? tree.artifact : trimArtifact(tree.artifact, depth) } : {}),
  };
}

/**
 * A Konflux `oci:<repo>@sha256:<blob>` URI (pull takes it too) names a blob, not a manifest: shown
 * as that one artifact, its digest and size, with no TaskRuns and no referrers (a blob has none).
 * Undefined when RUN is something else, or an `oci:` URI naming a manifest (a root, an image).
 */
async function blobTree(options: ShowOptions): Promise<ArtifactTree | undefined> {
  const { referenceForm } = await import('../oci/reference.js');
  if (options.run === undefined || referenceForm(options.run) !== 'oci') return undefined;
  const [{ openStore }, { ociUriBlob }] = await Promise.all([
    import('../tree/targets.js'),
    import('../tree/blob.js'),
  ]);
  const node = await ociUriBlob(options.run, await openStore(options.registry));
  if (!node) return undefined;
  if (options.filters.tasks.length > 0)
    throw new CliError(
      `no task matches ${options.filters.tasks.map((task) => JSON.stringify(task)).join(', ')}`,
      'notFound',
      `${options.run} is one blob, with no TaskRuns`,
    );
  const repository = node.reference?.slice(0, node.reference.lastIndexOf('@')) ?? options.run;
  const tree: ArtifactTree = {
    apiVersion: TREE_API_VERSION,
    kind: 'ArtifactTree',
    run: { kind: 'Artifact', name: options.run, outcome: 'Unknown', source: `registry ${repository}` },
    storage: { repository },
    taskRuns: [],
    unreported: [],
    problems: [],
  };
  // A blob has no artifact type: --artifact-type leaves nothing, as it does for a run.
  if (options.filters.artifactTypes.length === 0) tree.artifact = node;
  return tree;
}

export async function runShow(options: ShowOptions, io: CommandIo): Promise<number> {
  const blob = await blobTree(options);
  if (blob) {
    await printTree(trimTree(blob, options.depth), options.print, io);
    return ExitCode.ok;
  }
  const resolved = await resolveRun({
    ...options,
    reach: reachForDepth(options.depth),
    // Warnings and the configuration quote the cluster's ConfigMaps: never raw to the terminal.
    warn: (message) => io.stderr.write(`${sanitizeLines(message)}\n`),
  });
  if (resolved.kind === 'explanation') {
    const text = sanitizeLines(resolved.text);
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return ExitCode.ok;
  }
  await printTree(trimTree(resolved.tree, options.depth), options.print, io);
  // What could not be read decides the exit code: a partial tree is not a success to a script.
  const missing = missingFrom(resolved.tree);
  const deciding = decidingFailure(missing);
  if (deciding) {
    const lines = describeMissing(missing);
    if (options.allowPartial) {
      io.stderr.write(
        `Warning: partial result (--allow-partial): ${missing.length} could not be read:\n${lines.join('\n')}\n`,
      );
    } else {
      io.stderr.write(
        `Error: ${missing.length} part${missing.length === 1 ? '' : 's'} of the run could not be read:\n${lines.join('\n')}\nHint: --allow-partial accepts a partial result\n`,
      );
      return ExitCode[deciding.kind];
    }
  }
  return options.strict && resolved.tree.problems.length > 0 ? ExitCode.findings : ExitCode.ok;
}
