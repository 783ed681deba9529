/**
 * `show`: resolves a run as far as --depth asks (src/tree/run.ts) and prints it through
 * src/render. --depth means the same in every format: the tree is cut before any printer sees it,
 * and what is cut is not fetched.
 */
import type { CommandIo } from '../cli/io.js';
import { ExitCode } from '../cli/exit-codes.js';
import { printTree, type PrintOptions } from '../render/index.js';
import type { ArtifactNode, ArtifactTree, ReferrerNode } from '../tree/model.js';
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
  };
}

export async function runShow(options: ShowOptions, io: CommandIo): Promise<number> {
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
