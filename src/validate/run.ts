/**
 * `validate`: the edge where I/O meets the pure checker. Reads the inputs (files, stdin or the
 * cluster), the configuration (live, a snapshot file, or Tekton's defaults), runs the engine,
 * prints the report and returns the exit code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
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
import { parseYaml } from './yaml.js';

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

export async function runValidate(
  o: ValidateOptions,
  io: CommandIo,
  readStdin: () => Promise<string> = readProcessStdin,
): Promise<number> {
  const stdout = (t: string) => void io.stdout.write(t);
  const stderr = (t: string) => void io.stderr.write(t);
  checkUsage(o);
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

  const needLive =
    o.fromCluster || o.exportConfig !== undefined || (o.clusterConfig === undefined && !o.defaults);
  const live = needLive ? await connect(o) : undefined;

  let texts: InputText[] = [];
  if (o.fromCluster && live) {
    const { parseClusterSelector } = await import('./cluster.js');
    const selectors = o.inputs.map(parseClusterSelector);
    texts = await live.read(selectors, o.cluster.namespace ?? live.namespace);
  } else if (o.inputs.length > 0) {
    texts = await readInputs(o.inputs, readStdin);
  }
  const files = texts.map((t) => parseYaml(t.file, t.text));
  const resourceNamespaces = extractResources(files.flatMap((f) => f.documents))
    .resources.map((r) => r.namespace)
    .filter((ns): ns is string => ns !== undefined);

  let snapshotText: { name: string; text: string; file: SnapshotFile } | undefined;
  if (o.clusterConfig !== undefined) {
    const name = o.clusterConfig === '-' ? 'stdin' : o.clusterConfig;
    let text: string;
    try {
      // A byte-order mark would shift every column of line 1 (stripBom, decodeText).
      text =
        o.clusterConfig === '-' ? stripBom(await readStdin()) : decodeText(readFileSync(o.clusterConfig));
    } catch (err) {
      throw new InputError(
        {
          file: o.clusterConfig,
          message: `cannot read: ${(err as Error).message}`,
          hint: 'write one with --export-config FILE, or kubectl get configmap feature-flags config-artifact-storage -n tekton-pipelines -o yaml',
        },
        { cause: err },
      );
    }
    snapshotText = { name, text, file: readSnapshotText(name, text, o.names) };
  }

  const defaultNamespace =
    o.cluster.namespace ??
    live?.namespace ??
    (snapshotText
      ? snapshotNamespace(snapshotText.file.configMaps, o.names, snapshotText.file.exportedNamespaces)
      : undefined) ??
    'default';
  const namespaces = [defaultNamespace, ...resourceNamespaces];

  if (o.exportConfig !== undefined && live) {
    const { yaml, configMaps } = await exportSnapshot(live.source, { names: o.names, namespaces });
    if (o.exportConfig === '-') stdout(yaml);
    else {
      writeFileSync(o.exportConfig, yaml);
      stderr(
        `wrote ${configMaps.length} ConfigMap${configMaps.length === 1 ? '' : 's'} from ${live.describe()} to ${o.exportConfig}\n`,
      );
    }
    if (!o.fromCluster && o.inputs.length === 0) return 0;
  }

  let snapshot: ConfigSnapshot;
  if (o.defaults) {
    snapshot = buildSnapshot({ source: "Tekton's defaults (--defaults)", names: o.names, defaultNamespace });
  } else {
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
    snapshot = await loadSnapshot(source, {
      describe,
      names: o.names,
      namespaces,
      defaultNamespace,
      isSnapshotFile: snapshotText !== undefined,
      ...(snapshotText?.file.exportedNamespaces
        ? { exportedNamespaces: snapshotText.file.exportedNamespaces }
        : {}),
    });
  }

  const result = validateFiles(files, snapshot, { ignore: selected.ids });
  if (result.resources.length === 0 && !result.findings.some((f) => isInputRule(f.ruleId))) {
    const where =
      o.fromCluster && live
        ? `namespace "${o.cluster.namespace ?? live.namespace}" of ${live.describe()}`
        : o.inputs.map((i) => (i === '-' ? 'stdin' : i)).join(', ');
    throw nothingChecked(o, result, files.length, where);
  }
  const report = buildReport(result, { snapshot, files: files.length, failOn: o.failOn, version: o.version });
  switch (o.output) {
    case 'json':
      stdout(formatJson(report));
      break;
    case 'sarif':
      stdout(
        formatSarif(report, {
          cwd: o.cwd,
          virtual: new Map(o.fromCluster ? texts.map((t) => [t.file, t.uri]) : []),
        }),
      );
      break;
    case 'github':
      stdout(formatGithub(report));
      break;
    case 'human':
      stdout(formatHuman(report, { colour: io.color }));
      break;
  }
  return report.summary.exitCode;
}
