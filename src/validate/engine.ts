// Runs every rule over parsed files against one configuration snapshot and turns the rules'
// paths into file:line:column. Pure: files and configuration in, findings out.

import type { ResolvedStorageConfig } from '../config/index.js';
import { ruleMeta } from './catalog.js';
import { namespaceOf, storageFor, storageState, type ConfigSnapshot } from './config.js';
import { CLUSTER_TASK_NOTE, extractResources, type Resource } from './resources.js';
import { checkPipelineBindings, checkTaskArtifactLists, type ProducerInfo } from './rules/bindings.js';
import { checkFlags } from './rules/flags.js';
import { admissionFlags, checkAdmission } from './tekton/admission.js';
import { checkReferences } from './tekton/references.js';
import { resolveTarget, type TektonTarget } from './tekton/release.js';
import { checkResults } from './rules/results.js';
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
  /** The Tekton release the verdict is for. */
  target: TektonTarget;
}

export interface EngineOptions {
  /** Rule ids to leave out (--ignore-rule). */
  ignore?: ReadonlySet<string>;
  /** The Tekton release to check against; default: the data's release, proposed API absent. */
  target?: TektonTarget;
}

function defaultTarget(snapshot?: ConfigSnapshot): TektonTarget {
  return resolveTarget({
    ...(snapshot?.tektonVersion ? { cluster: snapshot.tektonVersion } : {}),
    ...(snapshot?.tektonVersionUnknown ? { clusterUnknown: snapshot.tektonVersionUnknown } : {}),
    artifactApi: { served: false, source: 'no cluster said it serves it' },
  });
}

type Keyed = RawFinding & { key: string };

type Lookup = (ns: string, kind: 'Task' | 'ClusterTask' | 'Pipeline', name: string) => Resource | undefined;

/** Every resource of the inputs by namespace, kind and name, for the references between them. */
class ResourceIndex {
  private readonly byKey = new Map<string, Resource>();
  /** About the inputs, not findings: a ClusterTask checked as a Task. */
  readonly notes: string[] = [];

  constructor(resources: readonly Resource[], snapshot: ConfigSnapshot, target: TektonTarget) {
    for (const r of resources) {
      const ns = namespaceOf(snapshot, r);
      const key = ResourceIndex.keyOf(ns, r.kind, r.name);
      if (!this.byKey.has(key)) this.byKey.set(key, r);
      if (r.kind === 'ClusterTask' && target.data.roots[r.version]?.ClusterTask) {
        const pos = locate(r.source, r.base, 'value');
        this.notes.push(
          `${r.source.file}:${pos.line}:${pos.column}: ClusterTask "${r.name}" is checked as a Task in namespace "${ns}" (-n); ${CLUSTER_TASK_NOTE}`,
        );
      }
    }
  }

  // ClusterTasks are cluster-scoped: any namespace's Pipelines find them.
  private static keyOf(ns: string, kind: string, name: string): string {
    return kind === 'ClusterTask' ? `/${kind}/${name}` : `${ns}/${kind}/${name}`;
  }

  readonly lookup: Lookup = (ns, kind, name) => this.byKey.get(ResourceIndex.keyOf(ns, kind, name));

  /** The Task (or ClusterTask) a pipeline task references by name, when the inputs hold it. */
  referenced(ns: string, task: PipelineTaskView): Resource | undefined {
    const ref = taskRefTarget(task);
    return ref ? this.lookup(ns, ref.kind, ref.name) : undefined;
  }

  referencedTaskViews(ns: string, task: PipelineTaskView): TaskSpecView[] {
    const target = this.referenced(ns, task);
    return target ? taskSpecs(target) : [];
  }

  /** The result names a pipeline task's Task declares (undefined: unknown, e.g. a custom task). */
  resultsOf(ns: string, task: PipelineTaskView): Set<string> | undefined {
    const v = task.value;
    // A custom task's spec (apiVersion and kind) declares no Tekton results.
    if (isRecord(v.taskSpec) && str(v.taskSpec.apiVersion)) return undefined;
    const own = isRecord(v.taskSpec) ? v.taskSpec : isRecord(v.pipelineSpec) ? v.pipelineSpec : undefined;
    const spec = own ?? (this.referenced(ns, task)?.value.spec as Record<string, unknown> | undefined);
    if (!spec) return undefined;
    return new Set(
      (Array.isArray(spec.results) ? spec.results : [])
        .map((r: unknown) => (isRecord(r) ? str(r.name) : undefined))
        .filter((n): n is string => n !== undefined),
    );
  }

  /** What a pipeline task's producer declares as outputs, for the binding rules. */
  producer(ns: string, task: PipelineTaskView): ProducerInfo | undefined {
    const embedded = embeddedTaskSpec(task);
    if (embedded) {
      return {
        label: `the taskSpec of pipeline task ${JSON.stringify(task.name ?? '')}`,
        outputs: artifactDecls(embedded.artifacts, [...task.path, 'taskSpec', 'artifacts'], 'output', []),
      };
    }
    const target = this.referenced(ns, task);
    if (!target) return undefined;
    const spec = target.value.spec as Record<string, unknown>;
    return {
      label: `${target.kind} ${JSON.stringify(target.name)}`,
      outputs: artifactDecls(spec.artifacts, ['spec', 'artifacts'], 'output', []),
    };
  }
}

/** The storage settings in effect, once per namespace (or per annotated Pipeline and PipelineRun). */
class StorageSummaries {
  private readonly byKey = new Map<string, StorageSummary>();
  private readonly warnings = new Set<string>();

  note(resolved: ResolvedStorageConfig, ns: string, resource: Resource): void {
    for (const w of resolved.warnings) this.warnings.add(w.message);
    const annotated = resolved.levels.some(
      (l) => (l.level === 'pipeline' || l.level === 'pipelinerun') && l.status === 'used',
    );
    const key = annotated ? `${ns}/${resource.kind}/${resource.name}` : ns;
    if (this.byKey.has(key)) return;
    const from: Record<string, string> = {};
    for (const [field, v] of Object.entries(resolved.values)) from[field] = v.source;
    this.byKey.set(key, {
      namespace: ns,
      ...(annotated ? { resource: `${resource.kind} ${resource.name}` } : {}),
      enabled: resolved.settings.enabled,
      backend: resolved.settings.backend,
      ociRepository: resolved.settings.ociRepository ?? null,
      inlineThreshold: resolved.settings.inlineThreshold,
      from,
    });
  }

  summaries(): StorageSummary[] {
    return [...this.byKey.values()];
  }

  configWarnings(): string[] {
    return [...this.warnings];
  }
}

function storageNeedsUnder(
  views: readonly TaskSpecView[],
  resolved: ResolvedStorageConfig,
  ns: string,
): Keyed[] {
  return views.flatMap((v) =>
    checkStorageNeeds(v.label, storageNeeds(v, resolved.settings.inlineThreshold), resolved, ns).map((f) => ({
      ...f,
      key: `${v.label}|${f.key}`,
    })),
  );
}

/**
 * Storage findings of specs defined elsewhere (a Task a Pipeline references, the Pipeline a
 * PipelineRun runs) that only arise with this resource's annotations: reported here, at the
 * reference, since the referenced file is fine on its own.
 */
function storageDelta(
  views: readonly TaskSpecView[],
  settings: { here: ResolvedStorageConfig; base: ResolvedStorageConfig; ns: string },
  at: Path,
  via: string,
): RawFinding[] {
  if (views.length === 0) return [];
  const { here, base, ns } = settings;
  const known = new Set(storageNeedsUnder(views, base, ns).map((f) => f.key));
  return storageNeedsUnder(views, here, ns)
    .filter((f) => !known.has(f.key))
    .map(({ key: _key, ...f }) => ({ ...f, path: at, message: `${via}: ${f.message}` }));
}

/** What the engine knows while it checks one resource after another. */
interface CheckContext {
  snapshot: ConfigSnapshot;
  target: TektonTarget;
  flagsView: ReturnType<typeof admissionFlags>;
  index: ResourceIndex;
  storage: StorageSummaries;
}

/** The storage configuration a resource runs with, and the Pipeline a PipelineRun runs (if given). */
function storageOfResource(
  resource: Resource,
  ns: string,
  ctx: CheckContext,
): { resolved: ResolvedStorageConfig; pipeline?: Resource } {
  if (resource.kind === 'Pipeline') return { resolved: storageFor(ctx.snapshot, ns, { pipeline: resource }) };
  if (resource.kind !== 'PipelineRun') return { resolved: storageFor(ctx.snapshot, ns) };
  const ref = (resource.value.spec as Record<string, unknown>).pipelineRef;
  const name =
    isRecord(ref) && ref.resolver === undefined && ref.bundle === undefined ? str(ref.name) : undefined;
  const pipeline = name ? ctx.index.lookup(ns, 'Pipeline', name) : undefined;
  return {
    resolved: storageFor(ctx.snapshot, ns, { pipelineRun: resource, ...(pipeline ? { pipeline } : {}) }),
    ...(pipeline ? { pipeline } : {}),
  };
}

/** Every rule over one resource, as paths into it. */
function checkResource(resource: Resource, ns: string, ctx: CheckContext): RawFinding[] {
  const served = ctx.target.artifactApi.served;
  const { resolved, pipeline } = storageOfResource(resource, ns, ctx);
  ctx.storage.note(resolved, ns, resource);
  const plain = storageFor(ctx.snapshot, ns);
  const raw: RawFinding[] = [];

  raw.push(...checkAdmission(resource, ctx.target, ctx.flagsView));
  raw.push(
    ...checkReferences(resource, ctx.target.label, { resultsOf: (task) => ctx.index.resultsOf(ns, task) }),
  );
  for (const view of taskSpecs(resource)) {
    // The TEP rules apply where the proposed artifact API is served; elsewhere its fields are
    // TA507 errors, and storage settings cannot matter to them.
    if (served) {
      raw.push(...checkDeclarations(view));
      raw.push(...checkTaskArtifactLists(view));
      raw.push(...storageNeedsUnder([view], resolved, ns).map(({ key: _key, ...f }) => f));
    }
    raw.push(...checkResults(view, ctx.snapshot, served));
  }

  const state = storageState(resolved, ns);
  for (const p of served ? pipelineSpecs(resource) : []) {
    raw.push(
      ...checkPipelineBindings(p, { producer: (task) => ctx.index.producer(ns, task), storage: state }),
    );
    for (const task of p.tasks)
      raw.push(
        ...storageDelta(
          ctx.index.referencedTaskViews(ns, task),
          { here: resolved, base: plain, ns },
          [...task.path, 'taskRef', 'name'],
          `pipeline task ${JSON.stringify(task.name ?? '')} of ${p.label}`,
        ),
      );
  }

  if (served && resource.kind === 'PipelineRun' && pipeline) {
    const views = [
      ...taskSpecs(pipeline),
      ...pipelineSpecs(pipeline).flatMap((p) => p.tasks.flatMap((t) => ctx.index.referencedTaskViews(ns, t))),
    ];
    raw.push(
      ...storageDelta(
        views,
        { here: resolved, base: storageFor(ctx.snapshot, ns, { pipeline }), ns },
        ['spec', 'pipelineRef', 'name'],
        `PipelineRun ${JSON.stringify(resource.name)} runs Pipeline ${JSON.stringify(pipeline.name)}`,
      ),
    );
  }

  raw.push(...checkFlags(resource, ctx.snapshot, served));
  return raw;
}

/** A rule's path into a resource, as a finding with file, line and column. */
function toFinding(resource: Resource, ns: string, r: RawFinding): Finding {
  const meta = ruleMeta(r.ruleId);
  return {
    ruleId: r.ruleId,
    severity: r.severity ?? meta.severity,
    message: r.message,
    ...(r.hint ? { hint: r.hint } : {}),
    file: resource.source.file,
    ...locate(resource.source, [...resource.base, ...r.path], r.at, r.needle),
    resource: { kind: resource.kind, name: resource.name, namespace: ns },
  };
}

/** Ignored rules left out, the same finding at the same place once, in input order. */
function settle(findings: Finding[], files: readonly ParsedFile[], ignore: ReadonlySet<string>): Finding[] {
  const order = new Map(files.map((f, i) => [f.file, i]));
  const seen = new Set<string>();
  const kept = findings.filter((f) => {
    if (ignore.has(f.ruleId)) return false;
    const key = `${f.file}\0${f.line}\0${f.column}\0${f.ruleId}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return kept.sort(
    (a, b) =>
      (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) ||
      a.line - b.line ||
      a.column - b.column ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

export function validateFiles(
  files: readonly ParsedFile[],
  snapshot: ConfigSnapshot,
  options: EngineOptions = {},
): EngineResult {
  const findings: Finding[] = files.flatMap((f) => f.errors);
  const extracted = extractResources(files.flatMap((f) => f.documents));
  findings.push(...extracted.findings);
  const target = options.target ?? defaultTarget(snapshot);
  const ctx: CheckContext = {
    snapshot,
    target,
    flagsView: admissionFlags(snapshot, target.data),
    index: new ResourceIndex(extracted.resources, snapshot, target),
    storage: new StorageSummaries(),
  };
  for (const resource of extracted.resources) {
    const ns = namespaceOf(snapshot, resource);
    for (const raw of checkResource(resource, ns, ctx)) findings.push(toFinding(resource, ns, raw));
  }
  return {
    findings: settle(findings, files, options.ignore ?? new Set<string>()),
    resources: extracted.resources,
    skipped: extracted.skipped,
    skippedKinds: extracted.skippedKinds,
    storage: ctx.storage.summaries(),
    configWarnings: ctx.storage.configWarnings(),
    notes: ctx.index.notes,
    target,
  };
}
