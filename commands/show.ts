import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import type { CompletionCommand } from '../src/cli/completion.js';
import { processIo } from '../src/cli/io.js';
import {
  clusterFlags,
  clusterOptions,
  debugFlag,
  outputFlags,
  registryFlags,
  walkFlags,
  registryOptions,
  runArgs,
  storageConfigFlags,
} from '../src/cli/flags.js';

export default class Show extends BaseCommand {
  static override summary =
    "Show a run's results and artifacts: where each is stored, whether it is intact, which task made it";

  // One line per paragraph: oclif wraps them to the terminal.
  static override description = [
    "RUN is a PipelineRun name (or pipelinerun/NAME, taskrun/NAME) in the current namespace, or an OCI reference to a run's root artifact (so a run can be inspected after it was pruned). A Konflux URI (oci:<repo>@sha256:<blob>) is shown as that one blob.",
    'Without a cluster, --from-file reads a `kubectl get pipelinerun,taskrun -o yaml` export, and --oci-layout reads an OCI image layout directory in place of the registries.',
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> show build-app-run-x7k2',
    '<%= config.bin %> show taskrun/build-app-run-x7k2-test -n ci -o table',
    '<%= config.bin %> show registry.example.com/tekton/artifacts:ci.build-app-run-x7k2',
    '<%= config.bin %> show --pipelinerun build-app-run-x7k2 --repository registry.example.com/tekton/artifacts -n ci',
    '<%= config.bin %> show build-app-run-x7k2 --from-file run.yaml --oci-layout ./layout',
    '<%= config.bin %> show build-app-run-x7k2 --explain-config',
    '<%= config.bin %> show oci:quay.io/acme/app-ta@sha256:a67100…',
  ];

  static completionArgs: CompletionCommand['args'] = 'runs';

  static override args = runArgs;

  static override flags = {
    ...clusterFlags,
    ...registryFlags,
    ...walkFlags,
    ...outputFlags,
    ...debugFlag,
    pipelinerun: Flags.string({
      description: 'find the run by its root tag in --repository (for pruned runs)',
    }),
    repository: Flags.string({
      description: 'repository to look in (default: from the storage configuration)',
    }),
    task: Flags.string({ description: 'only this pipeline task (repeatable)', multiple: true }),
    'artifact-type': Flags.string({
      description: 'only artifacts of this artifact type or media type (repeatable)',
      multiple: true,
    }),
    depth: Flags.integer({
      description:
        'levels below the run, in every output format (1 = TaskRuns, 2 = artifacts, 3 = files and referrers); deeper referrers are not fetched',
      min: 1,
    }),
    'explain-config': Flags.boolean({
      description: 'print each effective storage setting and the level it came from, then exit',
    }),
    ...storageConfigFlags,
    'allow-partial': Flags.boolean({
      description:
        'exit 0 when parts of the run could not be read (unreachable, denied, corrupt); stderr still lists them',
    }),
    strict: Flags.boolean({
      description: 'exit 1 when the tree has problems (dangling, unreported or conflicting artifacts)',
    }),
    'full-digests': Flags.boolean({ description: 'print digests whole' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Show);
    const { runShow } = await import('../src/show/run.js');
    const exitCode = await runShow(
      {
        run: args.run,
        pipelineRun: flags.pipelinerun,
        repository: flags.repository,
        cluster: clusterOptions(flags),
        registry: registryOptions(flags),
        filters: { tasks: flags.task ?? [], artifactTypes: flags['artifact-type'] ?? [] },
        explainConfig: flags['explain-config'],
        configMapName: flags['config-map'],
        tektonNamespace: flags['tekton-namespace'],
        strict: flags.strict,
        allowPartial: flags['allow-partial'],
        depth: flags.depth,
        print: {
          format: flags.output as 'tree' | 'table' | 'json' | 'yaml' | 'name' | undefined,
          fullDigests: flags['full-digests'],
        },
      },
      processIo({ noColor: flags['no-color'] }),
    );
    process.exitCode = exitCode;
  }
}
