// Reading the configuration through a RunSource (the live cluster, or a snapshot file behind the
// same interface, so both give the same verdicts), and writing a snapshot the way
// `kubectl get configmap -o yaml` prints one.

import { ForbiddenError } from '../cluster/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { ConfigMap } from '../cluster/types.js';
import { DEFAULT_FEATURE_FLAGS_CONFIGMAP, type StorageConfigNames } from '../config/index.js';
import { buildSnapshot, type ConfigSnapshot } from './config.js';

function forbiddenReason(err: ForbiddenError): string {
  const resource = err.group ? `${err.resource}.${err.group}` : err.resource;
  return `forbidden: ${err.identity ?? 'you'} cannot ${err.verb} ${resource} in ${err.namespace ?? 'the cluster'}`;
}

export interface LoadSnapshotOptions {
  /** For messages: "cluster https://…", "file snapshot.yaml". */
  describe: string;
  names: StorageConfigNames;
  /** Namespaces whose config-artifact-storage ConfigMap applies (the resources', and the default). */
  namespaces: readonly string[];
  defaultNamespace: string;
  /** A snapshot file: say which ConfigMaps it lacks, since a missing one means "defaults". */
  isSnapshotFile?: boolean;
}

export async function loadSnapshot(source: RunSource, options: LoadSnapshotOptions): Promise<ConfigSnapshot> {
  const { names } = options;
  const unavailable = new Map<string, string>();
  // A 403 hides one level; it becomes a note and the level counts as unknown, never a failure.
  const get = async (ns: string, name: string): Promise<ConfigMap | undefined> => {
    try {
      return await source.getConfigMap(ns, name);
    } catch (err) {
      if (err instanceof ForbiddenError) {
        unavailable.set(`${ns}/${name}`, forbiddenReason(err));
        return undefined;
      }
      throw err;
    }
  };
  const namespaces = [...new Set(options.namespaces)].filter((ns) => ns !== names.tektonNamespace);
  const [featureFlags, clusterConfigMap, ...perNamespace] = await Promise.all([
    get(names.tektonNamespace, DEFAULT_FEATURE_FLAGS_CONFIGMAP),
    get(names.tektonNamespace, names.configMapName),
    ...namespaces.map((ns) => get(ns, names.configMapName)),
  ]);
  const namespaceConfigMaps = new Map<string, ConfigMap | undefined>();
  const namespaceUnavailable = new Map<string, string>();
  namespaces.forEach((ns, i) => {
    namespaceConfigMaps.set(ns, perNamespace[i]);
    const reason = unavailable.get(`${ns}/${names.configMapName}`);
    if (reason) namespaceUnavailable.set(ns, reason);
  });
  const notes: string[] = [];
  if (options.isSnapshotFile) {
    if (!featureFlags) {
      notes.push(
        `${options.describe} has no ConfigMap ${names.tektonNamespace}/${DEFAULT_FEATURE_FLAGS_CONFIGMAP}: Tekton's default feature flags are assumed`,
      );
    }
    if (!clusterConfigMap) {
      notes.push(
        `${options.describe} has no ConfigMap ${names.tektonNamespace}/${names.configMapName}: artifact storage counts as disabled at cluster level`,
      );
    }
  }
  const ffReason = unavailable.get(`${names.tektonNamespace}/${DEFAULT_FEATURE_FLAGS_CONFIGMAP}`);
  const clusterReason = unavailable.get(`${names.tektonNamespace}/${names.configMapName}`);
  return buildSnapshot({
    source: options.describe,
    names,
    ...(featureFlags ? { featureFlags } : {}),
    ...(ffReason ? { featureFlagsUnavailable: ffReason } : {}),
    ...(clusterConfigMap ? { clusterConfigMap } : {}),
    ...(clusterReason ? { clusterUnavailable: clusterReason } : {}),
    namespaceConfigMaps,
    namespaceUnavailable,
    defaultNamespace: options.defaultNamespace,
    notes,
  });
}

/**
 * The ConfigMaps validate reads, as a `v1 List` the way `kubectl get configmap -o yaml` prints it
 * (keys sorted, sequences not indented), so `--cluster-config` takes either. Absent ConfigMaps
 * are left out; a 403 fails the export, since the snapshot would silently differ from the cluster.
 */
export async function exportSnapshot(
  source: RunSource,
  options: { names: StorageConfigNames; namespaces: readonly string[] },
): Promise<{ yaml: string; configMaps: ConfigMap[] }> {
  const { names } = options;
  const wanted: Array<[string, string]> = [
    [names.tektonNamespace, DEFAULT_FEATURE_FLAGS_CONFIGMAP],
    [names.tektonNamespace, names.configMapName],
    ...[...new Set(options.namespaces)]
      .filter((ns) => ns !== names.tektonNamespace)
      .map((ns): [string, string] => [ns, names.configMapName]),
  ];
  const found = await Promise.all(wanted.map(([ns, name]) => source.getConfigMap(ns, name)));
  const configMaps = found.filter((cm): cm is ConfigMap => cm !== undefined);
  const list = {
    apiVersion: 'v1',
    items: configMaps.map((cm) => ({ ...cm, apiVersion: 'v1', kind: 'ConfigMap' })),
    kind: 'List',
    metadata: { resourceVersion: '' },
  };
  const { stringify } = await import('yaml');
  return { yaml: stringify(list, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }), configMaps };
}

/**
 * The namespace a snapshot was taken for: the one namespace, other than Tekton's, that has a
 * storage ConfigMap in it. Used when -n is not given, so the snapshot answers like the cluster.
 */
export function snapshotNamespace(
  configMaps: ReadonlyArray<{ metadata?: { namespace?: unknown; name?: unknown } }>,
  names: StorageConfigNames,
): string | undefined {
  const namespaces = new Set<string>();
  for (const cm of configMaps) {
    const ns = cm.metadata?.namespace;
    if (typeof ns === 'string' && ns !== names.tektonNamespace && cm.metadata?.name === names.configMapName)
      namespaces.add(ns);
  }
  return namespaces.size === 1 ? [...namespaces][0] : undefined;
}
