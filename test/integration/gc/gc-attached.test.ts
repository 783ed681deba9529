/**
 * gc --include-attached end to end (TEP-0164's build-output variant): Tekton referrers that runs
 * attached to a build output in the artifact repository. The image is written by crane and
 * signed by cosign; each run's referrer by `oras attach` with the annotations Tekton writes
 * (docs/formats.md). Run "gone-build" no longer exists, "live-build" does.
 *
 * Asserted: without --include-attached nothing attached is planned and the plan says why; with
 * it, exactly the gone run's referrer goes; the image, its tag, its cosign signature and the live
 * run's referrer stay, and on distribution the fallback tag lists only what still exists.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oras, testEnv, type TestEnv } from '../../env/context.js';
import { runCli } from '../../support/cli.js';
import {
  cosignSign,
  cosignTag,
  craneIndex,
  producerTools,
  type ProducerTools,
} from '../../support/producers.js';
import type { GcPlan } from '../../../src/gc/plan.js';
import type { GcReport } from '../../../src/gc/apply.js';
import {
  createPipelineRun,
  deleteRunObject,
  ensureNamespace,
  exists,
  fallbackProblems,
  gcArgs,
  repositoryOf,
  snapshot,
} from './fixtures.js';

describe.each(['olareg', 'distribution'] as const)('gc --include-attached against %s', (registryName) => {
  let env: TestEnv;
  let host: string;
  let tools: ProducerTools;
  const namespace = `gca-${registryName.slice(0, 4)}`;
  const repository = `gc-attached/${registryName}-app`;
  let image: string;
  let gone: string;
  let live: string;

  const gc = (args: string[]) => runCli(gcArgs(env, namespace, host, repository, args));

  /** `oras attach` of a Tekton build-output referrer naming `run`; returns its digest. */
  const attach = async (run: string, artifact: string): Promise<string> => {
    const file = `${artifact}.json`;
    await writeFile(join(tools.workDir, file), JSON.stringify({ run, artifact }));
    const out = await oras(
      env,
      [
        'attach',
        '--plain-http',
        '--artifact-type',
        'application/vnd.tekton.artifact.v1',
        '--annotation',
        `dev.tekton.artifact/pipelinerun=${run}`,
        '--annotation',
        `dev.tekton.artifact/namespace=${namespace}`,
        '--annotation',
        `dev.tekton.artifact/name=${artifact}`,
        '--annotation',
        'dev.tekton.artifact/build-output=true',
        '--format',
        'json',
        `${host}/${repository}@${image}`,
        `${file}:application/json`,
      ],
      { cwd: tools.workDir },
    );
    return (JSON.parse(out) as { digest: string }).digest;
  };

  beforeAll(async () => {
    env = testEnv();
    host = env.registries[registryName].host;
    tools = await producerTools(env, 'gc-attached-');
    await ensureNamespace(env, namespace);
    // The build output: one platform's image (crane), its tag `v1`, signed by cosign (.sig tag).
    const built = await craneIndex(tools, `${host}/${repository}`, 'v1', ['linux/amd64']);
    image = built.images['linux/amd64']!;
    await cosignSign(tools, `${host}/${repository}@${image}`);
    await createPipelineRun(env, { namespace, name: 'gone-build' });
    await createPipelineRun(env, { namespace, name: 'live-build' });
    gone = await attach('gone-build', 'sbom');
    live = await attach('live-build', 'sbom');
    await deleteRunObject(env, 'PipelineRun', namespace, 'gone-build');
  });

  afterAll(async () => {
    if (tools?.workDir) await rm(tools.workDir, { recursive: true, force: true });
  });

  it('without --include-attached plans nothing attached and says why; the registry is unchanged', async () => {
    const before = await snapshot(host, repository);
    const result = await gc(['-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as GcPlan;
    expect(plan.groups).toEqual([]);
    expect(plan.warnings.join('\n')).toMatch(/considered only with --include-attached/);
    expect(await snapshot(host, repository)).toEqual(before);
  });

  it('with --include-attached deletes exactly the gone run’s referrer; image, signature and live referrer stay', async () => {
    const planned = await gc(['--include-attached', '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as GcPlan;
    expect(plan.groups.map((g) => [g.origin, g.kind, g.name])).toEqual([
      ['attached', 'PipelineRun', 'gone-build'],
    ]);
    const deleting = plan.groups.flatMap((g) => g.delete.map((i) => i.digest));
    expect(deleting).toContain(gone);
    expect(deleting).not.toContain(image);
    expect(deleting).not.toContain(live);

    const applied = await gc(['--include-attached', '--apply', '-o', 'json']);
    expect(applied.code, applied.stderr).toBe(0);
    const report = JSON.parse(applied.stdout) as GcReport;
    expect(report.kind).toBe('GcReport');

    expect(await exists(host, repository, gone)).toBe(false);
    expect(await exists(host, repository, live)).toBe(true);
    expect(await exists(host, repository, image)).toBe(true);
    const repo = repositoryOf(host, repository);
    expect((await repo.resolve('v1-amd64')).digest).toBe(image);
    // cosign's signature tag still names a manifest that exists.
    const signature = await repo.resolve(cosignTag(image, 'sig'));
    expect(await exists(host, repository, signature.digest)).toBe(true);
    if (registryName === 'distribution') expect(await fallbackProblems(host, repository)).toEqual([]);

    // A second run finds nothing more to do.
    const again = await gc(['--include-attached', '-o', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as GcPlan).groups).toEqual([]);
  });
});
