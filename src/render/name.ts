import type { ArtifactNode, ArtifactTree } from '../tree/model.js';
import { sanitize } from '../text/sanitize.js';

/**
 * The name a script can hand back to show, pull or oras: the canonical reference by digest; for
 * an artifact that is one blob (Konflux, StepActions), the `oci:` URI Konflux hands out, since
 * `repo@sha256:<blob>` reads as a manifest that does not exist.
 */
function nameOf(artifact: ArtifactNode): string | undefined {
  if (artifact.digestRefersTo === 'blob' && artifact.reference) return `oci:${artifact.reference}`;
  return artifact.reference ?? artifact.location;
}

/**
 * `-o name`: one artifact per line, for `xargs` and loops (the kubectl -o name habit).
 * Inline-only artifacts have no name to print.
 */
export function treeNames(tree: ArtifactTree): string {
  // A Set keeps the first-seen order and makes de-duplication linear (includes() was quadratic).
  const names = new Set<string>();
  const artifacts = [
    ...tree.taskRuns.flatMap((taskRun) => taskRun.artifacts),
    ...tree.unreported,
    ...(tree.artifact ? [tree.artifact] : []),
  ];
  for (const artifact of artifacts) {
    const name = nameOf(artifact);
    if (name) names.add(name);
  }
  return [...names].map((name) => `${sanitize(name)}\n`).join('');
}
