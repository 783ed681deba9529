// TA508: $(…) references to things that are not declared, as Tekton's webhook checks them
// (pkg/apis/pipeline/v1 task_validation.go: ValidateUsageOfDeclaredParameters,
// validateTaskContextVariables, validateTaskResultsVariables; container_validation.go:
// validateStepResultReference; pipeline_validation.go: validatePipelineParameterUsage,
// validatePipelineContextVariables, validatePipelineResults, validateGraph's result links,
// validatePipelineTasksWorkspacesUsage). Names Tekton only resolves at run time (a result of a
// Task referenced by name) are warnings: the webhook accepts them, the run fails. Pure.

import { isRecord, list, str } from '../../json/guards.js';
import type { Resource } from '../resources.js';
import {
  pipelineSpecs,
  stepStrings,
  steps,
  taskSpecs,
  type PipelineSpecView,
  type TaskSpecView,
} from '../spec.js';
import type { Path, RawFinding } from '../types.js';
import { suggest } from './schema.js';

/** Tekton's variable pattern: $( … ) without nested parentheses ($(results.d-${i}.path) is one). */
const VARIABLE = /\$\(([^()]*)\)/g;

/** Bracket forms ($(params["a.b"]), $(params['x'])) as dotted ones, indexes ([0], [*]) dropped. */
function normalise(expr: string): string {
  return expr
    .trim()
    .replace(/\[\s*["']([^"']+)["']\s*\]/g, '.$1')
    .replace(/\[\s*(\d+|\*)\s*\]/g, '');
}

interface Reference {
  expr: string;
  text: string;
  path: Path;
}

function references(text: string, path: Path): Reference[] {
  if (!text.includes('$(')) return [];
  return [...text.matchAll(VARIABLE)].map((m) => ({ expr: normalise(m[1] ?? ''), text: m[0], path }));
}

/** A dotted name is declared when it, or a dotted prefix of it (an object's key), is. */
function declared(name: string, names: ReadonlySet<string>): boolean {
  if (names.has(name)) return true;
  const parts = name.split('.');
  for (let i = parts.length - 1; i > 0; i--) if (names.has(parts.slice(0, i).join('.'))) return true;
  return false;
}

function unknown(
  out: RawFinding[],
  ref: Reference,
  what: string,
  name: string,
  names: Iterable<string>,
  where: string,
  severity?: 'warning',
): void {
  const near = suggest(name, names);
  const all = [...names];
  out.push({
    ruleId: 'TA508',
    path: ref.path,
    needle: ref.text,
    message: `${ref.text} refers to ${what} "${name}", which is not declared: ${where}`,
    hint: near
      ? `did you mean "${near}"?`
      : all.length > 0
        ? `declared: ${all.slice(0, 8).join(', ')}${all.length > 8 ? ', …' : ''}`
        : `declare ${what} "${name}"`,
    ...(severity ? { severity } : {}),
  });
}

const TASK_RUN_CONTEXT = new Set(['name', 'namespace', 'uid']);
const TASK_CONTEXT = new Set(['name', 'retry-count']);
const PIPELINE_RUN_CONTEXT = new Set(['name', 'namespace', 'uid']);
const PIPELINE_CONTEXT = new Set(['name']);
const PIPELINE_TASK_CONTEXT = new Set(['retries']);

function names(entries: unknown): Set<string> {
  const out = new Set<string>();
  for (const e of list(entries)) if (isRecord(e) && typeof e.name === 'string') out.add(e.name);
  return out;
}

/** The strings of a step Tekton substitutes, with the image and name ValidateUsage also reads. */
function stepTexts(step: ReturnType<typeof steps>[number]): Array<{ text: string; path: Path }> {
  const out = stepStrings(step);
  if (typeof step.value.image === 'string')
    out.push({ text: step.value.image, path: [...step.path, 'image'] });
  return out;
}

function checkTask(
  view: TaskSpecView,
  extraParams: ReadonlySet<string> | undefined,
  release: string,
  out: RawFinding[],
): void {
  const params = extraParams ? new Set([...names(view.spec.params), ...extraParams]) : undefined;
  const results = names(view.spec.results);
  const workspaces = names(view.spec.workspaces);
  const stepList = steps(view);
  const stepNames = new Set(stepList.map((s) => s.name).filter((n): n is string => n !== undefined));
  const file = 'pkg/apis/pipeline/v1/task_validation.go';
  for (const step of stepList) {
    const stepResults = names(step.value.results);
    for (const { text, path } of stepTexts(step)) {
      const field = path[step.path.length];
      for (const ref of references(text, path)) {
        const [head, ...rest] = ref.expr.split('.');
        const name = rest.join('.');
        if (head === 'params' && params && name && !declared(name, params)) {
          unknown(
            out,
            ref,
            'parameter',
            name,
            params,
            `${release} rejects ${view.label} (ValidateUsageOfDeclaredParameters, ${file})`,
          );
        } else if (head === 'results' && field === 'script' && rest.at(-1) === 'path') {
          const r = rest.slice(0, -1).join('.');
          if (r && !results.has(r))
            unknown(
              out,
              ref,
              'result',
              r,
              results,
              `${release} rejects ${view.label} (validateTaskResultsVariables, ${file})`,
            );
        } else if (
          head === 'step' &&
          rest[0] === 'results' &&
          rest.at(-1) === 'path' &&
          field === 'script' &&
          stepResults.size > 0
        ) {
          const r = rest.slice(1, -1).join('.');
          if (r && !stepResults.has(r))
            unknown(
              out,
              ref,
              'step result',
              r,
              stepResults,
              `${release} rejects ${view.label} (ValidateStepResultsVariables, ${file})`,
            );
        } else if (head === 'steps' && rest[1] === 'results') {
          const s = rest[0] ?? '';
          if (!stepNames.has(s)) {
            unknown(
              out,
              ref,
              'step',
              s,
              stepNames,
              `${release} rejects ${view.label} (validateStepResultReference, pkg/apis/pipeline/v1/container_validation.go)`,
            );
          } else {
            const producer = stepList.find((x) => x.name === s);
            const declaredResults = names(producer?.value.results);
            const r = rest[2] ?? '';
            if (producer && producer.value.ref === undefined && r && !declaredResults.has(r))
              unknown(
                out,
                ref,
                `result of step "${s}"`,
                r,
                declaredResults,
                'the step does not declare it, so the reference stays unresolved at run time',
                'warning',
              );
          }
        } else if (head === 'context' && (rest[0] === 'taskRun' || rest[0] === 'task')) {
          const allowed = rest[0] === 'taskRun' ? TASK_RUN_CONTEXT : TASK_CONTEXT;
          const key = rest.slice(1).join('.');
          if (!allowed.has(key))
            unknown(
              out,
              ref,
              `context.${rest[0]} variable`,
              key,
              allowed,
              `${release} rejects ${view.label} (validateTaskContextVariables, ${file})`,
            );
        }
      }
    }
    list(step.value.workspaces).forEach((w, i) => {
      const n = isRecord(w) ? str(w.name) : undefined;
      if (n && !workspaces.has(n)) {
        const near = suggest(n, workspaces);
        out.push({
          ruleId: 'TA508',
          path: [...step.path, 'workspaces', i, 'name'],
          message: `step ${JSON.stringify(step.name ?? `#${step.index + 1}`)} of ${view.label} uses workspace "${n}", which the Task does not declare: ${release} rejects it ("undefined workspace", ${file})`,
          hint: near ? `did you mean "${near}"?` : 'declare it in spec.workspaces',
        });
      }
    });
  }
}

/** Every string of a pipeline task Tekton substitutes: params (all value shapes), matrix, when. */
function pipelineTaskTexts(task: PipelineSpecView['tasks'][number]): Array<{ text: string; path: Path }> {
  const out: Array<{ text: string; path: Path }> = [];
  const values = (entries: unknown, base: Path): void => {
    list(entries).forEach((p, i) => {
      if (!isRecord(p)) return;
      const v = p.value;
      const at: Path = [...base, i, 'value'];
      if (typeof v === 'string') out.push({ text: v, path: at });
      else if (Array.isArray(v))
        v.forEach((x, j) => typeof x === 'string' && out.push({ text: x, path: [...at, j] }));
      else if (isRecord(v))
        for (const [k, x] of Object.entries(v))
          if (typeof x === 'string') out.push({ text: x, path: [...at, k] });
    });
  };
  values(task.value.params, [...task.path, 'params']);
  const matrix = task.value.matrix;
  if (isRecord(matrix)) {
    values(matrix.params, [...task.path, 'matrix', 'params']);
    list(matrix.include).forEach((inc, i) => {
      if (isRecord(inc)) values(inc.params, [...task.path, 'matrix', 'include', i, 'params']);
    });
  }
  list(task.value.when).forEach((w, i) => {
    if (!isRecord(w)) return;
    const base: Path = [...task.path, 'when', i];
    for (const f of ['input', 'cel'] as const)
      if (typeof w[f] === 'string') out.push({ text: w[f], path: [...base, f] });
    list(w.values).forEach(
      (x, j) => typeof x === 'string' && out.push({ text: x, path: [...base, 'values', j] }),
    );
  });
  return out;
}

export interface ReferenceContext {
  /** The results a pipeline task's Task or Pipeline declares, when known (embedded, or among the inputs). */
  resultsOf(task: PipelineSpecView['tasks'][number]): Set<string> | undefined;
}

function checkPipeline(
  p: PipelineSpecView,
  standalone: boolean,
  release: string,
  context: ReferenceContext,
  out: RawFinding[],
): void {
  const file = 'pkg/apis/pipeline/v1/pipeline_validation.go';
  const params = names(p.spec.params);
  const workspaces = names(p.spec.workspaces);
  const taskNames = new Set(p.tasks.map((t) => t.name).filter((n): n is string => n !== undefined));
  const byName = new Map(p.tasks.map((t) => [t.name, t]));
  const last = p.tasks.filter((t) => !t.isFinally).at(-1);

  const taskRef = (ref: Reference, rest: string[], where: string): void => {
    const t = rest[0] ?? '';
    const kind = rest[1];
    if (t === '' || (kind === undefined && t === 'status')) return; // $(tasks.status)
    if (!taskNames.has(t)) {
      unknown(out, ref, 'pipeline task', t, taskNames, `${release} rejects ${p.label} (${where})`);
      return;
    }
    if (kind !== 'results') return;
    const r = rest[2] ?? '';
    const declaredResults = context.resultsOf(byName.get(t) as PipelineSpecView['tasks'][number]);
    if (declaredResults && r && !declaredResults.has(r))
      unknown(
        out,
        ref,
        `result of pipeline task "${t}"`,
        r,
        declaredResults,
        `its Task does not declare it: the webhook accepts ${p.label}, but the run fails (InvalidTaskResultReference)`,
        'warning',
      );
  };

  for (const task of p.tasks) {
    for (const { text, path } of pipelineTaskTexts(task)) {
      for (const ref of references(text, path)) {
        const [head, ...rest] = ref.expr.split('.');
        const name = rest.join('.');
        if (head === 'params' && standalone && name && !declared(name, params)) {
          unknown(
            out,
            ref,
            'pipeline parameter',
            name,
            params,
            `${release} rejects ${p.label} (validatePipelineParameterUsage, ${file})`,
          );
        } else if (head === 'tasks') {
          taskRef(ref, rest, `validateGraph and validateResultRefs, ${file}`);
        } else if (
          head === 'context' &&
          (rest[0] === 'pipelineRun' || rest[0] === 'pipeline' || rest[0] === 'pipelineTask')
        ) {
          const allowed =
            rest[0] === 'pipelineRun'
              ? PIPELINE_RUN_CONTEXT
              : rest[0] === 'pipeline'
                ? PIPELINE_CONTEXT
                : PIPELINE_TASK_CONTEXT;
          const key = rest.slice(1).join('.');
          // Tekton's validatePipelineContextVariables keeps only the last task's values (a bug
          // in its loop), so only there is an unknown one rejected at admission.
          if (!allowed.has(key))
            unknown(
              out,
              ref,
              `context.${rest[0]} variable`,
              key,
              allowed,
              task === last
                ? `${release} rejects ${p.label} (validatePipelineContextVariables, ${file})`
                : 'Tekton leaves it unsubstituted',
              task === last ? undefined : 'warning',
            );
        }
      }
    }
    if (standalone) {
      list(task.value.workspaces).forEach((w, i) => {
        const n = isRecord(w) ? str(w.workspace) : undefined;
        if (n && !workspaces.has(n)) {
          const near = suggest(n, workspaces);
          out.push({
            ruleId: 'TA508',
            path: [...task.path, 'workspaces', i, 'workspace'],
            message: `pipeline task ${JSON.stringify(task.name ?? '')} binds workspace "${n}", which ${p.label} does not declare: ${release} rejects it (validatePipelineTasksWorkspacesUsage, ${file})`,
            hint: near ? `did you mean "${near}"?` : 'declare it in spec.workspaces',
          });
        }
      });
    }
  }
  list(p.spec.results).forEach((r, i) => {
    if (!isRecord(r)) return;
    const path: Path = [...p.path, 'results', i, 'value'];
    const values =
      typeof r.value === 'string'
        ? [r.value]
        : Array.isArray(r.value)
          ? r.value
          : isRecord(r.value)
            ? Object.values(r.value)
            : [];
    for (const v of values) {
      if (typeof v !== 'string') continue;
      for (const ref of references(v, path)) {
        const [head, ...rest] = ref.expr.split('.');
        if (head === 'tasks' || head === 'finally')
          taskRef(ref, rest, `validatePipelineResults: "referencing a nonexistent task", ${file}`);
      }
    }
  });
}

export function checkReferences(
  resource: Resource,
  release: string,
  context: ReferenceContext,
): RawFinding[] {
  const out: RawFinding[] = [];
  const pipelines = pipelineSpecs(resource);
  const standalonePipeline = resource.kind === 'Pipeline';
  const pipelineParams = standalonePipeline && pipelines[0] ? names(pipelines[0].spec.params) : undefined;
  for (const view of taskSpecs(resource)) {
    // Declared parameters are checked where Tekton checks them: a Task, and a Pipeline's
    // embedded Task (whose steps also see the Pipeline's parameters). Runs propagate theirs.
    const standaloneTask = resource.kind === 'Task' || resource.kind === 'ClusterTask';
    const extra = standaloneTask ? new Set<string>() : pipelineParams;
    checkTask(view, extra, release, out);
  }
  for (const p of pipelines) checkPipeline(p, standalonePipeline, release, context, out);
  return out;
}
