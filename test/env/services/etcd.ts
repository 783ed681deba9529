// etcd for the kube-apiserver (built from go.etcd.io/etcd/server/v3; Debian only has 3.4).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Binaries } from './binaries.js';
import {
  cleanEnv,
  freePort,
  httpGet,
  spawnService,
  stopSpawned,
  waitReady,
  type Service,
} from './process.js';

export interface EtcdService extends Service {
  clientUrl: string;
}

export async function startEtcd(runDir: string, bins: Binaries): Promise<EtcdService> {
  const dir = path.join(runDir, 'etcd');
  mkdirSync(dir, { recursive: true });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const command = [
    bins.etcd,
    '--name',
    'tkn-test',
    '--data-dir',
    path.join(dir, 'data'),
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `tkn-test=${peerUrl}`,
    '--initial-cluster-state',
    'new',
    '--unsafe-no-fsync', // throwaway data: don't pay for fsync on every write
    '--log-level',
    'warn',
  ];
  const logFile = path.join(runDir, 'logs', 'etcd.log');
  const s = spawnService('etcd', command, logFile, { env: cleanEnv() });
  await waitReady(
    s,
    async () => {
      const r = await httpGet(`${clientUrl}/health`, {}, 2_000);
      return r.status === 200 && (JSON.parse(r.body) as { health?: string }).health === 'true';
    },
    30_000,
  );
  const v = JSON.parse((await httpGet(`${clientUrl}/version`)).body) as { etcdserver?: string };
  return {
    name: 'etcd',
    version: v.etcdserver ?? 'unknown',
    address: clientUrl,
    clientUrl,
    command,
    logFile,
    stop: () => stopSpawned(s),
  };
}
