/**
 * One artifact's content refused (a hostile or broken archive, a name that cannot be a file name,
 * a blob that does not match its digest) is that artifact's problem: the rest of the run is
 * still pulled, the report lists what failed and why, and the pull exits with the failure's
 * code (7) unless --allow-partial accepts it. Failures that are not the content's (network, permissions, interruption) still stop
 * the whole pull.
 */
import { toCliError } from '../cli/errors.js';
import type { ExitCodeName } from '../cli/exit-codes.js';

export interface PullProblem {
  task?: string;
  artifact: string;
  reference?: string;
  /** The layer or archive that failed, when it is known. */
  digest?: string;
  title?: string;
  /** What is wrong, for people (the error's message). */
  reason: string;
  /** What the exit code would have been had this artifact been pulled alone. */
  exit: ExitCodeName;
}

/** Whether an error is about one artifact's content, so that the others can still be pulled. */
export function isArtifactProblem(error: unknown): boolean {
  return toCliError(error).exit === 'integrity';
}

export function problemOf(
  owner: { task?: string; artifact: string; reference?: string; digest?: string; title?: string },
  error: unknown,
): PullProblem {
  const cli = toCliError(error);
  return {
    ...(owner.task !== undefined ? { task: owner.task } : {}),
    artifact: owner.artifact,
    ...(owner.reference !== undefined ? { reference: owner.reference } : {}),
    ...(owner.digest !== undefined ? { digest: owner.digest } : {}),
    ...(owner.title !== undefined ? { title: owner.title } : {}),
    reason: cli.message,
    exit: cli.exit,
  };
}
