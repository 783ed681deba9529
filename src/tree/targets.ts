/**
 * Opens the store the CLI reads from: an OCI image layout (--oci-layout), or registries, one
 * client per registry host (connections, auth and the request bound are per registry).
 */
import { CliError } from '../cli/errors.js';
import type { RegistryClient } from '../oci/remote/client.js';
import type { ReadOnlyTarget } from '../oci/target.js';
import { TargetStore, type StoreTarget } from './store.js';

/** The registry flags every command shares (src/cli/flags.ts). */
export interface RegistryOptions {
  ociLayout?: string | undefined;
  plainHttp: string[];
  insecure: string[];
  caFile?: string | undefined;
  registryConfig?: string | undefined;
  concurrency?: number | undefined;
  debug?: boolean | undefined;
}

export async function openStore(options: RegistryOptions): Promise<TargetStore> {
  if (options.ociLayout) {
    const { OciLayout } = await import('../oci/layout.js');
    const layout = await OciLayout.open(options.ociLayout).catch((error: unknown) => {
      throw new CliError(
        `cannot read the OCI layout ${options.ociLayout}: ${(error as Error).message}`,
        'usage',
        'pass a directory that holds oci-layout and index.json (oras push --oci-layout writes one)',
      );
    });
    return new TargetStore({ targetFor: () => layout as unknown as StoreTarget, layout: options.ociLayout });
  }
  const [
    { RegistryClient },
    { RemoteRepository },
    { defaultCredentialStores, dockerConfigStore },
    { parseReference, hostMatches, isLoopback, EVERY_HOST },
  ] = await Promise.all([
    import('../oci/remote/client.js'),
    import('../oci/remote/repository.js'),
    import('../oci/auth/credentials.js'),
    import('../oci/reference.js'),
  ]);
  if (options.registryConfig) await checkRegistryConfig(options.registryConfig);
  const credentials = options.registryConfig
    ? [dockerConfigStore(options.registryConfig)]
    : defaultCredentialStores();
  const clients = new Map<string, RegistryClient>();
  const clientFor = (registry: string): RegistryClient => {
    let client = clients.get(registry);
    if (!client) {
      const plainHttp = hostMatches(options.plainHttp, registry);
      const insecure = hostMatches(options.insecure, registry);
      // A bare flag reaches every registry; say so when one is not on this machine.
      if (!isLoopback(registry)) {
        const bare = [
          ...(plainHttp &&
          !hostMatches(
            options.plainHttp.filter((p) => p !== EVERY_HOST),
            registry,
          )
            ? [`--plain-http: ${registry} is reached over plain HTTP`]
            : []),
          ...(insecure &&
          !hostMatches(
            options.insecure.filter((p) => p !== EVERY_HOST),
            registry,
          )
            ? [`--insecure: ${registry}'s TLS certificate is not verified`]
            : []),
        ];
        for (const line of bare) process.stderr.write(`Warning: ${line} (name the host to limit it)\n`);
      }
      client = new RegistryClient(registry, {
        ...(plainHttp ? { plainHttp: true } : {}),
        ...(insecure ? { insecure: true } : {}),
        ...(options.caFile ? { caFile: options.caFile } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        credentials,
        ...(options.debug ? { debug: (line: string) => process.stderr.write(`debug: ${line}\n`) } : {}),
      });
      clients.set(registry, client);
    }
    return client;
  };
  return new TargetStore({
    targetFor: (repository: string): StoreTarget => {
      const reference = parseReference(repository);
      const target: ReadOnlyTarget = new RemoteRepository(
        clientFor(reference.registry),
        reference.repository,
      );
      return target as StoreTarget;
    },
  });
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
