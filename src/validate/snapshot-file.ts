// A --cluster-config file, read before it becomes a RunSource: it must hold ConfigMaps as the
// cluster would hold them, or the verdicts would rest on a guess. Pure (text in, data out);
// problems are InputErrors at the offending node.

import { InputError } from '../cluster/errors.js';
import type { StorageConfigNames } from '../config/index.js';
import type { Path } from './types.js';
import { locate, parseYaml, type SourceDocument } from './yaml.js';
import { isRecord } from '../json/guards.js';

/** On the List --export-config writes: the namespaces it looked in, comma-separated. */
export const ANNOTATION_EXPORTED_NAMESPACES = 'tkn-artifacts.tekton.dev/exported-namespaces';

export interface SnapshotConfigMap {
  namespace: string | undefined;
  name: string | undefined;
}

export interface SnapshotFile {
  /** As shown in messages: the path, or "stdin". */
  name: string;
  configMaps: SnapshotConfigMap[];
  /**
   * The namespaces an --export-config snapshot looked in: a ConfigMap absent from the file is
   * absent from those namespaces, and unknown in any other. Undefined for other files.
   */
  exportedNamespaces: string[] | undefined;
}

const HINT =
  'give --cluster-config the ConfigMaps as kubectl prints them (kubectl get configmap feature-flags config-artifact-storage -n tekton-pipelines -o yaml), or a file written by --export-config';

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isRecord(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function kindOf(v: unknown): string {
  if (!isRecord(v)) return Array.isArray(v) ? 'a list' : 'plain text';
  const kind = typeof v.kind === 'string' && v.kind !== '' ? v.kind : 'an object without kind';
  const name = isRecord(v.metadata) && typeof v.metadata.name === 'string' ? ` "${v.metadata.name}"` : '';
  return `${kind}${name}`;
}

export function readSnapshotText(name: string, text: string, names: StorageConfigNames): SnapshotFile {
  const parsed = parseYaml(name, text);
  const broken = parsed.errors[0];
  if (broken) {
    throw new InputError({
      file: name,
      line: broken.line,
      column: broken.column,
      message: broken.message,
      hint: broken.hint ?? HINT,
    });
  }
  const configMaps: SnapshotConfigMap[] = [];
  const others: string[] = [];
  let exportedNamespaces: string[] | undefined;

  const fail = (source: SourceDocument, path: Path, message: string, hint: string): never => {
    const pos = locate(source, path);
    throw new InputError({ file: name, line: pos.line, column: pos.column, message, hint });
  };

  const configMap = (source: SourceDocument, value: Record<string, unknown>, base: Path): void => {
    const meta = isRecord(value.metadata) ? value.metadata : {};
    const ns = typeof meta.namespace === 'string' ? meta.namespace : undefined;
    const cmName = typeof meta.name === 'string' ? meta.name : undefined;
    const label = `ConfigMap ${ns ?? '?'}/${cmName ?? '?'}`;
    const data = value.data;
    if (data !== undefined && data !== null && !isRecord(data)) {
      fail(
        source,
        [...base, 'data'],
        `${label}: data is ${describeValue(data)}, not a mapping`,
        'ConfigMap data maps keys to string values',
      );
    }
    for (const [key, v] of Object.entries(isRecord(data) ? data : {})) {
      if (typeof v === 'string') continue;
      // Kubernetes stores data as map[string]string and rejects anything else, so such a file is
      // not what any cluster holds; reading `true` as "true" would be a guess, dropping it worse.
      const scalar = typeof v === 'boolean' || typeof v === 'number';
      fail(
        source,
        [...base, 'data', key],
        `${label}: data.${key} is ${describeValue(v)}, not a string; Kubernetes rejects ConfigMaps whose data values are not strings, so no cluster holds this one`,
        scalar ? `quote the value: ${key}: "${String(v)}"` : `give it a string value, e.g. ${key}: ""`,
      );
    }
    configMaps.push({ namespace: ns, name: cmName });
  };

  for (const source of parsed.documents) {
    const value = source.value;
    if (value === null || value === undefined) continue;
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List')) {
      const meta = isRecord(value.metadata) ? value.metadata : {};
      const annotations = isRecord(meta.annotations) ? meta.annotations : {};
      const exported = annotations[ANNOTATION_EXPORTED_NAMESPACES];
      if (typeof exported === 'string') {
        const list = exported
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        exportedNamespaces = [...(exportedNamespaces ?? []), ...list];
      }
      const items = Array.isArray(value.items) ? value.items : [];
      items.forEach((item: unknown, i: number) => {
        if (isRecord(item) && item.kind === 'ConfigMap') configMap(source, item, ['items', i]);
        else others.push(kindOf(item));
      });
      continue;
    }
    if (isRecord(value) && value.kind === 'ConfigMap') configMap(source, value, []);
    else others.push(kindOf(value));
  }

  // An empty export (a cluster with none of the ConfigMaps) is still a snapshot; anything else
  // without a ConfigMap is the wrong file, and defaults would be silently assumed for it.
  if (configMaps.length === 0 && exportedNamespaces === undefined) {
    const found =
      others.length > 0
        ? `it holds ${others.slice(0, 3).join(', ')}${others.length > 3 ? `, and ${others.length - 3} more` : ''}`
        : 'it holds no Kubernetes objects';
    throw new InputError({
      file: name,
      message: `no ConfigMap in the configuration snapshot (${found}); expected ${names.tektonNamespace}/feature-flags and ${names.tektonNamespace}/${names.configMapName}`,
      hint: `${HINT}; the Tasks and Pipelines to check are the FILES arguments`,
    });
  }
  return { name, configMaps, exportedNamespaces };
}
