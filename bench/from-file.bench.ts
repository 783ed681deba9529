/**
 * `show --from-file` of generated exports with 1,000 and 10,000 artifact outputs (every format),
 * CPU seconds and peak RSS from /usr/bin/time, and the 10k/1k ratio: linear work gives about 10
 * (start-up included, somewhat less). No peer tool reads Tekton exports; asserts nothing.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { bigRunExport } from '../test/support/big-run.js';

const exec = promisify(execFile);
const cli = resolve(import.meta.dirname, '..', 'bin', 'tkn-artifacts');

async function measure(args: string[]): Promise<{ cpu: number; rss: number }> {
  const { stderr } = await exec('/usr/bin/time', ['-f', 'bench %U %S %M', cli, ...args], {
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' },
    maxBuffer: 256 * 1024 * 1024,
  });
  const [, user, system, kib] = /bench ([\d.]+) ([\d.]+) (\d+)/.exec(stderr) ?? [];
  return { cpu: Number(user) + Number(system), rss: Number(kib) / 1024 };
}

const work = await mkdtemp(join(tmpdir(), 'tkn-bench-from-file-'));
try {
  const layout = join(work, 'layout');
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(layout, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
  for (const format of ['tree', 'table', 'json', 'name']) {
    const figures: Record<number, { cpu: number; rss: number }> = {};
    for (const outputs of [1_000, 10_000]) {
      const file = join(work, `run-${outputs}.yaml`);
      await writeFile(file, bigRunExport({ outputs }));
      figures[outputs] = await measure([
        'show',
        'big-run',
        '-n',
        'ci',
        '--from-file',
        file,
        '--oci-layout',
        layout,
        '-o',
        format,
      ]);
    }
    const small = figures[1_000] as { cpu: number; rss: number };
    const large = figures[10_000] as { cpu: number; rss: number };
    console.log(
      `  -o ${format.padEnd(5)}  1k: ${small.cpu.toFixed(2)} s CPU, ${small.rss.toFixed(0)} MiB   10k: ${large.cpu.toFixed(2)} s CPU, ${large.rss.toFixed(0)} MiB   10k/1k ${(large.cpu / small.cpu).toFixed(1)}x`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
