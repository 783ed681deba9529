// kubectl's own plugin completion reaching ours: the real kubectl (built from the same
// Kubernetes release as the API server) runs `kubectl __complete tkn artifacts …`, finds
// kubectl-tkn-artifacts and kubectl_complete-tkn-artifacts on PATH as a user's install has
// them, and lists PipelineRuns from the test API server for the run argument.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApply, testEnv } from '../env/context.js';

const root = resolve(import.meta.dirname, '../..');
const pathDir = mkdtempSync(join(tmpdir(), 'tkn-artifacts-kubectl-path-'));
const run = `completion-run-${randomBytes(3).toString('hex')}`;

function kubectlComplete(...words: string[]): { candidates: string[]; directive: string } {
  const env = testEnv();
  const result = spawnSync(env.bin.kubectl, ['__complete', 'tkn', 'artifacts', ...words], {
    encoding: 'utf8',
    env: {
      PATH: `${pathDir}:/usr/bin:/bin`,
      HOME: pathDir,
      KUBECONFIG: env.kube.adminKubeconfig,
    },
  });
  expect(result.status, result.stderr).toBe(0);
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  const directive = lines.pop() ?? '';
  return { candidates: lines, directive };
}

beforeAll(async () => {
  const env = testEnv();
  // What a user's PATH holds after the README's install: the plugin, its completion, kubectl.
  symlinkSync(join(root, 'bin', 'kubectl-tkn-artifacts'), join(pathDir, 'kubectl-tkn-artifacts'));
  symlinkSync(
    join(root, 'bin', 'kubectl_complete-tkn-artifacts'),
    join(pathDir, 'kubectl_complete-tkn-artifacts'),
  );
  symlinkSync(env.bin.kubectl, join(pathDir, 'kubectl'));
  await kubeApply(env, {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name: run, namespace: env.kube.namespace },
    spec: { pipelineRef: { name: 'build' } },
  });
});

afterAll(() => rmSync(pathDir, { recursive: true, force: true }));

describe('kubectl tkn artifacts <TAB>', () => {
  it('offers our commands, through kubectl', () => {
    const { candidates, directive } = kubectlComplete('');
    expect(candidates).toEqual(expect.arrayContaining(['show', 'pull', 'validate', 'completion']));
    expect(candidates).not.toContain('__complete');
    expect(directive).toBe(':4');
  });

  it("offers a command's flags and a flag's values", () => {
    expect(kubectlComplete('validate', '-o', '')).toEqual({
      candidates: ['human', 'json', 'sarif', 'github'],
      directive: ':4',
    });
    expect(kubectlComplete('pull', '--ar').candidates).toEqual([
      '--artifact',
      '--artifact-ref',
      '--artifact-type',
    ]);
  });

  it('offers the PipelineRuns in the namespace, listed by kubectl from the API server', () => {
    const env = testEnv();
    const { candidates } = kubectlComplete('show', '-n', env.kube.namespace, 'completion-run-');
    expect(candidates).toContain(run);
    // Another namespace has none of them.
    expect(kubectlComplete('show', '-n', 'tekton-pipelines', 'completion-run-').candidates).toEqual([]);
  });
});
