// Which Tekton release a verdict is for: the version the cluster runs (its pipelines-info
// ConfigMap, key `version`, which Tekton's config/config-info.yaml installs and the release
// pipeline fills in), the one the user names (--tekton-version), or, when neither is known, the
// release the committed API data was generated from. Pure.

import { TEKTON_API } from './api-data.js';
import type { TektonApiData } from './api-types.js';

/** The ConfigMap of Tekton's namespace whose `version` key names the installed release. */
export const PIPELINES_INFO_CONFIGMAP = 'pipelines-info';

export interface TektonTarget {
  /** The version the verdict is for ("v1.15.0"). */
  version: string;
  /** Where it came from: "ConfigMap tekton-pipelines/pipelines-info", "--tekton-version", … */
  versionSource: string;
  /** The API facts used (the release they were generated from). */
  data: TektonApiData;
  /** "Tekton v1.15.0", for messages. */
  label: string;
  /** Whether the proposed TEP-0164/0192/0193 artifact API is served, and how that is known. */
  artifactApi: { served: boolean; source: string };
  /** Notes about the choice (a cluster release other than the data's). */
  notes: string[];
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;

export function parseVersion(text: string): [number, number, number] | undefined {
  const m = SEMVER.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** -1, 0 or 1; undefined when either is not a version. */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
  return 0;
}

export interface TargetInputs {
  /** --tekton-version. */
  flag?: string;
  /** From pipelines-info: the value and where it was read. */
  cluster?: { version: string; source: string };
  /** Why the cluster's version is unknown (ConfigMap absent, 403), for a note. */
  clusterUnknown?: string;
  artifactApi: { served: boolean; source: string };
}

export function resolveTarget(inputs: TargetInputs, data: TektonApiData = TEKTON_API): TektonTarget {
  const notes: string[] = [];
  let version: string;
  let versionSource: string;
  if (inputs.flag !== undefined) {
    version = normalise(inputs.flag);
    versionSource = '--tekton-version';
    if (inputs.cluster && normalise(inputs.cluster.version) !== version) {
      notes.push(
        `--tekton-version ${version} overrides ${inputs.cluster.version} from ${inputs.cluster.source}`,
      );
    }
  } else if (inputs.cluster) {
    version = normalise(inputs.cluster.version);
    versionSource = inputs.cluster.source;
  } else {
    version = data.release;
    versionSource = `validate's Tekton API data, since ${inputs.clusterUnknown ?? "the cluster's version is unknown"}; name one with --tekton-version`;
  }
  if (version !== data.release) {
    const c = compareVersions(version, data.release);
    const relation = c === undefined ? 'not a release number' : c < 0 ? 'older than' : 'newer than';
    notes.push(
      `Tekton ${version} is ${relation === 'not a release number' ? 'not a release number' : `${relation} ${data.release}`}: shapes, required fields and feature gates are checked with the API of ${data.release} (tektoncd/pipeline commit ${data.commit.slice(0, 12)}), with the version-specific facts validate knows for ${version}; fields added or removed between the two releases may be misjudged`,
    );
  }
  return {
    version,
    versionSource,
    data,
    label: `Tekton ${version}`,
    artifactApi: inputs.artifactApi,
    notes,
  };
}

function normalise(v: string): string {
  const t = v.trim();
  return /^\d/.test(t) ? `v${t}` : t;
}

/**
 * Whether a tasks.tekton.dev CRD serves the proposed artifact API: its schema for a served
 * version declares result `maxSize` or spec `artifacts` with `storage` (TEP-0164). Released
 * Tekton (through the data's release) declares neither, so its webhook rejects them.
 */
export function crdServesArtifactApi(crd: unknown): boolean {
  const versions = get(crd, 'spec', 'versions');
  if (!Array.isArray(versions)) return false;
  return versions.some((v) => {
    if (get(v, 'served') !== true) return false;
    const spec = get(v, 'schema', 'openAPIV3Schema', 'properties', 'spec', 'properties');
    const result = get(spec, 'results', 'items', 'properties');
    const artifact = get(spec, 'artifacts', 'properties', 'outputs', 'items', 'properties');
    return get(result, 'maxSize') !== undefined || get(artifact, 'storage') !== undefined;
  });
}

function get(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}
