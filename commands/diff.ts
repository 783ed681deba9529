import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import type { CompletionCommand } from '../src/cli/completion.js';
import { CliError } from '../src/cli/errors.js';
import {
  clusterFlags,
  clusterOptions,
  debugFlag,
  registryFlags,
  walkFlags,
  registryOptions,
  storageConfigFlags,
} from '../src/cli/flags.js';
import { processIo } from '../src/cli/io.js';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE } from '../src/pull/limits.js';

export default class Diff extends BaseCommand {
  static override summary = 'Compare what two runs produced: artifacts, results, files, packages and tests';

  // One line per paragraph: oclif wraps them to the terminal.
  static override description = [
    "RUN_A and RUN_B are what show accepts: PipelineRun names (or pipelinerun/NAME, taskrun/NAME), or OCI references to runs' roots (a pruned run). The two sides may come from different sources: --from-file and --oci-layout apply to both, --from-file-a/-b and --oci-layout-a/-b to one. With --artifact-ref, RUN_A and RUN_B are two single artifacts.",
    'Artifacts are matched by pipeline task and name (a matrix fan-out by task and index). Changed ones are compared by content, verified as pull verifies it: archives by their file lists (A/D/C), JSON by path, SBOMs (SPDX, CycloneDX) by package, JUnit by test, text with --content as a unified diff. Exit 0 when equal, 1 when different, other codes as the README says. See docs/diff.md.',
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> diff build-app-x7k2 build-app-q9m4',
    '<%= config.bin %> diff build-app-q9m4 registry.example.com/tekton/artifacts:ci.build-app-x7k2 --stat',
    '<%= config.bin %> diff build-app-x7k2 build-app-q9m4 --task test --content',
    '<%= config.bin %> diff run-a run-b --from-file-a a.yaml --from-file-b b.yaml --oci-layout ./layout -o json',
    '<%= config.bin %> diff --artifact-ref oci:quay.io/acme/app-ta@sha256:a671… oci:quay.io/acme/app-ta@sha256:5d2e…',
  ];

  static completionArgs: CompletionCommand['args'] = 'runs';

  static override args = {
    runA: Args.string({
      description: 'the first run (or artifact, with --artifact-ref): the "before"',
      required: true,
    }),
    runB: Args.string({ description: 'the second run (or artifact): the "after"', required: true }),
  };

  static override flags = {
    ...clusterFlags,
    ...registryFlags,
    ...walkFlags,
    ...debugFlag,
    'from-file-a': Flags.string({
      description: 'read RUN_A from this file (overrides --from-file)',
      helpGroup: 'OFFLINE',
    }),
    'from-file-b': Flags.string({
      description: 'read RUN_B from this file (overrides --from-file)',
      helpGroup: 'OFFLINE',
    }),
    'oci-layout-a': Flags.string({
      description: "read RUN_A's artifacts from this OCI layout",
      helpGroup: 'OFFLINE',
    }),
    'oci-layout-b': Flags.string({
      description: "read RUN_B's artifacts from this OCI layout",
      helpGroup: 'OFFLINE',
    }),
    output: Flags.string({
      char: 'o',
      description: 'output format',
      options: ['text', 'json', 'yaml'],
      default: 'text',
    }),
    'name-only': Flags.boolean({
      description: 'print only the names of what differs (task/artifact[/path])',
      exclusive: ['stat'],
    }),
    stat: Flags.boolean({ description: 'one line per changed artifact and the summary' }),
    content: Flags.boolean({
      description: 'show unified diffs of changed text files (up to --max-content-size)',
    }),
    shallow: Flags.boolean({ description: 'compare digests only: fetch no content' }),
    'artifact-ref': Flags.boolean({
      description: 'RUN_A and RUN_B are single artifacts (references or oci: URIs)',
    }),
    task: Flags.string({ description: 'only this pipeline task (repeatable)', multiple: true }),
    artifact: Flags.string({
      description: 'only this artifact, NAME or TASK/NAME (repeatable)',
      multiple: true,
    }),
    'artifact-type': Flags.string({
      description: 'only artifacts of this artifact type or media type (repeatable)',
      multiple: true,
    }),
    inputs: Flags.boolean({ description: 'also compare the inputs tasks report (by default only outputs)' }),
    'max-content-size': Flags.string({
      description: 'largest file compared structurally or as text; larger ones by digest and size',
      default: '8MiB',
    }),
    'max-ratio': Flags.integer({
      description: 'refuse archives expanding past this many times their compressed size',
      default: DEFAULT_MAX_RATIO,
      min: 1,
    }),
    'max-size': Flags.string({
      description: 'refuse archives expanding past this size',
      default: `${DEFAULT_MAX_SIZE / 1024 ** 3}GiB`,
    }),
    'no-color': Flags.boolean({ description: 'disable colour (also NO_COLOR=1)' }),
    ...storageConfigFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Diff);
    const [{ runDiff }, { parseLimitSize }] = await Promise.all([
      import('../src/diff/run.js'),
      import('../src/pull/limits.js'),
    ]);
    const size = (flag: 'max-size' | 'max-content-size') => {
      const bytes = parseLimitSize(flags[flag]);
      if (bytes === undefined)
        throw new CliError(
          `--${flag} ${JSON.stringify(flags[flag])} is not a size`,
          'usage',
          'for example 10GiB, 500MiB or 1048576',
        );
      return bytes;
    };
    const format = flags['name-only']
      ? 'name-only'
      : flags.stat
        ? 'stat'
        : (flags.output as 'text' | 'json' | 'yaml');
    if ((flags['name-only'] || flags.stat) && flags.output !== 'text')
      throw new CliError('--name-only and --stat are text views: give them without -o', 'usage');
    process.exitCode = await runDiff(
      {
        a: args.runA,
        b: args.runB,
        artifactRef: flags['artifact-ref'],
        cluster: clusterOptions(flags),
        registry: registryOptions(flags),
        sides: {
          a: { fromFile: flags['from-file-a'], ociLayout: flags['oci-layout-a'] },
          b: { fromFile: flags['from-file-b'], ociLayout: flags['oci-layout-b'] },
        },
        configMapName: flags['config-map'],
        tektonNamespace: flags['tekton-namespace'],
        filters: {
          tasks: flags.task ?? [],
          artifacts: flags.artifact ?? [],
          artifactTypes: flags['artifact-type'] ?? [],
          inputs: flags.inputs,
        },
        format,
        unified: flags.content,
        shallow: flags.shallow,
        limits: { maxRatio: flags['max-ratio'], maxSize: size('max-size') },
        maxContentSize: size('max-content-size'),
        maxEntries: 500_000,
        concurrency: Math.min(flags.concurrency, 4),
        noColor: flags['no-color'],
      },
      processIo({ noColor: flags['no-color'] }),
    );
  }
}
