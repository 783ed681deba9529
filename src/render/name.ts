import type { ArtifactTree } from '../tree/model.js';
import { sanitize } from '../text/sanitize.js';

/**
 * `-o name`: one artifact per line, the canonical reference by digest where there is one, for
 * `xargs` and loops (the kubectl -o name habit). Inline-only artifacts have no name to print.
 */
export function treeNames(tree: ArtifactTree): string {
  // A Set keeps the first-seen order and makes de-duplication linear (includes() was quadratic).
  const names = new Set<string>();
  const artifacts = [...tree.taskRuns.flatMap((taskRun) => taskRun.artifacts), ...tree.unreported];
  for (const artifact of artifacts) {
    const name = artifact.reference ?? artifact.location;
    if (name) names.add(name);
  }
  return [...names].map((name) => `${sanitize(name)}\n`).join('');
}
