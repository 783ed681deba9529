/**
 * The README's exit-code table, run through every command that can produce each code, against
 * real servers: olareg and distribution 2.8 (reached through a loopback proxy that can flip or
 * hold what it passes on, for integrity and interruption), a closed port (unreachable), the
 * htpasswd distribution and a token-auth distribution (401), the real kube-apiserver (and a
 * closed port standing for one), and content pushed by oras. Scripts rely on these numbers: a
 * case here is a promise, and 70 (a bug) must come out of none of them.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, type TestEnv } from '../env/context.js';
import { cliPath, runCli, type CliResult } from '../support/cli.js';
import { pushScenario, writeRunExport, type Scenario } from '../support/scenario.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findBinaries } from '../env/services/binaries.js';
import { startDistribution } from '../env/services/distribution.js';
import type { RegistryService } from '../env/services/registry.js';
import { startTokenIssuer } from '../env/services/token-auth.js';
import { startServer } from '../support/http-server.js';
import { startFaultyProxy, type FaultyProxy } from './pull/proxy.js';

const root = resolve(import.meta.dirname, '..', '..');
const validateFixtures = join(root, 'test', 'fixtures', 'validate', 'rules');
const cliEnv = { KUBECONFIG: '/nonexistent' };

/** Every test registry speaks plain HTTP on 127.0.0.1: a bare --plain-http, as oras users type it. */
function withPlainHttp(args: string[]): string[] {
  return args[0] === 'show' || args[0] === 'pull' ? [...args, '--plain-http'] : args;
}

/** In the scratch directory, so a pull that wrongly succeeds writes nothing into the checkout. */
function tkn(args: string[]): Promise<CliResult> {
  return runCli(withPlainHttp(args), { env: cliEnv, cwd: work });
}

/** Expects `code`, showing what the CLI said when it is not. */
function expectExit(result: CliResult, code: number): void {
  expect(
    result.code,
    `exit ${result.code}\nstderr: ${result.stderr}\nstdout: ${result.stdout.slice(0, 2000)}`,
  ).toBe(code);
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<string> {
  const server = await startServer();
  const host = server.host;
  await server.close();
  return host;
}

/** Starts the CLI, waits for `ready`, sends `signal`, and resolves with the exit code. */
async function interrupted(args: string[], ready: () => Promise<void>, signal: NodeJS.Signals) {
  const child = spawn(cliPath, withPlainHttp(args), {
    cwd: work,
    env: { ...process.env, NO_COLOR: '1', ...cliEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  // The CLI may end before it is held (a bug here): then its exit code is the answer.
  const done = await Promise.race([ready().then(() => false), exited.then(() => true)]);
  if (!done) child.kill(signal);
  return { code: await exited, stderr };
}

let work: string;
let env: TestEnv;
beforeAll(async () => {
  env = testEnv();
  work = await mkdtemp(join(tmpdir(), 'tkn-exit-codes-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const namespaces = { olareg: 'exit-oci11', distribution: 'exit-dist2' } as const;

describe.each(['olareg', 'distribution'] as const)('exit codes against %s', (registryName) => {
  let proxy: FaultyProxy;
  let scenario: Scenario;
  let exportFile: string;
  /** The same runs without the storage ConfigMap: no repository to look in. */
  let unconfiguredExport: string;
  /** A run whose status names a registry nobody listens on. */
  let unreachableExport: string;
  let unreachable: Scenario;
  let dir: string;
  const namespace = namespaces[registryName];
  const runArgs = () => [scenario.pipelineRun, '-n', namespace, '--from-file', exportFile];
  const rootRef = () => `${scenario.repositories.artifacts}:${namespace}.${scenario.pipelineRun}`;

  beforeAll(async () => {
    // Pushed to the registry, but the runs' status names the proxy: every read goes through it.
    proxy = await startFaultyProxy(env.registries[registryName].host);
    scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'registry', host: env.registries[registryName].host },
      registry: proxy.host,
      namespace,
    });
    dir = join(work, registryName);
    await mkdir(dir, { recursive: true });
    exportFile = join(dir, 'run.yaml');
    await writeRunExport(scenario, exportFile);
    unconfiguredExport = join(dir, 'unconfigured.yaml');
    await writeRunExport(
      { ...scenario, objects: scenario.objects.filter((o) => o['kind'] !== 'ConfigMap') },
      unconfiguredExport,
    );
    // The same run stored in a layout but reported as stored on a closed port.
    const closed = await closedPort();
    unreachable = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'layout', dir: join(dir, 'layout') },
      registry: closed,
      namespace,
      pipelineRun: 'gone-x1',
    });
    unreachableExport = join(dir, 'unreachable.yaml');
    await writeRunExport(unreachable, unreachableExport);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  describe('0 success', () => {
    it('show', async () => {
      proxy.mode = { kind: 'pass' };
      expectExit(await tkn(['show', ...runArgs()]), ExitCode.ok);
    });
    it('pull', async () => {
      proxy.mode = { kind: 'pass' };
      expectExit(await tkn(['pull', ...runArgs(), '-o', join(dir, 'ok')]), ExitCode.ok);
    });
  });

  describe('1 problems found', () => {
    it('show --strict: the run has a dangling and an unreported artifact', async () => {
      proxy.mode = { kind: 'pass' };
      const result = await tkn(['show', ...runArgs(), '--strict']);
      expectExit(result, ExitCode.findings);
    });
  });

  describe('2 usage or invalid input', () => {
    for (const command of ['show', 'pull'] as const) {
      it(`${command}: an unknown flag`, async () => {
        expectExit(await tkn([command, ...runArgs(), '--no-such-flag']), ExitCode.usage);
      });
      it(`${command}: a malformed reference`, async () => {
        expectExit(await tkn([command, 'Not A Run']), ExitCode.usage);
      });
      it(`${command}: --registry-config that does not exist`, async () => {
        const result = await tkn([command, rootRef(), '--registry-config', join(dir, 'missing.json')]);
        expectExit(result, ExitCode.usage);
        expect(result.stderr).toContain('missing.json');
      });
      it(`${command}: --registry-config that is not JSON`, async () => {
        const file = join(dir, 'not-json.json');
        await writeFile(file, 'auths: {}\n');
        const result = await tkn([command, rootRef(), '--registry-config', file]);
        expectExit(result, ExitCode.usage);
        expect(result.stderr).toContain('not-json.json');
      });
    }
    it('pull: a file or a directory in the way that pull did not write', async () => {
      proxy.mode = { kind: 'pass' };
      // A plain file where pull needs a directory.
      const fileInWay = join(dir, 'file-in-the-way');
      await mkdir(fileInWay, { recursive: true });
      await writeFile(join(fileInWay, 'test'), "mine, not pull's\n");
      const result = await tkn(['pull', ...runArgs(), '--artifact', 'test/junit', '-o', fileInWay]);
      expectExit(result, ExitCode.usage);
      expect(await readFile(join(fileInWay, 'test'), 'utf8')).toBe("mine, not pull's\n");
      // A directory of someone else's where an archive would be extracted.
      const dirInWay = join(dir, 'dir-in-the-way');
      await mkdir(join(dirInWay, 'test', 'coverage'), { recursive: true });
      await writeFile(join(dirInWay, 'test', 'coverage', 'notes.txt'), 'mine\n');
      const extract = await tkn(['pull', ...runArgs(), '--artifact', 'test/coverage', '-o', dirInWay]);
      expectExit(extract, ExitCode.usage);
      expect(await readFile(join(dirInWay, 'test', 'coverage', 'notes.txt'), 'utf8')).toBe('mine\n');
    });
  });

  describe('3 not found', () => {
    for (const command of ['show', 'pull'] as const) {
      it(`${command}: a root tag that does not exist`, async () => {
        proxy.mode = { kind: 'pass' };
        expectExit(await tkn([command, `${scenario.repositories.artifacts}:no-such-tag`]), ExitCode.notFound);
      });
      it(`${command}: a run that is not in the export`, async () => {
        expectExit(
          await tkn([command, 'no-such-run', '-n', namespace, '--from-file', exportFile]),
          ExitCode.notFound,
        );
      });
      it(`${command}: --task that the run does not have`, async () => {
        proxy.mode = { kind: 'pass' };
        expectExit(await tkn([command, ...runArgs(), '--task', 'no-such-task']), ExitCode.notFound);
      });
    }
    it('pull: --artifact that the run does not have', async () => {
      proxy.mode = { kind: 'pass' };
      expectExit(
        await tkn(['pull', ...runArgs(), '--artifact', 'no-such-artifact', '-o', join(dir, 'x')]),
        ExitCode.notFound,
      );
    });
    it('pull: --artifact-ref of a tag that does not exist', async () => {
      expectExit(
        await tkn([
          'pull',
          '--artifact-ref',
          `${scenario.repositories.artifacts}:nope`,
          '-o',
          join(dir, 'y'),
        ]),
        ExitCode.notFound,
      );
    });
    it('pull: --artifact naming a dangling artifact (reported, never stored)', async () => {
      proxy.mode = { kind: 'pass' };
      expectExit(
        await tkn(['pull', ...runArgs(), '--artifact', 'test/screenshots', '-o', join(dir, 'z')]),
        ExitCode.notFound,
      );
    });
  });

  describe('5 storage not configured', () => {
    for (const command of ['show', 'pull'] as const) {
      it(`${command} --pipelinerun without a repository anywhere`, async () => {
        const result = await tkn([
          command,
          '--pipelinerun',
          scenario.pipelineRun,
          '-n',
          namespace,
          '--from-file',
          unconfiguredExport,
        ]);
        expectExit(result, ExitCode.notConfigured);
      });
    }
  });

  describe('6 unreachable', () => {
    for (const command of ['show', 'pull'] as const) {
      it(`${command}: a root reference on a closed port`, async () => {
        const closed = await closedPort();
        expectExit(
          await tkn([
            command,
            `${closed}/ns/artifacts:run`,
            '-o',
            command === 'pull' ? join(dir, 'u') : 'tree',
          ]),
          ExitCode.unreachable,
        );
      });
      it(`${command}: a run whose every artifact is on a registry nobody listens on`, async () => {
        const result = await tkn([
          command,
          unreachable.pipelineRun,
          '-n',
          namespace,
          '--from-file',
          unreachableExport,
          ...(command === 'pull' ? ['-o', join(dir, 'unreachable')] : []),
        ]);
        expectExit(result, ExitCode.unreachable);
      });
    }
  });

  describe('6 past --timeout (the whole command) or --request-timeout (one request)', () => {
    for (const flag of ['--timeout', '--request-timeout'] as const) {
      it(`pull: ${flag} ends downloads the registry stalls; nothing partial is kept`, async () => {
        proxy.mode = { kind: 'stall', after: 16 };
        const out = join(dir, `deadline${flag}`);
        const result = await tkn(['pull', ...runArgs(), '-o', out, flag, '2s']);
        proxy.mode = { kind: 'pass' };
        expectExit(result, ExitCode.unreachable);
        expect(result.stderr).toMatch(flag === '--timeout' ? /overall deadline/ : /2 s request deadline/);
        expect(result.stderr).toContain(flag);
        const left = await readdir(out, { recursive: true }).catch(() => [] as string[]);
        expect(left.filter((name) => name.includes('.tkn-partial-'))).toEqual([]);
      });
    }
    it('show: a --timeout that is not a duration is a usage error', async () => {
      expectExit(await tkn(['show', ...runArgs(), '--timeout', 'soon']), ExitCode.usage);
    });
  });

  describe('0 with --allow-partial: the user accepts what could be read', () => {
    for (const command of ['show', 'pull'] as const) {
      it(`${command} --allow-partial says what is missing`, async () => {
        const result = await tkn([
          command,
          unreachable.pipelineRun,
          '-n',
          namespace,
          '--from-file',
          unreachableExport,
          '--allow-partial',
          ...(command === 'pull' ? ['-o', join(dir, 'partial')] : []),
        ]);
        expectExit(result, ExitCode.ok);
        expect(result.stderr).toMatch(/partial .*could not be read/);
        expect(result.stderr).toContain('ECONNREFUSED');
      });
    }
  });

  describe('7 integrity', () => {
    it('show: manifests that do not match their digest', async () => {
      proxy.mode = { kind: 'flip', target: 'manifests' };
      try {
        expectExit(await tkn(['show', ...runArgs()]), ExitCode.integrity);
      } finally {
        proxy.mode = { kind: 'pass' };
      }
    });
    it('pull: blobs that do not match their digest, in a run pull', async () => {
      proxy.mode = { kind: 'flip' };
      try {
        expectExit(await tkn(['pull', ...runArgs(), '-o', join(dir, 'flipped')]), ExitCode.integrity);
      } finally {
        proxy.mode = { kind: 'pass' };
      }
    });
    it('pull: manifests that do not match their digest, in a run pull', async () => {
      proxy.mode = { kind: 'flip', target: 'manifests' };
      try {
        expectExit(await tkn(['pull', ...runArgs(), '-o', join(dir, 'flipped-m')]), ExitCode.integrity);
      } finally {
        proxy.mode = { kind: 'pass' };
      }
    });
  });

  describe('8 unsupported', () => {
    it('pull --artifact naming an image (a container tool pulls images)', async () => {
      proxy.mode = { kind: 'pass' };
      const result = await tkn(['pull', ...runArgs(), '--artifact', 'build/IMAGE', '-o', join(dir, 'image')]);
      expectExit(result, ExitCode.unsupported);
    });
  });

  describe('130 interrupted', () => {
    for (const [command, signal] of [
      ['show', 'SIGTERM'],
      ['show', 'SIGINT'],
      ['pull', 'SIGTERM'],
      ['pull', 'SIGINT'],
    ] as const) {
      it(`${command} stopped by ${signal}`, async () => {
        // Manifests are held for show; blobs for pull, once it has started downloading.
        proxy.mode = { kind: 'stall', after: 16, target: command === 'show' ? 'manifests' : 'blobs' };
        proxy.resetStalls();
        try {
          const { code, stderr } = await interrupted(
            [command, ...runArgs(), ...(command === 'pull' ? ['-o', join(dir, `int-${signal}`)] : [])],
            () => proxy.stalled(1),
            signal,
          );
          expect(code, stderr).toBe(ExitCode.interrupted);
        } finally {
          proxy.mode = { kind: 'pass' };
        }
      });
    }
  });
});

describe('exit codes of registries that refuse', () => {
  let token: { registry: RegistryService; stop(): Promise<void> } | undefined;
  afterAll(async () => token?.stop());

  for (const command of ['show', 'pull'] as const) {
    it(`4 ${command}: 401 from a Basic-auth registry without credentials`, async () => {
      const host = env.registries.distributionBasic.host;
      const args =
        command === 'pull'
          ? ['pull', '--artifact-ref', `${host}/ns/a:v1`, '-o', join(work, 'b')]
          : ['show', `${host}/ns/a:v1`];
      expectExit(await tkn(args), ExitCode.forbidden);
    });
    it(`4 ${command}: 401 from a token-auth registry's token service for wrong credentials`, async () => {
      if (!token) {
        const dir = join(work, 'token');
        const issuer = await startTokenIssuer(join(dir, 'issuer'), { bob: 'builder' });
        const registry = await startDistribution(env.runDir, findBinaries(), {
          name: 'exit-codes-token-registry',
          extraConfig: `auth:\n  token:\n    realm: ${issuer.server.url}/token\n    service: ${issuer.service}\n    issuer: ${issuer.issuer}\n    rootcertbundle: ${issuer.certFile}\n`,
        });
        token = {
          registry,
          stop: async () => {
            await registry.stop();
            await issuer.server.close();
          },
        };
      }
      const config = join(work, 'wrong-credentials.json');
      await writeFile(
        config,
        JSON.stringify({
          auths: { [token.registry.host]: { auth: Buffer.from('bob:wrong').toString('base64') } },
        }),
      );
      const ref = `${token.registry.host}/ns/a:v1`;
      const args =
        command === 'pull'
          ? ['pull', '--artifact-ref', ref, '--registry-config', config, '-o', join(work, 't')]
          : ['show', ref, '--registry-config', config];
      expectExit(await tkn(args), ExitCode.forbidden);
    });
  }
});

describe('exit codes of validate', () => {
  it('0 compatible', async () => {
    expectExit(await tkn(['validate', join(validateFixtures, 'TA001.pass.yaml'), '--defaults']), ExitCode.ok);
  });
  it('1 findings', async () => {
    expectExit(
      await tkn(['validate', join(validateFixtures, 'TA101.fail.yaml'), '--defaults']),
      ExitCode.findings,
    );
  });
  it('2 usage: an unknown flag, and a file that is not there', async () => {
    expectExit(await tkn(['validate', '--no-such-flag']), ExitCode.usage);
    expectExit(await tkn(['validate', join(work, 'missing.yaml'), '--defaults']), ExitCode.usage);
  });
  it('6 unreachable: an API server on a closed port', async () => {
    const kubeconfig = join(work, 'closed.kubeconfig');
    const closed = await closedPort();
    await writeFile(
      kubeconfig,
      (await readFile(env.kube.adminKubeconfig, 'utf8')).replace(/server: \S+/, `server: https://${closed}`),
    );
    const result = await tkn([
      'validate',
      join(validateFixtures, 'TA001.pass.yaml'),
      '--kubeconfig',
      kubeconfig,
    ]);
    expectExit(result, ExitCode.unreachable);
    expect(result.stderr).toContain('connection refused');
  });
  it('4 forbidden: --from-cluster as a user who may not list Tasks', async () => {
    const result = await tkn([
      'validate',
      '--from-cluster',
      '--kubeconfig',
      env.kube.restrictedKubeconfig,
      '-n',
      env.kube.namespace,
    ]);
    expectExit(result, ExitCode.forbidden);
  });
});

describe('the usage habits exit 2 or 0 as cobra CLIs do', () => {
  it('a misspelt command exits 2 with a suggestion; -h and help CMD print help', async () => {
    const typo = await tkn(['shwo']);
    expectExit(typo, ExitCode.usage);
    expect(typo.stderr).toContain('Did you mean this?\n\tshow');
    for (const args of [['show', '-h'], ['help', 'show'], ['-h'], ['help']]) {
      const help = await tkn(args);
      expectExit(help, ExitCode.ok);
      expect(help.stdout).toContain('USAGE');
    }
  });
});
