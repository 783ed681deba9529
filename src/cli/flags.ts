/**
 * Flags shared by every command, so the same flag means the same thing everywhere
 * (the kubectl cli-runtime habit). tkn passes cluster flags through untouched, so we parse them.
 */
import { Args, Flags } from '@oclif/core';
import { durationOption } from './errors.js';

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
  // 16: reading a run is hundreds of small requests, each bound by the round trip; at 8, show of
  // 200 artifacts 20 ms away spent its time waiting for a slot (bench/README.md, show).
  concurrency: Flags.integer({
    description: 'requests in flight per registry',
    default: 16,
    min: 1,
    max: 64,
    helpGroup: 'REGISTRY',
  }),
  timeout: Flags.string({
    description:
      'stop the command when its registry requests run past this long in all, exit 6 (e.g. 90s, 10m, 1h; default: none)',
    helpGroup: 'REGISTRY',
  }),
  'request-timeout': Flags.string({
    description: 'the most one registry request may take, retries and body included, exit 6 (default 30m)',
    helpGroup: 'REGISTRY',
  }),
};

/** For the commands that resolve one run's tree (gc's inventory is bounded per listing instead). */
export const walkFlags = {
  'max-nodes': Flags.integer({
    description: 'stop the referrers walk past this many nodes (default 100000): the tree holds every one',
    min: 1,
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
    description:
      'PipelineRun name, pipelinerun/NAME, taskrun/NAME, an OCI reference to a root artifact, or a Konflux oci:<repo>@sha256:<blob> URI',
  }),
};

/** Where the storage configuration lives, for installations that differ (show, pull, diff). */
export const storageConfigFlags = {
  'config-map': Flags.string({
    description: 'name of the artifact storage ConfigMap',
    default: 'config-artifact-storage',
  }),
  'tekton-namespace': Flags.string({
    description: "namespace of Tekton's cluster-wide configuration",
    default: 'tekton-pipelines',
  }),
};

/** The parsed cluster flags as the run resolver takes them. */
export function clusterOptions(flags: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  'from-file'?: string | undefined;
}): { kubeconfig?: string; context?: string; namespace?: string; fromFile?: string } {
  return {
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags['from-file'] !== undefined ? { fromFile: flags['from-file'] } : {}),
  };
}

/**
 * The parsed registry flags (and --debug) as the store opener takes them, with cosign's
 * `COSIGN_REPOSITORY` from the environment (cosign users set it once, for every cosign command).
 */
export function registryOptions(
  flags: {
    'oci-layout'?: string | undefined;
    'plain-http'?: string[] | undefined;
    insecure?: string[] | undefined;
    'ca-file'?: string | undefined;
    'registry-config'?: string | undefined;
    concurrency?: number | undefined;
    debug?: boolean | undefined;
    'max-nodes'?: number | undefined;
    timeout?: string | undefined;
    'request-timeout'?: string | undefined;
  },
  environment: NodeJS.ProcessEnv = process.env,
): {
  ociLayout: string | undefined;
  plainHttp: string[];
  insecure: string[];
  caFile: string | undefined;
  registryConfig: string | undefined;
  concurrency: number | undefined;
  debug: boolean | undefined;
  maxNodes: number | undefined;
  requestTimeoutMs: number | undefined;
  until: number | undefined;
  cosignRepository: string | undefined;
} {
  const timeoutMs = durationOption('--timeout', flags.timeout);
  return {
    ociLayout: flags['oci-layout'],
    plainHttp: flags['plain-http'] ?? [],
    insecure: flags.insecure ?? [],
    caFile: flags['ca-file'],
    registryConfig: flags['registry-config'],
    concurrency: flags.concurrency,
    debug: flags.debug,
    maxNodes: flags['max-nodes'],
    requestTimeoutMs: durationOption('--request-timeout', flags['request-timeout']),
    // The command's deadline counts from when its flags were read, which is when it starts.
    until: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
    cosignRepository: environment['COSIGN_REPOSITORY'] || undefined,
  };
}
