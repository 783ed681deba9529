// What Tekton's admission webhook rejects, for one resource: the strict decoding of schema.ts,
// then the checks of its Validate methods that the generated data states (gates, disallowed
// fields, enum constants) or that docs/validate.md cites by file and release (required fields,
// mutually exclusive fields, onError with retries, enum defaults). Pure.

import type { ConfigSnapshot } from '../config.js';
import { isRecord } from '../../json/guards.js';
import type { Resource } from '../resources.js';
import type { Path, RawFinding } from '../types.js';
import type { ApiGate, TektonApiData } from './api-types.js';
import { checkCel } from './cel.js';
import { PROPOSED_FIELDS, proposedField } from './proposed.js';
import { checkShapeAt, fieldIndex, lookupNamed, lookupStruct, shown, type ShapeContext } from './schema.js';
import type { TektonTarget } from './release.js';

export interface AdmissionFlags {
  /** enable-api-fields, lower-cased as Tekton reads it. */
  apiFields: string;
  /** Where that value comes from, for messages. */
  apiFieldsText: string;
  /** Per-feature flags by key, as Tekton parses them (strconv.ParseBool), defaults applied. */
  flag(key: string): boolean;
  /** "is "false" in ConfigMap …" / "is not set …, and is off by default". */
  describe(key: string): string;
  /** disable-inline-spec, split on commas. */
  disableInlineSpec: readonly string[];
  /** Where the feature flags come from, for hints. */
  source: string;
}

const q = (v: unknown): string => JSON.stringify(v ?? '');

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return true;
}

/** Tekton's isParamRefs: a value that is a parameter reference is validated at run time. */
function isParamRef(v: unknown): boolean {
  return typeof v === 'string' && /\$\(params\./.test(v);
}

/** Go's encoding/json: a struct field matches its JSON name exactly or case-insensitively. */
function field(value: Record<string, unknown>, name: string): unknown {
  if (name in value) return value[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(value)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** The Go per-feature flag field (EnableParamEnum) → its ConfigMap key (enable-param-enum). */
function flagKey(goName: string): string {
  return goName
    .replace(/CEL/g, 'Cel')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace('cel-in-when-expression', 'cel-in-whenexpression');
}

/** Whether a gated field is in use the way the gate's condition tests it. */
function gateApplies(g: ApiGate, owner: string, value: Record<string, unknown>): boolean {
  const v = field(value, g.field);
  if (!nonEmpty(v)) return false;
  if (owner === 'PipelineTask' && g.field === 'onError') return !isParamRef(v);
  if (g.field === 'matrix') return isRecord(v) && (nonEmpty(v.params) || nonEmpty(v.include));
  // Only Windows scripts are alpha ("windows script support": a script starting with #!win).
  if (g.field === 'script') return typeof v === 'string' && v.trimStart().startsWith('#!win');
  return true;
}

function ownerMatches(g: ApiGate, owner: string, value: Record<string, unknown>): boolean {
  if (g.owner === owner) return true;
  return g.owner === '*' && field(value, g.field) !== undefined;
}

export function checkAdmission(
  resource: Resource,
  target: TektonTarget,
  flags: AdmissionFlags,
): RawFinding[] {
  const api = target.data;
  const out: RawFinding[] = [];
  const version = resource.version;
  const release = target.label;
  const root = api.roots[version]?.[resource.kind];
  if (!root) {
    out.push(removedKind(resource, target));
    return out;
  }
  const gates = api.gates.filter((g) => g.version === version && g.owner !== '' && g.field !== '');
  const disallowed = api.disallowed.filter((g) => g.version === version);
  // A Task spec inside a custom task (taskSpec with apiVersion and kind) is not a Tekton Task.
  const custom = new Set<Record<string, unknown>>();
  const templated = new Set<unknown>();

  const ctx: ShapeContext = {
    api,
    version,
    release,
    // Proposed fields have TA507; fields Tekton always disallows have TA506, and nothing under
    // them matters.
    skip: (owner, name) =>
      proposedField(owner, name) !== undefined ||
      disallowed.some((g) => g.owner === owner && g.field === name && !inlineSpecGate(g)),
    unknownHint: (owner, key) => movedHint(api, resource, owner, key),
    visit: (owner, value, path) => {
      if (custom.has(value)) return;
      if (owner === 'EmbeddedTask' && (nonEmpty(value.apiVersion) || nonEmpty(value.kind))) {
        custom.add(value);
        return;
      }
      for (const [name, proposal] of Object.entries(PROPOSED_FIELDS[owner] ?? {})) {
        const v = field(value, name);
        if (v === undefined) continue;
        if (!target.artifactApi.served) {
          out.push({
            ruleId: 'TA507',
            path: [...path, name],
            at: 'key',
            message: `${name} (${proposal}) is not part of ${release}: its webhook decodes strictly and rejects the resource as having an unknown field`,
            hint: `remove ${name}, or check against a cluster that serves the proposed artifact API (${target.artifactApi.source}; --artifact-api served if it does)`,
          });
        }
      }
      // Several checks may gate one field (validateRef and validateBetaFields both gate
      // taskRef.resolver): one finding per field.
      const gated = new Set<string>();
      for (const g of gates) {
        if (gated.has(g.field) || !ownerMatches(g, owner, value) || !gateApplies(g, owner, value)) continue;
        const f = gateFinding(g, path, owner, flags, release);
        if (f) {
          gated.add(g.field);
          out.push(f);
        }
      }
      for (const g of disallowed) {
        if (g.owner !== owner || !nonEmpty(field(value, g.field))) continue;
        const f = disallowedFinding(g, owner, path, flags, release);
        if (f) out.push(f);
      }
      const c = { out, api, version, release, target, flags, templated };
      RULES[owner]?.(value, path, c);
      // EmbeddedTask inlines TaskSpec: its checks apply to a pipeline task's taskSpec too.
      if (owner === 'EmbeddedTask') RULES.TaskSpec?.(value, path, c);
    },
  };
  out.push(...checkShapeAt(resource.value, `${version}.${root}`, [], ctx));
  return out.map((f) => (f.ruleId === 'TA501' ? removedResources(f) : f));
}

function removedKind(resource: Resource, target: TektonTarget): RawFinding {
  const served = Object.keys(target.data.roots)
    .filter((v) => target.data.roots[v]?.[resource.kind])
    .map((v) => `tekton.dev/${v}`);
  const clusterTask = resource.kind === 'ClusterTask';
  return {
    ruleId: 'TA506',
    path: ['kind'],
    message: `${resource.kind} ${q(resource.name)}: ${target.label} does not serve ${resource.kind} as ${resource.apiVersion}${served.length > 0 ? ` (only as ${served.join(', ')})` : clusterTask ? ': ClusterTasks were removed in Tekton v1.0 (deprecated since v0.41)' : ''}`,
    hint: clusterTask
      ? 'make it a Task (kind: Task, apiVersion tekton.dev/v1) and reference it with taskRef.resolver: cluster'
      : `use apiVersion ${served[0] ?? 'tekton.dev/v1'}`,
  };
}

function gateFinding(
  g: ApiGate,
  path: Path,
  owner: string,
  flags: AdmissionFlags,
  release: string,
): RawFinding | undefined {
  const at: Path = [...path, g.field];
  const where = `${owner}.${g.field}`;
  if (g.kind === 'alpha' && flags.apiFields !== 'alpha') {
    return {
      ruleId: 'TA402',
      path: at,
      at: 'key',
      message: `${where} (${g.feature}) is an alpha feature in ${release} (${g.source}), but ${flags.apiFieldsText}`,
      hint: `set enable-api-fields: "alpha" in ${flags.source}, or do without ${g.field}`,
    };
  }
  if (g.kind === 'beta' && flags.apiFields !== 'alpha' && flags.apiFields !== 'beta') {
    return {
      ruleId: 'TA403',
      path: at,
      at: 'key',
      message: `${where} (${g.feature}) is a beta feature in ${release} (${g.source}), but ${flags.apiFieldsText}`,
      hint: `set enable-api-fields: "beta" (Tekton's default) in ${flags.source}, or do without ${g.field}`,
    };
  }
  if (g.kind === 'flag') {
    const key = flagKey(g.feature);
    if (key === 'enable-artifacts' || key === 'enable-concise-resolver-syntax') return undefined; // own rules
    if (flags.flag(key)) return undefined;
    return {
      ruleId: 'TA404',
      path: at,
      at: 'key',
      message: `${where} needs the per-feature flag ${key} in ${release} (${g.source}), but ${key} ${flags.describe(key)}; enable-api-fields: alpha does not turn it on`,
      hint: `set ${key}: "true" in ${flags.source}`,
    };
  }
  return undefined;
}

/** A field disallowed only when the cluster's disable-inline-spec names its kind. */
function inlineSpecGate(g: ApiGate): boolean {
  return g.enclosing.some((c) => c.includes('DisableInlineSpec')) || g.function.includes('InlineSpec');
}

function disallowedFinding(
  g: ApiGate,
  owner: string,
  path: Path,
  flags: AdmissionFlags,
  release: string,
): RawFinding | undefined {
  const at: Path = [...path, g.field];
  if (inlineSpecGate(g)) {
    // The kind the condition tests for: slices.Contains(…DisableInlineSpec, ","), "pipelinerun").
    const token =
      g.enclosing.map((c) => /DisableInlineSpec[^"]*"[^"]*"\)\s*,\s*"([a-z]+)"/.exec(c)?.[1]).find(Boolean) ??
      (owner === 'PipelineTask' ? 'pipeline' : owner === 'PipelineRunSpec' ? 'pipelinerun' : 'taskrun');
    if (!flags.disableInlineSpec.includes(token)) return undefined;
    return {
      ruleId: 'TA506',
      path: at,
      at: 'key',
      message: `${owner}.${g.field}: the cluster sets disable-inline-spec to "${flags.disableInlineSpec.join(',')}", so ${release} rejects embedded specs here (${g.source})`,
      hint: 'reference the Task or Pipeline (taskRef/pipelineRef) instead of embedding it',
    };
  }
  const bundle = g.field === 'bundle';
  return {
    ruleId: 'TA506',
    path: at,
    at: 'key',
    message: bundle
      ? `${owner}.bundle: ${release} rejects the bundle field on create whatever enable-tekton-oci-bundles says (${g.source})`
      : `${owner}.${g.field}: ${release} rejects ${g.field === 'resources' ? 'PipelineResources (removed in Tekton v0.50)' : `the field ${g.field}`} (${g.source})`,
    hint: bundle
      ? 'use the bundles resolver: taskRef: {resolver: bundles, params: [{name: bundle, value: …}, {name: name, …}, {name: kind, value: task}]}'
      : g.field === 'resources'
        ? 'replace PipelineResources with Tasks (git-clone, for example) and workspaces or params'
        : `remove ${g.field}`,
  };
}

/** v1 has no resources fields at all: PipelineResources were removed (v0.50). */
function removedResources(f: RawFinding): RawFinding {
  if (
    f.path.at(-1) !== 'resources' ||
    !/\((TaskSpec|PipelineSpec|PipelineTask|TaskRunSpec|PipelineRunSpec)\)/.test(f.message)
  )
    return f;
  return {
    ...f,
    ruleId: 'TA506',
    message: `${f.message.replace(/^unknown field/, 'field')}; PipelineResources were removed in Tekton v0.50`,
    hint: 'replace PipelineResources with Tasks (git-clone, for example) and workspaces or params',
  };
}

/**
 * An unknown field that the same struct has in the other API version (v1beta1's
 * PipelineRunSpec.podTemplate): say where this version has a field of that name.
 */
function movedHint(api: TektonApiData, resource: Resource, owner: string, key: string): string | undefined {
  const other = resource.version === 'v1' ? 'v1beta1' : 'v1';
  const there = api.structs[other]?.[owner];
  if (!there?.fields.some((f) => f.name === key)) return undefined;
  const root = api.roots[resource.version]?.[resource.kind];
  const found = root ? findField(api, `${resource.version}.${root}`, key) : undefined;
  return found
    ? `tekton.dev/${other} has ${key} here; ${resource.apiVersion} has it at ${found}: move it there`
    : `tekton.dev/${other} has ${key} here; ${resource.apiVersion} does not`;
}

/** Where under a root type a field of that name is (shortest path, a few levels deep). */
function findField(api: TektonApiData, rootType: string, name: string): string | undefined {
  const queue: Array<{ type: string; path: string; depth: number }> = [
    { type: rootType, path: '', depth: 0 },
  ];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { type, path, depth } = queue.shift() as { type: string; path: string; depth: number };
    if (seen.has(type) || depth > 4) continue;
    seen.add(type);
    const struct = lookupStruct(api, '', type.replace(/^\[\]/, ''));
    if (!struct) continue;
    const index = fieldIndex(api, '', struct);
    const array = type.startsWith('[]') ? '[]' : '';
    for (const [n, f] of index.exact) {
      const p = `${path}${array}${path || array ? '.' : ''}${n}`;
      if (n === name && depth > 0) return p;
      queue.push({ type: f.type, path: p, depth: depth + 1 });
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks of the Validate methods, by the Go struct they run on. Each cites the file of
// tektoncd/pipeline (at the data's release) that makes it true; docs/validate.md lists them.

interface RuleContext {
  out: RawFinding[];
  /** Steps whose Task has a stepTemplate with an image (merged in before validation). */
  templated: Set<unknown>;
  api: TektonApiData;
  version: string;
  release: string;
  target: TektonTarget;
  flags: AdmissionFlags;
}

type StructRule = (value: Record<string, unknown>, path: Path, c: RuleContext) => void;

function enumValues(c: RuleContext, goType: string): string[] | undefined {
  return lookupNamed(c.api, `${c.version}.${goType}`)?.values;
}

function missingField(c: RuleContext, path: Path, what: string, where: string, hint: string): void {
  c.out.push({
    ruleId: 'TA503',
    path,
    message: `${what}: ${c.release} requires it (${where})`,
    hint,
  });
}

function conflict(c: RuleContext, path: Path, message: string, source: string, hint: string): void {
  c.out.push({
    ruleId: 'TA505',
    path,
    at: 'key',
    message: `${message}: ${c.release} rejects it (${source})`,
    hint,
  });
}

function badValue(c: RuleContext, path: Path, message: string, hint: string): void {
  c.out.push({ ruleId: 'TA504', path, message, hint });
}

function checkEnum(
  c: RuleContext,
  value: unknown,
  goType: string,
  path: Path,
  what: string,
  /** 'ok': the value is accepted after all; a finding replaces the generic one. */
  extra?: (v: string) => RawFinding | 'ok' | undefined,
): void {
  if (typeof value !== 'string' || value === '' || isParamRef(value)) return;
  const allowed = enumValues(c, goType);
  if (!allowed || allowed.includes(value)) return;
  const special = extra?.(value);
  if (special === 'ok') return;
  if (special) {
    c.out.push(special);
    return;
  }
  badValue(
    c,
    path,
    `${what} is ${q(value)}, not one of ${allowed.map((v) => q(v)).join(', ')} (${goType} in ${c.release})`,
    `use one of ${allowed.join(', ')}`,
  );
}

const STEP_REF_EXCLUSIVE = [
  'image',
  'command',
  'args',
  'script',
  'workingDir',
  'env',
  'volumeMounts',
  'results',
];

const RULES: Record<string, StructRule> = {
  TaskSpec(v, path, c) {
    // TaskSpec.Validate merges stepTemplate into the steps first: its image counts as theirs.
    const template = v.stepTemplate;
    if (isRecord(template) && nonEmpty(template.image))
      for (const s of Array.isArray(v.steps) ? v.steps : []) c.templated.add(s);
    if (!nonEmpty(v.steps)) {
      missingField(
        c,
        nonEmpty(path) ? path : [],
        'a Task spec without steps',
        `TaskSpec.Validate, pkg/apis/pipeline/${c.version}/task_validation.go`,
        'add at least one step',
      );
    }
  },
  Step(v, path, c) {
    const file = `pkg/apis/pipeline/${c.version}/container_validation.go`;
    if (v.ref !== undefined && v.ref !== null) {
      for (const f of STEP_REF_EXCLUSIVE) {
        if (nonEmpty(v[f]))
          conflict(
            c,
            [...path, f],
            `a step with ref (a StepAction) also sets ${f}`,
            `Step.Validate, ${file}: "${f} cannot be used with Ref"`,
            `remove ${f}: the StepAction provides it; pass values through params`,
          );
      }
    } else {
      if (nonEmpty(v.params))
        conflict(
          c,
          [...path, 'params'],
          'a step without ref sets params',
          `Step.Validate, ${file}: "params cannot be used without Ref"`,
          'params are for StepActions (ref); use env or $(params.*) of the Task',
        );
      if (nonEmpty(v.script) && nonEmpty(v.command))
        conflict(
          c,
          [...path, 'command'],
          'a step sets both script and command',
          `Step.Validate, ${file}: "script cannot be used with command"`,
          'put the command in the script, or drop the script',
        );
      if (c.templated.has(v))
        return checkEnum(c, v.onError, 'OnErrorType', [...path, 'onError'], 'step onError');
      if (!nonEmpty(v.image) && c.version === 'v1')
        missingField(
          c,
          path,
          'a step without image (and without ref)',
          `Step.Validate, ${file}`,
          'give the step an image, or a ref to a StepAction',
        );
      if (!nonEmpty(v.image) && c.version === 'v1beta1')
        missingField(
          c,
          path,
          'a step without image (and without ref)',
          `validateStep, pkg/apis/pipeline/v1beta1/task_validation.go`,
          'give the step an image, or a ref to a StepAction',
        );
    }
    checkEnum(c, v.onError, 'OnErrorType', [...path, 'onError'], 'step onError');
  },
  Sidecar(v, path, c) {
    if (nonEmpty(v.script) && nonEmpty(v.command))
      conflict(
        c,
        [...path, 'command'],
        'a sidecar sets both script and command',
        `Sidecar.Validate, pkg/apis/pipeline/${c.version}/container_validation.go: "script cannot be used with command"`,
        'put the command in the script, or drop the script',
      );
    if (!nonEmpty(v.image))
      missingField(
        c,
        path,
        'a sidecar without image',
        `Sidecar.Validate, pkg/apis/pipeline/${c.version}/container_validation.go`,
        'give the sidecar an image',
      );
  },
  ParamSpec(v, path, c) {
    if (!nonEmpty(v.name))
      missingField(
        c,
        path,
        'a parameter without name',
        `ParamSpecs validation, pkg/apis/pipeline/${c.version}/param_types.go`,
        'give every parameter a name',
      );
    checkEnum(c, v.type, 'ParamType', [...path, 'type'], `parameter ${q(v.name)} type`);
    const allowed = Array.isArray(v.enum) ? v.enum.filter((e): e is string => typeof e === 'string') : [];
    if (allowed.length > 0) {
      if (v.type !== undefined && v.type !== 'string')
        badValue(
          c,
          [...path, 'type'],
          `parameter ${q(v.name)} has an enum but type ${q(v.type)}: ${c.release} allows enum only on string parameters (validateParamEnums, pkg/apis/pipeline/${c.version}/param_types.go)`,
          'make it type: string, or drop the enum',
        );
      if (typeof v.default === 'string' && v.default !== '' && !allowed.includes(v.default))
        badValue(
          c,
          [...path, 'default'],
          `parameter ${q(v.name)} defaults to ${q(v.default)}, which is not in its enum ${JSON.stringify(allowed)}: ${c.release} rejects it (validateParamEnums, pkg/apis/pipeline/${c.version}/param_types.go)`,
          `make the default one of ${allowed.join(', ')}, or add it to the enum`,
        );
    }
  },
  TaskResult(v, path, c) {
    resultRule(v, path, c);
  },
  StepResult(v, path, c) {
    resultRule(v, path, c);
  },
  PipelineResult(v, path, c) {
    if (!nonEmpty(v.name))
      missingField(
        c,
        path,
        'a pipeline result without name',
        `validatePipelineResults, pkg/apis/pipeline/${c.version}/pipeline_validation.go`,
        'give it a name',
      );
    if (v.value === undefined || v.value === null || v.value === '')
      missingField(
        c,
        path,
        `pipeline result ${q(v.name)} has no value`,
        `validatePipelineResults, pkg/apis/pipeline/${c.version}/pipeline_validation.go: "expected pipeline results to be task result expressions but no expressions were found"`,
        'set value: $(tasks.<task>.results.<result>)',
      );
    checkEnum(c, v.type, 'ResultsType', [...path, 'type'], `pipeline result ${q(v.name)} type`);
  },
  PipelineSpec(v, path, c) {
    if (Object.keys(v).length === 0)
      missingField(
        c,
        path,
        'an empty Pipeline spec',
        `PipelineSpec.Validate, pkg/apis/pipeline/${c.version}/pipeline_validation.go: "expected at least one, got none"`,
        'add tasks',
      );
  },
  PipelineTask(v, path, c) {
    const file = `pkg/apis/pipeline/${c.version}/pipeline_validation.go`;
    if (!nonEmpty(v.name))
      missingField(
        c,
        path,
        'a pipeline task without name',
        `ValidatePipelineTasks, ${file}`,
        'give every pipeline task a unique name',
      );
    const refs = ['taskRef', 'taskSpec', 'pipelineRef', 'pipelineSpec'].filter(
      (f) => v[f] !== undefined && v[f] !== null,
    );
    if (refs.length === 0)
      missingField(
        c,
        path,
        `pipeline task ${q(v.name)} has none of taskRef, taskSpec`,
        `PipelineTask.validateRefOrSpec, ${file}`,
        'reference a Task (taskRef) or embed one (taskSpec)',
      );
    else if (refs.length > 1)
      conflict(
        c,
        [...path, refs[1] ?? ''],
        `pipeline task ${q(v.name)} sets ${refs.join(' and ')}`,
        `PipelineTask.validateRefOrSpec, ${file}: expected exactly one`,
        `keep only one of ${refs.join(', ')}`,
      );
    const onError = v.onError;
    checkEnum(
      c,
      onError,
      'PipelineTaskOnErrorType',
      [...path, 'onError'],
      `pipeline task ${q(v.name)} onError`,
    );
    if (onError === 'continue' && typeof v.retries === 'number' && v.retries > 0)
      conflict(
        c,
        [...path, 'retries'],
        `pipeline task ${q(v.name)} sets onError: continue and retries: ${v.retries}`,
        `PipelineTask.ValidateOnError, ${file}: "PipelineTask OnError cannot be set to \\"continue\\" when Retries is greater than 0"`,
        'drop retries, or use onError: stopAndFail',
      );
  },
  TaskRef(v, path, c) {
    const kind = v.kind;
    // Only a pipeline task's taskRef is read as a custom task (PipelineTask.Validate); a
    // TaskRun's is not checked for its kind.
    const inPipeline = path.at(-3) === 'tasks' || path.at(-3) === 'finally';
    if (inPipeline && typeof kind === 'string' && kind !== '' && v.apiVersion === undefined) {
      const known = enumValues(c, 'TaskKind') ?? ['Task'];
      if (!known.includes(kind)) {
        c.out.push({
          ruleId: kind === 'ClusterTask' ? 'TA506' : 'TA504',
          path: [...path, 'kind'],
          message:
            kind === 'ClusterTask'
              ? `taskRef.kind ClusterTask: ${c.release} has no ClusterTask (removed in v1.0; TaskKind is only ${known.join(', ')}), so the reference is read as a custom task without apiVersion and rejected (PipelineTask.validateCustomTask, pkg/apis/pipeline/${c.version}/pipeline_validation.go)`
              : `taskRef.kind ${q(kind)} without apiVersion: ${c.release} reads it as a custom task, which must have an apiVersion (PipelineTask.validateCustomTask)`,
          hint:
            kind === 'ClusterTask'
              ? 'use the cluster resolver: taskRef: {resolver: cluster, params: [{name: kind, value: task}, {name: name, value: …}, {name: namespace, value: …}]}'
              : 'drop kind (a Task), or give the custom task its apiVersion',
        });
      }
    }
    refRule(v, path, c, 'taskRef');
  },
  PipelineRef(v, path, c) {
    refRule(v, path, c, 'pipelineRef');
  },
  PipelineRunSpec(v, path, c) {
    oneOf(
      c,
      v,
      path,
      ['pipelineRef', 'pipelineSpec'],
      `PipelineRunSpec.Validate, pkg/apis/pipeline/${c.version}/pipelinerun_validation.go`,
    );
  },
  TaskRunSpec(v, path, c) {
    oneOf(
      c,
      v,
      path,
      ['taskRef', 'taskSpec'],
      `TaskRunSpec.Validate, pkg/apis/pipeline/${c.version}/taskrun_validation.go`,
    );
  },
  WhenExpression(v, path, c) {
    const file = `pkg/apis/pipeline/${c.version}/when_validation.go`;
    if (typeof v.cel === 'string' && v.cel !== '') {
      if (nonEmpty(v.input) || nonEmpty(v.operator) || nonEmpty(v.values))
        conflict(
          c,
          [...path, 'cel'],
          'a when expression sets cel together with input/operator/values',
          `validateWhenExpressionFields, ${file}`,
          'use either cel or input/operator/values',
        );
      const problem = checkCel(v.cel);
      if (problem)
        c.out.push({
          ruleId: 'TA509',
          path: [...path, 'cel'],
          message: `when cel ${shown(v.cel)} is not a valid CEL expression (${problem}): ${c.release} compiles it at admission and rejects the resource (${file})`,
          hint: "fix the expression; string literals go in quotes, e.g. \"'$(params.branch)' == 'main'\"",
        });
      return;
    }
    const op = v.operator;
    if (typeof op === 'string' && op !== 'in' && op !== 'notin')
      badValue(
        c,
        [...path, 'operator'],
        `when operator ${q(op)} is not in or notin: ${c.release} rejects it (${file})`,
        'use operator: in or operator: notin',
      );
    if (v.operator === undefined || v.operator === '')
      missingField(c, path, 'a when expression without operator', file, 'set operator: in (or notin)');
    if (!nonEmpty(v.values))
      missingField(
        c,
        path,
        'a when expression without values',
        `${file}: "expecting non-empty values field"`,
        'give it at least one value',
      );
  },
};

function resultRule(v: Record<string, unknown>, path: Path, c: RuleContext): void {
  if (!nonEmpty(v.name))
    missingField(
      c,
      path,
      'a result without name',
      `pkg/apis/pipeline/${c.version}/result_validation.go`,
      'give every result a name',
    );
  checkEnum(c, v.type, 'ResultsType', [...path, 'type'], `result ${q(v.name)} type`, (t) =>
    t === 'external'
      ? c.target.artifactApi.served
        ? 'ok'
        : {
            ruleId: 'TA507',
            path: [...path, 'type'],
            message: `result ${q(v.name)} has type "external" (TEP-0164), which ${c.release} does not have: ResultsType is ${(enumValues(c, 'ResultsType') ?? []).join(', ')}, so the webhook rejects it`,
            hint: 'use type: string and store the content elsewhere, or check against a cluster that serves the proposed artifact API (--artifact-api served)',
          }
      : undefined,
  );
}

function refRule(v: Record<string, unknown>, path: Path, c: RuleContext, what: string): void {
  if (!nonEmpty(v.name) && !nonEmpty(v.resolver) && v.apiVersion === undefined && !nonEmpty(v.bundle))
    missingField(
      c,
      path,
      `${what} without name or resolver`,
      `validateRef, pkg/apis/pipeline/${c.version}/container_validation.go`,
      'name the Task, or use a resolver',
    );
  if (nonEmpty(v.name) && nonEmpty(v.resolver))
    conflict(
      c,
      [...path, 'resolver'],
      `${what} sets both name and resolver`,
      `validateRef, pkg/apis/pipeline/${c.version}/container_validation.go`,
      'use name for a Task in the namespace, or resolver with params',
    );
}

function oneOf(
  c: RuleContext,
  v: Record<string, unknown>,
  path: Path,
  fields: string[],
  source: string,
): void {
  const set = fields.filter((f) => v[f] !== undefined && v[f] !== null);
  if (set.length === 0)
    missingField(c, path, `none of ${fields.join(', ')}`, source, `set one of ${fields.join(', ')}`);
  else if (set.length > 1)
    conflict(
      c,
      [...path, set[1] ?? ''],
      `both ${set.join(' and ')}`,
      source,
      `keep one of ${fields.join(', ')}`,
    );
}

const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const PARSE_BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The feature flags as Tekton's config reads them (strconv.ParseBool, strings.ToLower). */
export function admissionFlags(snapshot: ConfigSnapshot, data: TektonApiData): AdmissionFlags {
  const raw = snapshot.rawFlags;
  const source = snapshot.featureFlags.source;
  const api = raw['enable-api-fields'];
  const apiFields = api !== undefined ? api.toLowerCase() : data.apiFieldsDefault;
  const defaults = new Map(data.featureFlags.map((f) => [f.key, f.default]));
  const flag = (key: string): boolean => {
    const v = raw[key];
    if (v !== undefined && PARSE_BOOL_TRUE.has(v)) return true;
    if (v !== undefined && PARSE_BOOL_FALSE.has(v)) return false;
    return defaults.get(key) ?? false;
  };
  return {
    apiFields,
    apiFieldsText:
      api !== undefined
        ? `enable-api-fields is "${api}" in ${source}`
        : `enable-api-fields is "${apiFields}" (Tekton's default; ${source} does not set it)`,
    flag,
    describe: (key) => {
      const v = raw[key];
      if (v !== undefined) return `is "${v}" in ${source}`;
      return `is not set in ${source}, and is ${defaults.get(key) ? 'on' : 'off'} by default`;
    },
    disableInlineSpec: (raw['disable-inline-spec'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    source,
  };
}
