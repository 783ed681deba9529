// Reading the configuration through a RunSource (the live cluster, or a snapshot file behind the
// same interface, so both give the same verdicts), and writing a snapshot the way
// `kubectl get configmap -o yaml` prints one.

import { ForbiddenError } from '../cluster/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { ConfigMap } from '../cluster/types.js';
import { DEFAULT_FEATURE_FLAGS_CONFIGMAP, type StorageConfigNames } from '../config/index.js';
import { buildSnapshot, type ConfigSnapshot } from './config.js';
import { ANNOTATION_ARTIFACT_API, ANNOTATION_EXPORTED_NAMESPACES } from './snapshot-file.js';
import { PIPELINES_INFO_CONFIGMAP } from './tekton/release.js';

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
  /**
   * The namespaces an exported snapshot looked in. A namespace outside them has a
   * namespace-level ConfigMap nobody looked for: that level counts as unknown, with a note.
   */
  exportedNamespaces?: readonly string[];
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
  const [featureFlags, clusterConfigMap, info, ...perNamespace] = await Promise.all([
    get(names.tektonNamespace, DEFAULT_FEATURE_FLAGS_CONFIGMAP),
    get(names.tektonNamespace, names.configMapName),
    get(names.tektonNamespace, PIPELINES_INFO_CONFIGMAP),
    ...namespaces.map((ns) => get(ns, names.configMapName)),
  ]);
  const namespaceConfigMaps = new Map<string, ConfigMap | undefined>();
  const namespaceUnavailable = new Map<string, string>();
  const exported = options.exportedNamespaces;
  namespaces.forEach((ns, i) => {
    namespaceConfigMaps.set(ns, perNamespace[i]);
    const reason = unavailable.get(`${ns}/${names.configMapName}`);
    if (reason) namespaceUnavailable.set(ns, reason);
    else if (exported && !perNamespace[i] && !exported.includes(ns)) {
      namespaceUnavailable.set(
        ns,
        `${options.describe} was exported for namespace${exported.length === 1 ? '' : 's'} ${exported.join(', ')} only, so namespace "${ns}" is unknown to it; export it with --export-config FILE -n ${ns}`,
      );
    }
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
  const infoLabel = `ConfigMap ${names.tektonNamespace}/${PIPELINES_INFO_CONFIGMAP}`;
  const infoVersion = info?.data?.['version'];
  const tekton =
    typeof infoVersion === 'string' && infoVersion.trim() !== ''
      ? { tektonVersion: { version: infoVersion.trim(), source: `${infoLabel} in ${options.describe}` } }
      : {
          tektonVersionUnknown: unavailable.get(`${names.tektonNamespace}/${PIPELINES_INFO_CONFIGMAP}`)
            ? `${infoLabel} could not be read`
            : info
              ? `${infoLabel} has no version`
              : `${options.describe} has no ${infoLabel}`,
        };
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
    ...tekton,
  });
}

/**
 * The ConfigMaps validate reads, as a `v1 List` the way `kubectl get configmap -o yaml` prints it
 * (keys sorted, sequences not indented), so `--cluster-config` takes either. Absent ConfigMaps
 * are left out; a 403 fails the export, since the snapshot would silently differ from the cluster.
 */
export async function exportSnapshot(
  source: RunSource,
  options: { names: StorageConfigNames; namespaces: readonly string[]; artifactApi?: 'served' | 'absent' },
): Promise<{ yaml: string; configMaps: ConfigMap[] }> {
  const { names } = options;
  const wanted: Array<[string, string]> = [
    [names.tektonNamespace, DEFAULT_FEATURE_FLAGS_CONFIGMAP],
    // The installed release's version, so a snapshot's verdicts name the same Tekton.
    [names.tektonNamespace, PIPELINES_INFO_CONFIGMAP],
    [names.tektonNamespace, names.configMapName],
    ...[...new Set(options.namespaces)]
      .filter((ns) => ns !== names.tektonNamespace)
      .map((ns): [string, string] => [ns, names.configMapName]),
  ];
  const found = await Promise.all(wanted.map(([ns, name]) => source.getConfigMap(ns, name)));
  const configMaps = found.filter((cm): cm is ConfigMap => cm !== undefined);
  // Which namespaces were looked in, so a later check of another namespace can say it is unknown
  // rather than take it for one without a ConfigMap.
  const looked = [...new Set(wanted.map(([ns]) => ns))];
  const list = {
    apiVersion: 'v1',
    items: configMaps.map((cm) => ({ ...cm, apiVersion: 'v1', kind: 'ConfigMap' })),
    kind: 'List',
    metadata: {
      annotations: {
        [ANNOTATION_EXPORTED_NAMESPACES]: looked.join(','),
        ...(options.artifactApi ? { [ANNOTATION_ARTIFACT_API]: options.artifactApi } : {}),
      },
      resourceVersion: '',
    },
  };
  const { stringify } = await import('yaml');
  return { yaml: stringify(list, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }), configMaps };
}

/**
 * The namespace a snapshot was taken for: the one namespace, other than Tekton's, that has a
 * storage ConfigMap in it. Used when -n is not given, so the snapshot answers like the cluster.
 */
export function snapshotNamespace(
  configMaps: ReadonlyArray<{ namespace?: string | undefined; name?: string | undefined }>,
  names: StorageConfigNames,
  exportedNamespaces?: readonly string[],
): string | undefined {
  // An export says which namespaces it was taken for; one besides Tekton's is the answer.
  const exported = (exportedNamespaces ?? []).filter((ns) => ns !== names.tektonNamespace);
  if (exported.length === 1) return exported[0];
  const namespaces = new Set<string>();
  for (const cm of configMaps) {
    const ns = cm.namespace;
    if (typeof ns === 'string' && ns !== names.tektonNamespace && cm.name === names.configMapName)
      namespaces.add(ns);
  }
  return namespaces.size === 1 ? [...namespaces][0] : undefined;
}
