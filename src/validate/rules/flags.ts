// TA401–TA405: features a spec uses that the cluster's feature-flags ConfigMap leaves off.
// Field stability follows tektoncd/pipeline docs/additional-configs.md ("Alpha Features",
// "Beta Features"): for tekton.dev/v1beta1 resources, enable-api-fields "stable" still allows
// beta fields; for v1 it does not. Pure.

import { describeFlag, rawFlag, type ConfigSnapshot } from '../config.js';
import { type Resource } from '../resources.js';
import { artifactVariableUse, paramArtifactReference, pipelineSpecs, steps, taskSpecs } from '../spec.js';
import type { Path, RawFinding } from '../types.js';
import { isRecord, list, str } from '../../json/guards.js';

type Gate =
  | { kind: 'alpha' | 'beta'; feature: string }
  | { kind: 'flag'; feature: string; flag: string; alsoByAlpha?: boolean };

interface Use {
  gate: Gate;
  path: Path;
  /** 'Task "build"', 'PipelineRun "ci-run"'. */
  label: string;
  /** How the spec uses it, e.g. "steps[0].stdoutConfig". */
  field: string;
}

const ALPHA_PIPELINES_IN_PIPELINES: Gate = { kind: 'alpha', feature: 'Pipelines in Pipelines, TEP-0056' };
const ALPHA_ON_ERROR: Gate = { kind: 'alpha', feature: 'ignoring task failures with onError, TEP-0050' };
const ALPHA_OUTPUT_STREAMS: Gate = { kind: 'alpha', feature: 'step output redirection, TEP-0011' };
const ALPHA_WINDOWS: Gate = { kind: 'alpha', feature: 'Windows scripts, TEP-0057' };
const BETA_MATRIX: Gate = { kind: 'beta', feature: 'Matrix, TEP-0090' };
const BETA_WORKSPACES: Gate = { kind: 'beta', feature: 'isolated step and sidecar workspaces, TEP-0029' };
const BETA_RESOLVER: Gate = { kind: 'beta', feature: 'remote resolution, TEP-0060' };
const BETA_RESOURCES: Gate = { kind: 'beta', feature: 'task-level compute resources, TEP-0104' };
const BETA_OVERRIDES: Gate = { kind: 'beta', feature: 'step and sidecar overrides, TEP-0094' };
const FLAG_ENUM: Gate = { kind: 'flag', feature: 'parameter enums, TEP-0144', flag: 'enable-param-enum' };
const FLAG_CEL: Gate = {
  kind: 'flag',
  feature: 'CEL in when expressions, TEP-0145',
  flag: 'enable-cel-in-whenexpression',
};
const FLAG_BUNDLES: Gate = {
  kind: 'flag',
  feature: 'Tekton bundles, TEP-0005',
  flag: 'enable-tekton-oci-bundles',
  alsoByAlpha: true,
};

function collectUses(resource: Resource): Use[] {
  const uses: Use[] = [];
  const use = (gate: Gate, label: string, path: Path, field: string): void => {
    uses.push({ gate, label, path, field });
  };
  const params = (value: unknown, base: Path, label: string): void => {
    list(value).forEach((p, i) => {
      if (isRecord(p) && p.enum !== undefined)
        use(FLAG_ENUM, label, [...base, i, 'enum'], `params[${i}].enum`);
    });
  };
  const ref = (value: unknown, base: Path, label: string, field: string): void => {
    if (!isRecord(value)) return;
    if (value.resolver !== undefined) use(BETA_RESOLVER, label, [...base, 'resolver'], `${field}.resolver`);
    if (value.bundle !== undefined) use(FLAG_BUNDLES, label, [...base, 'bundle'], `${field}.bundle`);
  };

  for (const view of taskSpecs(resource)) {
    params(view.spec.params, [...view.path, 'params'], view.label);
    for (const step of steps(view)) {
      const i = step.index;
      for (const f of ['stdoutConfig', 'stderrConfig'] as const) {
        if (step.value[f] !== undefined)
          use(ALPHA_OUTPUT_STREAMS, view.label, [...step.path, f], `steps[${i}].${f}`);
      }
      if (typeof step.value.script === 'string' && step.value.script.trimStart().startsWith('#!win')) {
        use(ALPHA_WINDOWS, view.label, [...step.path, 'script'], `steps[${i}].script`);
      }
      if (step.value.workspaces !== undefined) {
        use(BETA_WORKSPACES, view.label, [...step.path, 'workspaces'], `steps[${i}].workspaces`);
      }
    }
    list(view.spec.sidecars).forEach((s, i) => {
      if (isRecord(s) && s.workspaces !== undefined) {
        use(
          BETA_WORKSPACES,
          view.label,
          [...view.path, 'sidecars', i, 'workspaces'],
          `sidecars[${i}].workspaces`,
        );
      }
    });
  }

  for (const pipeline of pipelineSpecs(resource)) {
    params(pipeline.spec.params, [...pipeline.path, 'params'], pipeline.label);
    for (const task of pipeline.tasks) {
      const label = `pipeline task ${JSON.stringify(task.name ?? '')} of ${pipeline.label}`;
      const v = task.value;
      if (v.matrix !== undefined) use(BETA_MATRIX, label, [...task.path, 'matrix'], 'matrix');
      for (const f of ['pipelineRef', 'pipelineSpec'] as const) {
        if (v[f] !== undefined) use(ALPHA_PIPELINES_IN_PIPELINES, label, [...task.path, f], f);
      }
      if (v.onError !== undefined) use(ALPHA_ON_ERROR, label, [...task.path, 'onError'], 'onError');
      list(v.when).forEach((w, i) => {
        if (isRecord(w) && w.cel !== undefined)
          use(FLAG_CEL, label, [...task.path, 'when', i, 'cel'], `when[${i}].cel`);
      });
      ref(v.taskRef, [...task.path, 'taskRef'], label, 'taskRef');
    }
  }

  const spec = resource.value.spec as Record<string, unknown>;
  const label = `${resource.kind} ${JSON.stringify(resource.name)}`;
  const beta1 = resource.version === 'v1beta1';
  const overrides = beta1
    ? (['stepOverrides', 'sidecarOverrides'] as const)
    : (['stepSpecs', 'sidecarSpecs'] as const);
  if (resource.kind === 'PipelineRun') {
    ref(spec.pipelineRef, ['spec', 'pipelineRef'], label, 'pipelineRef');
    list(spec.taskRunSpecs).forEach((t, i) => {
      if (!isRecord(t)) return;
      const base = ['spec', 'taskRunSpecs', i];
      if (t.computeResources !== undefined) {
        use(BETA_RESOURCES, label, [...base, 'computeResources'], `taskRunSpecs[${i}].computeResources`);
      }
      for (const f of overrides) {
        if (t[f] !== undefined) use(BETA_OVERRIDES, label, [...base, f], `taskRunSpecs[${i}].${f}`);
      }
    });
  }
  if (resource.kind === 'TaskRun') {
    ref(spec.taskRef, ['spec', 'taskRef'], label, 'taskRef');
    if (spec.computeResources !== undefined) {
      use(BETA_RESOURCES, label, ['spec', 'computeResources'], 'computeResources');
    }
    for (const f of overrides) if (spec[f] !== undefined) use(BETA_OVERRIDES, label, ['spec', f], f);
  }
  return uses;
}

function apiFieldsText(snapshot: ConfigSnapshot): string {
  const raw = snapshot.featureFlags.set['enable-api-fields'];
  const value = snapshot.featureFlags.flags.enableApiFields;
  return raw !== undefined
    ? `enable-api-fields is "${raw}" in ${snapshot.featureFlags.source}`
    : `enable-api-fields is "${value}" (Tekton's default; ${snapshot.featureFlags.source} does not set it)`;
}

/** Where a resource first uses artifacts (declarations or variables), for TA401. */
function firstArtifactUse(
  resource: Resource,
): { path: Path; what: string; label: string; needle?: string } | undefined {
  const nonEmpty = (a: unknown): boolean =>
    isRecord(a) && (list(a.inputs).length > 0 || list(a.outputs).length > 0);
  for (const view of taskSpecs(resource)) {
    if (nonEmpty(view.spec.artifacts)) {
      return { path: [...view.path, 'artifacts'], what: 'declares artifacts', label: view.label };
    }
    for (const step of steps(view)) {
      const v = artifactVariableUse(step);
      if (v) return { path: v.path, what: `uses ${v.variable}`, label: view.label, needle: v.variable };
    }
  }
  for (const pipeline of pipelineSpecs(resource)) {
    if (nonEmpty(pipeline.spec.artifacts)) {
      return { path: [...pipeline.path, 'artifacts'], what: 'declares artifacts', label: pipeline.label };
    }
    for (const task of pipeline.tasks) {
      const label = `pipeline task ${JSON.stringify(task.name ?? '')} of ${pipeline.label}`;
      if (nonEmpty(task.value.artifacts)) {
        return { path: [...task.path, 'artifacts'], what: 'binds artifacts', label };
      }
      const ref = paramArtifactReference(task);
      if (ref) return { path: ref.path, what: `uses ${ref.variable}`, label, needle: ref.variable };
    }
  }
  const spec = resource.value.spec as Record<string, unknown>;
  if (resource.kind === 'PipelineRun' && nonEmpty(spec.artifacts)) {
    return {
      path: ['spec', 'artifacts'],
      what: 'passes artifacts',
      label: `PipelineRun ${JSON.stringify(resource.name)}`,
    };
  }
  return undefined;
}

export function checkFlags(resource: Resource, snapshot: ConfigSnapshot): RawFinding[] {
  const out: RawFinding[] = [];
  const flags = snapshot.featureFlags.flags;
  if (!flags.enableArtifacts) {
    const first = firstArtifactUse(resource);
    if (first) {
      out.push({
        ruleId: 'TA401',
        path: first.path,
        ...(first.needle ? { needle: first.needle } : { at: 'key' as const }),
        message: `${first.label} ${first.what}, but enable-artifacts ${describeFlag(snapshot, 'enable-artifacts')}`,
        hint: `set enable-artifacts: "true" in ${snapshot.featureFlags.source}`,
      });
    }
  }
  const level = flags.enableApiFields;
  const beta1 = resource.version === 'v1beta1';
  for (const u of collectUses(resource)) {
    const g = u.gate;
    if (g.kind === 'alpha' && level !== 'alpha') {
      out.push({
        ruleId: 'TA402',
        path: u.path,
        at: 'key',
        message: `${u.label} uses ${u.field} (${g.feature}), an alpha feature, but ${apiFieldsText(snapshot)}`,
        hint: `set enable-api-fields: "alpha" in ${snapshot.featureFlags.source}, or do without ${u.field}`,
      });
    } else if (g.kind === 'beta' && level === 'stable' && !beta1) {
      out.push({
        ruleId: 'TA403',
        path: u.path,
        at: 'key',
        message: `${u.label} uses ${u.field} (${g.feature}), a beta feature, but ${apiFieldsText(snapshot)}`,
        hint: `set enable-api-fields: "beta" in ${snapshot.featureFlags.source}, or do without ${u.field}`,
      });
    } else if (
      g.kind === 'flag' &&
      !rawFlag(snapshot, g.flag, false) &&
      !(g.alsoByAlpha && level === 'alpha')
    ) {
      out.push({
        ruleId: 'TA404',
        path: u.path,
        at: 'key',
        message: `${u.label} uses ${u.field} (${g.feature}), but ${g.flag} ${describeFlag(snapshot, g.flag)}`,
        hint: `set ${g.flag}: "true" in ${snapshot.featureFlags.source}`,
      });
    }
  }
  if (!flags.enableStepActions) {
    const flagText = `enable-step-actions is "${snapshot.featureFlags.set['enable-step-actions'] ?? 'false'}" in ${snapshot.featureFlags.source}`;
    for (const view of taskSpecs(resource)) {
      for (const step of steps(view)) {
        const stepName = JSON.stringify(step.name ?? `#${step.index + 1}`);
        if (step.value.ref !== undefined) {
          const name = str(step.value.ref && isRecord(step.value.ref) ? step.value.ref.name : undefined);
          out.push({
            ruleId: 'TA405',
            path: [...step.path, 'ref'],
            at: 'key',
            message: `${view.label}: step ${stepName} uses StepAction${name ? ` ${JSON.stringify(name)}` : ''} (ref), but ${flagText}`,
            hint: 'older Tekton releases reject such steps when the flag is false (current ones ignore it): remove enable-step-actions: "false"',
          });
          continue;
        }
        // The same flag gates step results and step when (pkg/apis/pipeline/v1
        // task_validation.go validateStep: "feature flag enable-step-actions should be set to
        // true in order to use Results in Steps", and "… When in Steps").
        for (const field of ['results', 'when'] as const) {
          if (list(step.value[field]).length === 0) continue;
          out.push({
            ruleId: 'TA405',
            path: [...step.path, field],
            at: 'key',
            message: `${view.label}: step ${stepName} uses ${field === 'results' ? 'results (step results, TEP-0142)' : 'when (when expressions in steps)'}, but ${flagText}`,
            hint: `Tekton releases that read the flag reject ${field === 'results' ? 'Results' : 'When'} in Steps when it is false: remove enable-step-actions: "false"`,
          });
        }
      }
    }
  }
  return out;
}
