// TA401 and TA405: artifacts and StepActions against enable-artifacts and enable-step-actions.
// The other gates (TA402–TA404: enable-api-fields and per-feature flags) come from Tekton's
// validation code through the generated data (src/validate/tekton/admission.ts). Pure.

import { describeFlag, type ConfigSnapshot } from '../config.js';
import { type Resource } from '../resources.js';
import { artifactVariableUse, paramArtifactReference, pipelineSpecs, steps, taskSpecs } from '../spec.js';
import type { Path, RawFinding } from '../types.js';
import { isRecord, list, str } from '../../json/guards.js';

/**
 * Where a resource first uses artifacts (declarations or variables), for TA401. Declarations
 * of the proposed API count only where it is served (elsewhere TA507 reports them).
 */
function firstArtifactUse(
  resource: Resource,
  proposedServed: boolean,
): { path: Path; what: string; label: string; needle?: string } | undefined {
  const nonEmpty = (a: unknown): boolean =>
    proposedServed && isRecord(a) && (list(a.inputs).length > 0 || list(a.outputs).length > 0);
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

export function checkFlags(
  resource: Resource,
  snapshot: ConfigSnapshot,
  proposedServed: boolean,
): RawFinding[] {
  const out: RawFinding[] = [];
  const flags = snapshot.featureFlags.flags;
  if (!flags.enableArtifacts) {
    const first = firstArtifactUse(resource, proposedServed);
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
