// Which documents are Tekton resources `validate` checks, read from parsed YAML (a single object,
// several documents, or a `List` as kubectl prints it). Pure.

import type { Finding, Path } from './types.js';
import { locate, type SourceDocument } from './yaml.js';

export type TektonKind = 'Task' | 'Pipeline' | 'PipelineRun' | 'TaskRun';
const KINDS: readonly TektonKind[] = ['Task', 'Pipeline', 'PipelineRun', 'TaskRun'];
const VERSIONS = ['v1', 'v1beta1'] as const;
export type TektonVersion = (typeof VERSIONS)[number];

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
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function extractResources(documents: readonly SourceDocument[]): Extracted {
  const out: Extracted = { resources: [], findings: [], skipped: 0 };
  for (const source of documents) visit(source, source.value, [], out);
  return out;
}

function visit(source: SourceDocument, value: unknown, base: Path, out: Extracted): void {
  if (value === null || value === undefined) return; // an empty document, or a stray "---"
  if (!isRecord(value)) {
    out.skipped++;
    return;
  }
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item: unknown, i: number) => visit(source, item, [...base, 'items', i], out));
    return;
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  if (!apiVersion.startsWith('tekton.dev/') || !(KINDS as readonly string[]).includes(String(kind))) {
    out.skipped++;
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
  const label = `${String(kind)}${name ? ` "${name}"` : ''}`;
  if (!(VERSIONS as readonly string[]).includes(version)) {
    problem(
      ['apiVersion'],
      `${label}: ${apiVersion} is not served by Tekton Pipelines any more`,
      'use apiVersion tekton.dev/v1 (or tekton.dev/v1beta1)',
      'value',
    );
    return;
  }
  const runKind = kind === 'PipelineRun' || kind === 'TaskRun';
  if (!name && !(runKind && generateName)) {
    problem(
      isRecord(value.metadata) ? ['metadata'] : [],
      `${String(kind)} has no metadata.name${runKind ? ' or metadata.generateName' : ''}`,
      'give it a metadata.name',
    );
    return;
  }
  if (!isRecord(value.spec)) {
    problem(
      value.spec === undefined ? [] : ['spec'],
      `${label}: spec is ${value.spec === undefined ? 'missing' : 'not a mapping'}`,
      `a ${String(kind)} needs a spec mapping`,
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
