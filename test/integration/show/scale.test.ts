/**
 * Scale without quadratic work or memory: a run export with 10,000 artifact outputs, and one
 * with a 40 MB result, read by the real CLI with its peak RSS measured by /usr/bin/time
 * (generous bounds; the figures before the fixes were 3.5 GiB-class and 1.5 GB).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliPath } from '../../support/cli.js';
import { bigRunExport } from '../../support/big-run.js';

const exec = promisify(execFile);
const MiB = 1024 * 1024;

let work: string;
let layout: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tkn-scale-it-'));
  // An empty OCI layout: every output is dangling, so the run is all there is to read.
  layout = join(work, 'layout');
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(layout, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs the CLI under /usr/bin/time: exit code, stdout, and peak RSS in bytes. */
async function measured(args: string[]): Promise<{ code: number; stdout: string; rss: number }> {
  const marker = 'peak-rss-kib';
  const run = await exec('/usr/bin/time', ['-f', `${marker} %M`, cliPath, ...args], {
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' },
    maxBuffer: 256 * MiB,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
  const kib = Number(new RegExp(`${marker} (\\d+)`).exec(run.stderr)?.[1]);
  expect(kib, run.stderr).toBeGreaterThan(0);
  return { code: run.code, stdout: run.stdout, rss: kib * 1024 };
}

describe('show --from-file at scale', () => {
  it('10,000 artifact outputs: every one listed, in bounded memory', async () => {
    const file = join(work, 'outputs.yaml');
    await writeFile(file, bigRunExport({ outputs: 10_000 }));
    const result = await measured([
      'show',
      'big-run',
      '-n',
      'ci',
      '--from-file',
      file,
      '--oci-layout',
      layout,
      '-o',
      'table',
    ]);
    expect(result.code).toBe(0);
    const rows = result.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(10_001);
    expect(rows[0]).toMatch(/^TASK +ARTIFACT +STATE/);
    expect(new Set(rows.slice(1).map((row) => row.split(/ +/)[1])).size).toBe(10_000);
    expect(result.rss).toBeLessThan(1024 * MiB);
  });

  it('a 40 MB result in a kubectl -o json export costs memory of its order, not 1.5 GB', async () => {
    const file = join(work, 'result.json');
    await writeFile(file, JSON.stringify(parse(bigRunExport({ outputs: 1, resultBytes: 40_000_000 }))));
    const result = await measured([
      'show',
      'big-run',
      '-n',
      'ci',
      '--from-file',
      file,
      '--oci-layout',
      layout,
      '-o',
      'name',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(result.rss).toBeLessThan(600 * MiB);
  });
});
