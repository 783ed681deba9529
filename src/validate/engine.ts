// Runs every rule over parsed files against one configuration snapshot and turns the rules'
// paths into file:line:column. Pure: files and configuration in, findings out.

import type { ResolvedStorageConfig } from '../config/index.js';
import { ruleMeta } from './catalog.js';
import { namespaceOf, storageFor, storageState, type ConfigSnapshot } from './config.js';
import { CLUSTER_TASK_NOTE, extractResources, type Resource } from './resources.js';
import { checkPipelineBindings, checkTaskArtifactLists, type ProducerInfo } from './rules/bindings.js';
import { checkFlags } from './rules/flags.js';
import { checkResults, resultLimits } from './rules/results.js';
import { checkDeclarations, checkStorageNeeds, storageNeeds } from './rules/storage.js';
import {
  artifactDecls,
  embeddedTaskSpec,
  pipelineSpecs,
  taskRefTarget,
  taskSpecs,
  type PipelineTaskView,
  type TaskSpecView,
} from './spec.js';
import type { Finding, Path, RawFinding } from './types.js';
import { locate, type ParsedFile } from './yaml.js';
import { isRecord, str } from '../json/guards.js';

export interface StorageSummary {
  namespace: string;
  /** Set for Pipelines and PipelineRuns whose annotations change the settings. */
  resource?: string;
  enabled: boolean;
  backend: string;
  /** null when no level sets one. */
  ociRepository: string | null;
  inlineThreshold: number;
  /** Field → where its value came from ("ConfigMap tekton-pipelines/config-artifact-storage"). */
  from: Record<string, string>;
}

export interface EngineResult {
  findings: Finding[];
  resources: Resource[];
  /** Documents that are not Tekton resources we check. */
  skipped: number;
  /** Their kinds, with how many of each. */
  skippedKinds: ReadonlyMap<string, number>;
  storage: StorageSummary[];
  /** Warnings of the storage configuration itself (invalid values, unlabelled namespace ConfigMaps…). */
  configWarnings: string[];
  /** Notes about the inputs that are not findings (a ClusterTask checked as a Task). */
  notes: string[];
}

export interface EngineOptions {
  /** Rule ids to leave out (--ignore-rule). */
  ignore?: ReadonlySet<string>;
}

type Keyed = RawFinding & { key: string };

export function validateFiles(
  files: readonly ParsedFile[],
  snapshot: ConfigSnapshot,
  options: EngineOptions = {},
): EngineResult {
  const findings: Finding[] = [];
  const order = new Map(files.map((f, i) => [f.file, i]));
  for (const f of files) findings.push(...f.errors);
  const extracted = extractResources(files.flatMap((f) => f.documents));
  findings.push(...extracted.findings);
  const resources = extracted.resources;

  const index = new Map<string, Resource>();
  // ClusterTasks are cluster-scoped: any namespace's Pipelines find them.
  const keyOf = (ns: string, kind: string, name: string): string =>
    kind === 'ClusterTask' ? `/${kind}/${name}` : `${ns}/${kind}/${name}`;
  const notes: string[] = [];
  for (const r of resources) {
    const key = keyOf(namespaceOf(snapshot, r), r.kind, r.name);
    if (!index.has(key)) index.set(key, r);
    if (r.kind === 'ClusterTask') {
      const pos = locate(r.source, r.base, 'value');
      notes.push(
        `${r.source.file}:${pos.line}:${pos.column}: ClusterTask "${r.name}" is checked as a Task in namespace "${namespaceOf(snapshot, r)}" (-n); ${CLUSTER_TASK_NOTE}`,
      );
    }
  }
  const lookup = (
    ns: string,
    kind: 'Task' | 'ClusterTask' | 'Pipeline',
    name: string,
  ): Resource | undefined => index.get(keyOf(ns, kind, name));

  const limits = resultLimits(snapshot);
  const summaries = new Map<string, StorageSummary>();
  const configWarnings = new Set<string>();
  const note = (resolved: ResolvedStorageConfig, ns: string, resource?: Resource): void => {
    for (const w of resolved.warnings) configWarnings.add(w.message);
    const annotated =
      resource &&
      resolved.levels.some(
        (l) => (l.level === 'pipeline' || l.level === 'pipelinerun') && l.status === 'used',
      );
    const key = annotated ? `${ns}/${resource.kind}/${resource.name}` : ns;
    if (summaries.has(key)) return;
    const from: Record<string, string> = {};
    for (const [field, v] of Object.entries(resolved.values)) from[field] = v.source;
    summaries.set(key, {
      namespace: ns,
      ...(annotated ? { resource: `${resource.kind} ${resource.name}` } : {}),
      enabled: resolved.settings.enabled,
      backend: resolved.settings.backend,
      ociRepository: resolved.settings.ociRepository ?? null,
      inlineThreshold: resolved.settings.inlineThreshold,
      from,
    });
  };

  const needsUnder = (views: readonly TaskSpecView[], resolved: ResolvedStorageConfig, ns: string): Keyed[] =>
    views.flatMap((v) =>
      checkStorageNeeds(v.label, storageNeeds(v, resolved.settings.inlineThreshold), resolved, ns).map(
        (f) => ({
          ...f,
          key: `${v.label}|${f.key}`,
        }),
      ),
    );

  /**
   * Storage findings of specs defined elsewhere (a Task a Pipeline references, the Pipeline a
   * PipelineRun runs) that only arise with this resource's annotations: reported here, at the
   * reference, since the referenced file is fine on its own.
   */
  const delta = (
    views: readonly TaskSpecView[],
    here: ResolvedStorageConfig,
    base: ResolvedStorageConfig,
    ns: string,
    at: Path,
    via: string,
  ): RawFinding[] => {
    if (views.length === 0) return [];
    const known = new Set(needsUnder(views, base, ns).map((f) => f.key));
    return needsUnder(views, here, ns)
      .filter((f) => !known.has(f.key))
      .map(({ key: _key, ...f }) => ({ ...f, path: at, message: `${via}: ${f.message}` }));
  };

  const referenced = (ns: string, task: PipelineTaskView): Resource | undefined => {
    const ref = taskRefTarget(task);
    return ref ? lookup(ns, ref.kind, ref.name) : undefined;
  };
  const referencedTaskViews = (ns: string, task: PipelineTaskView): TaskSpecView[] => {
    const target = referenced(ns, task);
    return target ? taskSpecs(target) : [];
  };

  for (const resource of resources) {
    const ns = namespaceOf(snapshot, resource);
    const raw: RawFinding[] = [];
    let resolved: ResolvedStorageConfig;
    let pipeline: Resource | undefined;
    if (resource.kind === 'Pipeline') resolved = storageFor(snapshot, ns, { pipeline: resource });
    else if (resource.kind === 'PipelineRun') {
      const ref = (resource.value.spec as Record<string, unknown>).pipelineRef;
      const name =
        isRecord(ref) && ref.resolver === undefined && ref.bundle === undefined ? str(ref.name) : undefined;
      pipeline = name ? lookup(ns, 'Pipeline', name) : undefined;
      resolved = storageFor(snapshot, ns, { pipelineRun: resource, ...(pipeline ? { pipeline } : {}) });
    } else resolved = storageFor(snapshot, ns);
    note(resolved, ns, resource);
    const plain = storageFor(snapshot, ns);

    for (const view of taskSpecs(resource)) {
      raw.push(...checkDeclarations(view));
      raw.push(...checkTaskArtifactLists(view));
      raw.push(...needsUnder([view], resolved, ns).map(({ key: _key, ...f }) => f));
      raw.push(...checkResults(view, limits));
    }

    const state = storageState(resolved, ns);
    for (const p of pipelineSpecs(resource)) {
      const producer = (task: PipelineTaskView): ProducerInfo | undefined => {
        const embedded = embeddedTaskSpec(task);
        if (embedded) {
          return {
            label: `the taskSpec of pipeline task ${JSON.stringify(task.name ?? '')}`,
            outputs: artifactDecls(embedded.artifacts, [...task.path, 'taskSpec', 'artifacts'], 'output', []),
          };
        }
        const target = referenced(ns, task);
        if (!target) return undefined;
        const spec = target.value.spec as Record<string, unknown>;
        return {
          label: `${target.kind} ${JSON.stringify(target.name)}`,
          outputs: artifactDecls(spec.artifacts, ['spec', 'artifacts'], 'output', []),
        };
      };
      raw.push(...checkPipelineBindings(p, { producer, storage: state }));
      for (const task of p.tasks) {
        raw.push(
          ...delta(
            referencedTaskViews(ns, task),
            resolved,
            plain,
            ns,
            [...task.path, 'taskRef', 'name'],
            `pipeline task ${JSON.stringify(task.name ?? '')} of ${p.label}`,
          ),
        );
      }
    }

    if (resource.kind === 'PipelineRun' && pipeline) {
      const base = storageFor(snapshot, ns, { pipeline });
      const via = `PipelineRun ${JSON.stringify(resource.name)} runs Pipeline ${JSON.stringify(pipeline.name)}`;
      const views = [
        ...taskSpecs(pipeline),
        ...pipelineSpecs(pipeline).flatMap((p) => p.tasks.flatMap((t) => referencedTaskViews(ns, t))),
      ];
      raw.push(...delta(views, resolved, base, ns, ['spec', 'pipelineRef', 'name'], via));
    }

    raw.push(...checkFlags(resource, snapshot));

    for (const r of raw) {
      const meta = ruleMeta(r.ruleId);
      findings.push({
        ruleId: r.ruleId,
        severity: r.severity ?? meta.severity,
        message: r.message,
        ...(r.hint ? { hint: r.hint } : {}),
        file: resource.source.file,
        ...locate(resource.source, [...resource.base, ...r.path], r.at, r.needle),
        resource: { kind: resource.kind, name: resource.name, namespace: ns },
      });
    }
  }

  const ignore = options.ignore ?? new Set<string>();
  const seen = new Set<string>();
  const kept = findings.filter((f) => {
    if (ignore.has(f.ruleId)) return false;
    const key = `${f.file}\0${f.line}\0${f.column}\0${f.ruleId}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  kept.sort(
    (a, b) =>
      (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) ||
      a.line - b.line ||
      a.column - b.column ||
      a.ruleId.localeCompare(b.ruleId),
  );
  return {
    findings: kept,
    resources,
    skipped: extracted.skipped,
    skippedKinds: extracted.skippedKinds,
    storage: [...summaries.values()],
    configWarnings: [...configWarnings],
    notes,
  };
}
