// What integration tests see of the environment global-setup.ts started, plus helpers to
// drive the real tools (oras, regctl) and the test kube-apiserver.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { inject } from 'vitest';
import { runTool, type RunOptions } from './run-tool.js';
import {
  applyObject,
  identityFromKubeconfig,
  kubeHttp,
  type HttpMethod,
  type KubeObject,
  type KubeRequestOptions,
  type KubeResponse,
} from './kube-client.js';

export type { KubeObject, KubeRequestOptions, KubeResponse } from './kube-client.js';
export { runTool, type RunOptions } from './run-tool.js';

export interface RegistryEndpoint {
  /** "127.0.0.1:PORT" */
  host: string;
  plainHttp: true;
  name: 'olareg' | 'distribution';
  /** Whether GET /v2/<repo>/referrers/<digest> is implemented (OCI 1.1). */
  referrersApi: boolean;
}

export interface TestEnv {
  /** test-results/env-<timestamp>/: logs/, data, certs, kubeconfigs, tool configs */
  runDir: string;
  bin: {
    oras: string;
    regctl: string;
    kubectl: string;
    cosign: string;
    crane: string;
    krew: string;
    validateKrewManifest: string;
    tkn: string;
  };
  registries: {
    olareg: RegistryEndpoint;
    distribution: RegistryEndpoint;
    distributionBasic: RegistryEndpoint & { username: string; password: string };
  };
  kube: {
    /** https://127.0.0.1:PORT */
    server: string;
    caFile: string;
    /** client cert with O=system:masters */
    adminKubeconfig: string;
    /** client cert CN=restricted: may only `get` pipelineruns in `namespace` */
    restrictedKubeconfig: string;
    namespace: string;
  };
  /** e.g. { olareg: 'v0.2.1', distribution: '2.8.2+ds1', 'kube-apiserver': 'v1.34.4', ... } */
  versions: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testEnv: TestEnv;
  }
}

export function testEnv(): TestEnv {
  const env = inject('testEnv');
  if (!env) throw new Error('testEnv not provided: run with the vitest `integration` project');
  return env;
}

// ---------------------------------------------------------------------------------------
// tools

/** Environment for tools: credentials/config under the run dir, never the user's home. */
export function toolEnv(env: TestEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_CONFIG: path.join(env.runDir, 'tools', 'docker'),
    REGCTL_CONFIG: path.join(env.runDir, 'tools', 'regctl', 'config.json'),
  };
}

/**
 * Runs `oras <args...>` for a network command (push, pull, manifest fetch, attach,
 * discover...): adds --plain-http and a registry config file under the run dir.
 */
export function oras(env: TestEnv, args: string[], opts: RunOptions = {}): Promise<string> {
  const cfg = path.join(env.runDir, 'tools', 'oras-registry-config.json');
  return runTool(env.bin.oras, [...args, '--plain-http', '--registry-config', cfg], {
    env: toolEnv(env),
    ...opts,
  });
}

/** `oras push <args...>` (plain HTTP); run it with `cwd` where the files to push are. */
export function orasPush(env: TestEnv, args: string[], opts: RunOptions = {}): Promise<string> {
  return oras(env, ['push', ...args], opts);
}

/**
 * Runs `regctl <args...>` with its config under the run dir (global-setup registered
 * every registry with TLS disabled, and the Basic-auth one with its credentials).
 */
export function regctl(env: TestEnv, args: string[], opts: RunOptions = {}): Promise<string> {
  return runTool(env.bin.regctl, args, { env: toolEnv(env), ...opts });
}

/** A repository name unique to this call, e.g. `env-test/oras-push-5f3a9c1e`. */
let repoCounter = 0;
export function uniqueRepo(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9/._-]+/g, '-');
  repoCounter += 1;
  return `${clean}-${process.pid}-${repoCounter}-${randomBytes(4).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------
// kube

export type Identity = 'admin' | 'restricted';

function kubeconfigFor(env: TestEnv, identity: Identity): string {
  return identity === 'admin' ? env.kube.adminKubeconfig : env.kube.restrictedKubeconfig;
}

/**
 * One HTTPS request to the test API server as `admin` (system:masters) or `restricted`.
 * Resolves with any HTTP status (tests assert on it); rejects only on transport errors.
 * PATCH bodies are sent as merge patches unless opts.contentType says otherwise.
 */
export function kubeRequest<T = KubeObject>(
  env: TestEnv,
  method: HttpMethod,
  apiPath: string,
  body?: unknown,
  identity: Identity = 'admin',
  opts: KubeRequestOptions = {},
): Promise<KubeResponse<T>> {
  const contentType = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  return kubeHttp<T>(identityFromKubeconfig(kubeconfigFor(env, identity)), method, apiPath, body, {
    contentType,
    ...opts,
  });
}

/** Creates the object as admin, or replaces it if it exists; returns the stored object. */
export function kubeApply(env: TestEnv, obj: KubeObject): Promise<KubeObject> {
  return applyObject(identityFromKubeconfig(env.kube.adminKubeconfig), obj);
}
