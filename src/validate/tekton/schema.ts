// Shapes as Tekton's webhook decodes them: the webhook (cmd/webhook/main.go, "Whether to disallow
// unknown fields: true") decodes every object with encoding/json's DisallowUnknownFields into the
// Go types of its release, so an unknown field or a value of the wrong JSON type is rejected
// before any validation runs. The Go types come from the generated data (api-data.ts). Pure.

import { isRecord } from '../../json/guards.js';
import { plainText } from '../resources.js';
import type { Path, RawFinding } from '../types.js';
import type { ApiField, ApiNamed, ApiStruct, TektonApiData } from './api-types.js';

/**
 * Kubernetes types the data does not expand (k8s.io/api and k8s.io/apimachinery): their JSON
 * kind, from their Go declarations (core/v1/types.go: `type PullPolicy string`; metav1.Duration
 * and metav1.Time decode from strings; resource.Quantity from a string or a number).
 */
const EXTERNAL_SCALARS: Record<string, 'string' | 'int' | 'quantity'> = {
  'resource.Quantity': 'quantity',
  'intstr.IntOrString': 'quantity',
  'types.UID': 'string',
  'corev1.PullPolicy': 'string',
  'corev1.TerminationMessagePolicy': 'string',
  'corev1.ContainerRestartPolicy': 'string',
  'corev1.DNSPolicy': 'string',
  'selection.Operator': 'string',
  'metav1.Duration': 'string',
  'metav1.Time': 'string',
  'metav1.MicroTime': 'string',
  'resource.PipelineResourceType': 'string',
  'result.ResultType': 'int',
};
const EXTERNAL_ANY = new Set(['runtime.RawExtension', 'config.FeatureFlags']);
/** Inline TypeMeta: apiVersion and kind (k8s.io/apimachinery meta/v1 TypeMeta). */
const TYPE_META: ApiField[] = [
  { name: 'apiVersion', go: 'APIVersion', type: 'string' },
  { name: 'kind', go: 'Kind', type: 'string' },
];

export interface ShapeContext {
  api: TektonApiData;
  version: string;
  /** "Tekton v1.15.0", for messages. */
  release: string;
  /** Fields handled by another rule (the proposed artifact API): owner struct, JSON name. */
  skip?: (owner: string, field: string) => boolean;
  /** Called for every object decoded as a Tekton struct, before its fields: admission rules. */
  visit?: (owner: string, value: Record<string, unknown>, path: Path) => void;
  /** A hint for an unknown field other than "did you mean" (where the other API version has it). */
  unknownHint?: (owner: string, key: string) => string | undefined;
}

export interface FieldIndex {
  /** An embedded Kubernetes type this data does not expand: any field may be one of its. */
  open: boolean;
  /** JSON name → field, exact. */
  exact: Map<string, ApiField>;
  /** lower-cased JSON name → field: encoding/json also accepts a case-insensitive match. */
  folded: Map<string, ApiField>;
}

const indexCache = new WeakMap<ApiStruct, FieldIndex>();

/** A struct's JSON fields with embedded structs flattened, as encoding/json sees them. */
export function fieldIndex(api: TektonApiData, version: string, struct: ApiStruct): FieldIndex {
  const hit = indexCache.get(struct);
  if (hit) return hit;
  const exact = new Map<string, ApiField>();
  let open = false;
  const add = (fields: readonly ApiField[], depth: number): void => {
    for (const f of fields) {
      if (f.inline) {
        if (depth > 8) continue;
        if (f.type.endsWith('.TypeMeta')) add(TYPE_META, depth + 1);
        else if (f.type.startsWith('ext:')) open = true;
        const inner = lookupStruct(api, version, f.type);
        if (inner) add(inner.fields, depth + 1);
        continue;
      }
      // The shallower field wins, as in encoding/json.
      if (!exact.has(f.name)) exact.set(f.name, f);
    }
  };
  add(struct.fields, 0);
  const folded = new Map<string, ApiField>();
  for (const [name, f] of exact) if (!folded.has(name.toLowerCase())) folded.set(name.toLowerCase(), f);
  const index = { exact, folded, open };
  indexCache.set(struct, index);
  return index;
}

function split(type: string): { pkg: string; name: string } {
  const dot = type.lastIndexOf('.');
  return { pkg: type.slice(0, dot), name: type.slice(dot + 1) };
}

export function lookupStruct(api: TektonApiData, _version: string, type: string): ApiStruct | undefined {
  if (type.startsWith('ext:')) return undefined;
  const { pkg, name } = split(type);
  return api.structs[pkg]?.[name];
}

export function lookupNamed(api: TektonApiData, type: string): ApiNamed | undefined {
  if (type.startsWith('ext:')) return undefined;
  const { pkg, name } = split(type);
  return api.named[pkg]?.[name];
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(a.length, b.length);
}

/** The closest candidate, when it is close enough to be a typo. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  return best !== undefined && bestD <= limit ? best : undefined;
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isRecord(value)) return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

function describeType(api: TektonApiData, type: string): string {
  if (type.startsWith('[]')) return 'a list';
  if (type.startsWith('map[')) return 'a mapping';
  if (type === 'string') return 'a string';
  if (type === 'int') return 'an integer';
  if (type === 'float') return 'a number';
  if (type === 'bool') return 'a boolean (true or false)';
  if (type.startsWith('ext:')) {
    const scalar = EXTERNAL_SCALARS[type.slice(4)];
    if (scalar === 'string') return 'a string';
    if (scalar === 'int') return 'an integer';
    return 'a mapping';
  }
  const named = lookupNamed(api, type);
  if (named && !named.custom) return describeType(api, named.type);
  return 'a mapping';
}

function pathText(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * Decodes `value` as the webhook would into `type`, returning the TA501 (unknown field) and TA502
 * (wrong type) findings. `path` is where `value` sits in the resource.
 */
export function checkShapeAt(value: unknown, type: string, path: Path, ctx: ShapeContext): RawFinding[] {
  const out: RawFinding[] = [];
  walk(value, type, path, ctx, out, 0);
  return out;
}

function wrong(out: RawFinding[], ctx: ShapeContext, path: Path, value: unknown, type: string): void {
  const expected = describeType(ctx.api, type);
  const shown =
    typeof value === 'string'
      ? ` (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`
      : '';
  out.push({
    ruleId: 'TA502',
    path,
    message: `${pathText(path)} is ${jsonKind(value)}${shown}, but ${ctx.release} decodes it as ${expected}: the webhook rejects the resource (cannot unmarshal ${jsonKind(value).replace(/^an? /, '')})`,
    hint: `write ${pathText(path)} as ${expected}`,
  });
}

function walk(
  value: unknown,
  type: string,
  path: Path,
  ctx: ShapeContext,
  out: RawFinding[],
  depth: number,
): void {
  // null decodes to the zero value of any type.
  if (value === null || value === undefined || type === 'any' || depth > 64) return;
  const { api } = ctx;
  if (type.startsWith('[]')) {
    if (!Array.isArray(value)) return wrong(out, ctx, path, value, type);
    const inner = type.slice(2);
    value.forEach((v, i) => walk(v, inner, [...path, i], ctx, out, depth + 1));
    return;
  }
  if (type.startsWith('map[string]')) {
    if (!isRecord(value)) return wrong(out, ctx, path, value, type);
    const inner = type.slice('map[string]'.length);
    for (const [k, v] of Object.entries(value)) walk(v, inner, [...path, k], ctx, out, depth + 1);
    return;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') wrong(out, ctx, path, value, type);
      return;
    case 'bool':
      if (typeof value !== 'boolean') wrong(out, ctx, path, value, type);
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrong(out, ctx, path, value, type);
      return;
    case 'float':
      if (typeof value !== 'number') wrong(out, ctx, path, value, type);
      return;
  }
  if (type.startsWith('ext:')) {
    const ext = type.slice(4);
    if (EXTERNAL_ANY.has(ext)) return;
    const scalar = EXTERNAL_SCALARS[ext];
    if (scalar === 'string' && typeof value !== 'string') wrong(out, ctx, path, value, type);
    else if (scalar === 'int' && typeof value !== 'number') wrong(out, ctx, path, value, type);
    else if (scalar === 'quantity' && typeof value !== 'number' && typeof value !== 'string')
      wrong(out, ctx, path, value, type);
    else if (scalar === undefined && !isRecord(value)) wrong(out, ctx, path, value, type);
    return;
  }
  const named = lookupNamed(api, type);
  if (named) {
    // ParamValue's UnmarshalJSON takes any JSON (it falls back to the text): nothing to check.
    if (named.custom) return;
    walk(value, named.type, path, ctx, out, depth + 1);
    return;
  }
  const struct = lookupStruct(api, ctx.version, type);
  if (!struct) return;
  if (!isRecord(value)) return wrong(out, ctx, path, value, type);
  const index = fieldIndex(api, ctx.version, struct);
  const owner = split(type).name;
  ctx.visit?.(owner, value, path);
  for (const [key, v] of Object.entries(value)) {
    const field = index.exact.get(key) ?? index.folded.get(key.toLowerCase());
    if (ctx.skip?.(owner, field?.name ?? key)) continue;
    if (!field) {
      if (index.open) continue;
      const near = suggest(key, index.exact.keys());
      const moved = near ? undefined : ctx.unknownHint?.(owner, key);
      out.push({
        ruleId: 'TA501',
        path: [...path, key],
        at: 'key',
        message: `unknown field "${key}" in ${pathText(path) || 'the resource'} (${owner}): ${ctx.release}'s webhook decodes strictly and rejects it`,
        hint: near
          ? `did you mean "${near}"?`
          : (moved ??
            `remove it, or move it where ${owner} has it; the fields of ${owner} are ${[...index.exact.keys()].slice(0, 12).join(', ')}${index.exact.size > 12 ? ', …' : ''}`),
      });
      continue;
    }
    walk(v, field.type, [...path, key], ctx, out, depth + 1);
  }
}

/** A value for messages, short. */
export function shown(value: unknown): string {
  const t = plainText(value);
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}…` : t);
}
