import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import type { CompletionCommand } from '../src/cli/completion.js';
import { CliError } from '../src/cli/errors.js';
import { processIo } from '../src/cli/io.js';
import {
  clusterFlags,
  clusterOptions,
  debugFlag,
  registryFlags,
  walkFlags,
  registryOptions,
  runArgs,
  storageConfigFlags,
} from '../src/cli/flags.js';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE } from '../src/pull/limits.js';

export default class Pull extends BaseCommand {
  static override summary =
    "Download a run's results and artifacts, verified, into a directory (or one to stdout)";

  // One line per paragraph: oclif wraps them to the terminal.
  static override description = [
    "RUN is what show accepts: a PipelineRun name (or pipelinerun/NAME, taskrun/NAME), or an OCI reference to a run's root artifact. --artifact-ref pulls one artifact by reference instead, into DIR itself as oras pull -o DIR does; a Konflux URI (oci:<repo>@sha256:<blob>) given as RUN is taken that way too, and extracted into DIR as use-oci.sh does.",
    "A run's files land in DIR/<task>/<artifact>/: single files under their title, archives (tar+gzip, Konflux trusted artifacts) extracted unless --raw. Every blob is verified against its digest before it takes its final name; extraction refuses paths and links that leave the destination, devices, and archives that expand past --max-ratio/--max-size. See docs/pull.md.",
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> pull build-app-x7k2 -o out',
    '<%= config.bin %> pull build-app-x7k2 --task test --artifact junit -o reports',
    '<%= config.bin %> pull build-app-x7k2 --artifact images -o - | jq .',
    '<%= config.bin %> pull --artifact-ref oci:quay.io/acme/app@sha256:a67100… -o src',
    '<%= config.bin %> pull registry.example.com/tekton/artifacts:ci.build-app-x7k2 -o out --format json',
  ];

  static completionArgs: CompletionCommand['args'] = 'runs';

  static override args = runArgs;

  static override flags = {
    ...clusterFlags,
    ...registryFlags,
    ...walkFlags,
    ...debugFlag,
    // pull's -o is the destination (as oras pull -o), not show's output format: it has --format.
    output: Flags.string({
      char: 'o',
      description: 'directory to write into (created if missing), or - to write one file to stdout',
      default: '.',
    }),
    format: Flags.string({
      description: 'summary on stdout: text, or json (a PullReport, docs/pull.md)',
      options: ['text', 'json'],
      default: 'text',
    }),
    'artifact-ref': Flags.string({
      description: 'pull one artifact by OCI reference or oci:<repo>@sha256:<digest> URI instead of a run',
    }),
    pipelinerun: Flags.string({
      description: 'find the run by its root tag in --repository (for pruned runs)',
    }),
    repository: Flags.string({
      description: 'repository to look in (default: from the storage configuration)',
    }),
    task: Flags.string({ description: 'only this pipeline task (repeatable)', multiple: true }),
    artifact: Flags.string({
      description: 'only this artifact, NAME or TASK/NAME (repeatable); an error if it cannot be pulled',
      multiple: true,
    }),
    'artifact-type': Flags.string({
      description: 'only artifacts of this artifact type or media type (repeatable)',
      multiple: true,
    }),
    inputs: Flags.boolean({ description: 'also pull the inputs tasks report (by default only outputs)' }),
    'allow-partial': Flags.boolean({
      description:
        'exit 0 when parts of the run could not be read (unreachable, denied, corrupt); the report lists them',
    }),
    raw: Flags.boolean({ description: 'keep archives as they are instead of extracting them' }),
    'allow-path-traversal': Flags.boolean({
      char: 'T',
      description:
        'let a producer you trust write outside the destination (absolute paths, .., links out); devices stay refused',
    }),
    'max-ratio': Flags.integer({
      description: 'refuse archives expanding past this many times their compressed size',
      default: DEFAULT_MAX_RATIO,
      min: 1,
    }),
    'max-size': Flags.string({
      description: 'refuse archives expanding past this size (e.g. 10GiB, 500MiB)',
      default: `${DEFAULT_MAX_SIZE / 1024 ** 3}GiB`,
    }),
    concurrency: Flags.integer({
      description: 'requests in flight per registry, blobs included (default 3, as oras pull)',
      min: 1,
      max: 64,
      helpGroup: 'REGISTRY',
    }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'no progress and no text summary (errors still go to stderr)',
    }),
    'no-color': Flags.boolean({ description: 'disable colour (also NO_COLOR=1)' }),
    ...storageConfigFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Pull);
    const [{ runPull }, { parseLimitSize }] = await Promise.all([
      import('../src/pull/run.js'),
      import('../src/pull/limits.js'),
    ]);
    const maxSize = parseLimitSize(flags['max-size']);
    if (maxSize === undefined)
      throw new CliError(
        `--max-size ${JSON.stringify(flags['max-size'])} is not a size`,
        'usage',
        'for example 10GiB, 500MiB or 1048576',
      );
    process.exitCode = await runPull(
      {
        ...(args.run !== undefined ? { run: args.run } : {}),
        ...(flags.pipelinerun !== undefined ? { pipelineRun: flags.pipelinerun } : {}),
        ...(flags.repository !== undefined ? { repository: flags.repository } : {}),
        ...(flags['artifact-ref'] !== undefined ? { artifactRef: flags['artifact-ref'] } : {}),
        cluster: clusterOptions(flags),
        registry: registryOptions(flags),
        configMapName: flags['config-map'],
        tektonNamespace: flags['tekton-namespace'],
        select: {
          tasks: flags.task ?? [],
          artifactTypes: flags['artifact-type'] ?? [],
          artifacts: flags.artifact ?? [],
          inputs: flags.inputs,
        },
        output: flags.output,
        format: flags.format as 'text' | 'json',
        raw: flags.raw,
        allowPathTraversal: flags['allow-path-traversal'],
        limits: { maxRatio: flags['max-ratio'], maxSize },
        quiet: flags.quiet,
        allowPartial: flags['allow-partial'],
      },
      processIo({ noColor: flags['no-color'] }),
    );
  }
}
