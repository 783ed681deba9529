// A real pseudo-terminal for terminal behaviour tests: a private tmux server (its own socket),
// one window of a given size, the raw bytes the program writes to the terminal recorded with
// pipe-pane, keys sent as a person types them. The program runs under a small runner that
// waits for the recording to start, records the exit code, and ignores the terminal's signals
// itself, so a Ctrl-C reaches the program exactly as from a shell.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const RUNNER = `
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
const [go, pidFile, exitFile, command, ...args] = process.argv.slice(2);
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 20));
const child = spawn(command, args, { stdio: 'inherit' });
writeFileSync(pidFile, String(child.pid));
child.on('exit', (code, signal) => writeFileSync(exitFile, JSON.stringify({ code, signal })));
`;

export interface TerminalRun {
  /** The program's PID (the CLI's shell script execs node, so it is node's). */
  pid(): Promise<number>;
  /** Resolves with the exit code (or the signal that killed it). */
  exited(): Promise<{ code: number | null; signal: string | null }>;
  /** Every byte written to the terminal so far. */
  raw(): Promise<string>;
  sendKeys(...keys: string[]): Promise<void>;
  close(): Promise<void>;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, limitMs = 120_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readIfThere = (path: string) => readFile(path, 'utf8').catch(() => undefined);

/** Runs `command args` in a fresh `width`×`height` terminal with exactly `env` (plus PATH). */
export async function runInTerminal(
  dir: string,
  command: string,
  args: string[],
  options: { env: Record<string, string>; width?: number; height?: number },
): Promise<TerminalRun> {
  const id = randomBytes(4).toString('hex');
  const socket = `tkn-test-${process.pid}-${id}`;
  const files = {
    runner: join(dir, `runner-${id}.mjs`),
    go: join(dir, `go-${id}`),
    pid: join(dir, `pid-${id}`),
    exit: join(dir, `exit-${id}`),
    raw: join(dir, `raw-${id}`),
  };
  await writeFile(files.runner, RUNNER);
  const tmux = (...a: string[]) => exec('tmux', ['-L', socket, '-f', '/dev/null', ...a]);
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? dir,
    ...options.env,
  };
  const line = [
    'env',
    '-i',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    process.execPath,
    files.runner,
    files.go,
    files.pid,
    files.exit,
    command,
    ...args,
  ];
  const quoted = line.map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  await tmux(
    'new-session',
    '-d',
    '-s',
    'test',
    '-x',
    String(options.width ?? 80),
    '-y',
    String(options.height ?? 24),
    `${quoted}; sleep 3600`,
  );
  await tmux('pipe-pane', '-t', 'test', '-o', `cat >> '${files.raw}'`);
  await until(async () => ((await stat(files.raw).catch(() => undefined)) ? true : undefined), 'pipe-pane');
  await writeFile(files.go, '');
  return {
    pid: async () => Number(await until(() => readIfThere(files.pid), 'the program to start')),
    exited: async () =>
      JSON.parse(await until(() => readIfThere(files.exit), 'the program to exit')) as {
        code: number | null;
        signal: string | null;
      },
    raw: async () => (await readIfThere(files.raw)) ?? '',
    sendKeys: async (...keys) => {
      await tmux('send-keys', '-t', 'test', ...keys);
    },
    close: async () => {
      await tmux('kill-server').catch(() => undefined);
    },
  };
}
