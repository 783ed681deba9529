// olareg: an OCI 1.1 registry with the referrers API (a regclient project), deletes enabled.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Binaries } from './binaries.js';
import { cleanEnv, freePort, run, spawnService, stopSpawned } from './process.js';
import { waitRegistry, type RegistryService } from './registry.js';

/**
 * With `tls`, olareg serves HTTPS with that key and certificate (a test of its own starts one: the
 * shared registries speak plain HTTP); `name` keeps its files apart from the shared instance's.
 */
export async function startOlareg(
  runDir: string,
  bins: Binaries,
  options: { name?: string; tls?: { certFile: string; keyFile: string } } = {},
): Promise<RegistryService> {
  const name = options.name ?? 'olareg';
  const dir = path.join(runDir, name);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const command = [
    bins.olareg,
    'serve',
    '--addr',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    path.join(dir, 'data'),
    '--api-delete',
    '--api-blob-delete',
    ...(options.tls ? ['--tls-cert', options.tls.certFile, '--tls-key', options.tls.keyFile] : []),
  ];
  const logFile = path.join(runDir, 'logs', `${name}.log`);
  const s = spawnService(name, command, logFile, { env: cleanEnv() });
  await waitRegistry(s, host, [200], options.tls ? { caFile: options.tls.certFile } : undefined);
  const version = (await run(bins.olareg, ['version', '--format', '{{.VCSTag}}'])).trim();
  return { name: 'olareg', version, host, address: host, command, logFile, stop: () => stopSpawned(s) };
}
