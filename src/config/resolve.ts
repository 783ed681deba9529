// The effective storage configuration: five levels, highest first, each inheriting unset keys
// from the one below (TEP-0164 "Resolution order"). Pure: loadStorageConfig fetches the inputs.

import type { ConfigMap, ObjectMeta } from '../cluster/types.js';
import { checkTagPattern } from './tag-pattern.js';
import {
  ANNOTATION_STORAGE_PREFIX,
  BACKENDS,
  CONFIG_LEVELS,
  DEFAULT_STORAGE_CONFIGMAP,
  DEFAULT_TEKTON_NAMESPACE,
  KEY_SPECS,
  LEGACY_NAMESPACE_CONFIG_LABEL_VALUE,
  MAX_INLINE_THRESHOLD,
  NAMESPACE_CONFIG_LABEL,
  NAMESPACE_CONFIG_LABEL_VALUE,
  OTHER_BACKEND_KEY_PREFIXES,
} from './keys.js';
import type { ConfigLevel, KeySpec, StorageField, StorageSettings } from './keys.js';
import { isRecord } from '../json/guards.js';

export interface StorageConfigNames {
  /** ConfigMap name at namespace and cluster level (installations can rename it). */
  configMapName: string;
  /** Where Tekton Pipelines is installed (the cluster level). */
  tektonNamespace: string;
}

export const DEFAULT_STORAGE_CONFIG_NAMES: StorageConfigNames = {
  configMapName: DEFAULT_STORAGE_CONFIGMAP,
  tektonNamespace: DEFAULT_TEKTON_NAMESPACE,
};

export interface StorageConfigInputs {
  /** The run's namespace. */
  namespace: string;
  names?: Partial<StorageConfigNames>;
  pipelineRun?: { metadata: ObjectMeta };
  pipeline?: { metadata: ObjectMeta };
  namespaceConfigMap?: ConfigMap;
  clusterConfigMap?: ConfigMap;
  /** Levels that could not be read (e.g. 403): reported with what they may have hidden. */
  unavailable?: Array<{ level: ConfigLevel; reason: string }>;
  /** Levels that do not apply, with why (e.g. an embedded pipelineSpec has no Pipeline). */
  notApplicable?: Array<{ level: ConfigLevel; reason: string }>;
}

export type ConfigWarningCode =
  | 'conflicting-spellings'
  | 'invalid-value'
  | 'repository-without-enabled'
  | 'enabled-without-repository'
  | 'missing-label'
  | 'unavailable'
  | 'unknown-key'
  | 'threshold-too-high'
  | 'tag-pattern';

export interface ConfigWarning {
  code: ConfigWarningCode;
  message: string;
  level?: ConfigLevel;
  /** "ConfigMap tekton-pipelines/config-artifact-storage", "PipelineRun ns/name annotations"… */
  source?: string;
  /** The key as written. */
  sourceKey?: string;
}

export interface ValueOrigin {
  level: ConfigLevel;
  source: string;
  /** The key as written at that level (spelling, or annotation key); absent for defaults. */
  sourceKey?: string;
  /** The value as written. */
  raw?: string;
}

export interface EffectiveValue<T> extends ValueOrigin {
  /** TEP spelling of the key. */
  key: string;
  value: T;
  /** Values set at lower levels that this one overrides (highest first). */
  overrides: ValueOrigin[];
}

export type EffectiveValues = { [F in StorageField]: EffectiveValue<StorageSettings[F]> };

export type LevelStatus = 'used' | 'empty' | 'absent' | 'ignored' | 'unavailable' | 'not-applicable';

export interface LevelReport {
  level: ConfigLevel;
  source: string;
  status: LevelStatus;
  detail?: string;
}

export interface ResolvedStorageConfig {
  settings: StorageSettings;
  values: EffectiveValues;
  levels: LevelReport[];
  warnings: ConfigWarning[];
  names: StorageConfigNames;
}

interface LevelInput {
  level: ConfigLevel;
  source: string;
  kind: 'annotations' | 'configmap';
  entries: Record<string, string>;
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function parseValue(
  spec: KeySpec,
  raw: string,
): { ok: true; value: StorageSettings[StorageField] } | { ok: false; why: string } {
  const v = raw.trim();
  switch (spec.type) {
    case 'boolean': {
      const l = v.toLowerCase();
      if (l === 'true') return { ok: true, value: true };
      if (l === 'false') return { ok: true, value: false };
      return { ok: false, why: 'expected "true" or "false"' };
    }
    case 'integer': {
      if (!/^\d+$/.test(v)) return { ok: false, why: 'expected a number of bytes' };
      return { ok: true, value: Number(v) };
    }
    case 'backend':
      if (v === '') return { ok: false, why: 'empty' };
      return { ok: true, value: v.toLowerCase() };
    case 'string':
    case 'tag-pattern':
      if (v === '') return { ok: false, why: 'empty' };
      return { ok: true, value: v };
  }
}

/** Lower-cased and without separators, to spot "oci.tagpattern" or "oci_repository". */
function squash(key: string): string {
  return key.toLowerCase().replace(/[._-]/g, '');
}

export function resolveStorageConfig(inputs: StorageConfigInputs): ResolvedStorageConfig {
  const names: StorageConfigNames = {
    ...DEFAULT_STORAGE_CONFIG_NAMES,
    ...stripUndefined(inputs.names ?? {}),
  };
  const warnings: ConfigWarning[] = [];
  const levels: LevelReport[] = [];
  const usable: LevelInput[] = [];
  const unavailable = new Map((inputs.unavailable ?? []).map((u) => [u.level, u.reason]));
  const notApplicable = new Map((inputs.notApplicable ?? []).map((u) => [u.level, u.reason]));

  const addAnnotationLevel = (
    level: 'pipelinerun' | 'pipeline',
    obj: { metadata: ObjectMeta } | undefined,
  ): void => {
    const kind = level === 'pipelinerun' ? 'PipelineRun' : 'Pipeline';
    const source = obj
      ? `${kind} ${obj.metadata.namespace ?? inputs.namespace}/${obj.metadata.name} annotations`
      : `${kind} annotations`;
    if (unavailable.has(level)) {
      levels.push({ level, source, status: 'unavailable', detail: unavailable.get(level) ?? '' });
      warnings.push({
        code: 'unavailable',
        level,
        source,
        message: `could not read the ${kind} (${unavailable.get(level)}); its annotations could set oci.repository or backend`,
      });
      return;
    }
    if (!obj) {
      const why = notApplicable.get(level);
      levels.push({
        level,
        source,
        status: why ? 'not-applicable' : 'absent',
        ...(why ? { detail: why } : {}),
      });
      return;
    }
    const entries = stringMap(obj.metadata.annotations);
    const relevant: Record<string, string> = {};
    for (const [k, v] of Object.entries(entries)) {
      if (KEY_SPECS.some((s) => s.annotationKeys.includes(k))) relevant[k] = v;
      else if (k.startsWith(ANNOTATION_STORAGE_PREFIX)) {
        warnings.push({
          code: 'unknown-key',
          level,
          source,
          sourceKey: k,
          message: `annotation ${k} is not read by Tekton: only ${KEY_SPECS.flatMap((s) => s.annotationKeys).join(' and ')} can be set per ${kind}`,
        });
      }
    }
    const n = Object.keys(relevant).length;
    levels.push({
      level,
      source,
      status: n > 0 ? 'used' : 'empty',
      ...(n > 0 ? { detail: `${n} key${n > 1 ? 's' : ''}` } : {}),
    });
    if (n > 0) usable.push({ level, source, kind: 'annotations', entries: relevant });
  };

  const addConfigMapLevel = (level: 'namespace' | 'cluster', ns: string, cm: ConfigMap | undefined): void => {
    const source = `ConfigMap ${ns}/${names.configMapName}`;
    if (level === 'namespace' && ns === names.tektonNamespace) {
      levels.push({
        level,
        source,
        status: 'not-applicable',
        detail: 'the run is in the Tekton namespace: same as the cluster level',
      });
      return;
    }
    if (unavailable.has(level)) {
      const reason = unavailable.get(level) ?? '';
      levels.push({ level, source, status: 'unavailable', detail: reason });
      warnings.push({
        code: 'unavailable',
        level,
        source,
        message: `could not read ${source} (${reason}); any ${level}-level setting it holds is not shown`,
      });
      return;
    }
    if (!cm) {
      levels.push({ level, source, status: 'absent' });
      return;
    }
    if (level === 'namespace') {
      const label = cm.metadata.labels?.[NAMESPACE_CONFIG_LABEL];
      if (label !== NAMESPACE_CONFIG_LABEL_VALUE) {
        // TEP-0085/0164: only labelled ConfigMaps are namespace configuration; the controller
        // skips others, so we do too, and say so.
        const legacy = label === LEGACY_NAMESPACE_CONFIG_LABEL_VALUE;
        const detail = legacy
          ? `label ${NAMESPACE_CONFIG_LABEL}=${label} is the original TEP-0164 value; it must be ${NAMESPACE_CONFIG_LABEL_VALUE}`
          : `missing label ${NAMESPACE_CONFIG_LABEL}=${NAMESPACE_CONFIG_LABEL_VALUE}`;
        levels.push({ level, source, status: 'ignored', detail });
        warnings.push({
          code: 'missing-label',
          level,
          source,
          message: `${source} is ignored: ${detail}; add it with: kubectl label configmap ${names.configMapName} -n ${ns} ${NAMESPACE_CONFIG_LABEL}=${NAMESPACE_CONFIG_LABEL_VALUE}${legacy ? ' --overwrite' : ''}`,
        });
        return;
      }
    }
    const entries = stringMap(cm.data);
    for (const k of Object.keys(entries)) {
      if (KEY_SPECS.some((s) => s.configMapKeys.includes(k))) continue;
      if (OTHER_BACKEND_KEY_PREFIXES.some((p) => k.startsWith(p)) || k.startsWith('_')) continue;
      const near = KEY_SPECS.find((s) => s.configMapKeys.some((c) => squash(c) === squash(k)));
      warnings.push({
        code: 'unknown-key',
        level,
        source,
        sourceKey: k,
        message: `${source}: unknown key "${k}"${near ? ` (did you mean "${near.configMapKeys[near.configMapKeys.length - 1]}"?)` : ''}; it is ignored`,
      });
    }
    const n = Object.keys(entries).filter((k) => KEY_SPECS.some((s) => s.configMapKeys.includes(k))).length;
    levels.push({
      level,
      source,
      status: n > 0 ? 'used' : 'empty',
      ...(n > 0 ? { detail: `${n} key${n > 1 ? 's' : ''}` } : {}),
    });
    if (n > 0) usable.push({ level, source, kind: 'configmap', entries });
  };

  addAnnotationLevel('pipelinerun', inputs.pipelineRun);
  addAnnotationLevel('pipeline', inputs.pipeline);
  addConfigMapLevel('namespace', inputs.namespace, inputs.namespaceConfigMap);
  addConfigMapLevel('cluster', names.tektonNamespace, inputs.clusterConfigMap);
  levels.push({ level: 'default', source: 'built-in defaults', status: 'used' });

  const values = {} as Record<StorageField, EffectiveValue<StorageSettings[StorageField]>>;
  for (const spec of KEY_SPECS) {
    const found: Array<ValueOrigin & { value: StorageSettings[StorageField] }> = [];
    for (const lvl of usable) {
      const keys = lvl.kind === 'annotations' ? spec.annotationKeys : spec.configMapKeys;
      const present = keys.filter((k) => lvl.entries[k] !== undefined);
      const parsed: Array<{ k: string; raw: string; value: StorageSettings[StorageField] }> = [];
      for (const k of present) {
        const raw = lvl.entries[k] ?? '';
        const p = parseValue(spec, raw);
        if (p.ok) parsed.push({ k, raw, value: p.value });
        else {
          warnings.push({
            code: 'invalid-value',
            level: lvl.level,
            source: lvl.source,
            sourceKey: k,
            message: `${lvl.source}: ${k}: "${raw}" is invalid (${p.why}); the value from a lower level is used`,
          });
        }
      }
      const distinct = new Set(parsed.map((p) => String(p.value)));
      if (distinct.size > 1) {
        warnings.push({
          code: 'conflicting-spellings',
          level: lvl.level,
          source: lvl.source,
          sourceKey: parsed.map((p) => p.k).join(', '),
          message: `${lvl.source} sets ${parsed.map((p) => `${p.k}="${p.raw}"`).join(' and ')}; Tekton's controller reads ${parsed[0]?.k}, so "${parsed[0]?.raw}" is used`,
        });
      }
      const first = parsed[0];
      if (first)
        found.push({
          level: lvl.level,
          source: lvl.source,
          sourceKey: first.k,
          raw: first.raw,
          value: first.value,
        });
    }
    const [winner, ...rest] = found;
    values[spec.field] = winner
      ? { key: spec.key, ...winner, overrides: rest.map(({ value: _v, ...o }) => o) }
      : {
          key: spec.key,
          level: 'default',
          source: `built-in default (${spec.defaultFrom})`,
          value: spec.default,
          overrides: [],
        };
  }
  const typed = values as unknown as EffectiveValues;
  const settings = Object.fromEntries(
    KEY_SPECS.map((s) => [s.field, typed[s.field].value]),
  ) as unknown as StorageSettings;

  // Cross-key checks, with the messages Tekton's implementation uses where it has one. A value
  // that is only the default while a level was unreadable may be wrong: no check on it.
  const guessed = (f: StorageField): boolean => unavailable.size > 0 && typed[f].level === 'default';
  if (settings.ociRepository !== undefined && !settings.enabled && !guessed('enabled')) {
    const repo = typed.ociRepository;
    warnings.push({
      code: 'repository-without-enabled',
      level: repo.level,
      source: repo.source,
      ...(repo.sourceKey ? { sourceKey: repo.sourceKey } : {}),
      message: `invalid artifact storage config: oci-repository is set to "${settings.ociRepository}" but enabled is false; set enabled to true to activate artifact storage`,
    });
  }
  if (
    settings.enabled &&
    settings.backend === 'oci' &&
    settings.ociRepository === undefined &&
    !guessed('ociRepository')
  ) {
    warnings.push({
      code: 'enabled-without-repository',
      level: typed.enabled.level,
      source: typed.enabled.source,
      message:
        'artifact storage is enabled with backend oci but no oci.repository (oci-repository) is set at any level',
    });
  }
  if (!(BACKENDS as readonly string[]).includes(settings.backend)) {
    warnings.push({
      code: 'invalid-value',
      level: typed.backend.level,
      source: typed.backend.source,
      message: `backend "${settings.backend}" is not one of ${BACKENDS.join(', ')}`,
    });
  } else if (settings.backend !== 'oci' && settings.enabled) {
    warnings.push({
      code: 'invalid-value',
      level: typed.backend.level,
      source: typed.backend.source,
      message: `backend is "${settings.backend}": only oci is supported by tkn-artifacts (and by TEP-0193)`,
    });
  }
  if (settings.inlineThreshold > MAX_INLINE_THRESHOLD) {
    warnings.push({
      code: 'threshold-too-high',
      level: typed.inlineThreshold.level,
      source: typed.inlineThreshold.source,
      message: `invalid artifact storage config: inline-threshold must not exceed ${MAX_INLINE_THRESHOLD}, got ${settings.inlineThreshold}`,
    });
  }
  if (typed.ociTagPattern.level !== 'default') {
    for (const problem of checkTagPattern(settings.ociTagPattern)) {
      warnings.push({
        code: 'tag-pattern',
        level: typed.ociTagPattern.level,
        source: typed.ociTagPattern.source,
        message: `oci.tagPattern "${settings.ociTagPattern}": ${problem}`,
      });
    }
  }
  levels.sort((a, b) => CONFIG_LEVELS.indexOf(a.level) - CONFIG_LEVELS.indexOf(b.level));
  return { settings, values: typed, levels, warnings, names };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const LEVEL_TITLES: Record<ConfigLevel, string> = {
  pipelinerun: 'PipelineRun',
  pipeline: 'Pipeline',
  namespace: 'namespace',
  cluster: 'cluster',
  default: 'default',
};

/** The text of `--explain-config` (docs/storage-config.md describes it). */
export function formatStorageConfigExplanation(resolved: ResolvedStorageConfig): string {
  const lines: string[] = [];
  lines.push('Levels (highest first):');
  resolved.levels.forEach((l, i) => {
    const detail = l.detail ? `: ${l.detail}` : '';
    lines.push(`  ${i + 1}. ${LEVEL_TITLES[l.level].padEnd(11)} ${l.source} [${l.status}${detail}]`);
  });
  lines.push('');
  lines.push('Effective values:');
  const width = Math.max(...KEY_SPECS.map((s) => s.key.length));
  for (const spec of KEY_SPECS) {
    const v = resolved.values[spec.field];
    const shown = v.value === undefined ? '(unset)' : String(v.value);
    const from = v.level === 'default' ? v.source : `${v.source}${v.sourceKey ? ` (${v.sourceKey})` : ''}`;
    lines.push(`  ${spec.key.padEnd(width)}  ${shown}  ← ${LEVEL_TITLES[v.level]}: ${from}`);
    for (const o of v.overrides) {
      lines.push(
        `  ${''.padEnd(width)}    overrides "${o.raw ?? ''}" from ${LEVEL_TITLES[o.level]}: ${o.source}${o.sourceKey ? ` (${o.sourceKey})` : ''}`,
      );
    }
  }
  if (resolved.warnings.length > 0) {
    lines.push('');
    lines.push('Warnings:');
    for (const w of resolved.warnings) lines.push(`  ! ${w.message}`);
  }
  return lines.join('\n');
}
