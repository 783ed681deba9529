// Which documents are Tekton resources `validate` checks, read from parsed YAML (a single object,
// several documents, or a `List` as kubectl prints it). Pure.

import type { Finding, Path } from './types.js';
import { locate, type SourceDocument } from './yaml.js';
import { isRecord } from '../json/guards.js';

export type TektonKind = 'Task' | 'ClusterTask' | 'Pipeline' | 'PipelineRun' | 'TaskRun';
const KINDS: readonly TektonKind[] = ['Task', 'ClusterTask', 'Pipeline', 'PipelineRun', 'TaskRun'];
const VERSIONS = ['v1', 'v1beta1'] as const;
export type TektonVersion = (typeof VERSIONS)[number];

/**
 * ClusterTask is a Task spec at cluster scope. Tekton deprecated it in v0.41 (docs/deprecations.md)
 * in favour of the cluster resolver, and never served it as tekton.dev/v1.
 */
export const CLUSTER_TASK_NOTE =
  'ClusterTask is deprecated since Tekton Pipelines v0.41 and was never served as tekton.dev/v1; newer releases drop it: use a Task and taskRef.resolver: cluster';

export interface Resource {
  kind: TektonKind;
  apiVersion: string;
  version: TektonVersion;
  /** metadata.name, or generateName followed by "…" for runs created with generateName. */
  name: string;
  /** metadata.namespace when the file sets one. */
  namespace: string | undefined;
  source: SourceDocument;
  /** Where the object sits in its document: [] or ['items', 3]. */
  base: Path;
  value: Record<string, unknown>;
  annotations: Record<string, string>;
}

export interface Extracted {
  resources: Resource[];
  /** TA002 findings. */
  findings: Finding[];
  /** Documents that are not Tekton Tasks, Pipelines or runs (ConfigMaps, kustomizations…). */
  skipped: number;
  /** Kinds of the skipped objects with how many of each ("ConfigMap" → 2), for messages. */
  skippedKinds: Map<string, number>;
}

/**
 * A value from an input as text for a message. String() is not safe on parsed YAML: a mapping
 * with a key named toString (`{toString: 0}`) makes it throw.
 */
export function plainText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function extractResources(documents: readonly SourceDocument[]): Extracted {
  const out: Extracted = { resources: [], findings: [], skipped: 0, skippedKinds: new Map() };
  for (const source of documents) visit(source, source.value, [], out, new Set());
  return out;
}

function skip(out: Extracted, kind: string): void {
  out.skipped++;
  out.skippedKinds.set(kind, (out.skippedKinds.get(kind) ?? 0) + 1);
}

function visit(
  source: SourceDocument,
  value: unknown,
  base: Path,
  out: Extracted,
  lists: Set<unknown>,
): void {
  if (value === null || value === undefined) return; // an empty document, or a stray "---"
  if (!isRecord(value)) {
    skip(out, Array.isArray(value) ? 'a list' : 'plain text');
    return;
  }
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    // parseYaml rejects self-containing values; this guard keeps the walk finite for values
    // built any other way.
    if (lists.has(value)) return;
    lists.add(value);
    value.items.forEach((item: unknown, i: number) => visit(source, item, [...base, 'items', i], out, lists));
    lists.delete(value);
    return;
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  if (
    !apiVersion.startsWith('tekton.dev/') ||
    typeof kind !== 'string' ||
    !(KINDS as readonly string[]).includes(kind)
  ) {
    skip(out, typeof kind === 'string' && kind !== '' ? kind : 'an object without kind');
    return;
  }
  const problem = (path: Path, message: string, hint: string, at: 'key' | 'value' = 'key'): void => {
    const pos = locate(source, [...base, ...path], at);
    out.findings.push({ ruleId: 'TA002', severity: 'error', file: source.file, ...pos, message, hint });
  };
  const version = apiVersion.slice('tekton.dev/'.length);
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const generateName = typeof metadata.generateName === 'string' ? metadata.generateName : '';
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : '';
  const label = `${kind}${name ? ` "${name}"` : ''}`;
  if (!(VERSIONS as readonly string[]).includes(version)) {
    problem(
      ['apiVersion'],
      `${label}: ${apiVersion} is not served by Tekton Pipelines any more`,
      'use apiVersion tekton.dev/v1 (or tekton.dev/v1beta1)',
      'value',
    );
    return;
  }
  if (kind === 'ClusterTask' && version !== 'v1beta1') {
    problem(
      ['apiVersion'],
      `${label}: Tekton never served ClusterTask as ${apiVersion}, only as tekton.dev/v1beta1`,
      'make it a Task (kind: Task), referenced with taskRef.resolver: cluster; or use apiVersion tekton.dev/v1beta1',
      'value',
    );
    return;
  }
  const runKind = kind === 'PipelineRun' || kind === 'TaskRun';
  if (!name && !(runKind && generateName)) {
    problem(
      isRecord(value.metadata) ? ['metadata'] : [],
      `${kind} has no metadata.name${runKind ? ' or metadata.generateName' : ''}`,
      'give it a metadata.name',
    );
    return;
  }
  if (!isRecord(value.spec)) {
    problem(
      value.spec === undefined ? [] : ['spec'],
      `${label}: spec is ${value.spec === undefined ? 'missing' : 'not a mapping'}`,
      `a ${kind} needs a spec mapping`,
    );
    return;
  }
  out.resources.push({
    kind: kind as TektonKind,
    apiVersion,
    version: version as TektonVersion,
    name: name || `${generateName}…`,
    namespace: typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : undefined,
    source,
    base,
    value,
    annotations: stringRecord(metadata.annotations),
  });
}
