/**
 * How the user typed us, for help and messages. bin/ scripts say so in TKN_ARTIFACTS_INVOKED_AS;
 * a standalone executable is known by its own file name: kubectl-tkn-artifacts is reached as
 * `kubectl tkn artifacts`, kubectl-tkn_artifacts (krew's link) as `kubectl tkn-artifacts`.
 * Its own module: the loader's help fast path (src/help/fast-path.ts) names us the same way without
 * loading main.ts.
 */
import { basename } from 'node:path';

export function displayName(): string {
  const invokedAs = process.env['TKN_ARTIFACTS_INVOKED_AS'] ?? basename(process.argv0);
  if (invokedAs.startsWith('kubectl-tkn_')) return 'kubectl tkn-artifacts';
  return invokedAs.startsWith('kubectl-') ? 'kubectl tkn artifacts' : 'tkn artifacts';
}

/** A standalone executable linked as kubectl_complete-tkn-artifacts is kubectl's completion for it. */
export function invokedAsCompletion(): boolean {
  return basename(process.argv0).startsWith('kubectl_complete-');
}
