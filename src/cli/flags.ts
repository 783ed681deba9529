/**
 * Flags shared by every command, so the same flag means the same thing everywhere
 * (the kubectl cli-runtime habit). tkn passes cluster flags through untouched, so we parse them.
 */
import { Args, Flags } from '@oclif/core';

export const clusterFlags = {
  kubeconfig: Flags.string({
    description: 'path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
    helpGroup: 'CLUSTER',
  }),
  context: Flags.string({ char: 'c', description: 'kubeconfig context to use', helpGroup: 'CLUSTER' }),
  namespace: Flags.string({
    char: 'n',
    description: "namespace (default: the context's namespace)",
    helpGroup: 'CLUSTER',
  }),
  'from-file': Flags.string({
    description:
      'read runs from a file (`kubectl get pipelinerun,taskrun -o yaml`, or - for stdin) instead of the cluster',
    helpGroup: 'OFFLINE',
  }),
};

export const registryFlags = {
  'oci-layout': Flags.string({
    description: 'read artifacts from an OCI image layout directory instead of registries',
    helpGroup: 'OFFLINE',
  }),
  'plain-http': Flags.string({
    description:
      'reach this registry host (with or without its port) over plain HTTP; bare: every registry (repeatable)',
    multiple: true,
    helpGroup: 'REGISTRY',
  }),
  insecure: Flags.string({
    description:
      'do not verify the TLS certificate of this registry host (with or without its port); bare: every registry (repeatable)',
    multiple: true,
    helpGroup: 'REGISTRY',
  }),
  'ca-file': Flags.string({
    description: 'extra CA certificates (PEM) to trust for registries',
    helpGroup: 'REGISTRY',
  }),
  'registry-config': Flags.string({
    description:
      'path to a Docker config.json with registry credentials (default: $REGISTRY_AUTH_FILE, then $DOCKER_CONFIG/config.json or ~/.docker/config.json, then containers auth.json)',
    helpGroup: 'REGISTRY',
  }),
  concurrency: Flags.integer({
    description: 'requests in flight per registry',
    default: 8,
    min: 1,
    max: 64,
    helpGroup: 'REGISTRY',
  }),
};

export const outputFlags = {
  output: Flags.string({
    char: 'o',
    description: 'output format',
    options: ['tree', 'table', 'json', 'yaml', 'name'],
  }),
  'no-color': Flags.boolean({ description: 'disable colour (also NO_COLOR=1)' }),
};

export const debugFlag = {
  debug: Flags.boolean({ description: 'log requests to stderr (credentials are never printed)' }),
};

/** The RUN argument of the commands that resolve a run (show, pull): the same forms for both. */
export const runArgs = {
  run: Args.string({
    description: 'PipelineRun name, pipelinerun/NAME, taskrun/NAME, or an OCI reference to a root artifact',
  }),
};
