import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import type { CompletionCommand } from '../src/cli/completion.js';
import {
  clusterFlags,
  clusterOptions,
  debugFlag,
  registryFlags,
  registryOptions,
  storageConfigFlags,
} from '../src/cli/flags.js';
import { processIo } from '../src/cli/io.js';

export default class Gc extends BaseCommand {
  static override summary =
    'Delete what runs that are gone stored in an artifact repository (dry run unless --apply)';

  // One line per paragraph: oclif wraps them to the terminal.
  static override description = [
    "Finds the run groups stored in the artifact repository (the storage configuration's, or --repository): PipelineRun roots and everything below them, per-artifact tags of runs stored without a root, and with --include-attached the Tekton referrers attached to images. A group goes when its run is gone from the cluster (the UID the content records differs, or no run has its name), or when --older-than/--keep-last reach it. Running runs, content a live run names, and images are never deleted; what gc cannot prove is gone stays.",
    "Without --apply, gc prints the plan and deletes nothing. --plan-file FILE saves it; gc --apply --plan-file FILE applies exactly that plan, checking every item again first. Deletion goes leaves first, so a gc stopped at any point leaves nothing dangling and a re-run completes it. Blob space is then reclaimed by the registry's own garbage collection. See docs/gc.md.",
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> gc -n ci',
    '<%= config.bin %> gc -A --older-than 30d --keep-last 5 -v',
    '<%= config.bin %> gc -n ci --plan-file plan.json && <%= config.bin %> gc --apply --plan-file plan.json',
    '<%= config.bin %> gc -n ci --apply',
    '<%= config.bin %> gc --print-cronjob --image registry.example.com/tkn-artifacts:0.1.0 --schedule "0 3 * * *"',
  ];

  static completionArgs: CompletionCommand['args'] = 'none';

  static override flags = {
    ...clusterFlags,
    ...registryFlags,
    // Half the reading commands' default: gc's requests are mostly deletes, which cost a
    // registry more than reads.
    concurrency: Flags.integer({
      description: 'requests (and deletes) in flight per registry',
      default: 8,
      min: 1,
      max: 64,
      helpGroup: 'REGISTRY',
    }),
    ...debugFlag,
    'all-namespaces': Flags.boolean({
      char: 'A',
      description: 'every namespace the stored runs name (the cluster-level storage configuration)',
      helpGroup: 'CLUSTER',
    }),
    repository: Flags.string({
      description: 'repository to clean (default: from the storage configuration)',
    }),
    apply: Flags.boolean({ description: 'delete (without it gc only prints the plan)' }),
    'plan-file': Flags.string({
      description: 'save the plan to FILE; with --apply, apply exactly the plan saved in FILE',
    }),
    'older-than': Flags.string({
      description: 'also remove runs completed longer ago than this (30d, 36h, 2w)',
      helpGroup: 'POLICY',
    }),
    'keep-last': Flags.integer({
      description: 'also remove all but the last N runs per pipeline and namespace',
      min: 0,
      helpGroup: 'POLICY',
    }),
    run: Flags.string({
      description: "only this run's content (refused while it exists, unless --force)",
      helpGroup: 'POLICY',
    }),
    force: Flags.boolean({
      description: 'with --run: remove the content of a run that still exists (never a running one)',
      helpGroup: 'POLICY',
    }),
    'include-attached': Flags.boolean({
      description: 'also remove Tekton referrers gone runs attached to images (the images stay)',
      helpGroup: 'POLICY',
    }),
    output: Flags.string({
      char: 'o',
      description: 'output format: text, or json/yaml (the plan, or the report after --apply; docs/gc.md)',
      options: ['text', 'json', 'yaml'],
      default: 'text',
    }),
    verbose: Flags.boolean({ char: 'v', description: 'also show what is kept and why' }),
    'full-digests': Flags.boolean({ description: 'print whole digests' }),
    'no-color': Flags.boolean({ description: 'disable colour (also NO_COLOR=1)' }),
    ...storageConfigFlags,
    'print-cronjob': Flags.boolean({
      description: 'print a CronJob, ServiceAccount and the least RBAC to run gc nightly, and exit',
      helpGroup: 'IN THE CLUSTER',
    }),
    image: Flags.string({
      description: 'with --print-cronjob: the tkn-artifacts image',
      helpGroup: 'IN THE CLUSTER',
    }),
    schedule: Flags.string({
      description: 'with --print-cronjob: cron schedule',
      default: '0 3 * * *',
      helpGroup: 'IN THE CLUSTER',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Gc);
    if (flags['print-cronjob']) {
      const { printCronJob } = await import('../src/gc/cronjob.js');
      process.stdout.write(
        printCronJob({
          image: flags.image,
          schedule: flags.schedule,
          namespace: flags.namespace,
          allNamespaces: flags['all-namespaces'],
          repository: flags.repository,
          olderThan: flags['older-than'],
          keepLast: flags['keep-last'],
          tektonNamespace: flags['tekton-namespace'],
          configMapName: flags['config-map'],
          registryConfigSecret: undefined,
        }),
      );
      return;
    }
    const { runGc } = await import('../src/gc/run.js');
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`\n${signal}: finishing the deletes in flight…\n`);
      controller.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      process.exitCode = await runGc(
        {
          ...(flags.repository !== undefined ? { repository: flags.repository } : {}),
          cluster: clusterOptions(flags),
          allNamespaces: flags['all-namespaces'],
          registry: registryOptions(flags),
          configMapName: flags['config-map'],
          tektonNamespace: flags['tekton-namespace'],
          ...(flags['older-than'] !== undefined ? { olderThan: flags['older-than'] } : {}),
          ...(flags['keep-last'] !== undefined ? { keepLast: flags['keep-last'] } : {}),
          ...(flags.run !== undefined ? { run: flags.run } : {}),
          force: flags.force,
          includeAttached: flags['include-attached'],
          apply: flags.apply,
          ...(flags['plan-file'] !== undefined ? { planFile: flags['plan-file'] } : {}),
          output: flags.output as 'text' | 'json' | 'yaml',
          verbose: flags.verbose,
          concurrency: flags.concurrency,
          noColor: flags['no-color'],
          fullDigests: flags['full-digests'],
        },
        processIo({ noColor: flags['no-color'] }),
        { now: () => new Date(), signal: controller.signal },
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
