/**
 * What of a tree could not be read: artifacts in state `error`, referrers that failed, and
 * listings or root lookups that failed (fetch-error problems). A command that could not read
 * something it was asked for does not exit 0 unless the user accepts a partial result.
 */
import { sanitize } from '../text/sanitize.js';
import type { ArtifactTree, Failure, ReferrerNode } from './model.js';

export interface Missing {
  /** What could not be read, for people. */
  what: string;
  failure: Failure;
  /** Set for an artifact a TaskRun reported as its input. */
  input?: true;
}

/** Which failure decides the exit code when several kinds are missing: the one to act on first. */
const PRECEDENCE: Failure['kind'][] = [
  'integrity',
  'forbidden',
  'unreachable',
  'notFound',
  'unsupported',
  'notConfigured',
  'usage',
  'internal',
];

function referrerFailures(referrers: ReferrerNode[], where: string): Missing[] {
  return referrers.flatMap((referrer) => [
    ...(referrer.failure
      ? [
          {
            what: `${where}: referrer ${referrer.digest}: ${referrer.error ?? referrer.failure.kind}`,
            failure: referrer.failure,
          },
        ]
      : []),
    ...referrerFailures(referrer.referrers, where),
  ]);
}

/** Everything the resolution could not read, in tree order. */
export function missingFrom(tree: ArtifactTree): Missing[] {
  const out: Missing[] = [];
  const artifacts = [
    ...tree.taskRuns.flatMap((taskRun) =>
      taskRun.artifacts.map((node) => ({
        where: `${taskRun.pipelineTask ?? taskRun.name}/${node.name}`,
        node,
      })),
    ),
    ...tree.unreported.map((node) => ({ where: `(unreported)/${node.name}`, node })),
  ];
  for (const { where, node } of artifacts) {
    if (node.state === 'error')
      out.push({
        what: `${where}: ${node.error ?? 'could not be read'}`,
        failure: node.failure ?? { kind: 'internal' },
        ...(node.direction === 'input' ? { input: true as const } : {}),
      });
    out.push(...referrerFailures(node.referrers, where));
  }
  for (const problem of tree.problems)
    if (problem.kind === 'fetch-error' && problem.failure)
      out.push({
        what: problem.reference ? `${problem.reference}: ${problem.message}` : problem.message,
        failure: problem.failure,
      });
  return out;
}

/** The failure whose kind the exit code reports, or undefined when nothing is missing. */
export function decidingFailure(missing: Missing[]): Failure | undefined {
  let best: Failure | undefined;
  for (const { failure } of missing)
    if (!best || PRECEDENCE.indexOf(failure.kind) < PRECEDENCE.indexOf(best.kind)) best = failure;
  return best;
}

/** The lines saying what is missing (registry text escaped), at most `limit` of them and a count of the rest. */
export function describeMissing(missing: Missing[], limit = 5): string[] {
  const lines = missing.slice(0, limit).map((m) => `  ${sanitize(m.what)}`);
  if (missing.length > limit) lines.push(`  … and ${missing.length - limit} more`);
  return lines;
}
