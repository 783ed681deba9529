/**
 * Fixture writers that are real producers, independent of our code: cosign (signatures,
 * attestations and SBOMs stored as `sha256-<hex>.sig/.att/.sbom` tags, its default and what
 * Chains writes, or as OCI 1.1 referrers), crane (images and indexes), and a Konflux trusted
 * artifact store written the way build-trusted-artifacts' create-oci.sh writes it: one
 * `tar --create --use-compress-program='gzip -n'` archive per result, named after the result,
 * a directory archived from inside (`--directory=DIR .`), all of one task's archives in one
 * `oras push`, each result `oci:<repo>@sha256:<archive digest>`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { TestEnv } from '../env/context.js';

const run = promisify(execFile);

/** Where the tools keep their state: never the user's home. */
export interface ProducerTools {
  oras: string;
  cosign: string;
  crane: string;
  /** A directory for keys, configs and scratch files. */
  workDir: string;
}

/** The test environment's producer binaries, with a fresh work directory named after `prefix`. */
export async function producerTools(env: Pick<TestEnv, 'bin'>, prefix: string): Promise<ProducerTools> {
  return {
    oras: env.bin.oras,
    cosign: env.bin.cosign,
    crane: env.bin.crane,
    workDir: await mkdtemp(join(tmpdir(), prefix)),
  };
}

async function tool(bin: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    const { stdout } = await run(bin, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${bin.split('/').pop()} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// ---- cosign --------------------------------------------------------------------------------

const COSIGN_PASSWORD = 'tkn-artifacts-test';

function cosignEnv(tools: ProducerTools): NodeJS.ProcessEnv {
  return {
    COSIGN_PASSWORD,
    // Keys and the TUF cache under the work dir; no transparency log, no network.
    HOME: tools.workDir,
    DOCKER_CONFIG: join(tools.workDir, 'docker'),
    TUF_ROOT: join(tools.workDir, 'tuf'),
    COSIGN_EXPERIMENTAL: '1',
  };
}

/** `cosign generate-key-pair` once per work dir; returns the private key's path. */
export async function cosignKey(tools: ProducerTools): Promise<string> {
  const key = join(tools.workDir, 'cosign.key');
  const exists = await readFile(key).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await mkdir(tools.workDir, { recursive: true });
    await tool(tools.cosign, ['generate-key-pair'], { cwd: tools.workDir, env: cosignEnv(tools) });
  }
  return key;
}

const COSIGN_REGISTRY_FLAGS = ['--allow-insecure-registry', '--allow-http-registry'];

/**
 * Signs `image` (repo@sha256:…) with a local key, no transparency log. Default storage: the
 * `sha256-<hex>.sig` tag; `referrers: true`: an OCI 1.1 referrer (`--registry-referrers-mode=oci-1-1`);
 * `repository`: the tag in that repository instead of the image's (cosign's COSIGN_REPOSITORY).
 */
export async function cosignSign(
  tools: ProducerTools,
  image: string,
  options: { referrers?: boolean; repository?: string } = {},
): Promise<void> {
  const key = await cosignKey(tools);
  await tool(
    tools.cosign,
    [
      'sign',
      '--key',
      key,
      '--tlog-upload=false',
      '--yes',
      ...COSIGN_REGISTRY_FLAGS,
      ...(options.referrers ? ['--registry-referrers-mode=oci-1-1'] : []),
      image,
    ],
    {
      env: {
        ...cosignEnv(tools),
        ...(options.repository !== undefined ? { COSIGN_REPOSITORY: options.repository } : {}),
      },
    },
  );
}

/**
 * `cosign verify-blob` of a pulled payload with its signature file, against the key cosignSign
 * signed with: cosign's own check that pull wrote a signature that verifies. Throws when not.
 */
export async function cosignVerifyBlob(
  tools: ProducerTools,
  payload: string,
  signature: string,
): Promise<void> {
  const key = await cosignKey(tools);
  await tool(
    tools.cosign,
    [
      'verify-blob',
      '--key',
      key.replace(/\.key$/, '.pub'),
      '--signature',
      signature,
      '--insecure-ignore-tlog=true',
      payload,
    ],
    { env: cosignEnv(tools) },
  );
}

/** Attests `image` with an in-toto predicate (`.att` tag). */
export async function cosignAttest(
  tools: ProducerTools,
  image: string,
  predicate: unknown,
  type = 'slsaprovenance',
): Promise<void> {
  const key = await cosignKey(tools);
  const file = join(tools.workDir, `predicate-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  await writeFile(file, JSON.stringify(predicate));
  await tool(
    tools.cosign,
    [
      'attest',
      '--key',
      key,
      '--tlog-upload=false',
      '--yes',
      ...COSIGN_REGISTRY_FLAGS,
      '--type',
      type,
      '--predicate',
      file,
      image,
    ],
    { env: cosignEnv(tools) },
  );
}

/** Attaches an SPDX SBOM to `image` (`.sbom` tag), as `cosign attach sbom` stores it. */
export async function cosignAttachSbom(tools: ProducerTools, image: string, sbom: unknown): Promise<void> {
  const file = join(tools.workDir, `sbom-${Date.now()}-${Math.random().toString(16).slice(2)}.spdx.json`);
  await writeFile(file, JSON.stringify(sbom));
  await tool(
    tools.cosign,
    ['attach', 'sbom', '--sbom', file, '--type', 'spdx', ...COSIGN_REGISTRY_FLAGS, image],
    { env: cosignEnv(tools) },
  );
}

/** What cosign names the tag it stores a signature, attestation or SBOM of `digest` under. */
export function cosignTag(digest: string, suffix: 'sig' | 'att' | 'sbom'): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

// ---- crane -----------------------------------------------------------------------------------

/**
 * A two-platform image written by crane: one single-layer image per platform (crane append onto
 * scratch, then crane mutate --set-platform), joined by `crane index append`. Returns digests.
 */
export async function craneIndex(
  tools: ProducerTools,
  repository: string,
  tag: string,
  platforms: string[] = ['linux/amd64', 'linux/arm64'],
): Promise<{ index: string; images: Record<string, string> }> {
  const images: Record<string, string> = {};
  const scratch = await mkdtemp(join(tmpdir(), 'crane-'));
  try {
    for (const platform of platforms) {
      const arch = platform.split('/')[1] ?? platform;
      const dir = join(scratch, arch);
      await mkdir(join(dir, 'bin'), { recursive: true });
      await writeFile(join(dir, 'bin', `app-${arch}`), `binary for ${platform}\n`);
      const layer = join(scratch, `${arch}.tar`);
      await run('tar', ['--create', '--file', layer, '--directory', dir, 'bin']);
      const ref = `${repository}:${tag}-${arch}`;
      await tool(tools.crane, ['append', '--insecure', '-f', layer, '-t', ref]);
      const mutated = (
        await tool(tools.crane, ['mutate', '--insecure', '--set-platform', platform, ref, '-t', ref])
      ).trim();
      images[platform] = mutated.slice(mutated.indexOf('@') + 1);
    }
    const args = ['index', 'append', '--insecure', '-t', `${repository}:${tag}`];
    for (const platform of platforms) args.push('-m', `${repository}@${images[platform]}`);
    await tool(tools.crane, args);
    const index = (await tool(tools.crane, ['digest', '--insecure', `${repository}:${tag}`])).trim();
    return { index, images };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// ---- Konflux trusted artifacts ---------------------------------------------------------------------

/**
 * Writes `results` (result name → files, by relative path) as create-oci.sh does and pushes them
 * with one `oras push` to `repository:tag`. Returns each result's `oci:<repo>@sha256:<blob>` value.
 */
export async function pushKonfluxArtifacts(
  tools: ProducerTools,
  repository: string,
  tag: string,
  results: Record<string, Record<string, string>>,
): Promise<Record<string, string>> {
  const scratch = await mkdtemp(join(tmpdir(), 'konflux-'));
  try {
    const archives = join(scratch, 'archives');
    await mkdir(archives, { recursive: true });
    const out: Record<string, string> = {};
    for (const [name, files] of Object.entries(results)) {
      const source = join(scratch, 'source', name);
      await mkdir(source, { recursive: true });
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(source, path)), { recursive: true });
        await writeFile(join(source, path), content);
      }
      const archive = join(archives, name);
      await run('tar', [
        '--create',
        '--use-compress-program=gzip -n',
        '--file',
        archive,
        `--directory=${source}`,
        '.',
      ]);
      out[name] = `oci:${repository}@${sha256(await readFile(archive))}`;
    }
    await tool(tools.oras, ['push', '--plain-http', `${repository}:${tag}`, ...Object.keys(results)], {
      cwd: archives,
    });
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
