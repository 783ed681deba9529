// What the registries have in common: their service shape and readiness check (GET /v2/).
import { readFileSync } from 'node:fs';
import { httpGet, waitReady, type Service, type Spawned } from './process.js';

export interface RegistryService extends Service {
  host: string;
}

/** Waits until GET /v2/ answers one of okStatuses; with `tls`, over HTTPS trusting its CA file. */
export async function waitRegistry(
  s: Spawned,
  host: string,
  okStatuses: number[],
  tls?: { caFile: string },
): Promise<void> {
  const ca = tls ? readFileSync(tls.caFile, 'utf8') : undefined;
  const url = `${tls ? 'https' : 'http'}://${host}/v2/`;
  await waitReady(s, async () => okStatuses.includes((await httpGet(url, {}, 2_000, ca)).status), 30_000);
}
