// Tekton's feature-flags ConfigMap (tekton-pipelines/feature-flags): the flags `validate` needs.
// Defaults are those of tektoncd/pipeline config/config-feature-flags.yaml.

import { ForbiddenError } from '../cluster/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { ConfigMap } from '../cluster/types.js';
import { DEFAULT_FEATURE_FLAGS_CONFIGMAP, DEFAULT_TEKTON_NAMESPACE } from './keys.js';
import { isRecord } from '../json/guards.js';

/** Pipelines rejects max-result-size values at or above the CRD limit (1.5 MiB). */
export const MAX_RESULT_SIZE_LIMIT = 1572864;

export interface FeatureFlags {
  /** enable-artifacts (TEP-0147, alpha; TEP-0192 reuses it). Default false. */
  enableArtifacts: boolean;
  /** enable-artifact-storage (TEP-0164 02-13 and later drafts); undefined when not set. */
  enableArtifactStorage: boolean | undefined;
  /** results-from: "termination-message" (default) or "sidecar-logs". */
  resultsFrom: string;
  /** max-result-size in bytes (sidecar-logs only). Default 4096. */
  maxResultSize: number;
  /** enable-api-fields: "stable" | "beta" (default) | "alpha". */
  enableApiFields: string;
  /** enable-step-actions: stable, default true. */
  enableStepActions: boolean;
}

export interface FeatureFlagsReport {
  flags: FeatureFlags;
  /** Which flags came from the ConfigMap (key → raw value); the rest are defaults. */
  set: Record<string, string>;
  source: string;
  status: 'present' | 'absent' | 'unavailable';
  warnings: string[];
}

export const DEFAULT_FEATURE_FLAGS: FeatureFlags = {
  enableArtifacts: false,
  enableArtifactStorage: undefined,
  resultsFrom: 'termination-message',
  maxResultSize: 4096,
  enableApiFields: 'beta',
  enableStepActions: true,
};

/** Reads a feature-flags ConfigMap (undefined: all defaults). Pure. */
export function readFeatureFlags(
  cm: ConfigMap | undefined,
  source = `ConfigMap ${DEFAULT_TEKTON_NAMESPACE}/${DEFAULT_FEATURE_FLAGS_CONFIGMAP}`,
): FeatureFlagsReport {
  const flags: FeatureFlags = { ...DEFAULT_FEATURE_FLAGS };
  const warnings: string[] = [];
  const set: Record<string, string> = {};
  const data: Record<string, string> = {};
  if (cm && isRecord(cm.data)) {
    for (const [k, v] of Object.entries(cm.data)) if (typeof v === 'string') data[k] = v;
  }
  const bool = (key: string, apply: (v: boolean) => void): void => {
    const raw = data[key];
    if (raw === undefined) return;
    set[key] = raw;
    const l = raw.trim().toLowerCase();
    if (l === 'true' || l === 'false') apply(l === 'true');
    else warnings.push(`${source}: ${key}: "${raw}" is not "true" or "false"; Tekton uses its default`);
  };
  bool('enable-artifacts', (v) => (flags.enableArtifacts = v));
  bool('enable-artifact-storage', (v) => (flags.enableArtifactStorage = v));
  bool('enable-step-actions', (v) => (flags.enableStepActions = v));
  const rf = data['results-from'];
  if (rf !== undefined) {
    set['results-from'] = rf;
    if (rf === 'termination-message' || rf === 'sidecar-logs') flags.resultsFrom = rf;
    else warnings.push(`${source}: results-from: "${rf}" is not termination-message or sidecar-logs`);
  }
  const mrs = data['max-result-size'];
  if (mrs !== undefined) {
    set['max-result-size'] = mrs;
    const n = /^\d+$/.test(mrs.trim()) ? Number(mrs.trim()) : NaN;
    if (Number.isNaN(n)) warnings.push(`${source}: max-result-size: "${mrs}" is not a number of bytes`);
    else if (n >= MAX_RESULT_SIZE_LIMIT) {
      warnings.push(
        `${source}: max-result-size ${n} is not below ${MAX_RESULT_SIZE_LIMIT}; Tekton rejects it`,
      );
    } else flags.maxResultSize = n;
  }
  const api = data['enable-api-fields'];
  if (api !== undefined) {
    set['enable-api-fields'] = api;
    if (['stable', 'beta', 'alpha'].includes(api.trim())) flags.enableApiFields = api.trim();
    else warnings.push(`${source}: enable-api-fields: "${api}" is not stable, beta or alpha`);
  }
  return { flags, set, source, status: cm ? 'present' : 'absent', warnings };
}

export async function loadFeatureFlags(
  source: RunSource,
  options: { tektonNamespace?: string; name?: string } = {},
): Promise<FeatureFlagsReport> {
  const ns = options.tektonNamespace ?? DEFAULT_TEKTON_NAMESPACE;
  const name = options.name ?? DEFAULT_FEATURE_FLAGS_CONFIGMAP;
  const label = `ConfigMap ${ns}/${name}`;
  try {
    return readFeatureFlags(await source.getConfigMap(ns, name), label);
  } catch (err) {
    if (!(err instanceof ForbiddenError)) throw err;
    const report = readFeatureFlags(undefined, label);
    return {
      ...report,
      status: 'unavailable',
      warnings: [
        `could not read ${label} (${err.message}); Tekton's defaults are assumed`,
        ...report.warnings,
      ],
    };
  }
}
