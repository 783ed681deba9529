/**
 * `pull`: resolves what to fetch (a run, exactly as show resolves it, or one artifact by
 * reference), selects and plans (pure), transfers (verified, bounded, with progress), and prints
 * what happened. This is the edge where I/O is wired to the pure parts.
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { CliError, toCliError } from '../cli/errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import { liveTerminal, type CommandIo } from '../cli/io.js';
import { escapeJsonText, sanitize, sanitizeLines } from '../text/sanitize.js';
import type { ArtifactTree } from '../tree/model.js';
import { decidingFailure, describeMissing, missingFrom, type Missing } from '../tree/partial.js';
import { FULL_REACH, type Reach } from '../tree/resolve.js';
import type { RunOptions } from '../tree/run.js';
import type { RegistryOptions } from '../tree/targets.js';
import type { ExtractLimits } from './limits.js';
import { planPull } from './plan.js';
import { isArtifactProblem, problemOf, type PullProblem } from './problems.js';
import { ProgressTracker } from './progress.js';
import { PULL_API_VERSION, formatReportText, type PullReport, type PulledFile } from './report.js';
import { selectArtifacts, type Selection } from './select.js';
import { trackPlan, transferAll, transferToStdout, type BlobTarget } from './transfer.js';
import type { PlannedFile } from './plan.js';

export interface PullOptions {
  run?: string;
  /** Exit 0 when parts of the run could not be read; the report lists them as skipped all the same. */
  allowPartial?: boolean;
  pipelineRun?: string;
  repository?: string;
  /** One artifact by OCI reference or `oci:` URI, instead of a run. */
  artifactRef?: string;
  cluster: RunOptions['cluster'];
  registry: RegistryOptions;
  configMapName: string;
  tektonNamespace: string;
  select: { tasks: string[]; artifactTypes: string[]; artifacts: string[]; inputs: boolean };
  /** Output directory, or `-` for stdout. */
  output: string;
  format: 'text' | 'json';
  raw: boolean;
  allowPathTraversal: boolean;
  limits: ExtractLimits;
  quiet: boolean;
  /** What a relative -o is resolved against (the process's working directory). */
  cwd?: string;
}

/** Requests in flight per registry when --concurrency is not given (as oras pull). */
const PULL_CONCURRENCY = 3;

/**
 * What pull reads of a run: what the statuses name, without referrers (pull writes no
 * signatures); with --artifact only the named ones, and the root's content only when it may be
 * pulled (everything is asked for, or a name is not among the reported artifacts).
 */
const REPORTED_ONLY: Reach = { referrers: 0, root: false };
const WITH_ROOT: Reach = { referrers: 0, root: true };

function usage(message: string, hint?: string): CliError {
  return new CliError(message, 'usage', hint);
}

/** Checks flag combinations before anything is resolved. */
export function validatePullOptions(options: PullOptions): void {
  if (options.artifactRef !== undefined) {
    if (options.run !== undefined || options.pipelineRun !== undefined)
      throw usage('--artifact-ref pulls one artifact: give it without RUN or --pipelinerun');
    if (
      options.select.tasks.length > 0 ||
      options.select.artifacts.length > 0 ||
      options.select.artifactTypes.length > 0
    )
      throw usage(
        '--task, --artifact and --artifact-type select within a run; --artifact-ref names one artifact already',
      );
  } else if (options.run === undefined && options.pipelineRun === undefined) {
    throw usage(
      'pull needs a run (a PipelineRun name, taskrun/NAME, or an OCI reference to its root) or --artifact-ref',
      'for example: tkn artifacts pull build-app-x7k2 -o out',
    );
  }
  if (options.output === '-' && options.format === 'json')
    throw usage('-o - writes the content to stdout, so there is no room for --format json');
  if (options.output === '') throw usage('-o needs a directory (or - for stdout)');
}

/** Output format names kubectl users type after -o; pull's -o is a directory, so these are likely slips. */
const FORMAT_WORDS: Record<string, string> = {
  json: 'JSON',
  yaml: 'JSON',
  yml: 'JSON',
  table: 'text',
  text: 'text',
  wide: 'text',
  name: 'text',
  tree: 'text',
};

/** The kind of summary a format-like -o value probably asked for, if it looks like one. */
function outputLooksLikeFormat(output: string): string | undefined {
  return Object.hasOwn(FORMAT_WORDS, output) ? FORMAT_WORDS[output] : undefined;
}

/** An artifact refused while the rest was pulled, as the rest of what is missing. */
function missingOf(problem: PullProblem): Missing {
  const kind =
    problem.exit === 'ok' || problem.exit === 'findings' || problem.exit === 'interrupted'
      ? 'internal'
      : problem.exit;
  return { what: `${artifactLabel(problem)}: ${problem.reason}`, failure: { kind } };
}

/**
 * Exit for what could not be read or was refused: the kind of the failure to act on first
 * (integrity before forbidden before unreachable …), unless the user accepts a partial result.
 * Everything else was pulled all the same; the report lists both.
 */
function partialExit(missing: Missing[], allowPartial: boolean, io: CommandIo): number {
  const deciding = decidingFailure(missing);
  if (!deciding) return ExitCode.ok;
  const lines = describeMissing(missing).join('\n');
  if (allowPartial) {
    io.stderr.write(
      `Warning: partial pull (--allow-partial): ${missing.length} could not be read or were refused:\n${lines}\n`,
    );
    return ExitCode.ok;
  }
  io.stderr.write(
    `Error: the pull is incomplete: ${missing.length} part${missing.length === 1 ? '' : 's'} of the run could not be read or ${missing.length === 1 ? 'was' : 'were'} refused (everything else was pulled):\n${lines}\nHint: --allow-partial accepts a partial pull\n`,
  );
  return ExitCode[deciding.kind];
}

function artifactLabel(entry: { task?: string; artifact: string }): string {
  return entry.task === undefined ? entry.artifact : `${entry.task}/${entry.artifact}`;
}

function checkSelection(selection: Selection, tree: ArtifactTree | undefined): void {
  if (selection.unmatched.length > 0) {
    const names = tree
      ? [
          ...new Set([
            ...tree.taskRuns.flatMap((t) => t.artifacts.map((a) => `${t.pipelineTask ?? t.name}/${a.name}`)),
            ...tree.unreported.map((a) => a.name),
          ]),
        ]
      : [];
    throw new CliError(
      `no artifact matches ${selection.unmatched.map((name) => JSON.stringify(name)).join(', ')}`,
      'notFound',
      names.length > 0 ? `the run has: ${names.join(', ')}` : 'the run has no artifacts (with these filters)',
    );
  }
  const refused = selection.refused[0];
  if (refused) {
    throw new CliError(`${artifactLabel(refused)} cannot be pulled: ${refused.reason}`, refused.kind);
  }
}

/** Ctrl-C or SIGTERM during the transfer: the pull stops, cleans up, and exits 130. */
class Interrupted extends Error {
  override name = 'Interrupted';
}

export async function runPull(options: PullOptions, io: CommandIo): Promise<number> {
  const started = Date.now();
  // A Konflux `oci:<repo>@<blob>` URI is never a run's root: take it as the artifact it names.
  if (options.run !== undefined && options.artifactRef === undefined) {
    const { referenceForm } = await import('../oci/reference.js');
    if (referenceForm(options.run) === 'oci')
      options = { ...options, artifactRef: options.run, run: undefined };
  }
  validatePullOptions(options);
  const formatWord = outputLooksLikeFormat(options.output);
  if (formatWord)
    io.stderr.write(
      `Warning: -o ${options.output} writes into a directory named ${JSON.stringify(options.output)}: pull's -o is the destination (as oras pull -o); for a ${formatWord} summary use --format json\n`,
    );
  const { openStore } = await import('../tree/targets.js');
  // One meaning of --concurrency: requests in flight per registry, blobs included.
  const concurrency = options.registry.concurrency ?? PULL_CONCURRENCY;
  const registry: RegistryOptions = { ...options.registry, concurrency };

  let tree: ArtifactTree | undefined;
  let selection: Selection;
  const store = await openStore(registry);
  let source: PullReport['source'];
  if (options.artifactRef !== undefined) {
    const { resolveSingle } = await import('./single.js');
    const candidate = await resolveSingle(options.artifactRef, store);
    selection = { selected: [candidate], skipped: [], refused: [], unmatched: [] };
    source = { reference: options.artifactRef };
  } else {
    const { resolveRun } = await import('../tree/run.js');
    // --artifact-type may name the type of a signature, attestation or SBOM attached to an
    // artifact: the referrers are then walked as show walks them, and pulled when of the type.
    const byType = options.select.artifactTypes.length > 0;
    const resolveWith = async (reach: Reach, artifacts: string[]): Promise<ArtifactTree> => {
      if (byType) reach = { ...reach, referrers: FULL_REACH.referrers };
      const resolved = await resolveRun({
        ...(options.run !== undefined ? { run: options.run } : {}),
        ...(options.pipelineRun !== undefined ? { pipelineRun: options.pipelineRun } : {}),
        ...(options.repository !== undefined ? { repository: options.repository } : {}),
        cluster: options.cluster,
        registry,
        filters: { tasks: options.select.tasks, artifactTypes: options.select.artifactTypes, artifacts },
        configMapName: options.configMapName,
        tektonNamespace: options.tektonNamespace,
        reach,
        warn: (message) => io.stderr.write(`${sanitizeLines(message)}\n`),
      });
      if (resolved.kind !== 'tree')
        throw new Error('resolveRun explained the configuration instead of resolving');
      return resolved.tree;
    };
    const named = options.select.artifacts.length > 0;
    tree = named
      ? await resolveWith(REPORTED_ONLY, options.select.artifacts)
      : await resolveWith(WITH_ROOT, []);
    const selectOptions = {
      tasks: options.select.tasks,
      artifacts: options.select.artifacts,
      inputs: options.select.inputs,
      artifactTypes: options.select.artifactTypes,
    };
    selection = selectArtifacts(tree, selectOptions);
    // A name the statuses do not report may be content stored under the run's root.
    if (named && selection.unmatched.length > 0) {
      tree = await resolveWith(WITH_ROOT, []);
      selection = selectArtifacts(tree, selectOptions);
    }
    source = {
      run: {
        kind: tree.run.kind,
        name: tree.run.name,
        ...(tree.run.namespace !== undefined ? { namespace: tree.run.namespace } : {}),
      },
    };
  }
  checkSelection(selection, tree);
  const plan = planPull(selection.selected, {
    raw: options.raw,
    allowPathTraversal: options.allowPathTraversal,
  });
  const skipped = [...selection.skipped, ...plan.skipped];
  // One artifact's refused content is its own problem: the rest is pulled, and pull exits 7.
  const failed: PullProblem[] = [...plan.failed];
  let firstFailure = plan.firstError;
  if (plan.files.length === 0 && firstFailure !== undefined) throw toCliError(firstFailure);
  const targetFor = (repository: string): BlobTarget => store.targetOf(repository);

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(new Interrupted(`interrupted by ${signal}`));
  // `on`, not `once`: ink's signal-exit re-raises a signal when it sees no other listener left,
  // and a once-listener is gone by then, so on a TTY the process died by the signal (issue 12).
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const transfer = {
    targetFor,
    limits: options.limits,
    allowPathTraversal: options.allowPathTraversal,
    concurrency,
    signal: controller.signal,
    onFileError: (file: PlannedFile, error: unknown) => {
      if (!isArtifactProblem(error)) return false;
      failed.push(problemOf(file, error));
      firstFailure ??= error;
      return true;
    },
  };
  // A whole-run pull asks for every output of the run: what could not be read is missing from it
  // (an artifact named with --artifact is refused above instead).
  const missing =
    tree && options.select.artifacts.length === 0
      ? missingFrom(tree).filter((m) => !m.input || options.select.inputs)
      : [];
  try {
    if (options.output === '-') {
      const [only, ...more] = plan.files;
      if (!only)
        throw new CliError(
          'nothing to write to stdout: no artifact of the selection can be pulled',
          'notFound',
          skipped.length > 0 ? skipped.map((s) => `${artifactLabel(s)}: ${s.reason}`).join('; ') : undefined,
        );
      if (more.length > 0)
        throw usage(
          `-o - writes one file, but the selection has ${plan.files.length}: ${plan.files
            .map((f) => artifactLabel(f) + (f.title && f.title !== f.artifact ? ` (${f.title})` : ''))
            .join(', ')}`,
          'narrow it with --artifact NAME (or TASK/NAME), or pull into a directory with -o DIR',
        );
      if (!options.quiet)
        for (const s of skipped)
          io.stderr.write(`skipped ${sanitize(artifactLabel(s))}: ${sanitize(s.reason)}\n`);
      const { onFileError: _alone, ...single } = transfer; // the one file failing is the pull failing
      await transferToStdout(only, { ...single, stdout: io.stdout, tmpdir: tmpdir() });
      return partialExit(missing, options.allowPartial === true, io);
    }

    const cwd = options.cwd ?? process.cwd();
    const output = resolve(cwd, options.output);
    // Live progress only where cursor movement works: a TTY, and not TERM=dumb.
    const showProgress = !options.quiet && liveTerminal(io.stderrIsTTY) && plan.files.length > 0;
    const progress = showProgress ? new ProgressTracker() : undefined;
    if (progress) trackPlan(progress, plan.files);
    const view = progress
      ? (await import('./progress-view.js')).startProgressView(progress, {
          color: io.color,
        })
      : undefined;
    let files: PulledFile[];
    try {
      files = await transferAll(plan.files, { ...transfer, output, ...(progress ? { progress } : {}) });
    } finally {
      // Interrupted, the last frame is wiped: the Interrupted line is all that stays.
      await view?.stop({ clear: controller.signal.aborted });
    }
    // Nothing pulled and something refused: the refusal is the outcome, with its own exit code.
    if (files.length === 0 && firstFailure !== undefined) throw toCliError(firstFailure);
    const report: PullReport = {
      apiVersion: PULL_API_VERSION,
      kind: 'PullReport',
      source,
      output,
      files,
      skipped,
      failed,
      summary: {
        pulled: files.filter((f) => f.status === 'pulled').length,
        present: files.filter((f) => f.status === 'present').length,
        skipped: skipped.length,
        failed: failed.length,
        bytes: files.filter((f) => f.status === 'pulled').reduce((sum, f) => sum + f.size, 0),
        seconds: (Date.now() - started) / 1000,
      },
    };
    if (options.format === 'json') io.stdout.write(`${escapeJsonText(JSON.stringify(report, null, 2))}\n`);
    else if (!options.quiet) io.stdout.write(formatReportText(report, cwd));
    return partialExit([...missing, ...failed.map(missingOf)], options.allowPartial === true, io);
  } catch (error) {
    if (controller.signal.reason instanceof Interrupted) {
      io.stderr.write(`Interrupted: the pull stopped; nothing partial was kept.\n`);
      return ExitCode.interrupted;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
