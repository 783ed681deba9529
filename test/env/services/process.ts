// Running a service for the tests: spawn with its log file, wait until it answers, stop it (and
// kill everything left if vitest dies), free ports, and the small HTTP/exec helpers the services
// use. No vitest imports here: global-setup.ts runs this in vitest's main process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Service {
  name: string;
  version: string;
  /** host:port (or https://host:port for the API server) */
  address: string;
  command: string[];
  logFile: string;
  stop(): Promise<void>;
}

export interface Spawned {
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

export function spawnService(
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

export async function stopSpawned(s: Spawned, graceMs = 10_000): Promise<void> {
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
export async function waitReady(
  s: Spawned,
  check: () => Promise<boolean>,
  deadlineMs: number,
): Promise<void> {
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
/** A GET of `url`; over HTTPS, `ca` (PEM) is the one trusted root. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 5_000,
  ca?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { headers, timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
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

export async function run(
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
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('REGISTRY_') && !k.startsWith('ETCD_')) env[k] = v;
  }
  return env;
}
