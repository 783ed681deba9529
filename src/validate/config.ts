// The cluster configuration `validate` checks against, as plain data: the feature flags and the
// artifact-storage ConfigMaps, however they were obtained (live cluster, a snapshot file, or
// Tekton's defaults). Resolving the storage settings for a resource is pure, through src/config.

import type { ConfigMap } from '../cluster/types.js';
import {
  DEFAULT_FEATURE_FLAGS_CONFIGMAP,
  DEFAULT_STORAGE_CONFIG_NAMES,
  readFeatureFlags,
  resolveStorageConfig,
  type ConfigLevel,
  type FeatureFlagsReport,
  type ResolvedStorageConfig,
  type StorageConfigNames,
} from '../config/index.js';
import type { Resource } from './resources.js';

export interface ConfigSnapshot {
  /** "cluster https://… (context kind)", "file snapshot.yaml", "Tekton's defaults (--defaults)". */
  source: string;
  names: StorageConfigNames;
  featureFlags: FeatureFlagsReport;
  /** The feature-flags data as written, for flags src/config does not model. */
  rawFlags: Record<string, string>;
  clusterConfigMap: ConfigMap | undefined;
  /** Namespace → its config-artifact-storage ConfigMap (undefined: looked, absent). */
  namespaceConfigMaps: ReadonlyMap<string, ConfigMap | undefined>;
  /** Levels that could not be read (403), with why; their settings are unknown. */
  unavailable: { cluster?: string; namespaces: ReadonlyMap<string, string> };
  /** Namespace for resources whose metadata names none. */
  defaultNamespace: string;
  /** Notes about the configuration itself (missing ConfigMaps in a snapshot, 403s…). */
  notes: string[];
  /** The Tekton version the configuration's source reports (pipelines-info), when it does. */
  tektonVersion?: { version: string; source: string };
  /** Why it is unknown: the ConfigMap is absent, could not be read… */
  tektonVersionUnknown?: string;
}

export interface SnapshotParts {
  source: string;
  names?: Partial<StorageConfigNames>;
  featureFlags?: ConfigMap;
  featureFlagsUnavailable?: string;
  clusterConfigMap?: ConfigMap;
  clusterUnavailable?: string;
  namespaceConfigMaps?: ReadonlyMap<string, ConfigMap | undefined>;
  namespaceUnavailable?: ReadonlyMap<string, string>;
  defaultNamespace: string;
  notes?: string[];
  tektonVersion?: { version: string; source: string };
  tektonVersionUnknown?: string;
}

/**
 * Tekton lower-cases these values when it reads the ConfigMap (pkg/apis/config/feature_flags.go,
 * strings.ToLower), so `enable-api-fields: Alpha` is alpha.
 */
const LOWER_CASED_FLAGS = [
  'enable-api-fields',
  'results-from',
  'coschedule',
  'enforce-nonfalsifiability',
  'trusted-resources-verification-no-match-policy',
];

function lowerCased(cm: ConfigMap | undefined): ConfigMap | undefined {
  if (!cm?.data) return cm;
  const data = { ...cm.data };
  for (const key of LOWER_CASED_FLAGS) {
    const v = data[key];
    if (typeof v === 'string') data[key] = v.toLowerCase();
  }
  return { ...cm, data };
}

export function buildSnapshot(parts: SnapshotParts): ConfigSnapshot {
  const names: StorageConfigNames = {
    configMapName: parts.names?.configMapName ?? DEFAULT_STORAGE_CONFIG_NAMES.configMapName,
    tektonNamespace: parts.names?.tektonNamespace ?? DEFAULT_STORAGE_CONFIG_NAMES.tektonNamespace,
  };
  const label = `ConfigMap ${names.tektonNamespace}/${DEFAULT_FEATURE_FLAGS_CONFIGMAP}`;
  const featureFlags = readFeatureFlags(lowerCased(parts.featureFlags), label);
  const notes = [...(parts.notes ?? [])];
  if (parts.featureFlagsUnavailable) {
    featureFlags.status = 'unavailable';
    notes.push(
      `could not read ${label} (${parts.featureFlagsUnavailable}); Tekton's default feature flags are assumed`,
    );
  }
  notes.push(...featureFlags.warnings);
  const rawFlags: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts.featureFlags?.data ?? {}))
    if (typeof v === 'string') rawFlags[k] = v;
  return {
    source: parts.source,
    names,
    featureFlags,
    rawFlags,
    clusterConfigMap: parts.clusterConfigMap,
    namespaceConfigMaps: parts.namespaceConfigMaps ?? new Map(),
    unavailable: {
      ...(parts.clusterUnavailable ? { cluster: parts.clusterUnavailable } : {}),
      namespaces: parts.namespaceUnavailable ?? new Map(),
    },
    defaultNamespace: parts.defaultNamespace,
    notes,
    ...(parts.tektonVersion ? { tektonVersion: parts.tektonVersion } : {}),
    ...(parts.tektonVersionUnknown ? { tektonVersionUnknown: parts.tektonVersionUnknown } : {}),
  };
}

/** A boolean flag from the raw data ("true"/"false", anything else: the default). */
export function rawFlag(snapshot: ConfigSnapshot, key: string, fallback: boolean): boolean {
  const v = snapshot.rawFlags[key]?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : fallback;
}

/** "is "false" in ConfigMap tekton-pipelines/feature-flags" or "is off (Tekton's default…)". */
export function describeFlag(snapshot: ConfigSnapshot, key: string): string {
  const raw = snapshot.rawFlags[key];
  if (raw !== undefined) return `is "${raw}" in ${snapshot.featureFlags.source}`;
  const unavailable =
    snapshot.featureFlags.status === 'unavailable' ? ' (the ConfigMap could not be read)' : '';
  return `is not set in ${snapshot.featureFlags.source}, and is off by default${unavailable}`;
}

export function namespaceOf(snapshot: ConfigSnapshot, resource: Resource): string {
  // A ClusterTask has no namespace of its own: it runs in its TaskRuns' (-n, or the default).
  if (resource.kind === 'ClusterTask') return snapshot.defaultNamespace;
  return resource.namespace ?? snapshot.defaultNamespace;
}

const taskCache = new WeakMap<ConfigSnapshot, Map<string, ResolvedStorageConfig>>();

/**
 * The storage settings for a resource: its Pipeline and PipelineRun annotations (when it is one
 * or runs one), its namespace's ConfigMap, then the cluster's.
 */
export function storageFor(
  snapshot: ConfigSnapshot,
  namespace: string,
  objects: { pipeline?: Resource; pipelineRun?: Resource } = {},
): ResolvedStorageConfig {
  const plain = !objects.pipeline && !objects.pipelineRun;
  let cache = taskCache.get(snapshot);
  if (plain) {
    const hit = cache?.get(namespace);
    if (hit) return hit;
  }
  const unavailable: Array<{ level: ConfigLevel; reason: string }> = [];
  if (snapshot.unavailable.cluster)
    unavailable.push({ level: 'cluster', reason: snapshot.unavailable.cluster });
  const nsReason = snapshot.unavailable.namespaces.get(namespace);
  if (nsReason) unavailable.push({ level: 'namespace', reason: nsReason });
  const meta = (r: Resource) => ({
    metadata: { name: r.name, namespace, annotations: r.annotations },
  });
  const notApplicable: Array<{ level: ConfigLevel; reason: string }> = [];
  if (objects.pipelineRun && !objects.pipeline) {
    const spec = objects.pipelineRun.value.spec as Record<string, unknown>;
    const reason =
      spec.pipelineSpec !== undefined
        ? 'the PipelineRun embeds its pipelineSpec'
        : 'the Pipeline is not among the inputs';
    notApplicable.push({ level: 'pipeline', reason });
  }
  const namespaceConfigMap = snapshot.namespaceConfigMaps.get(namespace);
  const resolved = resolveStorageConfig({
    namespace,
    names: snapshot.names,
    ...(objects.pipelineRun ? { pipelineRun: meta(objects.pipelineRun) } : {}),
    ...(objects.pipeline ? { pipeline: meta(objects.pipeline) } : {}),
    ...(namespaceConfigMap ? { namespaceConfigMap } : {}),
    ...(snapshot.clusterConfigMap ? { clusterConfigMap: snapshot.clusterConfigMap } : {}),
    unavailable,
    notApplicable,
  });
  if (plain) {
    if (!cache) {
      cache = new Map();
      taskCache.set(snapshot, cache);
    }
    cache.set(namespace, resolved);
  }
  return resolved;
}

export type StorageState =
  { ok: true } | { ok: false; reason: 'disabled' | 'no-repository'; detail: string; hint: string };

/** Whether content that must go to external storage can, for these settings. */
export function storageState(resolved: ResolvedStorageConfig, namespace: string): StorageState {
  const { settings, values, names } = resolved;
  const cm = names.configMapName;
  const where = `ConfigMap ${names.tektonNamespace}/${cm} (or ${namespace}/${cm} labelled tekton.dev/config-type=artifact-storage)`;
  if (!settings.enabled) {
    const from =
      values.enabled.level === 'default'
        ? 'no level sets enabled, and it is off by default'
        : `enabled is "${values.enabled.raw ?? 'false'}" in ${values.enabled.source}`;
    return {
      ok: false,
      reason: 'disabled',
      detail: `artifact storage is disabled for namespace "${namespace}" (${from})`,
      hint: `set enabled: "true" and oci.repository in ${where}`,
    };
  }
  // Other backends are configured with keys we do not check; only OCI needs a repository.
  if (settings.backend === 'oci' && settings.ociRepository === undefined) {
    return {
      ok: false,
      reason: 'no-repository',
      detail: `no OCI repository is configured for namespace "${namespace}" (enabled is "true" in ${values.enabled.source}, and oci.repository is unset at every level)`,
      hint: `set oci.repository in ${where}, or annotate the Pipeline or PipelineRun with tekton.dev/artifact-storage-oci-repository`,
    };
  }
  return { ok: true };
}
