// Shared by the OCI client's integration tests: fixtures pushed with the real oras CLI, and our
// client pointed at the test registries.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { oras, orasPush, type TestEnv } from '../../env/context.js';
import { Registries, type RegistriesOptions, type WalkNode } from '../../../src/oci/index.js';

export type PlainRegistry = 'olareg' | 'distribution';

export const ROOT_TYPE = 'application/vnd.tekton.artifact.v1';
export const LAYER_TYPE = 'application/vnd.tekton.artifact.tar+gzip';
export const SIG_TYPE = 'application/vnd.test.signature.v1';
export const SBOM_TYPE = 'application/spdx+json';

/** Our client for every test registry (plain HTTP, as they listen on 127.0.0.1). */
export function registries(env: TestEnv, extra: RegistriesOptions = {}): Registries {
  const hosts: RegistriesOptions['hosts'] = {};
  for (const r of Object.values(env.registries)) hosts[r.host] = { plainHttp: true };
  return new Registries({ ...extra, hosts: { ...hosts, ...extra.hosts } });
}

/** A fresh directory under the run dir with one file. */
export function workFile(
  env: TestEnv,
  name: string,
  content: string | Buffer,
): { dir: string; name: string; bytes: Buffer } {
  const dir = path.join(env.runDir, 'work', `oci-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  writeFileSync(path.join(dir, name), bytes);
  return { dir, name, bytes };
}

/** `oras push` of one file; returns the manifest digest. */
export async function orasPushFile(
  env: TestEnv,
  ref: string,
  content: string,
  opts: { artifactType?: string; annotations?: Record<string, string>; extra?: string[] } = {},
): Promise<string> {
  const f = workFile(env, 'result.json', content);
  const args = [ref, '--format', 'json', ...(opts.extra ?? [])];
  if (opts.artifactType) args.push('--artifact-type', opts.artifactType);
  for (const [k, v] of Object.entries(opts.annotations ?? {})) args.push('--annotation', `${k}=${v}`);
  args.push(`${f.name}:${LAYER_TYPE}`);
  const out = await orasPush(env, args, { cwd: f.dir });
  return (JSON.parse(out) as { digest: string }).digest;
}

/** `oras attach` of one file to `subjectRef`; returns the referrer's digest. */
export async function orasAttach(
  env: TestEnv,
  subjectRef: string,
  artifactType: string,
  content: string,
  annotations: Record<string, string> = {},
): Promise<string> {
  const f = workFile(env, 'attached.json', content);
  const args = ['attach', '--artifact-type', artifactType, '--format', 'json'];
  for (const [k, v] of Object.entries(annotations)) args.push('--annotation', `${k}=${v}`);
  args.push(subjectRef, `${f.name}:application/json`);
  const out = await oras(env, args, { cwd: f.dir });
  return (JSON.parse(out) as { digest: string }).digest;
}

export interface DiscoverNode {
  digest: string;
  artifactType?: string;
  referrers?: DiscoverNode[];
}

/** `oras discover --format json` as a tree of {digest, artifactType, referrers}, referrers sorted by digest. */
export async function orasDiscover(env: TestEnv, ref: string, extra: string[] = []): Promise<SimpleTree> {
  const out = await oras(env, ['discover', '--format', 'json', ...extra, ref]);
  const root = JSON.parse(out) as DiscoverNode;
  return simplify(root);
}

export interface SimpleTree {
  digest: string;
  artifactType?: string;
  referrers: SimpleTree[];
}

export function simplify(
  n: {
    digest: string;
    artifactType?: string;
    referrers?: readonly { digest: string; artifactType?: string; referrers?: readonly unknown[] }[];
  },
  withType = false,
): SimpleTree {
  const out: SimpleTree = { digest: n.digest, referrers: [] };
  if (withType && n.artifactType) out.artifactType = n.artifactType;
  out.referrers = (n.referrers ?? [])
    .map((r) => simplify(r as Parameters<typeof simplify>[0], true))
    .sort((a, b) => a.digest.localeCompare(b.digest));
  return out;
}

export { collect } from '../../support/http-server.js';

/** A walk result in the same simple shape as orasDiscover. */
export function walkTree(n: WalkNode): SimpleTree {
  return simplify(toDiscoverShape(n));
}

interface DiscoverShape {
  digest: string;
  artifactType?: string;
  referrers: DiscoverShape[];
}

function toDiscoverShape(x: WalkNode): DiscoverShape {
  return {
    digest: x.descriptor.digest,
    artifactType: x.descriptor.artifactType,
    referrers: x.referrers.map(toDiscoverShape),
  };
}
