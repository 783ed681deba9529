// olareg: an OCI 1.1 registry with the referrers API (a regclient project), deletes enabled.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Binaries } from './binaries.js';
import { cleanEnv, freePort, run, spawnService, stopSpawned } from './process.js';
import { waitRegistry, type RegistryService } from './registry.js';

export async function startOlareg(runDir: string, bins: Binaries): Promise<RegistryService> {
  const dir = path.join(runDir, 'olareg');
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
  ];
  const logFile = path.join(runDir, 'logs', 'olareg.log');
  const s = spawnService('olareg', command, logFile, { env: cleanEnv() });
  await waitRegistry(s, host, [200]);
  const version = (await run(bins.olareg, ['version', '--format', '{{.VCSTag}}'])).trim();
  return { name: 'olareg', version, host, address: host, command, logFile, stop: () => stopSpawned(s) };
}
