/**
 * Every output path driven with the same hostile names (test/support/hostile.ts): task names,
 * artifact names, layer titles, inline values, condition reasons, registry error messages and
 * file names carrying CSI, OSC titles and links, CR, BEL, C1 and bidi overrides. Content is
 * pushed to olareg with the oras CLI; the run comes from a `--from-file` export; registry errors
 * come from an in-process server (no real registry can be made to say such things). Nothing may
 * reach output raw: human output shows the characters escaped, JSON and YAML keep the data whole,
 * and pull writes no file or directory with such a name (the artifacts that need one are failed,
 * the rest pulled, exit 7).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { oras, testEnv } from '../../env/context.js';
import { cliPath, runCli, type CliResult } from '../../support/cli.js';
import { HOSTILE, rawControlIn, withoutOwnColour } from '../../support/hostile.js';
import { runInTerminal } from '../../support/tmux.js';
import { listTree } from '../../unit/pull/archives.js';

// The bare characters, so that the escaped forms can be looked for (HOSTILE has them in words).
const CSI = '\u001b[2J';
const OSC_TITLE = '\u001b]0;pwned\u0007';
const OSC_LINK = HOSTILE[2] as string; // OSC 8 link
const CR = '\r';
const BEL = '\u0007';
const C1 = '\u009b';
const RTL = '\u202e';
const ISOLATE = '\u2066';

const names = {
  evilTask: `build${CSI}${CR}`,
  evilReason: `Failed${BEL}${RTL}`,
  rtlArtifact: `report${RTL}`,
  dangling: `gone${C1}${ISOLATE}`,
  title: `notes${OSC_TITLE}.txt`,
  inline: `say ${OSC_LINK}`,
};

let work: string;
let host: string;
let exportFile: string;
const repository = 'hostile/names';
const digests = { hostileTitle: '', fine: '', other: '' };

function statusOutput(name: string, digest: string) {
  return {
    name,
    values: [{ uri: `${host}/${repository}@${digest}`, digest: { sha256: digest.slice('sha256:'.length) } }],
  };
}

function taskRun(name: string, task: string, reason: string, outputs: unknown[]) {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: {
      name,
      namespace: 'ci',
      labels: { 'tekton.dev/pipelineRun': 'hostile-run', 'tekton.dev/pipelineTask': task },
    },
    spec: { taskRef: { name: 't' } },
    status: {
      conditions: [{ type: 'Succeeded', status: reason === 'Succeeded' ? 'True' : 'False', reason }],
      artifacts: { outputs },
    },
  };
}

beforeAll(async () => {
  const env = testEnv();
  host = env.registries.olareg.host;
  work = await mkdtemp(join(tmpdir(), 'tkn-hostile-it-'));
  const upload = join(work, 'upload');
  await mkdir(upload, { recursive: true });
  // The layer title is the file name oras pushes: a hostile one, made on disk as it is.
  await writeFile(join(upload, names.title), 'a file with a hostile name\n');
  await writeFile(join(upload, 'fine.txt'), 'fine\n');
  await oras(env, ['push', `${host}/${repository}:titled`, names.title], { cwd: upload });
  await oras(env, ['push', `${host}/${repository}:fine`, 'fine.txt'], { cwd: upload });
  await writeFile(join(upload, 'other.txt'), 'other\n');
  await oras(env, ['push', `${host}/${repository}:other`, 'other.txt'], { cwd: upload });
  const descriptor = async (tag: string) =>
    (
      JSON.parse(await oras(env, ['manifest', 'fetch', '--descriptor', `${host}/${repository}:${tag}`])) as {
        digest: string;
      }
    ).digest;
  digests.hostileTitle = await descriptor('titled');
  digests.fine = await descriptor('fine');
  // Its own digest: artifacts of one task with the same repository and digest are one artifact.
  digests.other = await descriptor('other');
  const items = [
    {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: 'hostile-run', namespace: 'ci' },
      spec: { pipelineRef: { name: 'p' } },
      status: {
        conditions: [{ type: 'Succeeded', status: 'False', reason: names.evilReason }],
        childReferences: [
          {
            apiVersion: 'tekton.dev/v1',
            kind: 'TaskRun',
            name: 'hostile-run-clean',
            pipelineTaskName: 'clean',
          },
          {
            apiVersion: 'tekton.dev/v1',
            kind: 'TaskRun',
            name: 'hostile-run-evil',
            pipelineTaskName: names.evilTask,
          },
        ],
      },
    },
    taskRun('hostile-run-clean', 'clean', 'Succeeded', [
      statusOutput('good', digests.fine),
      statusOutput('titled', digests.hostileTitle),
      statusOutput(names.rtlArtifact, digests.other),
      statusOutput(names.dangling, `sha256:${'d'.repeat(64)}`),
      { name: 'note', values: [{ inline: names.inline }] },
    ]),
    taskRun('hostile-run-evil', names.evilTask, names.evilReason, [statusOutput('good2', digests.fine)]),
  ];
  exportFile = join(work, 'run.json');
  await writeFile(exportFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const show = (args: string[], env: Record<string, string> = {}) =>
  runCli(['show', 'hostile-run', '-n', 'ci', '--from-file', exportFile, '--plain-http', host, ...args], {
    env: { KUBECONFIG: '/nonexistent', ...env },
  });

/** Neither stream holds a raw control or bidi character (our own colour codes aside). */
function expectClean(result: CliResult): void {
  expect(rawControlIn(withoutOwnColour(result.stdout)), 'stdout').toBeUndefined();
  expect(rawControlIn(withoutOwnColour(result.stderr)), 'stderr').toBeUndefined();
}

describe('show', () => {
  it.each([
    ['tree, piped', [], {}],
    ['tree, coloured', [], { NO_COLOR: '', FORCE_COLOR: '1' }],
    ['-o table', ['-o', 'table'], {}],
    ['-o name', ['-o', 'name'], {}],
  ])('%s: every hostile name escaped, visibly', async (_path, args, env) => {
    const result = await show(args, env);
    expect(result.code, result.stderr).toBe(0);
    expectClean(result);
    const out = withoutOwnColour(result.stdout);
    if (args.length === 0) {
      // The tree shows them all, escaped: task, reason, artifact names, title, inline value, problems.
      expect(out).toContain('build\\x1b[2J\\r');
      expect(out).toContain('Failed\\x07\\u202e');
      expect(out).toContain('report\\u202e');
      expect(out).toContain('notes\\x1b]0;pwned\\x07.txt');
      expect(out).toContain('gone\\x9b\\u2066');
      expect(out).toMatch(/problems?:[\s\S]*dangling clean\/gone\\x9b\\u2066/);
    }
    if (args[1] === 'table') expect(out).toContain('report\\u202e');
  });

  it.each(['json', 'yaml'])(
    '-o %s keeps the data whole, every unsafe character as an escape',
    async (format) => {
      const result = await show(['-o', format]);
      expect(result.code, result.stderr).toBe(0);
      expectClean(result);
      const doc = (format === 'json' ? JSON.parse(result.stdout) : parse(result.stdout)) as {
        run: { reason?: string };
        taskRuns: {
          pipelineTask?: string;
          artifacts: { name: string; inline?: string; files: { title?: string }[] }[];
        }[];
      };
      const all = doc.taskRuns.flatMap((t) => t.artifacts);
      expect(doc.taskRuns.map((t) => t.pipelineTask)).toContain(names.evilTask);
      expect(all.map((a) => a.name)).toEqual(expect.arrayContaining([names.rtlArtifact, names.dangling]));
      expect(all.find((a) => a.name === 'note')?.inline).toBe(names.inline);
      expect(all.find((a) => a.name === 'titled')?.files.map((f) => f.title)).toEqual([names.title]);
    },
  );

  it('on a terminal too (tmux)', async () => {
    const run = await runInTerminal(
      work,
      cliPath,
      ['show', 'hostile-run', '-n', 'ci', '--from-file', exportFile, '--plain-http', host],
      { env: { TERM: 'xterm-256color', KUBECONFIG: '/nonexistent' }, width: 80, height: 20 },
    );
    try {
      expect(await run.exited()).toEqual({ code: 0, signal: null });
      let raw = '';
      for (let i = 0; i < 100 && !raw.includes('problem'); i++) {
        raw = await run.raw();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(raw).toContain('report\\u202e');
      expect(rawControlIn(withoutOwnColour(raw).replace(/\r\n/g, '\n'))).toBeUndefined();
    } finally {
      await run.close();
    }
  });
});

describe('pull', () => {
  const pull = (dest: string, args: string[] = []) =>
    runCli(
      [
        'pull',
        'hostile-run',
        '-n',
        'ci',
        '--from-file',
        exportFile,
        '--plain-http',
        host,
        '-o',
        dest,
        ...args,
      ],
      {
        env: { KUBECONFIG: '/nonexistent' },
      },
    );

  it('pulls what it can, fails each artifact a hostile name would make a path of, exit 7, no such path on disk', async () => {
    const dest = join(work, 'pulled');
    const result = await pull(dest);
    expect(result.code, result.stderr).toBe(7);
    expectClean(result);
    // Every failed artifact named, escaped, and why.
    expect(result.stdout).toMatch(
      /failed +clean\/report\\u202e: .*control or bidirectional character \\u202e/,
    );
    expect(result.stdout).toMatch(/failed +clean\/titled: .*notes\\x1b\]0;pwned\\x07\.txt.*\\x1b/);
    expect(result.stdout).toMatch(/failed +build\\x1b\[2J\\r\/good2: /);
    expect(result.stderr).toMatch(
      /^Error: the pull is incomplete: 3 parts of the run could not be read or were refused/m,
    );
    // What could be pulled was.
    expect(await readFile(join(dest, 'clean/good/fine.txt'), 'utf8')).toBe('fine\n');
    expect(await readFile(join(dest, 'clean/note/note'), 'utf8')).toBe(names.inline);
    const paths = await listTree(dest);
    expect(paths.filter((path) => rawControlIn(path) !== undefined)).toEqual([]);
    expect(paths.sort()).toEqual([
      'clean',
      'clean/good',
      'clean/good/fine.txt',
      'clean/note',
      'clean/note/note',
    ]);
  });

  it('on a terminal, progress and summary included (tmux)', async () => {
    const dest = join(work, 'pulled-tty');
    const run = await runInTerminal(
      work,
      cliPath,
      ['pull', 'hostile-run', '-n', 'ci', '--from-file', exportFile, '--plain-http', host, '-o', dest],
      { env: { TERM: 'xterm-256color', KUBECONFIG: '/nonexistent' }, width: 100, height: 30 },
    );
    try {
      expect(await run.exited()).toEqual({ code: 7, signal: null });
      let raw = '';
      for (let i = 0; i < 100 && !raw.includes('3 failed'); i++) {
        raw = await run.raw();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(raw).toContain('report\\u202e');
      // The live progress moves the cursor (CSI) and ends lines with CR LF; nothing else is allowed.
      // eslint-disable-next-line no-control-regex -- CSI sequences are what is stripped
      const text = raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r\n/g, '\n');
      expect(rawControlIn(text)).toBeUndefined();
    } finally {
      await run.close();
    }
  });

  it('--format json reports the failures with the names as they are', async () => {
    const result = await pull(join(work, 'pulled-json'), ['--format', 'json']);
    expect(result.code, result.stderr).toBe(7);
    expectClean(result);
    const report = JSON.parse(result.stdout) as {
      failed: { task?: string; artifact: string; exit: string; reason: string }[];
      summary: { failed: number; pulled: number };
    };
    expect(report.summary).toMatchObject({ failed: 3, pulled: 2 });
    expect(report.failed.map((f) => `${f.task}/${f.artifact}`).sort()).toEqual(
      [`clean/${names.rtlArtifact}`, 'clean/titled', `${names.evilTask}/good2`].sort(),
    );
    expect(report.failed.every((f) => f.exit === 'integrity')).toBe(true);
  });

  it('one artifact alone, refused for its name, exits 7 with a hint that does not send the user to another refusal', async () => {
    const result = await pull(join(work, 'alone'), ['--artifact', `clean/${names.rtlArtifact}`]);
    expect(result.code).toBe(7);
    expectClean(result);
    expect(result.stderr).toMatch(/^Hint: /m);
    expect(result.stderr).not.toMatch(/--artifact-ref|-o -|--allow-path-traversal/);
  });
});

describe('registry error messages', () => {
  let server: http.Server;
  let lying: string;
  beforeAll(async () => {
    // Every request answered with an error whose message and detail are hostile.
    server = http.createServer((req, res) => {
      const status = req.url?.includes('/manifests/') ? 404 : 200;
      res.writeHead(status, {
        'content-type': 'application/json',
        'docker-distribution-api-version': 'registry/2.0',
      });
      res.end(
        status === 200
          ? '{}'
          : JSON.stringify({
              errors: [
                { code: 'MANIFEST_UNKNOWN', message: `gone ${OSC_TITLE}${CSI}${RTL}`, detail: `${OSC_LINK}` },
              ],
            }),
      );
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    lying = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  it('reach the Error line escaped', async () => {
    const result = await runCli(['show', `${lying}/some/repo:tag`, '--plain-http', lying], {
      env: { KUBECONFIG: '/nonexistent' },
    });
    expect(result.code).toBe(3);
    expectClean(result);
    expect(result.stderr).toMatch(/^Error: .*gone \\x1b\]0;pwned\\x07\\x1b\[2J\\u202e/m);
  });
});

describe('validate', () => {
  it("escapes a file's name in its human output", async () => {
    const dir = join(work, 'validate');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `task${OSC_TITLE}${RTL}.yaml`);
    await writeFile(file, 'a: [\n');
    const result = await runCli(['validate', file, '--defaults']);
    expect(result.code).toBe(2);
    expectClean(result);
    expect(result.stdout).toContain('task\\x1b]0;pwned\\x07\\u202e.yaml');
  });
});
