/**
 * pull end to end: the real CLI (bin/tkn-artifacts, built dist/) against the real registries of
 * the test environment, on the mixed-producer run pushed with the oras CLI. Every file pulled is
 * compared with what oras itself fetches (and the system tar extracts) from the same registry.
 * A loopback proxy in front of olareg cuts blob downloads or flips a byte; hostile archives are
 * pushed with oras and must be refused with nothing written outside (or inside) the destination.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApply, kubeRequest, oras, testEnv, type KubeObject, type TestEnv } from '../../env/context.js';
import { pushScenario, writeRunExport, type Scenario } from '../../support/scenario.js';
import { tgzOf, zeroBomb, type TestEntry } from '../../unit/pull/archives.js';
import type { PullReport } from '../../../src/pull/report.js';
import { startFaultyProxy, type FaultyProxy } from './proxy.js';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..', '..');
const cli = join(root, 'bin', 'tkn-artifacts');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function tkn(args: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(cli, args, {
      env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' },
      maxBuffer: 64 * 1024 * 1024,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** path → content digest (files), link target (links) or `dir`, without pull's marker files. */
async function snapshot(directory: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(directory, { recursive: true })).sort()) {
    if (name.endsWith('.tkn-artifacts.json')) continue;
    const path = join(directory, name);
    const stat = await lstat(path);
    out[name] = stat.isSymbolicLink()
      ? `link:${await readlink(path)}`
      : stat.isDirectory()
        ? 'dir'
        : await sha256File(path);
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function untar(archive: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  await exec('tar', ['-xzf', archive, '-C', into]);
}

/** Creates the object, then writes its status through /status, as the Tekton controller does. */
async function createRun(env: TestEnv, obj: Record<string, unknown>): Promise<void> {
  const { status, ...rest } = obj as { status?: unknown } & KubeObject;
  const { uid: _uid, ...metadata } = rest.metadata as KubeObject['metadata'] & { uid?: string };
  const stored = await kubeApply(env, { ...rest, metadata } as KubeObject);
  if (status === undefined) return;
  const plural = (obj as { kind: string }).kind === 'PipelineRun' ? 'pipelineruns' : 'taskruns';
  const path = `/apis/tekton.dev/v1/namespaces/${stored.metadata.namespace}/${plural}/${stored.metadata.name}/status`;
  const response = await kubeRequest(env, 'PUT', path, { ...stored, status });
  if (response.status !== 200) throw new Error(`PUT ${path}: HTTP ${response.status}: ${response.text}`);
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tkn-pull-it-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const namespaces = { olareg: 'pull-oci11', distribution: 'pull-dist2' } as const;

describe.each(['olareg', 'distribution'] as const)('pull from %s', (registryName) => {
  let env: TestEnv;
  let host: string;
  let scenario: Scenario;
  let exportFile: string;
  /** The run's content as oras fetches it and tar extracts it, laid out as pull lays it out. */
  let expected: Record<string, string>;
  const namespace = namespaces[registryName];
  const base = () => join(work, registryName);
  const runArgs = () => [
    scenario.pipelineRun,
    '-n',
    namespace,
    '--from-file',
    exportFile,
    '--plain-http',
    host,
  ];

  beforeAll(async () => {
    env = testEnv();
    host = env.registries[registryName].host;
    scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'registry', host },
      registry: host,
      namespace,
    });
    await mkdir(base(), { recursive: true });
    exportFile = join(base(), 'run.yaml');
    await writeRunExport(scenario, exportFile);

    // The reference tree, fetched by oras and extracted by the system tar, never by our code.
    const ref = join(base(), 'reference');
    const scratch = join(base(), 'scratch');
    await mkdir(scratch, { recursive: true });
    const { artifacts, source } = scenario.repositories;
    const d = scenario.digests;
    await oras(env, [
      'blob',
      'fetch',
      '--output',
      join(scratch, 'source.tar.gz'),
      `${source}@${d.sourceBlob}`,
    ]);
    await untar(join(scratch, 'source.tar.gz'), join(ref, 'clone/SOURCE_ARTIFACT'));
    for (const [task, name, digest] of [
      ['build', 'images', d.images],
      ['test', 'junit', d.junit],
      ['test', 'logs', d.logs],
    ] as const) {
      await oras(env, ['pull', '-o', join(ref, task, name), `${artifacts}@${digest}`]);
    }
    await oras(env, ['pull', '-o', join(scratch, 'coverage'), `${artifacts}@${d.coverage}`]);
    await untar(join(scratch, 'coverage/coverage'), join(ref, 'test/coverage'));
    const report = scenario.objects.find(
      (o) => (o['metadata'] as { name: string }).name === `${scenario.pipelineRun}-report`,
    ) as { status: { artifacts: { outputs: { values: { inline: string }[] }[] } } };
    await mkdir(join(ref, 'report/summary'), { recursive: true });
    await writeFile(
      join(ref, 'report/summary/summary'),
      report.status.artifacts.outputs[0]?.values[0]?.inline ?? '',
    );
    expected = await snapshot(ref);
  });

  it('pulls every format, and every file matches what oras fetches', async () => {
    const dest = join(base(), 'pulled');
    const result = await tkn(['pull', ...runArgs(), '-o', dest, '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as PullReport;
    expect(report).toMatchObject({ kind: 'PullReport', summary: { pulled: 6, present: 0, skipped: 3 } });
    expect(report.skipped.map((s) => `${s.task}/${s.artifact}: ${s.state}`).sort()).toEqual([
      'build/IMAGE: present',
      'build/source: input',
      'test/screenshots: dangling',
    ]);
    expect(await snapshot(dest)).toEqual(expected);
    // Raw files carry their layer digest; extracted archives their blob's, in the marker too.
    for (const file of report.files) {
      if (file.extracted) {
        const marker = JSON.parse(await readFile(join(file.path, '.tkn-artifacts.json'), 'utf8')) as {
          archive: { digest: string };
        };
        expect(marker.archive.digest).toBe(file.digest);
      } else {
        expect(await sha256File(file.path)).toBe(file.digest);
      }
    }
    expect(report.files.find((f) => f.artifact === 'SOURCE_ARTIFACT')?.digest).toBe(
      scenario.digests.sourceBlob,
    );
  });

  it('skips what is already there on a second pull', async () => {
    const dest = join(base(), 'pulled');
    const result = await tkn(['pull', ...runArgs(), '-o', dest, '--format', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as PullReport;
    expect(report.files.map((f) => f.status)).toEqual(Array(6).fill('skipped'));
    expect(report.summary).toMatchObject({ pulled: 0, present: 6, bytes: 0 });
    expect(await snapshot(dest)).toEqual(expected);
  });

  it('streams one artifact through a pipe with -o -', async () => {
    const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const command = (artifact: string, consumer: string) =>
      `${quote(cli)} pull ${runArgs().map(quote).join(' ')} --artifact ${artifact} -o - | ${consumer}`;
    const junit = await exec('sh', ['-c', command('test/junit', 'sha256sum')]);
    expect(`sha256:${junit.stdout.split(' ')[0]}`).toBe(expected['test/junit/junit']);
    const coverage = await exec('sh', ['-c', command('coverage', 'tar -xzO summary.txt')]);
    expect(coverage.stdout).toBe('coverage: 66.7% of statements\n');
  });

  it("pulls a pruned run from its root reference, filing artifacts under their TaskRuns' names", async () => {
    const dest = join(base(), 'from-root');
    const result = await tkn([
      'pull',
      `${scenario.repositories.artifacts}:${namespace}.${scenario.pipelineRun}`,
      '--plain-http',
      host,
      '-o',
      dest,
      '--task',
      `${scenario.pipelineRun}-test`,
      '--format',
      'json',
    ]);
    expect(result.code).toBe(0);
    const pulled = await snapshot(dest);
    const run = scenario.pipelineRun;
    expect(pulled).toEqual({
      [`${run}-test`]: 'dir',
      [`${run}-test/coverage`]: 'dir',
      [`${run}-test/coverage/cover.out`]: expected['test/coverage/cover.out'],
      [`${run}-test/coverage/summary.txt`]: expected['test/coverage/summary.txt'],
      [`${run}-test/junit`]: 'dir',
      [`${run}-test/junit/junit`]: expected['test/junit/junit'],
      [`${run}-test/logs`]: 'dir',
      [`${run}-test/logs/logs`]: expected['test/logs/logs'],
    });
  });

  it('pulls a Konflux trusted artifact by its oci: URI', async () => {
    const dest = join(base(), 'konflux');
    const uri = `oci:${scenario.repositories.source}@${scenario.digests.sourceBlob}`;
    const result = await tkn(['pull', uri, '--plain-http', host, '-o', dest]);
    expect(result.code).toBe(0);
    const expectedSource = Object.fromEntries(
      Object.entries(expected)
        .filter(([path]) => path.startsWith('clone/SOURCE_ARTIFACT/'))
        .map(([path, digest]) => [path.replace('clone/SOURCE_ARTIFACT', 'app-trusted-artifacts'), digest]),
    );
    expect(await snapshot(dest)).toEqual({ 'app-trusted-artifacts': 'dir', ...expectedSource });
  });

  it('says what cannot be pulled when it is named: a dangling artifact exits 3', async () => {
    const result = await tkn(['pull', ...runArgs(), '--artifact', 'screenshots', '-o', join(base(), 'none')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/test\/screenshots cannot be pulled: dangling/);
    expect(await exists(join(base(), 'none'))).toBe(false);
  });
});

describe('pull a run by name from the cluster', () => {
  it('resolves the PipelineRun in the API server as show does', async () => {
    const env = testEnv();
    const host = env.registries.olareg.host;
    const namespace = 'pull-cluster';
    const scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'registry', host },
      registry: host,
      namespace,
    });
    await kubeApply(env, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const obj of scenario.objects) await createRun(env, obj);
    const dest = join(work, 'cluster');
    const result = await exec(cli, [
      'pull',
      scenario.pipelineRun,
      '-n',
      namespace,
      '--kubeconfig',
      env.kube.adminKubeconfig,
      '--plain-http',
      host,
      '--task',
      'test',
      '--artifact',
      'junit',
      '-o',
      dest,
    ]);
    expect(result.stdout).toMatch(/^pulled {2}test\/junit/m);
    expect(await sha256File(join(dest, 'test/junit/junit'))).toMatch(/^sha256:/);
    expect(await readdir(dest)).toEqual(['test']);
  });
});

describe('a registry that cuts the connection or lies', () => {
  let env: TestEnv;
  let proxy: FaultyProxy;
  let original: { big: Buffer; tree: Record<string, string> };
  const repository = 'pull-faults/big';

  beforeAll(async () => {
    env = testEnv();
    const upload = join(work, 'faults-upload');
    await mkdir(upload, { recursive: true });
    const big = randomBytes(3 * 1024 * 1024);
    await writeFile(join(upload, 'big.bin'), big);
    // Random content does not compress: the archive stays as large as what it holds.
    const entries: TestEntry[] = [
      { name: 'a.bin', content: randomBytes(1536 * 1024) },
      { name: 'sub/b.bin', content: randomBytes(1536 * 1024) },
    ];
    await writeFile(join(upload, 'tree.tar.gz'), await tgzOf(entries));
    await oras(env, ['push', `${env.registries.olareg.host}/${repository}:v1`, 'big.bin', 'tree.tar.gz'], {
      cwd: upload,
    });
    await untar(join(upload, 'tree.tar.gz'), join(work, 'faults-reference'));
    original = { big, tree: await snapshot(join(work, 'faults-reference')) };
    proxy = await startFaultyProxy(env.registries.olareg.host);
  });
  afterAll(async () => proxy?.close());

  const pull = (dest: string) =>
    tkn(['pull', '--artifact-ref', `${proxy.host}/${repository}:v1`, '--plain-http', proxy.host, '-o', dest]);

  it('fails cleanly when every download is cut mid-blob, after retrying, leaving nothing', async () => {
    proxy.mode = { kind: 'cut', after: 256 * 1024 };
    proxy.blobGets.clear();
    const dest = join(work, 'cut-always');
    const result = await pull(dest);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toMatch(/download broke off/);
    expect(await exists(dest)).toBe(false);
    expect(Math.max(...proxy.blobGets.values())).toBe(3);
  });

  it('retries a download cut once, and the files are whole', async () => {
    proxy.mode = { kind: 'cut', after: 256 * 1024, times: 1 };
    proxy.blobGets.clear();
    const dest = join(work, 'cut-once');
    const result = await pull(dest);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect([...proxy.blobGets.values()]).toEqual([2, 2]);
    expect(await readFile(join(dest, 'big/big.bin'))).toEqual(original.big);
    expect(await snapshot(join(dest, 'big/tree'))).toEqual(original.tree);
  });

  it('rejects blobs whose bytes do not match their digest, writing nothing', async () => {
    proxy.mode = { kind: 'flip' };
    for (const extra of [[], ['--raw']]) {
      const dest = join(work, `flipped${extra.join('')}`);
      const result = await tkn([
        'pull',
        '--artifact-ref',
        `${proxy.host}/${repository}:v1`,
        '--plain-http',
        proxy.host,
        '-o',
        dest,
        ...extra,
      ]);
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/digest mismatch: expected sha256:/);
      expect(await exists(dest)).toBe(false);
    }
  });
});

describe('hostile content pushed with oras', () => {
  let env: TestEnv;
  let host: string;
  let hostile: string;
  const tag = randomBytes(4).toString('hex');

  beforeAll(async () => {
    env = testEnv();
    host = env.registries.olareg.host;
    hostile = join(work, 'hostile');
    await mkdir(join(hostile, 'upload'), { recursive: true });
  });

  /** Pushes `name.tar.gz` with oras and pulls it into hostile/dest-<name>/ (so ../.. is hostile/). */
  async function pushAndPull(
    name: string,
    archive: Buffer,
    extra: string[] = [],
  ): Promise<{ result: CliResult; dest: string }> {
    await writeFile(join(hostile, 'upload', `${name}.tar.gz`), archive);
    await oras(
      env,
      ['push', `${host}/pull-hostile/${name}:v1`, `${name}.tar.gz:application/vnd.tekton.artifact.tar+gzip`],
      {
        cwd: join(hostile, 'upload'),
      },
    );
    const dest = join(hostile, `dest-${name}`);
    const result = await tkn([
      'pull',
      '--artifact-ref',
      `${host}/pull-hostile/${name}:v1`,
      '--plain-http',
      host,
      '-o',
      dest,
      ...extra,
    ]);
    return { result, dest };
  }

  /** What is in hostile/ besides the upload directory: nothing may appear. */
  async function strays(): Promise<string[]> {
    return (await readdir(hostile)).filter((name) => name !== 'upload');
  }

  it.each<[string, TestEntry[], RegExp]>([
    [
      'traversal',
      [
        { name: 'fine.txt', content: 'fine' },
        { name: `../../escaped-${tag}.txt`, content: 'x' },
      ],
      /entry "\.\.\/\.\.\/escaped-.*climbs out/,
    ],
    [
      'absolute',
      [{ name: `/tmp/tkn-pull-absolute-${tag}`, content: 'x' }],
      /entry "\/tmp\/tkn-pull-absolute-.*absolute path/,
    ],
    [
      'symlink-out',
      [{ name: 'etc', type: 'symlink', linkname: '../../../../../../etc' }],
      /entry "etc" is a symbolic link pointing outside/,
    ],
    [
      'write-through-link',
      [
        { name: 'here', type: 'symlink', linkname: '.' },
        { name: 'here/file', content: 'x' },
      ],
      /entry "here\/file" would be written through the symbolic link here/,
    ],
    [
      'hardlink-out',
      [{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }],
      /entry "passwd" is a hard link/,
    ],
    ['device', [{ name: 'null', type: 'character-device' }], /entry "null" is a character device/],
  ])('refuses %s and writes nothing anywhere', async (name, entries, message) => {
    const { result } = await pushAndPull(name, await tgzOf(entries));
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(
      new RegExp(`Error: refusing archive sha256:[0-9a-f]{64} of ${host}/pull-hostile/${name}@sha256:`),
    );
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^Hint: Nothing of it was written/m);
    expect(await strays()).toEqual([]);
    expect(await exists(`/tmp/tkn-pull-absolute-${tag}`)).toBe(false);
  });

  it('refuses a decompression bomb, with the flag that raises the limit', async () => {
    const { result } = await pushAndPull('bomb', await zeroBomb(64 * 1024 * 1024));
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(
      /entry "zeros" makes the archive expand too far: it expands past 100x its compressed size/,
    );
    expect(result.stderr).toMatch(/--max-ratio/);
    expect(await strays()).toEqual([]);
  });

  it('refuses a raw layer titled ../../etc/passwd before fetching it', async () => {
    const content = Buffer.from('root:x:0:0::/root:/bin/sh\n');
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    await writeFile(join(hostile, 'upload', 'passwd'), content);
    await oras(env, ['blob', 'push', `${host}/pull-hostile/title`, 'passwd'], {
      cwd: join(hostile, 'upload'),
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
        data: 'e30=',
      },
      layers: [
        {
          mediaType: 'text/plain',
          digest,
          size: content.byteLength,
          annotations: { 'org.opencontainers.image.title': '../../etc/passwd' },
        },
      ],
    };
    await writeFile(join(hostile, 'upload', 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(hostile, 'upload', 'empty.json'), '{}');
    await oras(env, ['blob', 'push', `${host}/pull-hostile/title`, 'empty.json'], {
      cwd: join(hostile, 'upload'),
    });
    await oras(env, ['manifest', 'push', `${host}/pull-hostile/title:v1`, 'manifest.json'], {
      cwd: join(hostile, 'upload'),
    });
    const dest = join(hostile, 'dest-title');
    const result = await tkn([
      'pull',
      '--artifact-ref',
      `${host}/pull-hostile/title:v1`,
      '--plain-http',
      host,
      '-o',
      dest,
    ]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(
      /refusing layer sha256:[0-9a-f]{64} of .*: entry "\.\.\/\.\.\/etc\/passwd" climbs out/,
    );
    expect(await strays()).toEqual([]);
  });

  it('refuses a hostile Konflux blob given as an oci: URI', async () => {
    const archive = await tgzOf([{ name: `../escaped-konflux-${tag}`, content: 'x' }]);
    await writeFile(join(hostile, 'upload', 'ta.tar.gz'), archive);
    await oras(env, ['blob', 'push', `${host}/pull-hostile/ta`, 'ta.tar.gz'], {
      cwd: join(hostile, 'upload'),
    });
    const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
    const result = await tkn([
      'pull',
      `oci:${host}/pull-hostile/ta@${digest}`,
      '--plain-http',
      host,
      '-o',
      join(hostile, 'dest-ta'),
    ]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/climbs out/);
    expect(await strays()).toEqual([]);
  });

  it('writes outside the destination only with --allow-path-traversal', async () => {
    const { result, dest } = await pushAndPull(
      'trusted',
      await tgzOf([
        { name: 'inside.txt', content: 'in' },
        { name: `../../trusted-${tag}.txt`, content: 'out' },
      ]),
      ['--allow-path-traversal'],
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await readFile(join(dest, 'trusted/inside.txt'), 'utf8')).toBe('in');
    expect(await readFile(join(hostile, `trusted-${tag}.txt`), 'utf8')).toBe('out');
    await rm(join(hostile, `trusted-${tag}.txt`));
    await rm(dest, { recursive: true });
  });
});
