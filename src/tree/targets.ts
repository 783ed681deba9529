/**
 * Opens the store the CLI reads from: an OCI image layout (--oci-layout), or registries through
 * src/oci's Registries pool (one client per host: connections, auth and the request bound).
 */
import { CliError } from '../cli/errors.js';
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
  const [{ Registries }, { defaultCredentialStores, dockerConfigStore }] = await Promise.all([
    import('../oci/remote/registries.js'),
    import('../oci/auth/credentials.js'),
  ]);
  const hosts: Record<string, { plainHttp?: boolean; insecure?: boolean }> = {};
  for (const host of options.plainHttp) hosts[host] = { ...hosts[host], plainHttp: true };
  for (const host of options.insecure) hosts[host] = { ...hosts[host], insecure: true };
  const registries = new Registries({
    credentials: options.registryConfig
      ? [dockerConfigStore(options.registryConfig)]
      : defaultCredentialStores(),
    hosts,
    ...(options.caFile ? { caFile: options.caFile } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.debug ? { debug: (line: string) => process.stderr.write(`debug: ${line}\n`) } : {}),
  });
  return new TargetStore({ targetFor: (repository) => registries.repository(repository) });
}
