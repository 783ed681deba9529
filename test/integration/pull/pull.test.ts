/**
 * pull end to end: the real CLI (test/support/cli.ts: bin/tkn-artifacts or TKN_ARTIFACTS_CLI) against the real registries of
 * the test environment (olareg with the referrers API, distribution 2.8 without), on the
 * mixed-producer run pushed with the oras CLI, and on artifacts `oras push` makes itself
 * (directories, plain files, a plain tar). Every file pulled is compared with what oras itself
 * fetches (and the system tar extracts) from the same registry. A loopback proxy in front of each
 * registry cuts blob downloads, flips a byte, or holds a download open while the CLI is
 * interrupted; hostile archives are pushed with oras and must be refused with nothing written
 * outside (or inside) the destination.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, type TestEnv } from '../../env/context.js';
import { loadIntoCluster } from '../../support/cluster.js';
import { pushScenario, writeRunExport, type Scenario } from '../../support/scenario.js';
import { pushKonfluxArtifacts } from '../../support/producers.js';
import { listTree, tarOf, tgzOf, zeroBomb, type TestEntry } from '../../unit/pull/archives.js';
import type { PullReport } from '../../../src/pull/report.js';
import { startFaultyProxy, type FaultyProxy } from './proxy.js';
import { cliPath as cli, runCli, type CliResult } from '../../support/cli.js';

const exec = promisify(execFile);

const cliEnv = { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' };

function tkn(args: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  return runCli(args, { env: { KUBECONFIG: '/nonexistent' }, ...options });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** path → content digest (files), link target (links) or `dir`, without pull's marker files. */
async function snapshot(directory: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await listTree(directory)) {
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
          contents: unknown;
        };
        expect(marker.archive.digest).toBe(file.digest);
        // The listing names every file with the digest of what tar extracted from oras's copy.
        const under = relative(dest, file.path);
        const files = Object.entries(expected)
          .filter(([path, what]) => path.startsWith(`${under}/`) && what.startsWith('sha256:'))
          .map(([path, digest]) => [path.slice(under.length + 1), digest]);
        expect(file.extracted.contents.map((f) => [f.path, f.digest])).toEqual(files);
        expect(marker.contents).toEqual(file.extracted.contents);
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
    expect(report.files.map((f) => f.status)).toEqual(Array(6).fill('present'));
    expect(report.summary).toMatchObject({ pulled: 0, present: 6, bytes: 0 });
    expect(await snapshot(dest)).toEqual(expected);
  });

  it('extracts again only the trees changed since, repairing them', async () => {
    const dest = join(base(), 'pulled');
    await writeFile(join(dest, 'test/coverage/cover.out'), 'edited by hand\n');
    await rm(join(dest, 'clone/SOURCE_ARTIFACT/README.md'));
    const result = await tkn(['pull', ...runArgs(), '-o', dest, '--format', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as PullReport;
    expect(Object.fromEntries(report.files.map((f) => [`${f.task}/${f.artifact}`, f.status]))).toEqual({
      'clone/SOURCE_ARTIFACT': 'pulled',
      'build/images': 'present',
      'test/junit': 'present',
      'test/coverage': 'pulled',
      'test/logs': 'present',
      'report/summary': 'present',
    });
    expect(await snapshot(dest)).toEqual(expected);
  });

  it('pulls only the artifacts of a type with --artifact-type', async () => {
    const dest = join(base(), 'by-type');
    const result = await tkn(['pull', ...runArgs(), '--artifact-type', 'application/xml', '-o', dest]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^pulled {2}test\/junit /m);
    expect(await snapshot(dest)).toEqual({
      test: 'dir',
      'test/junit': 'dir',
      'test/junit/junit': expected['test/junit/junit'],
    });
  });

  it('pulls content that tasks hand on once, where it was produced, with --inputs', async () => {
    const dest = join(base(), 'inputs');
    const result = await tkn(['pull', ...runArgs(), '--inputs', '-o', dest, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as PullReport;
    // build's `source` input is clone's SOURCE_ARTIFACT blob: not a second copy on disk.
    expect(report.skipped.find((s) => s.artifact === 'source')).toMatchObject({
      task: 'build',
      state: 'duplicate',
      reason: 'an input of the task: the same content is pulled as clone/SOURCE_ARTIFACT',
    });
    expect(await exists(join(dest, 'build/source'))).toBe(false);
    expect(await snapshot(dest)).toEqual(expected);
    // Named with its task, the input is that task's own copy.
    const own = await tkn(['pull', ...runArgs(), '--artifact', 'build/source', '-o', join(base(), 'own')]);
    expect(own.code, own.stderr).toBe(0);
    expect(await snapshot(join(base(), 'own', 'build/source'))).toEqual(
      await snapshot(join(dest, 'clone/SOURCE_ARTIFACT')),
    );
  });

  it('says nothing with --quiet, and pulls all the same', async () => {
    const dest = join(base(), 'quiet');
    const result = await tkn(['pull', ...runArgs(), '--quiet', '-o', dest]);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
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

  it('pulls a pruned run from its root reference into the same layout as the live run', async () => {
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
    // The TaskRun references' dev.tekton.artifact/task names the pipeline task, as the cluster
    // does: files land under test/, where a pull of the run from the cluster puts them.
    expect(await snapshot(dest)).toEqual({
      test: 'dir',
      'test/coverage': 'dir',
      'test/coverage/cover.out': expected['test/coverage/cover.out'],
      'test/coverage/summary.txt': expected['test/coverage/summary.txt'],
      'test/junit': 'dir',
      'test/junit/junit': expected['test/junit/junit'],
      'test/logs': 'dir',
      'test/logs/logs': expected['test/logs/logs'],
    });
  });

  it('pulls a Konflux trusted artifact by its oci: URI into -o, as use-oci.sh, and keeps another apart', async () => {
    const dest = join(base(), 'konflux');
    const uri = `oci:${scenario.repositories.source}@${scenario.digests.sourceBlob}`;
    const result = await tkn(['pull', uri, '--plain-http', host, '-o', dest]);
    expect(result.code).toBe(0);
    // What Konflux's use-oci.sh leaves: oras blob fetch … | tar -C DIR -xzf - (the reference tree).
    const expectedSource = Object.fromEntries(
      Object.entries(expected)
        .filter(([path]) => path.startsWith('clone/SOURCE_ARTIFACT/'))
        .map(([path, digest]) => [path.slice('clone/SOURCE_ARTIFACT/'.length), digest]),
    );
    expect(await snapshot(dest)).toEqual(expectedSource);

    // A second trusted artifact, pushed as create-oci.sh pushes it, into the same -o: refused
    // (it would have replaced the first), the first left as it was; into its own -o, it lands.
    const second = await pushKonfluxArtifacts(
      { oras: env.bin.oras, cosign: '', crane: '', workDir: base() },
      `${host}/${namespace}/konflux-second`,
      'second',
      { CACHI2_ARTIFACT: { 'deps/lock.json': '{"deps":[]}\n' } },
    );
    const uri2 = second['CACHI2_ARTIFACT'] as string;
    const refused = await tkn(['pull', uri2, '--plain-http', host, '-o', dest]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `it holds another artifact, ${uri.slice('oci:'.length)}, pulled there before`,
    );
    expect(await snapshot(dest)).toEqual(expectedSource);
    const apart = await tkn(['pull', uri2, '--plain-http', host, '-o', join(base(), 'konflux-second')]);
    expect(apart.code).toBe(0);
    expect(await snapshot(join(base(), 'konflux-second'))).toEqual({
      deps: 'dir',
      'deps/lock.json': `sha256:${createHash('sha256').update('{"deps":[]}\n').digest('hex')}`,
    });
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
    await loadIntoCluster(env, scenario);
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
    // The bytes as oras fetches them from the registry, and the layer digest the manifest names.
    const reference = `${scenario.repositories.artifacts}@${scenario.digests.junit}`;
    await oras(env, ['pull', '-o', join(work, 'cluster-oras'), reference]);
    expect(await readFile(join(dest, 'test/junit/junit'))).toEqual(
      await readFile(join(work, 'cluster-oras/junit')),
    );
    const manifest = JSON.parse(await oras(env, ['manifest', 'fetch', reference])) as {
      layers: { digest: string }[];
    };
    expect([await sha256File(join(dest, 'test/junit/junit'))]).toEqual(manifest.layers.map((l) => l.digest));
    expect(await listTree(dest)).toEqual(['test', 'test/junit', 'test/junit/junit']);
  });
});

/** Resolves once `check` holds, asking again every 20 ms (the test's timeout bounds the wait). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((wake) => setTimeout(wake, 20));
}

describe.each(['olareg', 'distribution'] as const)(
  'a registry that cuts the connection or lies (%s)',
  (registryName) => {
    let env: TestEnv;
    let proxy: FaultyProxy;
    let original: { big: Buffer; tree: Record<string, string> };
    const repository = 'pull-faults/big';
    const dir = (name: string) => join(work, `faults-${registryName}`, name);

    beforeAll(async () => {
      env = testEnv();
      const upload = dir('upload');
      await mkdir(upload, { recursive: true });
      const big = randomBytes(3 * 1024 * 1024);
      await writeFile(join(upload, 'big.bin'), big);
      // Random content does not compress: the archive stays as large as what it holds.
      const entries: TestEntry[] = [
        { name: 'a.bin', content: randomBytes(1536 * 1024) },
        { name: 'sub/b.bin', content: randomBytes(1536 * 1024) },
      ];
      await writeFile(join(upload, 'tree.tar.gz'), await tgzOf(entries));
      const host = env.registries[registryName].host;
      await oras(env, ['push', `${host}/${repository}:v1`, 'big.bin', 'tree.tar.gz'], { cwd: upload });
      await untar(join(upload, 'tree.tar.gz'), dir('reference'));
      original = { big, tree: await snapshot(dir('reference')) };
      proxy = await startFaultyProxy(host);
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

    it('fails cleanly when every download is cut mid-blob, after retrying, leaving nothing', async () => {
      proxy.mode = { kind: 'cut', after: 256 * 1024 };
      proxy.blobGets.clear();
      const dest = dir('cut-always');
      const result = await tkn(pullArgs(dest));
      expect(result.code, result.stderr).toBe(6);
      expect(result.stderr).toMatch(/download broke off/);
      expect(await exists(dest)).toBe(false);
      expect(Math.max(...proxy.blobGets.values())).toBe(3);
    });

    it('retries a download cut once, and the files are whole', async () => {
      proxy.mode = { kind: 'cut', after: 256 * 1024, times: 1 };
      proxy.blobGets.clear();
      const dest = dir('cut-once');
      const result = await tkn(pullArgs(dest));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect([...proxy.blobGets.values()]).toEqual([2, 2]);
      // One artifact by reference: its files in -o itself, as oras pull -o puts them.
      expect(await readFile(join(dest, 'big.bin'))).toEqual(original.big);
      expect(await snapshot(join(dest, 'tree'))).toEqual(original.tree);
    });

    it('rejects blobs whose bytes do not match their digest, writing nothing', async () => {
      proxy.mode = { kind: 'flip' };
      for (const extra of [[], ['--raw']]) {
        const dest = dir(`flipped${extra.join('')}`);
        const result = await tkn([...pullArgs(dest), ...extra]);
        expect(result.code).toBe(7);
        expect(result.stderr).toMatch(/digest mismatch: expected sha256:/);
        expect(await exists(dest)).toBe(false);
      }
    });

    it('stops on SIGINT while blobs are in flight: exit 130, nothing partial left', async () => {
      proxy.mode = { kind: 'stall', after: 256 * 1024 };
      proxy.resetStalls();
      const dest = dir('interrupted');
      const child = spawn(cli, pullArgs(dest), { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      // Both blobs are half sent and held, and the CLI has each one's temp file or staging
      // directory on disk: the moment an interruption must not leave anything behind.
      await proxy.stalled(2);
      const partials = async () =>
        (await exists(dest)) ? (await listTree(dest)).filter((path) => path.includes('.tkn-partial-')) : [];
      await until(
        async () =>
          (await partials()).some((p) => p.startsWith('.big.bin.')) &&
          (await partials()).some((p) => p.startsWith('.tree.')),
      );
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('Interrupted: the pull stopped; nothing partial was kept.');
      // Not even the directories: the pull made them, and removes them again when empty.
      expect((await exists(dest)) ? await listTree(dest) : 'absent').toBe('absent');
    });
  },
);

describe.each(['olareg', 'distribution'] as const)(
  'hostile content pushed with oras (%s)',
  (registryName) => {
    let env: TestEnv;
    let host: string;
    let hostile: string;
    const tag = randomBytes(4).toString('hex');

    beforeAll(async () => {
      env = testEnv();
      host = env.registries[registryName].host;
      hostile = join(work, `hostile-${registryName}`);
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
        [
          'push',
          `${host}/pull-hostile/${name}:v1`,
          `${name}.tar.gz:application/vnd.tekton.artifact.tar+gzip`,
        ],
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

    it('lets the bomb through when --max-ratio is raised, and --max-size bounds it then', async () => {
      const pull = (name: string, extra: string[]) =>
        tkn([
          'pull',
          '--artifact-ref',
          `${host}/pull-hostile/bomb:v1`,
          '--plain-http',
          host,
          '-o',
          join(hostile, `dest-bomb-${name}`),
          ...extra,
        ]);
      const zeros = (name: string) => join(hostile, `dest-bomb-${name}`, 'zeros');
      // 64 MiB of zeros in about 64 KiB: some 1000x.
      const ratio = await pull('ratio', ['--max-ratio', '2000']);
      expect(ratio.stderr).toBe('');
      expect(ratio.code).toBe(0);
      expect((await lstat(zeros('ratio'))).size).toBe(64 * 1024 * 1024);

      const small = await pull('small', ['--max-ratio', '2000', '--max-size', '32MiB']);
      expect(small.code).toBe(7);
      expect(small.stderr).toMatch(/entry "zeros" makes the archive expand too far: it expands past 32 MiB/);
      expect(small.stderr).toMatch(/raise the limit with --max-size/);
      expect(await exists(join(hostile, 'dest-bomb-small'))).toBe(false);

      const large = await pull('large', ['--max-ratio', '2000', '--max-size', '128MiB']);
      expect(large.code, large.stderr).toBe(0);
      expect((await lstat(zeros('large'))).size).toBe(64 * 1024 * 1024);

      const nonsense = await pull('nonsense', ['--max-size', 'lots']);
      expect(nonsense.code).toBe(2);
      expect(nonsense.stderr).toMatch(/--max-size "lots" is not a size/);
      for (const name of ['ratio', 'large'])
        await rm(join(hostile, `dest-bomb-${name}`), { recursive: true });
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
          { name: `../trusted-${tag}.txt`, content: 'out' },
        ]),
        ['--allow-path-traversal'],
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(await readFile(join(dest, 'inside.txt'), 'utf8')).toBe('in');
      expect(await readFile(join(hostile, `trusted-${tag}.txt`), 'utf8')).toBe('out');
      await rm(join(hostile, `trusted-${tag}.txt`));
      await rm(dest, { recursive: true });
    });
  },
);

describe.each(['olareg', 'distribution'] as const)('artifacts oras pushes itself (%s)', (registryName) => {
  let env: TestEnv;
  let host: string;
  const dir = (name: string) => join(work, `oras-${registryName}`, name);

  beforeAll(async () => {
    env = testEnv();
    host = env.registries[registryName].host;
    const upload = dir('upload');
    await mkdir(join(upload, 'somedir/sub'), { recursive: true });
    await mkdir(join(upload, 'somedir/empty'));
    await mkdir(join(upload, 'nest/inner'), { recursive: true });
    await writeFile(join(upload, 'somedir/a.txt'), 'alpha\n');
    await writeFile(join(upload, 'somedir/sub/b.txt'), 'beta\n');
    await writeFile(join(upload, 'somedir/run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    await symlink('a.txt', join(upload, 'somedir/l'));
    await writeFile(join(upload, 'nest/inner/n.txt'), 'nested\n');
    await writeFile(join(upload, 'top.txt'), 'top\n');
    // A plain (ungzipped) tar: oras pushes it as a file, and pulls it as one.
    await writeFile(
      join(upload, 'bundle.tar'),
      await tarOf([
        { name: 'inside/one.txt', content: 'one\n' },
        { name: 'two.txt', content: 'two\n' },
      ]),
    );
  });

  it.each<[string, string, string[]]>([
    ['a directory alone', 'dir', ['./somedir']],
    [
      'directories among files, and a plain tar',
      'multi',
      ['./somedir', 'nest/inner', 'top.txt', 'bundle.tar'],
    ],
    ['a plain tar alone', 'tar', ['bundle.tar']],
  ])('%s: every file lands where oras pull puts it', async (_what, repository, files) => {
    const reference = `${host}/pull-oras/${repository}:v1`;
    await oras(env, ['push', reference, ...files], { cwd: dir('upload') });
    const byOras = dir(`by-oras-${repository}`);
    await oras(env, ['pull', '-o', byOras, reference]);
    const dest = dir(`ours-${repository}`);
    const args = ['pull', '--artifact-ref', reference, '--plain-http', host, '-o', dest, '--format', 'json'];
    const result = await tkn(args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The same layout as oras pull -o: no directory of ours in between.
    const ours = dest;
    expect(await snapshot(ours)).toEqual(await snapshot(byOras));
    if (files.includes('./somedir')) {
      // Modes come through too (the owner keeps read/write, as pull always leaves it).
      expect((await lstat(join(ours, 'somedir/run.sh'))).mode & 0o777).toBe(
        (await lstat(join(byOras, 'somedir/run.sh'))).mode & 0o777,
      );
    }
    const again = JSON.parse((await tkn(args)).stdout) as PullReport;
    expect(again.files.map((f) => f.status)).toEqual(Array(files.length).fill('present'));
  });
});
