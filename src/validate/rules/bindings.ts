// TA301–TA306 and TA104: artifact declarations and the bindings between pipeline tasks
// (`from: tasks.<task>.outputs.<name>`). Messages use the prototype controller's wording where it
// has one (formats-research §1.7). Pure.

import type { StorageState } from '../config.js';
import { plainText } from '../resources.js';
import {
  artifactDecls,
  type ArtifactDecl,
  type PipelineSpecView,
  type PipelineTaskView,
  type TaskSpecView,
} from '../spec.js';
import type { Path, RawFinding } from '../types.js';
import { isRecord, list, str } from '../../json/guards.js';

const FROM_TASK = /^tasks\.([^.\s]+)\.outputs\.([^.\s]+)$/;
const FROM_PIPELINE_INPUT = /^artifacts\.inputs\.([^.\s]+)$/;
const TASK_REFERENCE = /\$\(\s*tasks\.([A-Za-z0-9_-]+)\./g;

export interface ProducerInfo {
  /** 'Task "build"' or 'the taskSpec of pipeline task "build"'. */
  label: string;
  outputs: ArtifactDecl[];
}

export interface BindingContext {
  /** The output artifacts of what a pipeline task runs, when its spec is known. */
  producer(task: PipelineTaskView): ProducerInfo | undefined;
  storage: StorageState;
}

/** TA305 and TA306 for one list of artifacts. */
export function checkArtifactList(label: string, decls: readonly ArtifactDecl[]): RawFinding[] {
  const out: RawFinding[] = [];
  const seen = new Map<string, number>();
  decls.forEach((a, i) => {
    if (a.name === undefined) return;
    const first = seen.get(a.name);
    if (first === undefined) {
      seen.set(a.name, i);
      return;
    }
    out.push({
      ruleId: 'TA305',
      path: [...a.path, 'name'],
      message: `duplicate artifact ${a.direction} name ${q(a.name)} in ${label} (#${first + 1} and #${i + 1})`,
      hint: 'give every artifact in the list its own name',
    });
  });
  if (decls[0]?.direction === 'output') {
    const primary = decls.filter((a) => a.primary);
    for (const extra of primary.slice(1)) {
      const field = extra.entry.buildOutput === true ? 'buildOutput' : 'subject';
      out.push({
        ruleId: 'TA306',
        path: [...extra.path, field],
        at: 'key',
        message: `at most one artifact output can be marked as buildOutput: ${label} marks ${primary.map((a) => q(a.name)).join(' and ')}`,
        hint: `keep ${field}: true on the primary output only; the others are attached to it as referrers`,
      });
    }
  }
  return out;
}

export function checkTaskArtifactLists(view: TaskSpecView): RawFinding[] {
  const path = [...view.path, 'artifacts'];
  return [
    ...checkArtifactList(view.label, artifactDecls(view.spec.artifacts, path, 'input', [])),
    ...checkArtifactList(view.label, artifactDecls(view.spec.artifacts, path, 'output', [])),
  ];
}

/** Direct dependencies of each pipeline task: runAfter, $(tasks.X.…) references, artifact bindings. */
function dependencies(pipeline: PipelineSpecView): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  for (const task of pipeline.tasks) {
    if (task.name === undefined) continue;
    const set = new Set<string>();
    for (const r of list(task.value.runAfter)) if (typeof r === 'string') set.add(r);
    // Everything but an embedded spec can reference other tasks' results (params, when, matrix).
    const { taskSpec: _spec, ...rest } = task.value;
    for (const m of JSON.stringify(rest).matchAll(TASK_REFERENCE)) if (m[1]) set.add(m[1]);
    const artifacts = isRecord(task.value.artifacts) ? task.value.artifacts : {};
    for (const input of list(artifacts.inputs)) {
      const from = isRecord(input) ? str(input.from) : undefined;
      const m = from ? FROM_TASK.exec(from) : null;
      if (m?.[1]) set.add(m[1]);
    }
    set.delete(task.name);
    deps.set(task.name, set);
  }
  return deps;
}

function dependsOn(deps: Map<string, Set<string>>, from: string, target: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const t = stack.pop() as string;
    if (t === target) return true;
    if (seen.has(t)) continue;
    seen.add(t);
    for (const d of deps.get(t) ?? []) stack.push(d);
  }
  return false;
}

export function checkPipelineBindings(pipeline: PipelineSpecView, ctx: BindingContext): RawFinding[] {
  const out: RawFinding[] = [];
  const byName = new Map<string, PipelineTaskView>();
  for (const t of pipeline.tasks) if (t.name !== undefined && !byName.has(t.name)) byName.set(t.name, t);
  const deps = dependencies(pipeline);
  const pipelineArtifactsPath: Path = [...pipeline.path, 'artifacts'];
  const pipelineInputs = artifactDecls(pipeline.spec.artifacts, pipelineArtifactsPath, 'input', []);
  const pipelineOutputs = artifactDecls(pipeline.spec.artifacts, pipelineArtifactsPath, 'output', []);
  out.push(...checkArtifactList(pipeline.label, pipelineInputs));
  out.push(...checkArtifactList(pipeline.label, pipelineOutputs));

  /** Checks one `from`; returns the producing output when the binding is sound and known. */
  const checkFrom = (
    from: unknown,
    path: Path,
    consumer: PipelineTaskView | undefined,
    what: string,
  ): { producer: PipelineTaskView; info: ProducerInfo; output: ArtifactDecl } | undefined => {
    const text = typeof from === 'string' ? from : '';
    if (FROM_PIPELINE_INPUT.test(text)) {
      const name = FROM_PIPELINE_INPUT.exec(text)?.[1] ?? '';
      if (!pipelineInputs.some((a) => a.name === name)) {
        out.push({
          ruleId: 'TA302',
          path,
          message: `${what}: from ${q(text)}: ${pipeline.label} declares no artifact input ${q(name)}`,
          hint: `declare it under spec.artifacts.inputs, or bind from tasks.<taskName>.outputs.<artifactName>`,
        });
      }
      return undefined;
    }
    const m = FROM_TASK.exec(text);
    if (!m) {
      out.push({
        ruleId: 'TA301',
        path,
        message: `invalid from format ${q(from ?? '')}, expected 'tasks.<taskName>.outputs.<artifactName>' (${what})`,
        hint: 'write from: tasks.<taskName>.outputs.<artifactName>, or artifacts.inputs.<name> for an input of the Pipeline',
      });
      return undefined;
    }
    const [, taskName = '', artifactName = ''] = m;
    const producer = byName.get(taskName);
    if (!producer) {
      const known = [...byName.keys()];
      out.push({
        ruleId: 'TA302',
        path,
        message: `${what}: from ${q(text)}: ${pipeline.label} has no task ${q(taskName)}`,
        hint:
          known.length > 0
            ? `its tasks are ${known.map((k) => q(k)).join(', ')}`
            : 'the Pipeline has no tasks',
      });
      return undefined;
    }
    if (consumer) {
      let why: string | undefined;
      if (producer === consumer) why = 'a task cannot consume its own output';
      else if (producer.isFinally && !consumer.isFinally)
        why = `${q(taskName)} is a finally task, which runs after every task`;
      else if (producer.isFinally && consumer.isFinally)
        why = "finally tasks run in parallel and cannot consume each other's outputs";
      else if (consumer.name !== undefined && dependsOn(deps, taskName, consumer.name)) {
        why = `${q(taskName)} itself runs after ${q(consumer.name)}, so the order is circular`;
      }
      if (why) {
        out.push({
          ruleId: 'TA304',
          path,
          message: `${what}: from ${q(text)}: ${q(taskName)} is not upstream of ${q(consumer.name ?? '')}: ${why}`,
          hint: 'bind from a task that runs earlier, or remove the dependency that makes the order circular',
        });
        return undefined;
      }
    }
    const info = ctx.producer(producer);
    if (!info) return undefined;
    const output = info.outputs.find((a) => a.name === artifactName);
    if (!output) {
      const names = info.outputs.map((a) => q(a.name)).filter((n) => n !== '""');
      out.push({
        ruleId: 'TA303',
        path,
        message: `${what}: from ${q(text)}: ${info.label} declares no artifact output ${q(artifactName)}`,
        hint: names.length > 0 ? `its outputs are ${names.join(', ')}` : 'it declares no artifact outputs',
      });
      return undefined;
    }
    return { producer, info, output };
  };

  for (const task of pipeline.tasks) {
    const artifactsPath = [...task.path, 'artifacts'];
    const inputs = artifactDecls(task.value.artifacts, artifactsPath, 'input', []);
    const label = `pipeline task ${q(task.name ?? '')} of ${pipeline.label}`;
    out.push(...checkArtifactList(label, inputs));
    for (const input of inputs) {
      const bound = checkFrom(
        input.entry.from,
        [...input.path, 'from'],
        task,
        `pipeline task ${q(task.name ?? '')}`,
      );
      if (!bound || ctx.storage.ok) continue;
      const o = bound.output;
      if (o.type === 'reference' || o.storage === 'inline') continue;
      out.push({
        ruleId: 'TA104',
        path: [...input.path, 'from'],
        message: `${label} binds content artifact ${q(o.name)} of ${q(bound.producer.name ?? '')}, but ${ctx.storage.detail}; Tekton (TEP-0192) rejects Pipelines that pass content artifacts without storage`,
        hint: `${ctx.storage.hint}; or declare the output type: reference in ${bound.info.label}`,
      });
    }
  }
  for (const output of pipelineOutputs) {
    if (output.entry.from === undefined) continue;
    checkFrom(
      output.entry.from,
      [...output.path, 'from'],
      undefined,
      `artifact output ${q(output.name)} of ${pipeline.label}`,
    );
  }
  return out;
}

function q(v: unknown): string {
  return JSON.stringify(plainText(v));
}
