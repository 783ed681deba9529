/**
 * show end to end: the real CLI (bin/tkn-artifacts, built dist/) against the real servers, on a
 * run mixing producers pushed with the oras CLI to both registries (the referrers API on olareg,
 * the sha256-<hex> tag schema on distribution 2.8) and stored in the real kube-apiserver, with
 * status written through the status subresource as Tekton's controller writes it.
 */
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testEnv, type TestEnv } from '../../env/context.js';
import { createRun, loadIntoCluster } from '../../support/cluster.js';
import { exampleShow, runCli, type CliResult } from '../../support/cli.js';
import { runTool } from '../../env/run-tool.js';
import { pushScenario, type Scenario } from '../../support/scenario.js';
import type { ArtifactNode, ArtifactTree } from '../../../src/tree/model.js';

const root = resolve(import.meta.dirname, '..', '..', '..');

function tkn(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { env });
}

function artifact(tree: ArtifactTree, task: string, name: string): ArtifactNode {
  const taskRun = tree.taskRuns.find((t) => t.pipelineTask === task);
  const found = taskRun?.artifacts.find((a) => a.name === name);
  if (!found)
    throw new Error(
      `no artifact ${task}/${name} in ${JSON.stringify(tree.taskRuns.map((t) => [t.pipelineTask, t.artifacts.map((a) => a.name)]))}`,
    );
  return found;
}

/**
 * The tree without what legitimately differs between the two registries: hosts, the namespace
 * (written into manifests, so their digests differ too: each digest becomes its order of first
 * appearance), and how referrers were listed.
 */
function comparable(tree: ArtifactTree, host: string, namespace: string): unknown {
  const text = JSON.stringify({
    ...tree,
    storage: { ...tree.storage, referrers: undefined },
    run: { ...tree.run, source: undefined },
  });
  const seen = new Map<string, string>();
  const canonical = text
    .split(host)
    .join('REGISTRY')
    .split(namespace)
    .join('NS')
    // oras stamps what it pushes with the time of the push.
    .replace(/"org\.opencontainers\.image\.created":"[^"]*"/g, '"org.opencontainers.image.created":"TIME"')
    .replace(/sha256:[0-9a-f]{64}/g, (digest) => {
      if (!seen.has(digest)) seen.set(digest, `digest-${seen.size}`);
      return seen.get(digest) as string;
    });
  return JSON.parse(canonical);
}

/** Namespaces of equal length, so that manifests differ in digest but not in size. */
const namespaces = { olareg: 'show-oci11', distribution: 'show-dist2' } as const;

const loaded: Partial<
  Record<'olareg' | 'distribution', { scenario: Scenario; host: string; namespace: string }>
> = {};

describe.each(['olareg', 'distribution'] as const)('show against %s', (registryName) => {
  let env: TestEnv;
  let scenario: Scenario;
  let host: string;
  const namespace = namespaces[registryName];

  beforeAll(async () => {
    env = testEnv();
    host = env.registries[registryName].host;
    scenario = await pushScenario({
      oras: env.bin.oras,
      destination: { kind: 'registry', host },
      registry: host,
      namespace,
    });
    await loadIntoCluster(env, scenario);
    loaded[registryName] = { scenario, host, namespace };
  });

  const common = () => ['-n', namespace, '--kubeconfig', env.kube.adminKubeconfig, '--plain-http', host];

  it('resolves every producer, marks outcomes, and reports dangling and unreported content', async () => {
    const result = await tkn(['show', scenario.pipelineRun, ...common(), '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.apiVersion).toBe('tkn-artifacts.tekton.dev/v1alpha1');
    expect(tree.run).toMatchObject({
      kind: 'PipelineRun',
      name: scenario.pipelineRun,
      namespace,
      outcome: 'Failed',
    });
    expect(tree.taskRuns.map((t) => [t.pipelineTask, t.outcome])).toEqual([
      ['clone', 'Succeeded'],
      ['build', 'Succeeded'],
      ['test', 'Failed'],
      ['report', 'Succeeded'],
    ]);
    expect(tree.storage.repository).toBe(scenario.repositories.artifacts);
    expect(tree.storage.root).toMatchObject({
      digest: scenario.digests.root,
      foundBy: `tag ${namespace}.${scenario.pipelineRun}`,
    });
    expect(tree.storage.referrers).toBe(registryName === 'olareg' ? 'api' : 'tag-schema');

    // Konflux trusted artifact: a blob, found and sized.
    const source = artifact(tree, 'clone', 'SOURCE_ARTIFACT');
    expect(source).toMatchObject({
      state: 'present',
      usable: true,
      digest: scenario.digests.sourceBlob,
      digestRefersTo: 'blob',
    });
    expect(source.producers).toContain('konflux-trusted-artifact');

    // Chains type hints: the multi-arch image with its referrers, two levels deep.
    const build = tree.taskRuns.find((t) => t.pipelineTask === 'build')!;
    const image = build.artifacts.find((a) => a.digest === scenario.digests.index)!;
    expect(image).toMatchObject({ state: 'present', usable: true });
    expect(image.producers).toContain('chains-type-hint');
    expect(image.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const sbom = image.referrers.find((r) => r.digest === scenario.digests.sbom)!;
    expect(sbom).toMatchObject({ kind: 'sbom', artifactType: 'application/spdx+json' });
    expect(sbom.referrers.map((r) => r.digest)).toEqual([scenario.digests.sbomSignature]);
    expect(image.referrers.find((r) => r.digest === scenario.digests.signature)?.kind).toBe('signature');
    // Build-output variant: this run's attachment is shown, another run's attachment to the same image is not.
    const attached = image.referrers.find((r) => r.digest === scenario.digests.attachedImages);
    expect(attached?.annotations?.['dev.tekton.artifact/pipelinerun']).toBe(scenario.pipelineRun);
    expect(image.referrers.map((r) => r.digest)).not.toContain(scenario.digests.foreignImages);

    // TEP-0193 artifacts: usable from the build that succeeded, present but not usable from the failed test.
    expect(artifact(tree, 'build', 'images')).toMatchObject({
      state: 'present',
      usable: true,
      digest: scenario.digests.images,
    });
    const junit = artifact(tree, 'test', 'junit');
    expect(junit).toMatchObject({ state: 'present', usable: false, digest: scenario.digests.junit });
    expect(junit.files).toEqual([expect.objectContaining({ title: 'junit', mediaType: 'application/xml' })]);
    expect(artifact(tree, 'test', 'coverage').files).toEqual([
      expect.objectContaining({ archive: 'tar+gzip' }),
    ]);
    expect(artifact(tree, 'test', 'screenshots')).toMatchObject({ state: 'dangling', usable: false });
    expect(artifact(tree, 'report', 'summary')).toMatchObject({
      state: 'inline',
      usable: true,
      inline: expect.stringContaining('coverage 66.7%'),
    });

    // Stored under the root but reported by no status: shown, attributed, and listed as a problem.
    expect(artifact(tree, 'test', 'logs')).toMatchObject({
      state: 'present',
      reportedAt: [],
      digest: scenario.digests.logs,
    });
    expect(tree.problems.map((p) => [p.kind, p.artifact]).sort()).toEqual([
      ['dangling', 'screenshots'],
      ['unreported', 'logs'],
    ]);
  });

  it('shows a run whose PipelineRun is gone, from the registry alone', async () => {
    const result = await tkn([
      'show',
      `${scenario.repositories.artifacts}:${namespace}.${scenario.pipelineRun}`,
      '--plain-http',
      host,
      '-o',
      'json',
    ]);
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.run).toMatchObject({ kind: 'Artifact', outcome: 'Unknown' });
    const names = Object.fromEntries(
      tree.taskRuns.map((t) => [t.name, t.artifacts.map((a) => a.name).sort()]),
    );
    expect(names).toEqual({
      [`${scenario.pipelineRun}-build`]: ['images'],
      [`${scenario.pipelineRun}-test`]: ['coverage', 'junit', 'logs'],
    });
    // The same through --pipelinerun and --repository.
    const byName = await tkn([
      'show',
      '--pipelinerun',
      scenario.pipelineRun,
      '--repository',
      scenario.repositories.artifacts,
      '-n',
      namespace,
      '--plain-http',
      host,
      '-o',
      'name',
    ]);
    expect(byName.code).toBe(0);
    expect(byName.stdout.trim().split('\n').sort()).toEqual(
      [scenario.digests.images, scenario.digests.junit, scenario.digests.coverage, scenario.digests.logs]
        .map((d) => `${scenario.repositories.artifacts}@${d}`)
        .sort(),
    );
  });

  it('shows a Konflux oci: blob URI as that blob, and -o name hands such URIs back', async () => {
    const uri = `oci:${scenario.repositories.source}@${scenario.digests.sourceBlob}`;
    // The size as oras sees it (a HEAD on the blob).
    const descriptor = JSON.parse(
      await runTool(env.bin.oras, [
        'blob',
        'fetch',
        '--plain-http',
        '--descriptor',
        `${scenario.repositories.source}@${scenario.digests.sourceBlob}`,
      ]),
    ) as { size: number };
    const result = await tkn(['show', uri, '--plain-http', host, '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.run).toMatchObject({ kind: 'Artifact', name: uri, outcome: 'Unknown' });
    expect(tree.taskRuns).toEqual([]);
    expect(tree.artifact).toMatchObject({
      state: 'present',
      digest: scenario.digests.sourceBlob,
      digestRefersTo: 'blob',
      size: descriptor.size,
      referrers: [],
      producers: ['konflux-trusted-artifact'],
    });
    const text = await tkn(['show', uri, '--plain-http', host]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`app-trusted-artifacts  ✔ present (task outcome unknown)  `);
    const names = await tkn(['show', uri, '--plain-http', host, '-o', 'name']);
    expect(names.stdout).toBe(`${uri}\n`);
    // The run's own names: the Konflux blob as its oci: URI (show and pull take it), manifests by digest.
    const runNames = (await tkn(['show', scenario.pipelineRun, ...common(), '-o', 'name'])).stdout.split(
      '\n',
    );
    expect(runNames).toContain(uri);
    expect(runNames).not.toContain(uri.slice('oci:'.length));
    expect(runNames).toContain(`${scenario.repositories.artifacts}@${scenario.digests.junit}`);
    for (const name of [uri, `${scenario.repositories.artifacts}@${scenario.digests.junit}`]) {
      expect((await tkn(['show', name, '--plain-http', host, '-o', 'name'])).code).toBe(0);
    }
    // Not there: exit 3, as for any reference.
    const missing = await tkn([
      'show',
      `oci:${scenario.repositories.source}@sha256:${'0'.repeat(64)}`,
      '--plain-http',
      host,
    ]);
    expect(missing.code).toBe(3);
  });

  it('prints a readable tree and table when not on a terminal', async () => {
    const tree = await tkn(['show', scenario.pipelineRun, ...common()]);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain(`PipelineRun ${scenario.pipelineRun} (namespace ${namespace})  ✘ Failed`);
    expect(tree.stdout).toMatch(/├── build \(build-app-x7k2-build\) {2}✔ Succeeded/);
    expect(tree.stdout).toContain('linux/arm64');
    expect(tree.stdout).not.toContain('\u001b[');
    const table = await tkn(['show', scenario.pipelineRun, ...common(), '-o', 'table', '--task', 'test']);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TASK\s+ARTIFACT\s+STATE/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(/\s{3,}/)[1])
        .sort(),
    ).toEqual(['coverage', 'junit', 'logs', 'screenshots']);
    // Short digests, said once; the unreported problem in STATE; rows that fit 120 columns.
    const rows = lines.map((line) => line.split(/\s{3,}/));
    expect(rows.find((cells) => cells[1] === 'logs')?.[2]).toBe('unreported');
    expect(rows.find((cells) => cells[1] === 'screenshots')?.[2]).toBe('dangling');
    expect(rows.find((cells) => cells[1] === 'logs')?.slice(4)).toEqual([
      scenario.digests.logs.slice(0, 'sha256:'.length + 12),
      scenario.repositories.artifacts,
    ]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
    const whole = await tkn(['show', scenario.pipelineRun, ...common(), '-o', 'table', '--full-digests']);
    expect(whole.stdout).toContain(`${scenario.digests.logs}   ${scenario.repositories.artifacts}\n`);
  });
});

describe('show on both registries', () => {
  it('gives the same tree through the referrers API and through the tag schema', async () => {
    const env = testEnv();
    const trees = await Promise.all(
      (['olareg', 'distribution'] as const).map(async (name) => {
        const entry = loaded[name];
        if (!entry) throw new Error(`the ${name} suite did not load its scenario`);
        const result = await tkn([
          'show',
          entry.scenario.pipelineRun,
          '-n',
          entry.namespace,
          '--kubeconfig',
          env.kube.adminKubeconfig,
          '--plain-http',
          entry.host,
          '-o',
          'json',
        ]);
        expect(result.code).toBe(0);
        return comparable(JSON.parse(result.stdout) as ArtifactTree, entry.host, entry.namespace);
      }),
    );
    expect(trees[1]).toEqual(trees[0]);
  });
});

describe('show errors', () => {
  it('says when the run does not exist, with exit code 3', async () => {
    const env = testEnv();
    const result = await tkn([
      'show',
      'no-such-run',
      '-n',
      'default',
      '--kubeconfig',
      env.kube.adminKubeconfig,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/PipelineRun.*no-such-run.*not found/i);
  });

  it('says when no repository is configured to look in, with exit code 5', async () => {
    const env = testEnv();
    const result = await tkn([
      'show',
      '--pipelinerun',
      'pruned-run',
      '-n',
      'default',
      '--kubeconfig',
      env.kube.adminKubeconfig,
    ]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('no artifact repository is configured for namespace default');
    expect(result.stderr).toContain('Hint: pass --repository');
  });

  it('says when a registry cannot be reached, with exit code 6', async () => {
    const result = await tkn(['show', '127.0.0.1:9/ci/artifacts:ci.gone', '--plain-http', '127.0.0.1:9']);
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/127\.0\.0\.1:9/);
  });

  it('turns a 403 into a clear message with exit code 4', async () => {
    const env = testEnv();
    // The restricted identity may get PipelineRuns in its namespace, but not TaskRuns.
    const ns = env.kube.namespace;
    await createRun(env, {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: 'restricted-run', namespace: ns },
      spec: { pipelineRef: { name: 'p' } },
      status: {
        conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
        childReferences: [
          { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: 'restricted-run-a', pipelineTaskName: 'a' },
        ],
      },
    });
    const result = await tkn([
      'show',
      'restricted-run',
      '-n',
      ns,
      '--kubeconfig',
      env.kube.restrictedKubeconfig,
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/forbidden/i);
    expect(result.stderr).toMatch(/taskruns/);
  });
});

describe('show offline on the shipped example', () => {
  it('reads examples/run.yaml and examples/layout with no cluster and no registry', async () => {
    const result = await tkn([...exampleShow, '-o', 'json'], { KUBECONFIG: '/nonexistent' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.storage.referrers).toBe('layout');
    expect(tree.storage.root?.foundBy).toBe('tag ci.build-app-x7k2');
    expect(tree.taskRuns.map((t) => t.pipelineTask)).toEqual(['clone', 'build', 'test', 'report']);
    expect(artifact(tree, 'test', 'screenshots').state).toBe('dangling');
    expect(artifact(tree, 'clone', 'SOURCE_ARTIFACT').state).toBe('present');
  });

  it("shows one TaskRun without taking its siblings' content for unreported", async () => {
    const result = await tkn(
      [
        'show',
        'taskrun/build-app-x7k2-test',
        '--from-file',
        join(root, 'examples/run.yaml'),
        '--oci-layout',
        join(root, 'examples/layout'),
        '-o',
        'json',
      ],
      { KUBECONFIG: '/nonexistent' },
    );
    expect(result.code).toBe(0);
    const tree = JSON.parse(result.stdout) as ArtifactTree;
    expect(tree.taskRuns.map((t) => t.name)).toEqual(['build-app-x7k2-test']);
    expect(tree.unreported).toEqual([]);
    // Only the test task's own problems: its dangling screenshots and its unreported logs.
    expect(tree.problems.map((p) => `${p.kind} ${p.taskRun}/${p.artifact}`).sort()).toEqual([
      'dangling test/screenshots',
      'unreported test/logs',
    ]);
  });
});
