/**
 * Terminal behaviour in a real pseudo-terminal (tmux): the bytes the CLI writes to a terminal
 * are recorded raw. Static output (show's tree) is printed once as plain lines, whatever the
 * window's height and width, with colour but no cursor movement; TERM=dumb gets no control
 * sequence at all. A pull interrupted on a TTY (Ctrl-C, SIGTERM) says so, exits 130 and keeps
 * nothing; a pull killed outright leaves partial files the next pull removes. The slow blob is
 * a real registry's (olareg) behind a loopback proxy that holds the download open.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, type TestEnv } from '../../env/context.js';
import { cliPath, repoRoot, runCli } from '../../support/cli.js';
import { runInTerminal, type TerminalRun } from '../../support/tmux.js';
import { listTree } from '../../unit/pull/archives.js';
import { startFaultyProxy, type FaultyProxy } from '../pull/proxy.js';

// eslint-disable-next-line no-control-regex -- the escape sequences are what is looked for
const ESCAPE = /\u001b/;
// eslint-disable-next-line no-control-regex -- every CSI sequence that is not a colour (SGR)
const NOT_COLOUR = /\u001b(?:\[[0-9;?]*[A-Za-ln-z]|[^[])/;
// eslint-disable-next-line no-control-regex -- colour codes, stripped to compare text
const SGR = /\u001b\[[0-9;]*m/g;

const example = ['show', 'build-app-x7k2', '--from-file', join(repoRoot, 'examples/run.yaml')];
const exampleLayout = ['--oci-layout', join(repoRoot, 'examples/layout')];

let work: string;
const runs: TerminalRun[] = [];
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tkn-terminal-it-'));
});
afterAll(async () => {
  for (const run of runs) await run.close();
  await rm(work, { recursive: true, force: true });
});

async function inTerminal(
  args: string[],
  options: { env?: Record<string, string>; width?: number; height?: number } = {},
): Promise<TerminalRun> {
  const run = await runInTerminal(work, cliPath, args, {
    env: { TERM: 'xterm-256color', KUBECONFIG: '/nonexistent', ...options.env },
    ...(options.width ? { width: options.width } : {}),
    ...(options.height ? { height: options.height } : {}),
  });
  runs.push(run);
  return run;
}

/** The raw terminal bytes once the program exited and the recording caught up with `last`. */
async function finalOutput(run: TerminalRun, last: string): Promise<string> {
  await run.exited();
  for (let i = 0; i < 200; i++) {
    const raw = await run.raw();
    if (raw.replace(SGR, '').includes(last)) return raw;
    await new Promise((r) => setTimeout(r, 50));
  }
  return run.raw();
}

describe("show's tree in a terminal", () => {
  let expected: string[];
  beforeAll(async () => {
    const piped = await runCli([...example, ...exampleLayout]);
    expect(piped.code).toBe(0);
    expected = piped.stdout.trimEnd().split('\n');
    expect(expected.length).toBeGreaterThan(30); // taller than the 10-line window below
  });

  it('prints a tree taller (and wider) than the window once, line for line as piped, coloured, never redrawn', async () => {
    const run = await inTerminal([...example, ...exampleLayout], { width: 60, height: 10 });
    expect(await run.exited()).toEqual({ code: 0, signal: null });
    const raw = await finalOutput(run, expected.at(-1) as string);
    expect(raw).toMatch(SGR); // a TTY: colour
    expect(raw).not.toMatch(NOT_COLOUR); // but no cursor movement, no erasing, no redraw
    const lines = raw.replace(SGR, '').replace(/\r\n/g, '\n').trimEnd().split('\n');
    // Every line once, whole (the problems too, though far wider than 60 columns).
    expect(lines).toEqual(expected);
    expect(Math.max(...lines.map((line) => line.length))).toBeGreaterThan(200);
  });

  it('TERM=dumb gets no control sequence at all', async () => {
    const run = await inTerminal([...example, ...exampleLayout], {
      env: { TERM: 'dumb' },
      width: 60,
      height: 10,
    });
    expect(await run.exited()).toEqual({ code: 0, signal: null });
    const raw = await finalOutput(run, expected.at(-1) as string);
    expect(raw).not.toMatch(ESCAPE);
    expect(raw.replace(/\r\n/g, '\n').trimEnd().split('\n')).toEqual(expected);
  });
});

describe('pull on a terminal, stopped half-way (olareg behind a proxy that holds blobs)', () => {
  let env: TestEnv;
  let proxy: FaultyProxy;
  const repository = `terminal/big-${randomBytes(3).toString('hex')}`;
  let upload: string;

  beforeAll(async () => {
    env = testEnv();
    upload = join(work, 'upload');
    await mkdir(upload, { recursive: true });
    await writeFile(join(upload, 'big.bin'), randomBytes(4 * 1024 * 1024));
    await oras(env, ['push', `${env.registries.olareg.host}/${repository}:v1`, 'big.bin'], { cwd: upload });
    proxy = await startFaultyProxy(env.registries.olareg.host);
  });
  afterAll(async () => proxy?.close());

  const pullArgs = (dest: string) => [
    'pull',
    '--artifact-ref',
    `${proxy.host}/${repository}:v1`,
    '--plain-http',
    proxy.host,
    '-o',
    dest,
  ];

  async function exists(path: string): Promise<boolean> {
    return lstat(path).then(
      () => true,
      () => false,
    );
  }

  /** Starts a pull in a terminal and waits until its download is held with a partial file on disk. */
  async function heldPull(dest: string): Promise<TerminalRun> {
    proxy.mode = { kind: 'stall', after: 512 * 1024 };
    proxy.resetStalls();
    const run = await inTerminal(pullArgs(dest), { width: 100, height: 20 });
    await proxy.stalled(1);
    for (;;) {
      const partial = (await exists(dest)) && (await listTree(dest)).some((p) => p.includes('.tkn-partial-'));
      if (partial) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return run;
  }

  it.each([
    ['Ctrl-C', (run: TerminalRun) => run.sendKeys('C-c')],
    ['SIGTERM', async (run: TerminalRun) => void process.kill(await run.pid(), 'SIGTERM')],
  ])('%s: the Interrupted line, exit 130, nothing partial left', async (_how, stop) => {
    const dest = join(work, `stopped-${_how}`);
    const run = await heldPull(dest);
    await stop(run);
    expect(await run.exited()).toEqual({ code: 130, signal: null });
    const raw = await finalOutput(run, 'Interrupted');
    expect(raw).toContain('Interrupted: the pull stopped; nothing partial was kept.');
    expect((await exists(dest)) ? await listTree(dest) : 'absent').toBe('absent');
  });

  it('partial files of a pull killed outright are removed by the next pull', async () => {
    const dest = join(work, 'killed');
    const run = await heldPull(dest);
    process.kill(await run.pid(), 'SIGKILL');
    expect((await run.exited()).signal).toBe('SIGKILL');
    const left = (await listTree(dest)).filter((p) => p.includes('.tkn-partial-'));
    expect(left).toHaveLength(1);
    proxy.mode = { kind: 'pass' };
    const again = await runCli(pullArgs(dest));
    expect(again.code, again.stderr).toBe(0);
    expect((await listTree(dest)).filter((p) => p.includes('.tkn-partial-'))).toEqual([]);
    // One artifact by reference lands in -o itself, as oras pull -o puts it.
    expect(await readFile(join(dest, 'big.bin'))).toEqual(await readFile(join(upload, 'big.bin')));
    expect(await readdir(dest)).toEqual(['big.bin']);
  });
});
