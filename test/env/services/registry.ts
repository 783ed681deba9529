// What the registries have in common: their service shape and readiness check (GET /v2/).
import { httpGet, waitReady, type Service, type Spawned } from './process.js';

export interface RegistryService extends Service {
  host: string;
}

export async function waitRegistry(s: Spawned, host: string, okStatuses: number[]): Promise<void> {
  await waitReady(
    s,
    async () => okStatuses.includes((await httpGet(`http://${host}/v2/`, {}, 2_000)).status),
    30_000,
  );
}
