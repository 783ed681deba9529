/** Artifact trees built by hand for diff's unit tests, and a mirror of a report for symmetry checks. */
import {
  TREE_API_VERSION,
  type ArtifactNode,
  type ArtifactTree,
  type Outcome,
  type TaskRunNode,
} from '../../../src/tree/model.js';
import type { ArtifactDiff, ContentDiff, TaskDiff } from '../../../src/diff/model.js';

export function artifact(
  name: string,
  files: Record<string, string>,
  extra: Partial<ArtifactNode> = {},
): ArtifactNode {
  return {
    name,
    direction: 'output',
    producers: ['tep-0193'],
    reportedAt: [],
    reference: `reg.example/ns/artifacts@sha256:${'m'.repeat(8)}${name}`,
    digest: `sha256:manifest-${name}`,
    digestRefersTo: 'manifest',
    state: 'present',
    usable: true,
    files: Object.entries(files).map(([title, digest]) => ({
      title,
      digest,
      size: digest.length,
      mediaType: 'application/octet-stream',
    })),
    platforms: [],
    referrers: [],
    ...extra,
  };
}

export function inline(name: string, value: string): ArtifactNode {
  return artifact(
    name,
    {},
    {
      state: 'inline',
      inline: value,
      digest: undefined,
      reference: undefined,
    },
  );
}

export function taskRun(
  name: string,
  pipelineTask: string | undefined,
  outcome: Outcome,
  artifacts: ArtifactNode[],
): TaskRunNode {
  return { name, ...(pipelineTask !== undefined ? { pipelineTask } : {}), outcome, artifacts };
}

export function tree(
  name: string,
  taskRuns: TaskRunNode[],
  kind: 'PipelineRun' | 'Artifact' = 'PipelineRun',
): ArtifactTree {
  return {
    apiVersion: TREE_API_VERSION,
    kind: 'ArtifactTree',
    run: { kind, name, outcome: 'Succeeded', source: 'test' },
    storage: {},
    taskRuns,
    unreported: [],
    problems: [],
  };
}

const SWAP_CHANGE = { A: 'D', D: 'A', C: 'C' } as const;
const SWAP_TEST = {
  'newly-failing': 'newly-passing',
  'newly-passing': 'newly-failing',
  appeared: 'disappeared',
  disappeared: 'appeared',
  changed: 'changed',
} as const;

function swapSides<T extends { a?: unknown; b?: unknown }>(value: T): T {
  const out = { ...value } as T & { a?: unknown; b?: unknown };
  delete out.a;
  delete out.b;
  if (value.b !== undefined) out.a = value.b;
  if (value.a !== undefined) out.b = value.a;
  return out;
}

export function mirrorContent(entry: ContentDiff): ContentDiff {
  const out = swapSides(entry);
  out.change = SWAP_CHANGE[entry.change];
  if (entry.files) out.files = entry.files.map(mirrorContent);
  if (entry.json)
    out.json = entry.json.map((j) => ({
      ...swapSides(j),
      op: j.op === 'added' ? 'removed' : j.op === 'removed' ? 'added' : 'changed',
    }));
  if (entry.packages)
    out.packages = entry.packages.map((p) => ({
      ...swapSides(p),
      op: p.op === 'added' ? 'removed' : p.op === 'removed' ? 'added' : 'changed',
    }));
  if (entry.tests) out.tests = entry.tests.map((t) => ({ ...swapSides(t), change: SWAP_TEST[t.change] }));
  return out;
}

export function mirrorArtifact(diff: ArtifactDiff): ArtifactDiff {
  const out = swapSides(diff);
  out.status = diff.status === 'added' ? 'removed' : diff.status === 'removed' ? 'added' : diff.status;
  if (diff.content) out.content = diff.content.map(mirrorContent);
  return out;
}

export function mirrorTask(diff: TaskDiff): TaskDiff {
  const out = swapSides(diff);
  out.status = diff.status === 'added' ? 'removed' : diff.status === 'removed' ? 'added' : 'matched';
  return out;
}
