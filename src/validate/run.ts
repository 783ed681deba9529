/**
 * `validate`: the edge where I/O meets the pure checker. Reads the inputs (files, stdin or the
 * cluster), the configuration (live, a snapshot file, or Tekton's defaults), runs the engine,
 * prints the report and returns the exit code.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CliError } from '../cli/errors.js';
import { InputError } from '../cluster/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { StorageConfigNames } from '../config/index.js';
import type { CommandIo } from '../cli/io.js';
import { isInputRule, resolveRuleSelectors, ruleMeta } from './catalog.js';
import { buildSnapshot, type ConfigSnapshot } from './config.js';
import { exportSnapshot, loadSnapshot, snapshotNamespace } from './config-io.js';
import { validateFiles, type EngineResult } from './engine.js';
import { formatGithub, formatHuman, formatJson, formatSarif, type OutputFormat } from './format.js';
import { decodeText, readInputs, readProcessStdin, stripBom, type InputText } from './inputs.js';
import { buildReport, type FailOn } from './report.js';
import { extractResources } from './resources.js';
import { readSnapshotText, type SnapshotFile } from './snapshot-file.js';
import { parseVersion, resolveTarget, type TektonTarget } from './tekton/release.js';
import { hasTemplateSyntax, isHelmTemplate } from './templates.js';
import { parseYaml, type ParsedFile } from './yaml.js';

export interface ValidateOptions {
  /** Files, directories and "-"; with fromCluster, KIND or KIND/NAME selectors. */
  inputs: string[];
  fromCluster: boolean;
  clusterConfig?: string;
  exportConfig?: string;
  /** Check against Tekton's defaults, contacting no cluster. */
  defaults: boolean;
  cluster: { kubeconfig?: string; context?: string; namespace?: string };
  names: StorageConfigNames;
  output: OutputFormat;
  failOn: FailOn;
  ignoreRules: string[];
  /** --exclude globs. */
  exclude?: string[];
  /** --tekton-version: the release to check against, instead of the cluster's. */
  tektonVersion?: string;
  /** --artifact-api: whether the proposed artifact API is served; auto asks the cluster. */
  artifactApi?: 'auto' | 'served' | 'absent';
  noColor: boolean;
  version: string;
  cwd: string;
}

function usage(message: string, hint?: string): CliError {
  return new CliError(message, 'usage', hint);
}

function checkUsage(o: ValidateOptions): void {
  if (o.clusterConfig !== undefined && o.defaults) {
    throw usage(
      '--cluster-config and --defaults are alternatives',
      "give one: a snapshot file, or Tekton's defaults",
    );
  }
  if (o.exportConfig !== undefined && (o.clusterConfig !== undefined || o.defaults)) {
    throw usage(
      '--export-config reads the live cluster; it cannot be combined with --cluster-config or --defaults',
    );
  }
  if (o.exportConfig === '-' && (o.inputs.length > 0 || o.fromCluster)) {
    throw usage(
      '--export-config - writes the snapshot to standard output, where the report goes too',
      'write the snapshot to a file (--export-config snapshot.yaml), or export and validate in two runs',
    );
  }
  if (!o.fromCluster && o.inputs.length === 0 && o.exportConfig === undefined) {
    throw usage(
      'nothing to validate',
      'name Task, Pipeline or PipelineRun files or directories (- for standard input), or use --from-cluster',
    );
  }
  if (o.clusterConfig === '-' && o.inputs.includes('-')) {
    throw usage('standard input cannot be both an input and --cluster-config');
  }
  if (o.tektonVersion !== undefined && !parseVersion(o.tektonVersion)) {
    throw usage(
      `--tekton-version ${JSON.stringify(o.tektonVersion)} is not a release number`,
      'write it as kubectl get configmap pipelines-info -n tekton-pipelines shows it, e.g. v1.15.0',
    );
  }
}

/**
 * Templates are not resources until rendered: Helm chart templates, and files with {{ }} or
 * {% %} outside strings. They leave the run with a note, not a TA001.
 */
function dropTemplates(files: ParsedFile[], texts: readonly InputText[], notes: string[]): ParsedFile[] {
  const byFile = new Map(texts.map((t) => [t.file, t.text]));
  const skipped: string[] = [];
  const kept = files.filter((f) => {
    const text = byFile.get(f.file) ?? '';
    const helm = f.file !== 'stdin' && isHelmTemplate(f.file, existsSync);
    if (helm || hasTemplateSyntax(text)) {
      skipped.push(`${f.file}${helm ? ' (Helm chart template)' : ''}`);
      return false;
    }
    return true;
  });
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).join(', ');
    notes.push(
      `skipped ${skipped.length} template file${skipped.length === 1 ? '' : 's'} (not YAML until rendered; validate the rendered output, e.g. helm template … | tkn artifacts validate -): ${shown}${skipped.length > 5 ? ', …' : ''}`,
    );
  }
  return kept;
}

async function artifactApiOf(
  o: ValidateOptions,
  live: { artifactApi(): Promise<{ served: boolean; source: string }> } | undefined,
  snapshot: SnapshotFile | undefined,
): Promise<{ served: boolean; source: string }> {
  if (o.artifactApi === 'served' || o.artifactApi === 'absent') {
    return { served: o.artifactApi === 'served', source: `--artifact-api ${o.artifactApi}` };
  }
  if (snapshot?.artifactApi) {
    return {
      served: snapshot.artifactApi === 'served',
      source: `snapshot ${snapshot.name}, exported from a cluster that ${snapshot.artifactApi === 'served' ? 'serves' : 'does not serve'} it`,
    };
  }
  if (live && !o.defaults && o.clusterConfig === undefined) return live.artifactApi();
  return {
    served: false,
    source: o.defaults
      ? 'no released Tekton serves it (--defaults)'
      : 'the snapshot does not say (export it again with --export-config), and no released Tekton serves it',
  };
}

/** Why a cluster is needed, for the hint when there is no kubeconfig: only what would help. */
function connectHint(o: ValidateOptions): string {
  if (o.fromCluster) {
    return '--from-cluster reads Tasks, Pipelines and runs from the cluster: pass --kubeconfig/--context; to check files without a cluster, name them instead (with --cluster-config FILE or --defaults)';
  }
  if (o.exportConfig !== undefined) {
    return '--export-config reads the ConfigMaps from the cluster: pass --kubeconfig/--context';
  }
  return "validate needs the cluster's configuration: pass --kubeconfig/--context, a snapshot with --cluster-config FILE (kubectl get configmap -o yaml), or --defaults";
}

async function connect(o: ValidateOptions) {
  const { connectLive } = await import('./cluster.js');
  try {
    return await connectLive(o.cluster);
  } catch (err) {
    if (err instanceof Error && err.name === 'KubeconfigError') {
      throw new CliError(err.message, 'usage', connectHint(o), { cause: err });
    }
    throw err;
  }
}

const KINDS_CHECKED = 'Task, ClusterTask, Pipeline, PipelineRun, TaskRun';

/**
 * A gate pointed at the wrong path (or namespace) must not pass: inputs that hold no Tekton
 * resource and no input finding (which already makes the exit code 2) are invalid input.
 */
function nothingChecked(o: ValidateOptions, result: EngineResult, files: number, where: string): InputError {
  const kinds = [...result.skippedKinds.entries()]
    .slice(0, 4)
    .map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind));
  const more = result.skippedKinds.size > 4 ? ', …' : '';
  const found =
    result.skipped > 0
      ? `${result.skipped} other document${result.skipped === 1 ? '' : 's'}: ${kinds.join(', ')}${more}`
      : 'no documents at all';
  const what = o.fromCluster
    ? `: nothing matches ${o.inputs.length > 0 ? o.inputs.join(', ') : 'task, pipeline'} there`
    : ` in ${files} file${files === 1 ? '' : 's'} (${found})`;
  return new InputError({
    file: where,
    message: `no Tekton resources (${KINDS_CHECKED}, tekton.dev/v1 or v1beta1) found${what}`,
    hint: o.fromCluster
      ? 'check the namespace (-n) and the KIND/NAME arguments'
      : 'check the paths: validate passes nothing it did not check, so inputs without Tekton resources are an error',
  });
}

/** The rules --ignore-rule names; refused when unknown, or when an input rule would be ignored. */
function ignoredRules(o: ValidateOptions): ReadonlySet<string> {
  const selected = resolveRuleSelectors(o.ignoreRules);
  if (selected.unknown.length > 0) {
    throw usage(
      `unknown rule ${selected.unknown.join(', ')}`,
      'rules are listed in docs/validate.md (TA001…)',
    );
  }
  // Input rules say the input could not be read: ignoring them would turn "not checked" into
  // "compatible", so they are refused rather than filtered.
  const inputRules = [...selected.ids].filter(isInputRule);
  if (inputRules.length > 0) {
    throw usage(
      `--ignore-rule ${inputRules.map((id) => `${id} (${ruleMeta(id).name})`).join(', ')}: input rules cannot be ignored`,
      'TA001 and TA002 mean the input could not be read, so nothing in it was checked: fix the input at the position shown',
    );
  }
  return selected.ids;
}

type Live = Awaited<ReturnType<typeof connect>>;

/** The input texts: from the cluster (--from-cluster), or files, directories and stdin. */
async function readTexts(
  o: ValidateOptions,
  live: Live | undefined,
  readStdin: () => Promise<string>,
  notes: string[],
): Promise<InputText[]> {
  if (o.fromCluster && live) {
    const { parseClusterSelector } = await import('./cluster.js');
    return live.read(o.inputs.map(parseClusterSelector), o.cluster.namespace ?? live.namespace);
  }
  if (o.inputs.length === 0) return [];
  const excluded: string[] = [];
  const texts = await readInputs(o.inputs, readStdin, { exclude: o.exclude ?? [], excluded });
  if (excluded.length > 0) {
    notes.push(
      `--exclude left out ${excluded.length} file${excluded.length === 1 ? '' : 's'}: ${excluded.slice(0, 5).join(', ')}${excluded.length > 5 ? ', …' : ''}`,
    );
  }
  return texts;
}

interface SnapshotText {
  name: string;
  text: string;
  file: SnapshotFile;
}

/** The --cluster-config snapshot, read and checked (a file, or `-` for stdin). */
async function readSnapshotArg(
  path: string,
  names: StorageConfigNames,
  readStdin: () => Promise<string>,
): Promise<SnapshotText> {
  const name = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    // A byte-order mark would shift every column of line 1 (stripBom, decodeText).
    text = path === '-' ? stripBom(await readStdin()) : decodeText(readFileSync(path));
  } catch (err) {
    throw new InputError(
      {
        file: path,
        message: `cannot read: ${(err as Error).message}`,
        hint: 'write one with --export-config FILE, or kubectl get configmap feature-flags config-artifact-storage -n tekton-pipelines -o yaml',
      },
      { cause: err },
    );
  }
  return { name, text, file: readSnapshotText(name, text, names) };
}

/** --export-config: the live ConfigMaps (and whether the artifact API is served) to a file or stdout. */
async function exportConfig(
  o: ValidateOptions & { exportConfig: string },
  live: Live,
  namespaces: string[],
  io: CommandIo,
): Promise<void> {
  const api = await live.artifactApi();
  const { yaml, configMaps } = await exportSnapshot(live.source, {
    names: o.names,
    namespaces,
    artifactApi: api.served ? 'served' : 'absent',
  });
  if (o.exportConfig === '-') {
    io.stdout.write(yaml);
    return;
  }
  writeFileSync(o.exportConfig, yaml);
  io.stderr.write(
    `wrote ${configMaps.length} ConfigMap${configMaps.length === 1 ? '' : 's'} from ${live.describe()} to ${o.exportConfig}\n`,
  );
}

/** The configuration to check against: Tekton's defaults, a snapshot file, or the live cluster. */
async function loadConfiguration(
  o: ValidateOptions,
  live: Live | undefined,
  snapshotText: SnapshotText | undefined,
  namespaces: { all: string[]; default: string },
): Promise<ConfigSnapshot> {
  if (o.defaults)
    return buildSnapshot({
      source: "Tekton's defaults (--defaults)",
      names: o.names,
      defaultNamespace: namespaces.default,
    });
  let source: RunSource;
  let describe: string;
  if (snapshotText) {
    const { FileSource } = await import('../cluster/file-source.js');
    source = await FileSource.fromText(snapshotText.text, snapshotText.name);
    describe =
      snapshotText.name === 'stdin' ? 'a snapshot on standard input' : `snapshot ${snapshotText.name}`;
  } else if (live) {
    source = live.source;
    describe = live.describe();
  } else {
    throw new Error('no configuration source'); // unreachable: needLive covers it
  }
  return loadSnapshot(source, {
    describe,
    names: o.names,
    namespaces: namespaces.all,
    defaultNamespace: namespaces.default,
    isSnapshotFile: snapshotText !== undefined,
    ...(snapshotText?.file.exportedNamespaces
      ? { exportedNamespaces: snapshotText.file.exportedNamespaces }
      : {}),
  });
}

function printReport(
  o: ValidateOptions,
  report: ReturnType<typeof buildReport>,
  texts: readonly InputText[],
  io: CommandIo,
): void {
  const out = (t: string): void => void io.stdout.write(t);
  switch (o.output) {
    case 'json':
      out(formatJson(report));
      break;
    case 'sarif':
      out(
        formatSarif(report, {
          cwd: o.cwd,
          virtual: new Map(o.fromCluster ? texts.map((t) => [t.file, t.uri]) : []),
        }),
      );
      break;
    case 'github':
      out(formatGithub(report));
      break;
    case 'human':
      out(formatHuman(report, { colour: io.color }));
      break;
  }
}

export async function runValidate(
  o: ValidateOptions,
  io: CommandIo,
  readStdin: () => Promise<string> = readProcessStdin,
): Promise<number> {
  checkUsage(o);
  const ignore = ignoredRules(o);

  const needLive =
    o.fromCluster || o.exportConfig !== undefined || (o.clusterConfig === undefined && !o.defaults);
  const live = needLive ? await connect(o) : undefined;

  const inputNotes: string[] = [];
  const texts = await readTexts(o, live, readStdin, inputNotes);
  const files = dropTemplates(
    texts.map((t) => parseYaml(t.file, t.text)),
    texts,
    inputNotes,
  );
  const resourceNamespaces = extractResources(files.flatMap((f) => f.documents))
    .resources.map((r) => r.namespace)
    .filter((ns): ns is string => ns !== undefined);

  const snapshotText =
    o.clusterConfig !== undefined ? await readSnapshotArg(o.clusterConfig, o.names, readStdin) : undefined;
  const defaultNamespace =
    o.cluster.namespace ??
    live?.namespace ??
    (snapshotText
      ? snapshotNamespace(snapshotText.file.configMaps, o.names, snapshotText.file.exportedNamespaces)
      : undefined) ??
    'default';
  const namespaces = [defaultNamespace, ...resourceNamespaces];

  if (o.exportConfig !== undefined && live) {
    await exportConfig({ ...o, exportConfig: o.exportConfig }, live, namespaces, io);
    if (!o.fromCluster && o.inputs.length === 0) return 0;
  }

  const snapshot = await loadConfiguration(o, live, snapshotText, {
    all: namespaces,
    default: defaultNamespace,
  });
  const target: TektonTarget = resolveTarget({
    ...(o.tektonVersion !== undefined ? { flag: o.tektonVersion } : {}),
    ...(snapshot.tektonVersion ? { cluster: snapshot.tektonVersion } : {}),
    ...(snapshot.tektonVersionUnknown ? { clusterUnknown: snapshot.tektonVersionUnknown } : {}),
    artifactApi: await artifactApiOf(o, live, snapshotText?.file),
  });
  const result = validateFiles(files, snapshot, { ignore, target });
  result.notes.push(...inputNotes);
  if (result.resources.length === 0 && !result.findings.some((f) => isInputRule(f.ruleId))) {
    const where =
      o.fromCluster && live
        ? `namespace "${o.cluster.namespace ?? live.namespace}" of ${live.describe()}`
        : o.inputs.map((i) => (i === '-' ? 'stdin' : i)).join(', ');
    throw nothingChecked(o, result, files.length, where);
  }
  const report = buildReport(result, { snapshot, files: files.length, failOn: o.failOn, version: o.version });
  printReport(o, report, texts, io);
  return report.summary.exitCode;
}
