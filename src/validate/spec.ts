// Views over Tekton specs that hide where a Task spec sits (a Task, a TaskRun's taskSpec, a
// Pipeline task's embedded taskSpec, inside a PipelineRun's pipelineSpec) and the v1/v1beta1
// differences. Every view keeps its path in the resource, so rules can point at nodes. Pure.

import { stringRecord, type Resource, type TektonVersion } from './resources.js';
import { parseSize } from '../units/sizes.js';
import type { Path } from './types.js';
import { isRecord, list, str } from '../json/guards.js';

/** Our own annotations, for what Tekton's API has no field for. Documented in docs/validate.md. */
export const ANNOTATION_MAX_SIZE_PREFIX = 'tkn-artifacts.tekton.dev/max-size.';
export const ANNOTATION_IMAGE_COUNT = 'tkn-artifacts.tekton.dev/image-count';

export interface AnnotationSource {
  annotations: Record<string, string>;
  /** Path of the annotations mapping in the resource. */
  path: Path;
}

export interface TaskSpecView {
  spec: Record<string, unknown>;
  path: Path;
  /** 'Task "build"', 'pipeline task "build" of Pipeline "ci"'. */
  label: string;
  version: TektonVersion;
  /** Embedded metadata first, then the enclosing resource's. */
  annotationSources: AnnotationSource[];
}

export interface PipelineTaskView {
  name: string | undefined;
  value: Record<string, unknown>;
  path: Path;
  isFinally: boolean;
}

export interface PipelineSpecView {
  spec: Record<string, unknown>;
  path: Path;
  label: string;
  version: TektonVersion;
  tasks: PipelineTaskView[];
}

function resourceAnnotations(resource: Resource): AnnotationSource {
  return { annotations: resource.annotations, path: ['metadata', 'annotations'] };
}

export function pipelineSpecs(resource: Resource): PipelineSpecView[] {
  const spec = resource.value.spec as Record<string, unknown>;
  if (resource.kind === 'Pipeline') {
    return [pipelineView(spec, ['spec'], `Pipeline "${resource.name}"`, resource.version)];
  }
  if (resource.kind === 'PipelineRun' && isRecord(spec.pipelineSpec)) {
    return [
      pipelineView(
        spec.pipelineSpec,
        ['spec', 'pipelineSpec'],
        `the pipelineSpec of PipelineRun "${resource.name}"`,
        resource.version,
      ),
    ];
  }
  return [];
}

function pipelineView(
  spec: Record<string, unknown>,
  path: Path,
  label: string,
  version: TektonVersion,
): PipelineSpecView {
  const tasks: PipelineTaskView[] = [];
  for (const field of ['tasks', 'finally'] as const) {
    list(spec[field]).forEach((t, i) => {
      if (isRecord(t))
        tasks.push({
          name: str(t.name),
          value: t,
          path: [...path, field, i],
          isFinally: field === 'finally',
        });
    });
  }
  return { spec, path, label, version, tasks };
}

/** Every Task spec a resource carries. */
export function taskSpecs(resource: Resource): TaskSpecView[] {
  const spec = resource.value.spec as Record<string, unknown>;
  const own = resourceAnnotations(resource);
  if (resource.kind === 'Task' || resource.kind === 'ClusterTask') {
    return [
      {
        spec,
        path: ['spec'],
        label: `${resource.kind} "${resource.name}"`,
        version: resource.version,
        annotationSources: [own],
      },
    ];
  }
  if (resource.kind === 'TaskRun') {
    if (!isRecord(spec.taskSpec)) return [];
    return [
      {
        spec: spec.taskSpec,
        path: ['spec', 'taskSpec'],
        label: `the taskSpec of TaskRun "${resource.name}"`,
        version: resource.version,
        annotationSources: [own],
      },
    ];
  }
  const out: TaskSpecView[] = [];
  for (const pipeline of pipelineSpecs(resource)) {
    for (const task of pipeline.tasks) {
      const embedded = embeddedTaskSpec(task);
      if (!embedded) continue;
      const meta = isRecord(embedded.metadata) ? embedded.metadata : {};
      out.push({
        spec: embedded,
        path: [...task.path, 'taskSpec'],
        label: `pipeline task "${task.name ?? '?'}" of ${pipeline.label}`,
        version: resource.version,
        annotationSources: [
          {
            annotations: stringRecord(meta.annotations),
            path: [...task.path, 'taskSpec', 'metadata', 'annotations'],
          },
          own,
        ],
      });
    }
  }
  return out;
}

/** A pipeline task's embedded Task spec; undefined for taskRef and for custom tasks. */
export function embeddedTaskSpec(task: PipelineTaskView): Record<string, unknown> | undefined {
  const spec = task.value.taskSpec;
  if (!isRecord(spec)) return undefined;
  // A taskSpec with apiVersion/kind is a custom task's spec, not a Tekton Task.
  if (str(spec.apiVersion) && str(spec.kind)) return undefined;
  return spec;
}

export interface TaskRefTarget {
  kind: 'Task' | 'ClusterTask';
  name: string;
}

/** A pipeline task's reference to a Task (or ClusterTask) we may have among the inputs. */
export function taskRefTarget(task: PipelineTaskView): TaskRefTarget | undefined {
  const ref = task.value.taskRef;
  if (!isRecord(ref)) return undefined;
  if (ref.resolver !== undefined || ref.bundle !== undefined) return undefined;
  const kind = str(ref.kind) ?? 'Task';
  if (kind !== 'Task' && kind !== 'ClusterTask') return undefined;
  if (
    ref.apiVersion !== undefined &&
    !(typeof ref.apiVersion === 'string' && ref.apiVersion.startsWith('tekton.dev/'))
  )
    return undefined;
  const name = str(ref.name);
  return name ? { kind, name } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Declared sizes

export interface DeclaredSize {
  /** Undefined when the declaration is not a size (reported as TA106). */
  bytes: number | undefined;
  raw: unknown;
  path: Path;
  /** How it was declared, for messages. */
  via: string;
}

/**
 * The size declared for a result or artifact: a `maxSize` field, the first TEP-0164 draft's
 * `properties.maxSize` (when it is a value, not an object-result property), or our annotation.
 */
export function declaredSize(
  entry: Record<string, unknown>,
  entryPath: Path,
  name: string | undefined,
  sources: readonly AnnotationSource[],
): DeclaredSize | undefined {
  if (entry.maxSize !== undefined) {
    return {
      bytes: parseSize(entry.maxSize),
      raw: entry.maxSize,
      path: [...entryPath, 'maxSize'],
      via: 'maxSize',
    };
  }
  const props = entry.properties;
  if (isRecord(props) && props.maxSize !== undefined && !isRecord(props.maxSize)) {
    return {
      bytes: parseSize(props.maxSize),
      raw: props.maxSize,
      path: [...entryPath, 'properties', 'maxSize'],
      via: 'properties.maxSize',
    };
  }
  if (name === undefined) return undefined;
  const key = `${ANNOTATION_MAX_SIZE_PREFIX}${name}`;
  for (const source of sources) {
    const raw = source.annotations[key];
    if (raw !== undefined) return { bytes: parseSize(raw), raw, path: [...source.path, key], via: key };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Artifacts (TEP-0147 names, TEP-0164 `storage`/`buildOutput`, TEP-0192 `type`/`subject`)

export interface ArtifactDecl {
  name: string | undefined;
  entry: Record<string, unknown>;
  path: Path;
  direction: 'input' | 'output';
  /** TEP-0192: content | reference (raw value; default content). */
  type: unknown;
  /** TEP-0164: inline | external (raw value). */
  storage: unknown;
  /** buildOutput (TEP-0164) or subject (TEP-0192). */
  primary: boolean;
  size: DeclaredSize | undefined;
}

export function artifactDecls(
  artifacts: unknown,
  artifactsPath: Path,
  direction: 'input' | 'output',
  sources: readonly AnnotationSource[],
): ArtifactDecl[] {
  if (!isRecord(artifacts)) return [];
  const field = direction === 'input' ? 'inputs' : 'outputs';
  const out: ArtifactDecl[] = [];
  list(artifacts[field]).forEach((entry, i) => {
    if (!isRecord(entry)) return;
    const path = [...artifactsPath, field, i];
    const name = str(entry.name);
    out.push({
      name,
      entry,
      path,
      direction,
      type: entry.type,
      storage: entry.storage,
      primary: entry.buildOutput === true || entry.subject === true,
      size: declaredSize(entry, path, name, sources),
    });
  });
  return out;
}

export function taskArtifacts(view: TaskSpecView, direction: 'input' | 'output'): ArtifactDecl[] {
  return artifactDecls(view.spec.artifacts, [...view.path, 'artifacts'], direction, view.annotationSources);
}

// ---------------------------------------------------------------------------------------------
// Results

export interface ResultDecl {
  name: string | undefined;
  entry: Record<string, unknown>;
  path: Path;
  type: unknown;
  size: DeclaredSize | undefined;
}

export function resultDecls(view: TaskSpecView): ResultDecl[] {
  const out: ResultDecl[] = [];
  list(view.spec.results).forEach((entry, i) => {
    if (!isRecord(entry)) return;
    const path = [...view.path, 'results', i];
    const name = str(entry.name);
    out.push({
      name,
      entry,
      path,
      type: entry.type,
      size: declaredSize(entry, path, name, view.annotationSources),
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Steps and the variables they use

export interface StepView {
  value: Record<string, unknown>;
  path: Path;
  index: number;
  name: string | undefined;
}

export function steps(view: TaskSpecView): StepView[] {
  const out: StepView[] = [];
  list(view.spec.steps).forEach((s, index) => {
    if (isRecord(s)) out.push({ value: s, path: [...view.path, 'steps', index], index, name: str(s.name) });
  });
  return out;
}

/** The strings of a step where Tekton substitutes variables, with their paths. */
export function stepStrings(step: StepView): Array<{ text: string; path: Path }> {
  const out: Array<{ text: string; path: Path }> = [];
  const add = (v: unknown, path: Path): void => {
    if (typeof v === 'string') out.push({ text: v, path });
  };
  add(step.value.script, [...step.path, 'script']);
  add(step.value.workingDir, [...step.path, 'workingDir']);
  for (const field of ['command', 'args'] as const) {
    list(step.value[field]).forEach((v, i) => add(v, [...step.path, field, i]));
  }
  list(step.value.env).forEach((e, i) => {
    if (isRecord(e)) add(e.value, [...step.path, 'env', i, 'value']);
  });
  // A StepAction gets the paths through its params.
  list(step.value.params).forEach((p, i) => {
    if (!isRecord(p)) return;
    if (typeof p.value === 'string') add(p.value, [...step.path, 'params', i, 'value']);
    else list(p.value).forEach((v, j) => add(v, [...step.path, 'params', i, 'value', j]));
  });
  return out;
}

const RESULT_PATH = /\$\(\s*results(?:\.([A-Za-z0-9_-]+)|\[\s*["']([^"']+)["']\s*\])\.path\s*\)/g;

/** Names of the results a step writes, from `$(results.<name>.path)` in its strings. */
export function resultsWrittenBy(step: StepView): Set<string> {
  const names = new Set<string>();
  for (const { text } of stepStrings(step)) {
    if (!text.includes('results')) continue;
    for (const m of text.matchAll(RESULT_PATH)) names.add(m[1] ?? m[2] ?? '');
  }
  names.delete('');
  return names;
}

/** TEP-0147/0164 variables: $(outputs.<name>.path), $(inputs.<name>.uri), $(step.artifacts.path)… */
const ARTIFACT_VARIABLE =
  /\$\(\s*(?:(?:inputs|outputs)\.(?!resources\.|params\.)[A-Za-z0-9_-]+\.(?:path|uri|digest)|(?:step\.)?artifacts\.path|step\.artifacts\.(?:inputs|outputs)\.[A-Za-z0-9_-]+\.path)\s*\)/;

/**
 * Tekton's own artifact references (pkg/apis/pipeline/v1 artifactref: stepArtifactUsagePattern
 * and taskArtifactUsagePattern): $(steps.<step>.outputs.<name>), $(tasks.<task>.inputs.<name>)…
 * Tekton rejects them without enable-artifacts in a step's script, command, args and env
 * (validateArtifactsReferencesInStep) and in pipeline task params (validateArtifactReference).
 */
const TEKTON_ARTIFACT_REFERENCE = /\$\((?:steps|tasks)\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)/;

export function artifactVariableUse(step: StepView): { path: Path; variable: string } | undefined {
  for (const { text, path } of stepStrings(step)) {
    const m = ARTIFACT_VARIABLE.exec(text);
    if (m) return { path, variable: m[0] };
  }
  // Only the fields Tekton checks for its own references.
  const checked = stepStrings(step).filter(({ path }) => {
    const field = path[step.path.length];
    return field === 'script' || field === 'command' || field === 'args' || field === 'env';
  });
  for (const { text, path } of checked) {
    const m = TEKTON_ARTIFACT_REFERENCE.exec(text);
    if (m) return { path, variable: m[0] };
  }
  return undefined;
}

/** A pipeline task param value (string, array or object) holding a Tekton artifact reference. */
export function paramArtifactReference(task: PipelineTaskView): { path: Path; variable: string } | undefined {
  const found = (text: unknown, path: Path) => {
    const m = typeof text === 'string' ? TEKTON_ARTIFACT_REFERENCE.exec(text) : null;
    return m ? { path, variable: m[0] } : undefined;
  };
  const params = list(task.value.params);
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (!isRecord(p)) continue;
    const base = [...task.path, 'params', i, 'value'];
    const v = p.value;
    const hit = Array.isArray(v)
      ? v.map((x, j) => found(x, [...base, j])).find((x) => x !== undefined)
      : isRecord(v)
        ? Object.entries(v)
            .map(([k, x]) => found(x, [...base, k]))
            .find((x) => x !== undefined)
        : found(v, base);
    if (hit) return hit;
  }
  return undefined;
}
