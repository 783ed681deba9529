import type { ArtifactTree } from '../tree/model.js';
import { sanitize } from './sanitize.js';

/**
 * `-o name`: one artifact per line, the canonical reference by digest where there is one, for
 * `xargs` and loops (the kubectl -o name habit). Inline-only artifacts have no name to print.
 */
export function treeNames(tree: ArtifactTree): string {
  const names: string[] = [];
  const artifacts = [...tree.taskRuns.flatMap((taskRun) => taskRun.artifacts), ...tree.unreported];
  for (const artifact of artifacts) {
    const name = artifact.reference ?? artifact.location;
    if (name && !names.includes(name)) names.push(name);
  }
  return names.map((name) => `${sanitize(name)}\n`).join('');
}
