/**
 * What one stored manifest is to gc: a run's root, TaskRun reference or artifact, a referrer below
 * them, or something naming no run. Pure: reads the decoded manifest's artifactType, config media
 * type and annotations (docs/formats.md lists every key).
 */
import * as C from '../formats/constants.js';
import { MediaType, type Manifest } from '../oci/types.js';
import type { BlobRef, RunMark, StoredRole } from './model.js';

const TEKTON_ARTIFACT_TYPES = new Set<string>([
  MediaType.TektonArtifact,
  C.EXPERIMENTS_IMAGES_TYPE,
  C.EXPERIMENTS_JUNIT_TYPE,
  C.EXPERIMENTS_COVERAGE_TYPE,
  C.EXPERIMENTS_DOCS_TYPE,
]);

const TEKTON_CONFIG_TYPES = new Set<string>([
  MediaType.TektonArtifactConfig,
  C.EXPERIMENTS_BUNDLE_CONFIG_MEDIA_TYPE,
]);

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** The run a manifest's annotations name (ours and the prototype's spellings). */
export function runMarkOf(annotations: Record<string, string> | undefined): RunMark {
  const a = annotations ?? {};
  const mark: RunMark = {};
  const set = (key: keyof RunMark, value: string | undefined): void => {
    const v = nonEmpty(value);
    if (v !== undefined) mark[key] = v;
  };
  set('namespace', a[C.ANNOTATION_NAMESPACE]);
  set('pipelineRun', a[C.ANNOTATION_PIPELINERUN]);
  set('pipelineRunUid', a[C.ANNOTATION_PIPELINERUN_UID]);
  set('taskRun', a[C.ANNOTATION_TASKRUN]);
  set('taskRunUid', a[C.ANNOTATION_TASKRUN_UID]);
  set('pipeline', a[C.ANNOTATION_PIPELINE]);
  set('created', a[C.ANNOTATION_CREATED]);
  set('name', a[C.ANNOTATION_NAME] ?? a[C.PROTOTYPE_ANNOTATION_NAME]);
  return mark;
}

/** True when the mark names a run gc can look up. */
export function namesRun(mark: RunMark): boolean {
  return mark.pipelineRun !== undefined || mark.taskRun !== undefined;
}

function artifactTypeOf(m: Manifest): string | undefined {
  if (m.artifactType !== undefined) return m.artifactType;
  return 'config' in m ? m.config.mediaType : undefined;
}

/** True for manifests Tekton (or a Tekton StepAction) made, whatever names a run in them. */
function isTektonMade(m: Manifest): boolean {
  const type = artifactTypeOf(m);
  if (type !== undefined && (TEKTON_ARTIFACT_TYPES.has(type) || TEKTON_CONFIG_TYPES.has(type))) return true;
  if (type === C.TEKTON_PIPELINERUN_ARTIFACT_TYPE || type === C.TEKTON_TASKRUN_ARTIFACT_TYPE) return true;
  return Object.keys(m.annotations ?? {}).some(
    (k) => k.startsWith(C.TEKTON_ANNOTATION_PREFIX) || k.startsWith(C.PROTOTYPE_ANNOTATION_PREFIX),
  );
}

export function roleOf(m: Manifest): StoredRole {
  const type = artifactTypeOf(m);
  if (type === C.TEKTON_PIPELINERUN_ARTIFACT_TYPE && 'manifests' in m) return 'root';
  if (type === C.TEKTON_TASKRUN_ARTIFACT_TYPE) return 'taskrun-reference';
  if (isTektonMade(m)) return 'artifact';
  return 'other';
}

/** Config and layers of an image manifest; nothing for an index (its children are manifests). */
export function blobsOf(m: Manifest): BlobRef[] {
  if (!('config' in m)) return [];
  return [m.config, ...m.layers].map((d) => ({ digest: d.digest, size: d.size }));
}

/** The TEP-0164 config blob's run fields, for artifacts whose annotations name no run. */
export function runMarkFromConfig(config: unknown): RunMark {
  if (typeof config !== 'object' || config === null) return {};
  const c = config as { created?: unknown; artifact?: unknown };
  const a =
    typeof c.artifact === 'object' && c.artifact !== null ? (c.artifact as Record<string, unknown>) : {};
  const s = (v: unknown): string | undefined => (typeof v === 'string' ? nonEmpty(v) : undefined);
  const mark: RunMark = {};
  const entries: Array<[keyof RunMark, string | undefined]> = [
    ['namespace', s(a['namespace'])],
    ['pipelineRun', s(a['pipelinerun'])],
    ['taskRun', s(a['taskrun'])],
    ['name', s(a['name'])],
    ['created', s(c.created)],
  ];
  for (const [k, v] of entries) if (v !== undefined) mark[k] = v;
  return mark;
}
