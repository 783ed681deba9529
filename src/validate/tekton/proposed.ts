// The proposed artifact API (TEP-0164 storage and maxSize, TEP-0192 artifact types and `from`
// bindings, TEP-0193): fields no released Tekton has. Tekton's webhook decodes strictly, so
// against a release without them every such field is rejected as unknown (TA507); against a
// cluster that serves them (detected from its CRD schema, or --artifact-api served) the TEP
// rules (TA101–TA106, TA301–TA306) check them instead.

/** Go struct → JSON field → what the field is, for messages. */
export const PROPOSED_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  TaskSpec: { artifacts: 'artifact declarations, TEP-0164/0192' },
  // A pipeline task's taskSpec: a TaskSpec inlined into EmbeddedTask.
  EmbeddedTask: { artifacts: 'artifact declarations, TEP-0164/0192' },
  PipelineSpec: { artifacts: 'pipeline artifact inputs and outputs, TEP-0192' },
  PipelineTask: { artifacts: 'artifact `from:` bindings, TEP-0192' },
  PipelineRunSpec: { artifacts: 'artifacts passed to a PipelineRun, TEP-0192' },
  TaskRunSpec: { artifacts: 'artifacts passed to a TaskRun, TEP-0192' },
  TaskResult: { maxSize: 'a declared result size, TEP-0164' },
  StepResult: { maxSize: 'a declared result size, TEP-0164' },
};

export function proposedField(owner: string, field: string): string | undefined {
  return PROPOSED_FIELDS[owner]?.[field];
}
