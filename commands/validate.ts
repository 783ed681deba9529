import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import type { CompletionCommand } from '../src/cli/completion.js';
import { clusterFlags } from '../src/cli/flags.js';
import { processIo } from '../src/cli/io.js';

// --from-file (a run export) has no meaning here: validate's inputs are its arguments.
const { 'from-file': _fromFile, ...cluster } = clusterFlags;

export default class Validate extends BaseCommand {
  static override summary =
    "Check Tasks, Pipelines and PipelineRuns against the cluster's artifact storage and feature flags";

  // One line per paragraph: oclif wraps them to the terminal.
  static override description = [
    "Finds, before anything runs, what would fail at run time: artifacts that need external storage where it is disabled or has no repository, results too large for the cluster's result transport, broken artifact bindings between pipeline tasks, and fields behind feature flags the cluster leaves off. Every finding has a rule id (docs/validate.md), a position and a hint.",
    'FILES are files, directories (searched for *.yaml and *.yml) or - for standard input. With --from-cluster they are KIND or KIND/NAME (task/build, pipelines); none means every Task and Pipeline in the namespace.',
    "The configuration is read from the cluster, from a snapshot (--cluster-config: ConfigMaps as `kubectl get configmap -o yaml` prints them, or as --export-config writes them), or taken to be Tekton's defaults (--defaults).",
    'Exit codes: 0 compatible, 1 findings at or above --fail-on, 2 invalid input (also inputs with no Tekton resource at all) or usage.',
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> validate tekton/',
    '<%= config.bin %> validate tekton/ --cluster-config cluster-config.yaml -o sarif > validate.sarif',
    '<%= config.bin %> validate --export-config cluster-config.yaml -n ci',
    '<%= config.bin %> validate --from-cluster -n ci',
    '<%= config.bin %> validate --from-cluster task/build pipeline/release -n ci -o json',
    'kubectl kustomize overlays/prod | <%= config.bin %> validate - --defaults -o github',
  ];

  static override strict = false;

  static completionArgs: CompletionCommand['args'] = 'files';

  static override args = {
    files: Args.string({ description: 'files, directories or - (with --from-cluster: KIND or KIND/NAME)' }),
  };

  static override flags = {
    ...cluster,
    'from-cluster': Flags.boolean({
      description: 'check Tasks, Pipelines and runs read from the cluster instead of files',
      helpGroup: 'INPUT',
    }),
    'cluster-config': Flags.string({
      description:
        'read the configuration from this file (or -) instead of the cluster: ConfigMaps as `kubectl get configmap -o yaml` prints them',
      helpGroup: 'CONFIGURATION',
    }),
    'export-config': Flags.string({
      description: "write the cluster's configuration ConfigMaps to this file (or -) for --cluster-config",
      helpGroup: 'CONFIGURATION',
    }),
    defaults: Flags.boolean({
      description: "check against Tekton's default configuration; no cluster is contacted",
      helpGroup: 'CONFIGURATION',
    }),
    'config-map': Flags.string({
      description: 'name of the artifact storage ConfigMap',
      default: 'config-artifact-storage',
      helpGroup: 'CONFIGURATION',
    }),
    'tekton-namespace': Flags.string({
      description: "namespace of Tekton's cluster-wide configuration",
      default: 'tekton-pipelines',
      helpGroup: 'CONFIGURATION',
    }),
    output: Flags.string({
      char: 'o',
      description: 'output format',
      options: ['human', 'json', 'sarif', 'github'],
      default: 'human',
    }),
    'fail-on': Flags.string({
      description: 'exit 1 when a finding has this severity or a higher one',
      options: ['error', 'warning', 'info', 'none'],
      default: 'error',
    }),
    'ignore-rule': Flags.string({
      description:
        'leave out findings of this rule, by id or name (repeatable); not TA001/TA002, which mean the input was not checked',
      multiple: true,
    }),
    'no-color': Flags.boolean({ description: 'disable colour (also NO_COLOR=1)' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate);
    const { runValidate } = await import('../src/validate/run.js');
    process.exitCode = await runValidate(
      {
        inputs: argv.map(String),
        fromCluster: flags['from-cluster'],
        ...(flags['cluster-config'] !== undefined ? { clusterConfig: flags['cluster-config'] } : {}),
        ...(flags['export-config'] !== undefined ? { exportConfig: flags['export-config'] } : {}),
        defaults: flags.defaults,
        cluster: {
          ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
          ...(flags.context ? { context: flags.context } : {}),
          ...(flags.namespace ? { namespace: flags.namespace } : {}),
        },
        names: { configMapName: flags['config-map'], tektonNamespace: flags['tekton-namespace'] },
        output: flags.output as 'human' | 'json' | 'sarif' | 'github',
        failOn: flags['fail-on'] as 'error' | 'warning' | 'info' | 'none',
        ignoreRules: flags['ignore-rule'] ?? [],
        noColor: flags['no-color'],
        version: this.config.version,
        cwd: process.cwd(),
      },
      processIo({ noColor: flags['no-color'] }),
    );
  }
}
