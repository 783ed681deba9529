// Starting and stopping the real services the integration tests talk to: two OCI
// registries without auth (olareg with the OCI 1.1 referrers API, CNCF distribution 2.8
// without it), a distribution with htpasswd Basic auth, etcd, and a kube-apiserver over
// TLS with RBAC and client-certificate auth, with Tekton's CRDs installed.
//
// Everything listens on 127.0.0.1 on free ports; data, certificates, configs and one log
// file per service live under one run directory. No vitest imports here: global-setup.ts
// runs this in vitest's main process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import {
  applyObject,
  identityFromKubeconfig,
  kubeHttp,
  writeKubeconfigYaml,
  type KubeIdentity,
  type KubeObject,
} from './kube-client.js';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const CRDS_FILE = path.join(REPO_ROOT, 'test/env/crds/tekton-crds.yaml');
export const DISTRIBUTION_BIN = '/usr/bin/docker-registry';

/** Where scripts/provision-test-env.sh puts its binaries (same rule as the script). */
export function cacheDir(): string {
  return (
    process.env.TKN_TEST_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tkn-artifacts-test-env')
  );
}

export interface Binaries {
  olareg: string;
  oras: string;
  regctl: string;
  etcd: string;
  kubeApiserver: string;
  /** Only a client: the completion tests run it as users do. */
  kubectl: string;
  /** kubectl's plugin manager, its manifest checker, and tkn: the ship tests install through them. */
  krew: string;
  validateKrewManifest: string;
  tkn: string;
  distribution: string;
  htpasswd: string;
}

/** Locates every binary, failing with one message that lists all the missing ones. */
export function findBinaries(): Binaries {
  const bin = path.join(cacheDir(), 'bin');
  const bins: Binaries = {
    olareg: path.join(bin, 'olareg'),
    oras: path.join(bin, 'oras'),
    regctl: path.join(bin, 'regctl'),
    etcd: path.join(bin, 'etcd'),
    kubeApiserver: path.join(bin, 'kube-apiserver'),
    kubectl: path.join(bin, 'kubectl'),
    krew: path.join(bin, 'krew'),
    validateKrewManifest: path.join(bin, 'validate-krew-manifest'),
    tkn: path.join(bin, 'tkn'),
    distribution: DISTRIBUTION_BIN,
    htpasswd: '/usr/bin/htpasswd',
  };
  const missing = Object.values(bins).filter((b) => !existsSync(b));
  if (missing.length > 0) {
    throw new Error(
      `test env: missing binaries:\n  ${missing.join('\n  ')}\n` +
        `Run \`bash scripts/provision-test-env.sh\` first (it builds them into ${bin}).`,
    );
  }
  return bins;
}

// ---------------------------------------------------------------------------------------
// processes

export interface Service {
  name: string;
  version: string;
  /** host:port (or https://host:port for the API server) */
  address: string;
  command: string[];
  logFile: string;
  stop(): Promise<void>;
}

interface Spawned {
  name: string;
  proc: ChildProcess;
  command: string[];
  logFile: string;
  exited: Promise<number | string>;
  exitInfo: { done: boolean; code: number | string };
}

const running = new Set<Spawned>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // If vitest dies without running teardown, don't leave servers behind.
  process.once('exit', () => {
    for (const s of running) s.proc.kill('SIGKILL');
  });
}

export class ServiceStartError extends Error {
  constructor(service: string, command: string[], logFile: string, reason: string) {
    super(
      `test env: ${service} did not start: ${reason}\n` +
        `command: ${command.map(shellQuote).join(' ')}\n` +
        `log (${logFile}), last 40 lines:\n${tail(logFile, 40)}`,
    );
    this.name = 'ServiceStartError';
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

export function tail(file: string, n: number): string {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n).join('\n') || '(empty)';
  } catch (e) {
    return `(no log: ${(e as Error).message})`;
  }
}

function spawnService(
  name: string,
  command: string[],
  logFile: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Spawned {
  installExitHook();
  const fd = openSync(logFile, 'a');
  const [bin, ...args] = command;
  if (!bin) throw new Error('empty command');
  const proc = spawn(bin, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exitInfo: Spawned['exitInfo'] = { done: false, code: 0 };
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      exitInfo.done = true;
      exitInfo.code = code ?? signal ?? 'unknown';
      resolve(exitInfo.code);
    });
    proc.once('error', (err) => {
      exitInfo.done = true;
      exitInfo.code = `spawn error: ${err.message}`;
      writeFileSync(logFile, `\n[test env] spawn error: ${err.message}\n`, { flag: 'a' });
      resolve(exitInfo.code);
    });
  });
  const s: Spawned = { name, proc, command, logFile, exited, exitInfo };
  running.add(s);
  void exited.then(() => running.delete(s));
  return s;
}

async function stopSpawned(s: Spawned, graceMs = 10_000): Promise<void> {
  if (s.exitInfo.done) return;
  s.proc.kill('SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  if ((await Promise.race([s.exited, timer])) === 'timeout') {
    s.proc.kill('SIGKILL');
    await s.exited;
  }
}

/**
 * Polls `check` until it returns true, the process exits, or the deadline passes; on
 * failure stops the process and throws a ServiceStartError with the log's tail.
 */
async function waitReady(s: Spawned, check: () => Promise<boolean>, deadlineMs: number): Promise<void> {
  const start = Date.now();
  let lastError = '';
  while (Date.now() - start < deadlineMs) {
    if (s.exitInfo.done) {
      throw new ServiceStartError(s.name, s.command, s.logFile, `exited with ${s.exitInfo.code}`);
    }
    try {
      if (await check()) return;
    } catch (e) {
      lastError = (e as Error).message;
    }
    await sleep(150);
  }
  await stopSpawned(s, 2_000);
  throw new ServiceStartError(
    s.name,
    s.command,
    s.logFile,
    `not ready after ${deadlineMs / 1000}s${lastError ? ` (last check error: ${lastError})` : ''}`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const handedOut = new Set<number>();

/** A port free on 127.0.0.1 right now, never the same one twice in this process. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('test env: no free port found on 127.0.0.1');
}

/** Plain-HTTP GET against 127.0.0.1; returns status and body. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 5_000,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

async function run(
  bin: string,
  args: string[],
  opts: { input?: string; cwd?: string } = {},
): Promise<string> {
  if (opts.input !== undefined) {
    return new Promise((resolve, reject) => {
      const child = execFile(bin, args, { cwd: opts.cwd }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
      child.stdin?.end(opts.input);
    });
  }
  try {
    const { stdout } = await execFileAsync(bin, args, { cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}`);
  }
}

/** The environment for registry processes: no REGISTRY_* overrides leaking in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('REGISTRY_') && !k.startsWith('ETCD_')) env[k] = v;
  }
  return env;
}

// ---------------------------------------------------------------------------------------
// registries

export interface RegistryService extends Service {
  host: string;
}

async function waitRegistry(s: Spawned, host: string, okStatuses: number[]): Promise<void> {
  await waitReady(
    s,
    async () => okStatuses.includes((await httpGet(`http://${host}/v2/`, {}, 2_000)).status),
    30_000,
  );
}

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

async function distributionVersion(bins: Binaries): Promise<string> {
  // "/usr/bin/docker-registry github.com/docker/distribution 2.8.2+ds1"
  const out = (await run(bins.distribution, ['--version'])).trim();
  return out.split(/\s+/).at(-1) ?? out;
}

export async function startDistribution(
  runDir: string,
  bins: Binaries,
  opts: { name: string; basicAuth?: { username: string; password: string } },
): Promise<RegistryService> {
  const dir = path.join(runDir, opts.name);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.basicAuth) {
    // distribution only accepts bcrypt entries in htpasswd files.
    const line = await run(bins.htpasswd, ['-iBn', opts.basicAuth.username], {
      input: `${opts.basicAuth.password}\n`,
    });
    const htpasswdFile = path.join(dir, 'htpasswd');
    writeFileSync(htpasswdFile, `${line.trim()}\n`, { mode: 0o600 });
    auth = `auth:\n  htpasswd:\n    realm: tkn-artifacts-test\n    path: ${htpasswdFile}\n`;
  }
  const configFile = path.join(dir, 'config.yml');
  writeFileSync(
    configFile,
    `version: 0.1
log:
  level: info
  fields:
    service: ${opts.name}
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${host}
  headers:
    X-Content-Type-Options: [nosniff]
${auth}`,
  );
  const command = [bins.distribution, 'serve', configFile];
  const logFile = path.join(runDir, 'logs', `${opts.name}.log`);
  const s = spawnService(opts.name, command, logFile, { env: cleanEnv() });
  await waitRegistry(s, host, opts.basicAuth ? [401] : [200]);
  const version = await distributionVersion(bins);
  return { name: opts.name, version, host, address: host, command, logFile, stop: () => stopSpawned(s) };
}

// ---------------------------------------------------------------------------------------
// etcd

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

// ---------------------------------------------------------------------------------------
// certificates (openssl CLI)

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
  adminCert: string;
  adminKey: string;
  restrictedCert: string;
  restrictedKey: string;
}

const OPENSSL = '/usr/bin/openssl';

async function ecKey(file: string): Promise<void> {
  await run(OPENSSL, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

async function signedCert(
  pki: { dir: string; caCert: string; caKey: string },
  name: string,
  subject: string,
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const key = path.join(pki.dir, `${name}.key`);
  const csr = path.join(pki.dir, `${name}.csr`);
  const cert = path.join(pki.dir, `${name}.crt`);
  const ext = path.join(pki.dir, `${name}.ext`);
  await ecKey(key);
  await run(OPENSSL, ['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  writeFileSync(ext, extensions);
  await run(OPENSSL, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-CAcreateserial',
    '-days',
    '7',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/**
 * A throwaway CA and the certificates the API server needs: serving cert for 127.0.0.1,
 * service-account key pair, and two client certs: admin (O=system:masters) and
 * `restricted` (no group: only what its Role allows).
 */
export async function createPki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true });
  const caKey = path.join(dir, 'ca.key');
  const caCert = path.join(dir, 'ca.crt');
  await ecKey(caKey);
  await run(OPENSSL, [
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=tkn-artifacts-test-ca',
    '-days',
    '7',
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    caCert,
  ]);
  const ca = { dir, caCert, caKey };
  const server = await signedCert(
    ca,
    'apiserver',
    '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,' +
      'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1\n',
  );
  const clientExt =
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  const admin = await signedCert(ca, 'admin', '/O=system:masters/CN=tkn-artifacts-test-admin', clientExt);
  const restricted = await signedCert(ca, 'restricted', '/CN=restricted', clientExt);
  const saKey = path.join(dir, 'sa.key');
  const saPub = path.join(dir, 'sa.pub');
  await ecKey(saKey);
  await run(OPENSSL, ['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  return {
    dir,
    caCert,
    caKey,
    serverCert: server.cert,
    serverKey: server.key,
    saKey,
    saPub,
    adminCert: admin.cert,
    adminKey: admin.key,
    restrictedCert: restricted.cert,
    restrictedKey: restricted.key,
  };
}

// ---------------------------------------------------------------------------------------
// kube-apiserver

export interface KubeService extends Service {
  server: string;
  caFile: string;
  adminKubeconfig: string;
  restrictedKubeconfig: string;
  namespace: string;
}

/** The Role the `restricted` user gets in the test namespace; see grantRestricted. */
export const RESTRICTED_ROLE = 'tkn-artifacts-restricted';

export async function startKubeApiserver(
  runDir: string,
  bins: Binaries,
  etcd: EtcdService,
  namespace = 'default',
): Promise<KubeService> {
  const dir = path.join(runDir, 'kube');
  const pki = await createPki(path.join(dir, 'pki'));
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const command = [
    bins.kubeApiserver,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    '--anonymous-auth=true', // only /healthz, /readyz, /livez, /version (system:public-info-viewer)
    `--etcd-servers=${etcd.clientUrl}`,
    `--etcd-prefix=/registry-${path.basename(runDir)}`,
    '--service-cluster-ip-range=10.0.0.0/24', // a config value only: no traffic goes there
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--api-audiences=https://kubernetes.default.svc.cluster.local',
    '--endpoint-reconciler-type=none', // 127.0.0.1 is not a valid Endpoints address
    '--profiling=false',
    '--v=1',
  ];
  const logFile = path.join(runDir, 'logs', 'kube-apiserver.log');
  const s = spawnService('kube-apiserver', command, logFile, { cwd: dir });

  const read = (f: string) => readFileSync(f);
  const admin: KubeIdentity = {
    server,
    ca: read(pki.caCert),
    cert: read(pki.adminCert),
    key: read(pki.adminKey),
  };
  const restricted: KubeIdentity = {
    server,
    ca: admin.ca,
    cert: read(pki.restrictedCert),
    key: read(pki.restrictedKey),
  };
  const adminKubeconfig = path.join(dir, 'admin.kubeconfig');
  const restrictedKubeconfig = path.join(dir, 'restricted.kubeconfig');
  writeFileSync(
    adminKubeconfig,
    writeKubeconfigYaml({ ...admin, user: 'tkn-artifacts-test-admin', namespace }),
    {
      mode: 0o600,
    },
  );
  writeFileSync(restrictedKubeconfig, writeKubeconfigYaml({ ...restricted, user: 'restricted', namespace }), {
    mode: 0o600,
  });

  // /readyz covers etcd, the RBAC bootstrap roles and the CRD/aggregation controllers.
  await waitReady(
    s,
    async () => (await kubeHttp(admin, 'GET', '/readyz', undefined, { timeoutMs: 3_000 })).status === 200,
    180_000,
  );

  const fail = (reason: string): never => {
    throw new ServiceStartError('kube-apiserver', command, logFile, reason);
  };
  try {
    await setUpCluster(admin, restricted, namespace);
  } catch (e) {
    await stopSpawned(s, 2_000);
    fail(`cluster setup failed: ${(e as Error).message}`);
  }
  const v = await kubeHttp<{ gitVersion?: string }>(admin, 'GET', '/version');
  // Sanity: the kubeconfig files round-trip to the same identities.
  identityFromKubeconfig(adminKubeconfig);
  identityFromKubeconfig(restrictedKubeconfig);
  return {
    name: 'kube-apiserver',
    version: v.body.gitVersion ?? 'unknown',
    address: server,
    server,
    caFile: pki.caCert,
    adminKubeconfig,
    restrictedKubeconfig,
    namespace,
    command,
    logFile,
    stop: () => stopSpawned(s),
  };
}

async function until(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < deadlineMs) {
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${deadlineMs / 1000}s waiting for ${what}${last ? `: ${last}` : ''}`);
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function setUpCluster(admin: KubeIdentity, restricted: KubeIdentity, namespace: string): Promise<void> {
  // Namespaces: `default` is created by the API server itself; tekton-pipelines by us.
  await until(`namespace ${namespace}`, 60_000, async () => {
    return (await kubeHttp(admin, 'GET', `/api/v1/namespaces/${namespace}`)).status === 200;
  });
  await applyObject(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tekton-pipelines' } });

  // Tekton CRDs, then wait for Established and for the resources to actually be served.
  const docs = parseAllDocuments(readFileSync(CRDS_FILE, 'utf8'));
  const crds = docs
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o && o.kind === 'CustomResourceDefinition');
  if (crds.length !== 4) throw new Error(`${CRDS_FILE}: expected 4 CRDs, found ${crds.length}`);
  for (const crd of crds) await applyObject(admin, crd);
  for (const crd of crds) {
    const name = crd.metadata.name;
    await until(`CRD ${name} Established`, 60_000, async () => {
      const r = await kubeHttp(
        admin,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      );
      const conds = (r.body.status?.conditions ?? []) as Condition[];
      return conds.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const plural = name.split('.')[0];
    for (const version of ['v1', 'v1beta1']) {
      await until(`tekton.dev/${version} ${plural} served`, 60_000, async () => {
        const p = `/apis/tekton.dev/${version}/namespaces/${namespace}/${plural}`;
        return (await kubeHttp(admin, 'GET', p)).status === 200;
      });
    }
  }
  await grantRestricted(admin, restricted, namespace);
  // The API server's first write to the custom resources takes ~2 s (one-time lazy
  // set-up); pay it here with dry-run creates so tests see normal latencies.
  for (const crd of crds) {
    const plural = crd.metadata.name.split('.')[0] ?? '';
    const kind = (crd.spec?.names as { kind: string }).kind;
    const r = await kubeHttp(
      admin,
      'POST',
      `/apis/tekton.dev/v1/namespaces/${namespace}/${plural}?dryRun=All`,
      {
        apiVersion: 'tekton.dev/v1',
        kind,
        metadata: { name: 'warm-up' },
        spec: {},
      },
    );
    if (r.status !== 201) throw new Error(`dry-run create of a ${kind}: HTTP ${r.status}: ${r.text}`);
  }
}

/**
 * RBAC for the user `restricted` (client cert CN=restricted, no groups). Besides what every
 * authenticated user has through the default ClusterRoles (system:basic-user for
 * self-reviews, system:discovery and system:public-info-viewer for discovery and /version),
 * it may only `get` tekton.dev pipelineruns, by name, in the test namespace. It may not
 * list or watch pipelineruns, nor touch taskruns (listing them is a 403), nor anything in
 * other namespaces or cluster-scoped.
 */
async function grantRestricted(
  admin: KubeIdentity,
  restricted: KubeIdentity,
  namespace: string,
): Promise<void> {
  await applyObject(admin, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: RESTRICTED_ROLE, namespace },
    rules: [{ apiGroups: ['tekton.dev'], resources: ['pipelineruns'], verbs: ['get'] }],
  });
  await applyObject(admin, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: RESTRICTED_ROLE, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RESTRICTED_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
  });
  // The RBAC authorizer works from informers: wait until the binding is in effect.
  await until('RBAC for user restricted', 30_000, async () => {
    const r = await kubeHttp<{ status?: { allowed?: boolean } }>(
      restricted,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: { namespace, verb: 'get', group: 'tekton.dev', resource: 'pipelineruns' },
        },
      },
    );
    return r.status === 201 && r.body.status?.allowed === true;
  });
}

/** A random password for the Basic-auth registry. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
