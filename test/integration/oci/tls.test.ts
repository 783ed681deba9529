/**
 * A registry over HTTPS, through the CLI as users run it (bin/, or the standalone executable in
 * `npm run test:executable`): olareg serving TLS with a self-signed certificate, written to by the
 * real oras CLI. The bundle loads node:tls only when a registry needs it (scripts/bundle.mjs), so
 * this is where that path runs end to end: the pool's connections (show), and pull's direct
 * download of a blob of 1 MiB or more on a TLS socket of its own; then the refusals.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool, testEnv, toolEnv } from '../../env/context.js';
import { findBinaries } from '../../env/services/binaries.js';
import { startOlareg } from '../../env/services/olareg.js';
import { selfSignedCert } from '../../env/services/pki.js';
import type { RegistryService } from '../../env/services/registry.js';
import { runCli } from '../../support/cli.js';

describe('a registry over HTTPS (olareg, self-signed)', () => {
  let work: string;
  let registry: RegistryService;
  let certFile: string;
  let reference: string;
  // Past the 1 MiB from which pull reads a blob on a connection of its own (src/oci/remote/direct.ts).
  const content = randomBytes(3 * 1024 * 1024 + 17);
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;

  beforeAll(async () => {
    const env = testEnv();
    work = await mkdtemp(join(tmpdir(), 'tkn-artifacts-tls-'));
    await mkdir(join(work, 'logs'));
    certFile = join(work, 'registry.pem');
    selfSignedCert(join(work, 'registry.key'), certFile, '/CN=127.0.0.1', [
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    registry = await startOlareg(work, findBinaries(), {
      name: 'olareg-tls',
      tls: { certFile, keyFile: join(work, 'registry.key') },
    });
    const files = join(work, 'files');
    await mkdir(files);
    await writeFile(join(files, 'report.bin'), content);
    reference = `${registry.host}/tls/artifacts:v1`;
    await runTool(
      env.bin.oras,
      [
        'push',
        '--ca-file',
        certFile,
        '--registry-config',
        join(work, 'oras-config.json'),
        '--artifact-type',
        'application/vnd.example.report',
        reference,
        'report.bin',
      ],
      { cwd: files, env: toolEnv(env) },
    );
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('shows an artifact, trusting the registry through --ca-file', async () => {
    const result = await runCli(['show', reference, '--ca-file', certFile, '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as {
      taskRuns: {
        artifacts: { state: string; files: { title?: string; digest: string; size: number }[] }[];
      }[];
    };
    const artifact = tree.taskRuns[0]?.artifacts[0];
    expect(artifact?.state).toBe('present');
    expect(artifact?.files).toEqual([
      expect.objectContaining({ title: 'report.bin', digest, size: content.length }),
    ]);
  });

  it('pulls the blob on a TLS connection of its own, verified', async () => {
    const out = join(work, 'pulled');
    const result = await runCli(['pull', reference, '--ca-file', certFile, '-o', out, '--quiet', '--debug']);
    expect(result.code).toBe(0);
    expect((await readFile(join(out, 'report.bin'))).equals(content)).toBe(true);
    // --debug logs each request: the blob came by the direct path (its own TLS socket), whole.
    const direct = result.stderr.split('\n').filter((line) => line.includes('-> direct'));
    expect(direct).toEqual([
      expect.stringMatching(
        new RegExp(
          `^debug: GET https://${registry.host}/v2/tls/artifacts/blobs/${digest} -> direct ${content.length} bytes `,
        ),
      ),
    ]);
  });

  it('refuses a certificate it cannot verify: exit 6, and the hint names --ca-file', async () => {
    const result = await runCli(['show', reference]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('TLS handshake failed (DEPTH_ZERO_SELF_SIGNED_CERT)');
    expect(result.stderr).toContain('--ca-file');
  });

  it('reads it with --insecure for that host, unverified', async () => {
    const result = await runCli(['show', reference, '--insecure', registry.host, '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ taskRuns: [{ artifacts: [{ state: 'present' }] }] });
  });
});
