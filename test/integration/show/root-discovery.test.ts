/**
 * Root discovery with no storage configuration: an export of runs only (`kubectl get
 * pipelinerun,taskrun -o yaml`, no ConfigMaps) finds the run's root by its `<namespace>.<run>` tag
 * in the repository the TaskRuns' statuses name, on a registry (olareg, distribution 2.8) and in
 * an OCI layout; and a run whose root is gone says so ("root-not-found"; --strict exits 1).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, type TestEnv } from '../../env/context.js';
import { runCli } from '../../support/cli.js';
import { pushScenario, writeRunExport, type Scenario } from '../../support/scenario.js';
import type { ArtifactTree } from '../../../src/tree/model.js';

let env: TestEnv;
let work: string;
beforeAll(async () => {
  env = testEnv();
  work = await mkdtemp(join(tmpdir(), 'root-discovery-'));
});

/** The scenario's run objects without its ConfigMaps. */
async function runsOnly(scenario: Scenario, file: string): Promise<string> {
  await writeRunExport(
    { ...scenario, objects: scenario.objects.filter((o) => o['kind'] !== 'ConfigMap') },
    file,
  );
  return file;
}

function unreportedNames(tree: ArtifactTree): string[] {
  return tree.problems
    .filter((p) => p.kind === 'unreported')
    .map((p) => `${p.taskRun ?? ''}/${p.artifact ?? ''}`)
    .sort();
}

describe.each(['olareg', 'distribution'] as const)('root discovery on %s', (registryName) => {
  let host: string;

  beforeAll(() => {
    host = env.registries[registryName].host;
  });

  it('finds the root tag in the repository the statuses name when the export has no ConfigMap', async () => {
    const namespace = `rd-found-${registryName === 'olareg' ? 'o' : 'd'}`;
    const scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'registry', host },
      registry: host,
      namespace,
    });
    const full = join(work, `${namespace}-full.yaml`);
    await writeRunExport(scenario, full);
    const args = (file: string) => [
      'show',
      scenario.pipelineRun,
      '--from-file',
      file,
      '-n',
      namespace,
      '--plain-http',
      host,
      '-o',
      'json',
    ];
    const withConfig = JSON.parse((await runCli(args(full))).stdout) as ArtifactTree;
    const result = await runCli(args(await runsOnly(scenario, join(work, `${namespace}-runs.yaml`))));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.storage.root).toMatchObject({
      digest: scenario.digests.root,
      foundBy: `tag ${namespace}.${scenario.pipelineRun} in ${scenario.repositories.artifacts}`,
    });
    // The content no status names is found as it is with the configuration.
    expect(unreportedNames(tree)).toEqual(unreportedNames(withConfig));
    expect(unreportedNames(tree).length).toBeGreaterThan(0);
    expect(tree.problems.map((p) => p.kind)).not.toContain('root-not-found');
  });

  it('lists "root-not-found" when the run is grouped under a root that is gone', async () => {
    const namespace = `rd-gone-${registryName === 'olareg' ? 'o' : 'd'}`;
    const scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'registry', host },
      registry: host,
      namespace,
    });
    await oras(env, [
      'manifest',
      'delete',
      '--force',
      `${scenario.repositories.artifacts}@${scenario.digests.root}`,
    ]);
    const file = await runsOnly(scenario, join(work, `${namespace}-runs.yaml`));
    const args = ['show', scenario.pipelineRun, '--from-file', file, '-n', namespace, '--plain-http', host];
    const result = await runCli([...args, '-o', 'json']);
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.storage.root).toBeUndefined();
    expect(tree.problems.filter((p) => p.kind === 'root-not-found')).toEqual([
      expect.objectContaining({
        reference: `${scenario.repositories.artifacts}:${namespace}.${scenario.pipelineRun}`,
        message: expect.stringContaining("the run's root artifact was not found") as unknown,
      }),
    ]);
    const strict = await runCli([...args, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('root-not-found');
  });
});

describe('root discovery in an OCI layout', () => {
  it('finds the <namespace>.<run> root in --oci-layout with an export of runs only', async () => {
    const layout = join(work, 'layout');
    const scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'layout', dir: layout },
      registry: 'registry.example.com',
      namespace: 'rd-layout',
    });
    const file = await runsOnly(scenario, join(work, 'layout-runs.yaml'));
    const result = await runCli([
      'show',
      scenario.pipelineRun,
      '--from-file',
      file,
      '-n',
      'rd-layout',
      '--oci-layout',
      layout,
      '-o',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.storage.root).toMatchObject({
      digest: scenario.digests.root,
      foundBy: expect.stringMatching(/^tag rd-layout\./) as unknown,
    });
    expect(unreportedNames(tree).length).toBeGreaterThan(0);
  });
});
