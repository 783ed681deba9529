/**
 * `validate`: the edge where I/O meets the pure checker. Reads the inputs (files, stdin or the
 * cluster), the configuration (live, a snapshot file, or Tekton's defaults), runs the engine,
 * prints the report and returns the exit code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CliError } from '../cli/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { StorageConfigNames } from '../config/index.js';
import { colourEnabled } from '../render/style.js';
import { resolveRuleSelectors } from './catalog.js';
import { buildSnapshot, type ConfigSnapshot } from './config.js';
import { exportSnapshot, loadSnapshot, snapshotNamespace } from './config-io.js';
import { validateFiles } from './engine.js';
import { formatGithub, formatHuman, formatJson, formatSarif, type OutputFormat } from './format.js';
import { readInputs, readProcessStdin, type InputText } from './inputs.js';
import { buildReport, type FailOn } from './report.js';
import { extractResources, isRecord } from './resources.js';
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
  /** Seams for tests; default to the process's streams. */
  io?: {
    stdout?: (text: string) => void;
    stderr?: (text: string) => void;
    readStdin?: () => Promise<string>;
    colour?: boolean;
  };
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

async function connect(o: ValidateOptions) {
  const { connectLive } = await import('./cluster.js');
  try {
    return await connectLive(o.cluster);
  } catch (err) {
    if (err instanceof Error && err.name === 'KubeconfigError') {
      throw new CliError(
        err.message,
        'usage',
        "validate needs the cluster's configuration: pass --kubeconfig/--context, a snapshot with --cluster-config FILE (kubectl get configmap -o yaml), or --defaults",
        { cause: err },
      );
    }
    throw err;
  }
}

/** ConfigMaps in a snapshot file, to guess the namespace it was taken for. */
function configMapsIn(
  text: string,
  file: string,
): Array<{ metadata?: { namespace?: unknown; name?: unknown } }> {
  const out: Array<{ metadata?: { namespace?: unknown; name?: unknown } }> = [];
  const visit = (v: unknown): void => {
    if (!isRecord(v)) return;
    if (Array.isArray(v.items)) v.items.forEach(visit);
    else if (v.kind === 'ConfigMap' && isRecord(v.metadata)) out.push({ metadata: v.metadata });
  };
  for (const d of parseYaml(file, text).documents) visit(d.value);
  return out;
}

export async function runValidate(o: ValidateOptions): Promise<number> {
  const stdout = o.io?.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = o.io?.stderr ?? ((t: string) => void process.stderr.write(t));
  const readStdin = o.io?.readStdin ?? readProcessStdin;
  checkUsage(o);
  const selected = resolveRuleSelectors(o.ignoreRules);
  if (selected.unknown.length > 0) {
    throw usage(
      `unknown rule ${selected.unknown.join(', ')}`,
      'rules are listed in docs/validate.md (TA001…)',
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

  let snapshotText: { name: string; text: string } | undefined;
  if (o.clusterConfig !== undefined) {
    const name = o.clusterConfig === '-' ? 'stdin' : o.clusterConfig;
    let text: string;
    try {
      text = o.clusterConfig === '-' ? await readStdin() : readFileSync(o.clusterConfig, 'utf8');
    } catch (err) {
      const { InputError } = await import('../cluster/errors.js');
      throw new InputError(
        {
          file: o.clusterConfig,
          message: `cannot read: ${(err as Error).message}`,
          hint: 'write one with --export-config FILE, or kubectl get configmap feature-flags config-artifact-storage -n tekton-pipelines -o yaml',
        },
        { cause: err },
      );
    }
    snapshotText = { name, text };
  }

  const defaultNamespace =
    o.cluster.namespace ??
    live?.namespace ??
    (snapshotText
      ? snapshotNamespace(configMapsIn(snapshotText.text, snapshotText.name), o.names)
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
    });
  }

  const result = validateFiles(files, snapshot, { ignore: selected.ids });
  const report = buildReport(result, { snapshot, files: files.length, failOn: o.failOn, version: o.version });
  switch (o.output) {
    case 'json':
      stdout(formatJson(report));
      break;
    case 'sarif':
      stdout(formatSarif(report, { cwd: o.cwd }));
      break;
    case 'github':
      stdout(formatGithub(report));
      break;
    case 'human':
      stdout(formatHuman(report, { colour: o.io?.colour ?? colourEnabled(process.stdout, o.noColor) }));
      break;
  }
  return report.summary.exitCode;
}
