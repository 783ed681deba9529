/**
 * Opens the store the CLI reads from: an OCI image layout (--oci-layout), or registries through
 * src/oci's Registries pool (one client per host: connections, auth and the request bound).
 */
import { CliError } from '../cli/errors.js';
import { sanitize } from '../text/sanitize.js';
import { errorMessage } from './ports.js';
import { TargetStore } from './store.js';

/** The registry flags every command shares (src/cli/flags.ts). */
export interface RegistryOptions {
  ociLayout?: string | undefined;
  plainHttp: string[];
  insecure: string[];
  caFile?: string | undefined;
  registryConfig?: string | undefined;
  concurrency?: number | undefined;
  debug?: boolean | undefined;
  /** Referrer nodes one resolution walks at most (src/tree/limits.ts). */
  maxNodes?: number | undefined;
  /** --request-timeout: one request's overall deadline (the client's default when unset). */
  requestTimeoutMs?: number | undefined;
  /** --timeout: when every request must have ended (ms since the epoch). */
  until?: number | undefined;
  /** `COSIGN_REPOSITORY`, as cosign reads it: where its signature tags are stored. */
  cosignRepository?: string | undefined;
}

export async function openStore(options: RegistryOptions): Promise<TargetStore> {
  if (options.ociLayout) {
    const { OciLayout } = await import('../oci/layout.js');
    const layout = await OciLayout.open(options.ociLayout).catch((error: unknown) => {
      throw new CliError(
        `cannot read the OCI layout ${options.ociLayout}: ${errorMessage(error)}`,
        'usage',
        'pass a directory that holds oci-layout and index.json (oras push --oci-layout writes one)',
      );
    });
    return new TargetStore({ targetFor: () => layout, layout: options.ociLayout });
  }
  const [
    { Registries },
    { defaultCredentialStores, dockerConfigStore },
    { hostMatches, isLoopback, EVERY_HOST },
  ] = await Promise.all([
    import('../oci/remote/registries.js'),
    import('../oci/auth/credentials.js'),
    import('../oci/reference.js'),
  ]);
  if (options.registryConfig) await checkRegistryConfig(options.registryConfig);
  const registries = new Registries({
    timeouts: {
      ...(options.requestTimeoutMs !== undefined ? { requestMs: options.requestTimeoutMs } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
    },
    credentials: options.registryConfig
      ? [dockerConfigStore(options.registryConfig)]
      : defaultCredentialStores(),
    hosts: (registry) => {
      const plainHttp = hostMatches(options.plainHttp, registry);
      const insecure = hostMatches(options.insecure, registry);
      // A bare flag reaches every registry; say so for one that is not on this machine.
      const named = (patterns: string[]) =>
        hostMatches(
          patterns.filter((pattern) => pattern !== EVERY_HOST),
          registry,
        );
      if (!isLoopback(registry)) {
        if (plainHttp && !named(options.plainHttp))
          process.stderr.write(
            `Warning: --plain-http: ${registry} is reached over plain HTTP (name the host to limit it)\n`,
          );
        if (insecure && !named(options.insecure))
          process.stderr.write(
            `Warning: --insecure: ${registry}'s TLS certificate is not verified (name the host to limit it)\n`,
          );
      }
      return { ...(plainHttp ? { plainHttp: true } : {}), ...(insecure ? { insecure: true } : {}) };
    },
    ...(options.caFile ? { caFile: options.caFile } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.debug ? { debug: (line: string) => process.stderr.write(`debug: ${sanitize(line)}\n`) } : {}),
  });
  return new TargetStore({ targetFor: (repository) => registries.repository(repository) });
}

/**
 * A --registry-config the user named must exist and be JSON: read lazily (on the first 401), a
 * missing or broken file would be silently ignored or surface as an internal error mid-run.
 */
async function checkRegistryConfig(file: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `--registry-config ${file} does not exist`
        : `cannot read --registry-config ${file}: ${(error as Error).message}`,
      'usage',
      'pass a Docker config.json (as docker login or oras login writes it), or leave the flag out to use the default lookup',
    );
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `--registry-config ${file} is not JSON: ${(error as Error).message}`,
      'usage',
      'it should look like {"auths": {"registry.example.com": {"auth": "…"}}}',
    );
  }
}
