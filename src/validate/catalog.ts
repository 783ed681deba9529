// Every rule `validate` knows: a stable id (scripts and SARIF baselines key on it; an id is never
// reused for another meaning), a default severity, and the text SARIF and docs/validate.md show.

import type { Severity } from './types.js';

export type RuleCategory =
  'input' | 'storage' | 'results' | 'bindings' | 'flags' | 'admission' | 'references';

export interface RuleMeta {
  id: string;
  /** kebab-case, for SARIF `name` and for humans. */
  name: string;
  severity: Severity;
  category: RuleCategory;
  /** One line. */
  summary: string;
  /** What to do about it, in general; findings carry a specific hint. */
  help: string;
  /**
   * What makes the rule true: files of tektoncd/pipeline (at the release of the API data),
   * Kubernetes, or the TEP text for the proposed API. docs/validate.md prints it.
   */
  source: string;
}

export const RULES: readonly RuleMeta[] = [
  {
    id: 'TA001',
    name: 'yaml-syntax',
    severity: 'error',
    category: 'input',
    summary: 'The file is not valid YAML.',
    help: 'Fix the YAML at the position shown (the other documents of the file are still checked).',
    source:
      'YAML 1.2 and sigs.k8s.io/yaml, which kubectl and the API server use (duplicate keys are an error there too).',
  },
  {
    id: 'TA002',
    name: 'invalid-resource',
    severity: 'error',
    category: 'input',
    summary:
      'A Tekton resource that cannot be read: no name, a spec that is not a mapping, or an API version Tekton no longer serves.',
    help: 'Use apiVersion tekton.dev/v1 (or v1beta1), give the resource a metadata.name, and make spec a mapping.',
    source:
      'the API groups and versions Tekton serves: config/300-crds in tektoncd/pipeline (tekton.dev/v1 and v1beta1; v1alpha1 Tasks and Pipelines are gone).',
  },
  {
    id: 'TA101',
    name: 'storage-disabled',
    severity: 'error',
    category: 'storage',
    summary:
      'An artifact or result needs external storage, and artifact storage is disabled for its namespace.',
    help: 'Enable artifact storage (enabled: "true" and oci.repository in config-artifact-storage), or keep the content small and inline.',
    source:
      'TEP-0164 (proposed): external storage needs `config-artifact-storage` enabled; checked only where the proposed artifact API is served (TA507 elsewhere).',
  },
  {
    id: 'TA102',
    name: 'storage-no-repository',
    severity: 'error',
    category: 'storage',
    summary:
      'An artifact or result needs external storage, and no OCI repository is configured for its namespace.',
    help: 'Set oci.repository at the cluster or namespace level, or the tekton.dev/artifact-storage-oci-repository annotation on the Pipeline or PipelineRun.',
    source:
      'TEP-0164 (proposed): the OCI backend needs `oci.repository`; checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA103',
    name: 'inline-artifact-too-large',
    severity: 'error',
    category: 'storage',
    summary:
      'An artifact marked `storage: inline` declares a size above the inline threshold (TEP-0164: "content too large").',
    help: 'Use `storage: external` (or drop the hint), or raise inline-threshold if the content really is small.',
    source:
      'TEP-0164 (proposed): "content too large" for inline storage above the inline threshold; checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA104',
    name: 'binding-needs-storage',
    severity: 'error',
    category: 'storage',
    summary:
      'A Pipeline binds a content artifact between tasks while artifact storage is disabled (TEP-0192 rejects such Pipelines).',
    help: 'Enable artifact storage, or declare the producing artifact `type: reference` and pass a URI and digest.',
    source:
      'TEP-0192 (proposed): content bindings between tasks need storage; checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA105',
    name: 'content-artifact-unbounded',
    severity: 'warning',
    category: 'storage',
    summary:
      'A content artifact has no declared size and artifact storage is disabled: content above the inline threshold fails the step.',
    help: 'Enable artifact storage, declare a size (maxSize or the tkn-artifacts.tekton.dev/max-size.<name> annotation), or use `type: reference`.',
    source:
      'TEP-0164 (proposed): content above the inline threshold fails the step when storage is off; checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA106',
    name: 'invalid-declaration',
    severity: 'error',
    category: 'storage',
    summary:
      'An artifact or result declaration has a value Tekton does not accept (unknown type or storage, unreadable size, no name).',
    help: 'Use type content|reference, storage inline|external, and sizes such as 4096, 64Ki or 10Mi.',
    source:
      'TEP-0164 and TEP-0192 (proposed): artifact `type` and `storage` values; checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA201',
    name: 'result-too-large',
    severity: 'error',
    category: 'results',
    summary:
      "A result's declared size exceeds what the cluster's result transport can carry: with termination messages, min(4096, 12288 / the Pod's containers, init containers included) bytes per container, less Tekton's framing.",
    help: 'Store the content as an artifact with external storage, switch to results-from: sidecar-logs with a larger max-result-size, or make the result smaller.',
    source:
      'tektoncd/pipeline pkg/termination/write.go (MaxContainerTerminationMessageLength 4096) and pkg/pod/pod.go (the prepare and place-scripts init containers); Kubernetes pkg/kubelet/status/status_manager.go normalizeStatus (12288 / containers, init containers included).',
  },
  {
    id: 'TA202',
    name: 'step-results-too-large',
    severity: 'error',
    category: 'results',
    summary:
      "Results written by one step add up to more than its container's termination message keeps (min(4096, 12288 / the Pod's containers)).",
    help: 'Write the results from different steps, shrink them, or use results-from: sidecar-logs.',
    source:
      'tektoncd/pipeline pkg/termination/write.go and pkg/pod/pod.go; Kubernetes pkg/kubelet/status/status_manager.go normalizeStatus.',
  },
  {
    id: 'TA203',
    name: 'taskrun-results-too-large',
    severity: 'error',
    category: 'results',
    summary:
      "With results-from: sidecar-logs, a Task's results add up to more than the 1.5 MiB a TaskRun object can hold.",
    help: 'Move large content to artifacts with external storage, or use results-from: sidecar-logs.',
    source:
      "tektoncd/pipeline pkg/apis/config/feature_flags.go (max-result-size, results-from: sidecar-logs); etcd's 1.5 MiB object limit on the TaskRun that stores the results.",
  },
  {
    id: 'TA204',
    name: 'sbom-in-result',
    severity: 'warning',
    category: 'results',
    summary: 'A result that looks like an SBOM: SBOMs are tens of KiB to MiBs and do not fit in a result.',
    help: 'Push the SBOM to a registry (an artifact with external storage, or cosign attach) and return its URI and digest.',
    source:
      'the result limits of TA201; a heuristic on the name, description and how the steps write the result.',
  },
  {
    id: 'TA205',
    name: 'images-result-too-large',
    severity: 'warning',
    category: 'results',
    summary: 'An IMAGES result for the known number of images is estimated to exceed the result size limit.',
    help: 'Split the images over several Tasks, use results-from: sidecar-logs, or record the images as artifacts.',
    source:
      "the result limits of TA201; Tekton Chains' IMAGES type hint (one reference with digest per image).",
  },
  {
    id: 'TA206',
    name: 'images-result-capacity',
    severity: 'info',
    category: 'results',
    summary:
      "How many images an IMAGES result can list under this cluster's limit (the number of images is not known).",
    help: 'Declare the number of images with the tkn-artifacts.tekton.dev/image-count annotation to have it checked.',
    source: "the result limits of TA201; Tekton Chains' IMAGES type hint.",
  },
  {
    id: 'TA301',
    name: 'invalid-from',
    severity: 'error',
    category: 'bindings',
    summary: "An artifact binding's `from` is not of the form tasks.<taskName>.outputs.<artifactName>.",
    help: 'Write from: tasks.<taskName>.outputs.<artifactName> (or artifacts.inputs.<name> for a Pipeline input).',
    source:
      'TEP-0192 (proposed): `from: tasks.<task>.outputs.<artifact>`; checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA302',
    name: 'from-unknown-source',
    severity: 'error',
    category: 'bindings',
    summary: 'An artifact binding points at a task, or a Pipeline artifact input, that does not exist.',
    help: "Check the task name against the Pipeline's tasks and finally, or declare the Pipeline input in spec.artifacts.inputs.",
    source: 'TEP-0192 (proposed); checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA303',
    name: 'from-unknown-output',
    severity: 'error',
    category: 'bindings',
    summary: 'An artifact binding names an output the producing Task does not declare.',
    help: "Use one of the producing Task's spec.artifacts.outputs names.",
    source: 'TEP-0192 (proposed); checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA304',
    name: 'from-not-upstream',
    severity: 'error',
    category: 'bindings',
    summary:
      'An artifact binding consumes from a task that cannot run before the consumer (itself, a finally task, or a task that depends on the consumer).',
    help: 'Bind from a task that runs earlier, or remove the dependency that makes the order circular.',
    source: 'TEP-0192 (proposed); checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA305',
    name: 'duplicate-artifact-name',
    severity: 'error',
    category: 'bindings',
    summary: 'Two artifacts with the same name in one list of inputs or outputs.',
    help: 'Give every artifact in a list its own name.',
    source: 'TEP-0164 and TEP-0192 (proposed); checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA306',
    name: 'multiple-build-outputs',
    severity: 'error',
    category: 'bindings',
    summary: 'More than one artifact output is marked buildOutput (TEP-0164) or subject (TEP-0192).',
    help: 'Mark only the primary output; the others become its referrers.',
    source: 'TEP-0164 and TEP-0192 (proposed); checked only where the proposed artifact API is served.',
  },
  {
    id: 'TA501',
    name: 'unknown-field',
    severity: 'error',
    category: 'admission',
    summary:
      "A field the target Tekton release's API does not have: its webhook decodes strictly (DisallowUnknownFields) and rejects the resource.",
    help: 'Remove the field or move it where the API has it (the hint names the place, or the closest field name).',
    source:
      'cmd/webhook/main.go of tektoncd/pipeline (the validation admission controller disallows unknown fields) and the Go types of pkg/apis/pipeline/{v1,v1beta1}, read into the API data; encoding/json matches field names case-insensitively, and so does this rule.',
  },
  {
    id: 'TA502',
    name: 'wrong-type',
    severity: 'error',
    category: 'admission',
    summary:
      'A value of the wrong JSON type for its field (steps: hello, params: 5, metadata as a string): decoding fails.',
    help: 'Write the value as the type the message names (a list, a mapping, a string, an integer…).',
    source:
      'the Go types of pkg/apis/pipeline/{v1,v1beta1} (read into the API data) as encoding/json decodes them; ParamValue decodes any JSON (param_types.go UnmarshalJSON), and metav1.ObjectMeta is a mapping.',
  },
  {
    id: 'TA503',
    name: 'missing-field',
    severity: 'error',
    category: 'admission',
    summary:
      "A field Tekton's validation requires is missing (a Task without steps, a step without image, a pipeline result without value…).",
    help: 'Add the field the message names.',
    source:
      'tektoncd/pipeline pkg/apis/pipeline/v1: task_validation.go (TaskSpec.Validate: steps), container_validation.go (Step.Validate and Sidecar.Validate: image), pipeline_validation.go (validatePipelineResults, validateRefOrSpec, PipelineSpec.Validate), taskrun_validation.go and pipelinerun_validation.go (ErrMissingOneOf); the ErrMissingField sites are listed in the API data.',
  },
  {
    id: 'TA504',
    name: 'invalid-value',
    severity: 'error',
    category: 'admission',
    summary:
      'A value outside the set Tekton accepts (param and result types, onError, when operators, an enum default outside its enum).',
    help: 'Use one of the values the message lists.',
    source:
      'the constants of the Go types (ParamType, ResultsType, OnErrorType, PipelineTaskOnErrorType, TaskKind) read into the API data, as checked by pkg/apis/pipeline/v1 param_types.go (validateParamEnums), result_validation.go, container_validation.go, pipeline_validation.go (ValidateOnError) and when_validation.go.',
  },
  {
    id: 'TA505',
    name: 'conflicting-fields',
    severity: 'error',
    category: 'admission',
    summary:
      'Fields Tekton does not accept together (a step with ref and image, taskRef and taskSpec, onError: continue with retries…).',
    help: 'Keep one of the fields the message names.',
    source:
      'tektoncd/pipeline pkg/apis/pipeline/v1 container_validation.go (Step.Validate: "image cannot be used with Ref" …), pipeline_validation.go (ValidateOnError, validateRefOrSpec), taskrun_validation.go and pipelinerun_validation.go (ErrMultipleOneOf), when_validation.go.',
  },
  {
    id: 'TA506',
    name: 'removed-from-release',
    severity: 'error',
    category: 'admission',
    summary:
      'A kind or field the target release no longer accepts (ClusterTask, taskRef.kind ClusterTask, PipelineResources, bundle), or one the cluster disables (disable-inline-spec).',
    help: 'Use the replacement the hint names (the cluster or bundles resolver, workspaces…).',
    source:
      'the ErrDisallowedFields calls of tektoncd/pipeline pkg/apis/pipeline/{v1,v1beta1} (bundle, resources, disable-inline-spec) read into the API data; the kinds each API version serves (no ClusterTask since v1.0); pipeline_validation.go validateCustomTask for taskRef.kind values other than Task.',
  },
  {
    id: 'TA507',
    name: 'proposed-artifact-api',
    severity: 'error',
    category: 'admission',
    summary:
      'A field of the proposed artifact API (TEP-0164/0192/0193: spec.artifacts, maxSize, type: external, from: bindings) against a cluster that does not serve it: the webhook rejects it as unknown.',
    help: 'Remove the field, or check against a cluster that serves the proposed API (detected from its CRD schema, or --artifact-api served).',
    source:
      "TEP-0164, TEP-0192 and TEP-0193 (proposed) against the Go types of the target release (read into the API data), which have none of these fields; the webhook's strict decoding (cmd/webhook/main.go).",
  },
  {
    id: 'TA508',
    name: 'unknown-reference',
    severity: 'error',
    category: 'references',
    summary:
      'A $(params.*), $(results.*), $(steps.*), $(tasks.*), $(context.*) or $(workspaces.*) reference to something that is not declared.',
    help: 'Fix the name (the hint names the closest declared one) or declare it.',
    source:
      'tektoncd/pipeline pkg/apis/pipeline/v1 task_validation.go (ValidateUsageOfDeclaredParameters, validateTaskContextVariables, validateTaskResultsVariables, "undefined workspace"), container_validation.go (validateStepResultReference), pipeline_validation.go (validatePipelineParameterUsage, validatePipelineContextVariables, validatePipelineResults, validateGraph, validatePipelineTasksWorkspacesUsage).',
  },
  {
    id: 'TA509',
    name: 'invalid-cel',
    severity: 'error',
    category: 'admission',
    summary:
      "A `when` CEL expression that does not compile as Tekton's webhook compiles it (no variables declared; Tekton's $(…) must be quoted).",
    help: "Fix the expression; quote Tekton variables: '$(params.branch)' == 'main'.",
    source:
      "tektoncd/pipeline pkg/apis/pipeline/v1/when_validation.go (cel-go's Compile in an environment without variables); parsed here with @marcbachmann/cel-js.",
  },
  {
    id: 'TA401',
    name: 'artifacts-disabled',
    severity: 'error',
    category: 'flags',
    summary:
      'The spec declares, binds or references artifacts (also `$(tasks.<task>.outputs.<name>)`) and the cluster has enable-artifacts off.',
    help: 'Set enable-artifacts: "true" in the feature-flags ConfigMap of tekton-pipelines.',
    source:
      'tektoncd/pipeline pkg/apis/pipeline/v1/container_validation.go (validateArtifactsReferencesInStep) and pipeline_validation.go (validateArtifactReference), with enable-artifacts from pkg/apis/config/feature_flags.go.',
  },
  {
    id: 'TA402',
    name: 'alpha-field',
    severity: 'error',
    category: 'flags',
    summary: 'The spec uses an alpha field and the cluster does not have enable-api-fields: alpha.',
    help: 'Set enable-api-fields: "alpha" in the feature-flags ConfigMap, or do without the field.',
    source:
      'the ValidateEnabledAPIFields(…, AlphaAPIFields) calls of tektoncd/pipeline pkg/apis/pipeline/{v1,v1beta1}/*_validation.go, read by scripts/tekton-api into the API data (each finding names its file and line); pkg/apis/config/featureflags_validation.go.',
  },
  {
    id: 'TA403',
    name: 'beta-field',
    severity: 'error',
    category: 'flags',
    summary: 'A tekton.dev/v1 spec uses a beta field and the cluster has enable-api-fields: stable.',
    help: 'Set enable-api-fields: "beta" in the feature-flags ConfigMap, or do without the field.',
    source:
      'the ValidateEnabledAPIFields(…, BetaAPIFields) calls of tektoncd/pipeline pkg/apis/pipeline/{v1,v1beta1}/*_validation.go, read into the API data (each finding names its file and line); for v1beta1 too, since pkg/apis/config/featureflags_validation.go has no exception for it.',
  },
  {
    id: 'TA404',
    name: 'feature-flag-disabled',
    severity: 'error',
    category: 'flags',
    summary:
      'The spec uses a feature behind its own flag (param enums, CEL in when, OCI bundles) and the flag is off.',
    help: 'Turn the named flag on in the feature-flags ConfigMap.',
    source:
      'the per-feature flag checks (`if !…FeatureFlags.EnableParamEnum`) of tektoncd/pipeline pkg/apis/pipeline/{v1,v1beta1}, and the PerFeatureFlag defaults of pkg/apis/config/feature_flags.go, read into the API data.',
  },
  {
    id: 'TA405',
    name: 'step-actions-disabled',
    severity: 'warning',
    category: 'flags',
    summary:
      'A step uses a StepAction (`ref`), step `results` or a step `when`, and the cluster sets enable-step-actions: "false".',
    help: 'Remove enable-step-actions: "false" (StepActions are on by default, and recent releases ignore the flag).',
    source:
      'tektoncd/pipeline pkg/apis/pipeline/v1/task_validation.go validateStep (releases that read enable-step-actions).',
  },
];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleMeta(id: string): RuleMeta {
  const rule = byId.get(id);
  // A rule id without a catalogue entry is a programming error, caught by the unit tests.
  if (!rule) throw new Error(`unknown rule ${id}`);
  return rule;
}

/** Rules whose findings mean the input could not be read: exit 2 whatever --fail-on says. */
export function isInputRule(id: string): boolean {
  return byId.get(id)?.category === 'input';
}

/** `--ignore-rule` takes ids or names; returns the ids, or the entries it does not know. */
export function resolveRuleSelectors(selectors: readonly string[]): { ids: Set<string>; unknown: string[] } {
  const ids = new Set<string>();
  const unknown: string[] = [];
  for (const s of selectors) {
    const rule = byId.get(s.toUpperCase()) ?? RULES.find((r) => r.name === s.toLowerCase());
    if (rule) ids.add(rule.id);
    else unknown.push(s);
  }
  return { ids, unknown };
}
