// vitest globalSetup for the `integration` project: starts every service once for the
// whole run, provides the TestEnv to tests (see context.ts), and stops everything in
// teardown. Nothing is skipped: a missing binary or a service that won't start fails the
// run with the service's name, command line and the tail of its log.
//
// Run directory: test-results/env-<timestamp>/ (git-ignored) with logs/<service>.log.
// Teardown deletes it when every test passed, keeps it when something failed or when
// TKN_KEEP_TEST_ENV=1, and prunes kept run dirs to the newest 3.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import type { TestEnv } from './context.js';
import { REPO_ROOT, findBinaries } from './services/binaries.js';
import { generatePassword, startDistribution } from './services/distribution.js';
import { startEtcd, type EtcdService } from './services/etcd.js';
import { startKubeApiserver } from './services/kube-apiserver.js';
import { startOlareg } from './services/olareg.js';
import type { Service } from './services/process.js';
import type { RegistryService } from './services/registry.js';
import { runTool } from './run-tool.js';

const KEEP_RUNS = 3;

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

function pruneRunDirs(resultsDir: string, keep: number): void {
  let dirs: { path: string; mtime: number }[] = [];
  try {
    dirs = readdirSync(resultsDir)
      .filter((n) => n.startsWith('env-'))
      .map((n) => path.join(resultsDir, n))
      .map((p) => ({ path: p, mtime: statSync(p).mtimeMs }));
  } catch {
    return;
  }
  dirs.sort((a, b) => b.mtime - a.mtime);
  for (const d of dirs.slice(keep)) rmSync(d.path, { recursive: true, force: true });
}

async function stopAll(services: Service[]): Promise<void> {
  // Reverse start order: the API server before etcd.
  for (const s of [...services].reverse()) {
    try {
      await s.stop();
    } catch (e) {
      console.error(`test env: stopping ${s.name} failed: ${(e as Error).message}`);
    }
  }
}

function runFailed(project: TestProject): boolean {
  try {
    const state = project.vitest.state;
    return (
      state.getCountOfFailedTests() > 0 ||
      state.getFailedFilepaths().length > 0 ||
      state.getUnhandledErrors().length > 0
    );
  } catch {
    return true; // can't tell: keep the logs
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bins = findBinaries();
  const resultsDir = path.join(REPO_ROOT, 'test-results');
  const runDir = path.join(resultsDir, `env-${timestamp()}-${process.pid}`);
  mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  mkdirSync(path.join(runDir, 'tools', 'docker'), { recursive: true });
  mkdirSync(path.join(runDir, 'tools', 'regctl'), { recursive: true });

  const services: Service[] = [];
  const track = <T extends Service>(p: Promise<T>): Promise<T> =>
    p.then((s) => {
      services.push(s);
      return s;
    });

  const password = generatePassword();
  let env: TestEnv;
  try {
    // Start in parallel, but settle all before deciding: a failure must not leave the
    // others running untracked.
    const started = await Promise.allSettled([
      track(startOlareg(runDir, bins)),
      track(startDistribution(runDir, bins, { name: 'distribution' })),
      track(
        startDistribution(runDir, bins, {
          name: 'distribution-basic',
          basicAuth: { username: 'alice', password },
        }),
      ),
      track(startEtcd(runDir, bins)),
    ]);
    const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw failed.length === 1
        ? failed[0]?.reason
        : new AggregateError(
            failed.map((f) => f.reason as unknown),
            failed.map((f) => (f.reason as Error).message).join('\n\n'),
          );
    }
    const [olareg, distribution, distributionBasic, etcd] = started.map(
      (r) => (r as PromiseFulfilledResult<Service>).value,
    ) as [RegistryService, RegistryService, RegistryService, EtcdService];
    const kube = await track(startKubeApiserver(runDir, bins, etcd));

    const versions: Record<string, string> = {
      olareg: olareg.version,
      distribution: distribution.version,
      etcd: etcd.version,
      'kube-apiserver': kube.version,
      oras: (await runTool(bins.oras, ['version'])).match(/Version:\s*(\S+)/)?.[1] ?? 'unknown',
      regctl: (await runTool(bins.regctl, ['version', '--format', '{{.VCSTag}}'])).trim(),
      cosign: (JSON.parse(await runTool(bins.cosign, ['version', '--json'])) as { gitVersion: string })
        .gitVersion,
      crane: (await runTool(bins.crane, ['version'])).trim(),
    };

    env = {
      runDir,
      bin: {
        oras: bins.oras,
        regctl: bins.regctl,
        kubectl: bins.kubectl,
        cosign: bins.cosign,
        crane: bins.crane,
        krew: bins.krew,
        validateKrewManifest: bins.validateKrewManifest,
        tkn: bins.tkn,
      },
      registries: {
        olareg: { host: olareg.host, plainHttp: true, name: 'olareg', referrersApi: true },
        distribution: { host: distribution.host, plainHttp: true, name: 'distribution', referrersApi: false },
        distributionBasic: {
          host: distributionBasic.host,
          plainHttp: true,
          name: 'distribution',
          referrersApi: false,
          username: 'alice',
          password,
        },
      },
      kube: {
        server: kube.server,
        caFile: kube.caFile,
        adminKubeconfig: kube.adminKubeconfig,
        restrictedKubeconfig: kube.restrictedKubeconfig,
        namespace: kube.namespace,
      },
      versions,
    };

    // regctl: TLS off for every registry, credentials for the Basic-auth one; the config
    // lives in the run dir (REGCTL_CONFIG), never in the user's home.
    const regctlEnv = {
      ...process.env,
      REGCTL_CONFIG: path.join(runDir, 'tools', 'regctl', 'config.json'),
      DOCKER_CONFIG: path.join(runDir, 'tools', 'docker'),
    };
    for (const host of [olareg.host, distribution.host]) {
      await runTool(bins.regctl, ['registry', 'set', '--tls', 'disabled', host], { env: regctlEnv });
    }
    // Its connectivity check needs the credentials, which `login` (below) verifies.
    await runTool(
      bins.regctl,
      ['registry', 'set', '--skip-check', '--tls', 'disabled', distributionBasic.host],
      {
        env: regctlEnv,
      },
    );
    await runTool(
      bins.regctl,
      ['registry', 'login', '--user', 'alice', '--pass-stdin', distributionBasic.host],
      {
        env: regctlEnv,
        input: password,
      },
    );

    const line = (label: string, version: string, where: string) =>
      console.log(`test env: ${label} ${version} at ${where}`);
    line('olareg', olareg.version, olareg.host);
    line('distribution', distribution.version, distribution.host);
    line('distribution (basic auth, user alice)', distributionBasic.version, distributionBasic.host);
    line('etcd', etcd.version, etcd.clientUrl);
    line('kube-apiserver', kube.version, kube.server);
    console.log(
      `test env: tools oras ${versions.oras}, regctl ${versions.regctl}, cosign ${versions.cosign}, crane ${versions.crane}; run dir ${runDir}`,
    );
  } catch (e) {
    await stopAll(services);
    console.error(`test env: start failed; logs kept in ${path.join(runDir, 'logs')}`);
    pruneRunDirs(resultsDir, KEEP_RUNS);
    throw e;
  }

  project.provide('testEnv', env);

  return async () => {
    await stopAll(services);
    const keep = process.env.TKN_KEEP_TEST_ENV === '1' || runFailed(project);
    if (keep) {
      console.log(`test env: kept ${runDir} (logs in logs/)`);
    } else {
      rmSync(runDir, { recursive: true, force: true });
    }
    pruneRunDirs(resultsDir, KEEP_RUNS);
  };
}
