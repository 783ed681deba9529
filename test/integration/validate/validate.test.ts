/**
 * validate end to end: the real CLI (bin/tkn-artifacts, built dist/) reading the configuration
 * from the real kube-apiserver, then the same verdicts from a snapshot it exported; and Tasks and
 * Pipelines read from the cluster with --from-cluster. Each run uses its own namespaces, with
 * --tekton-namespace pointing at a private "Tekton" namespace, so no other test's ConfigMaps
 * are involved.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubeApply, kubeRequest, testEnv, type KubeObject, type TestEnv } from '../../env/context.js';
import { toVirtualFile } from '../../../src/validate/cluster.js';
import type { ValidationReport } from '../../../src/validate/report.js';
import { cliPath as cli, runCli, type CliResult } from '../../support/cli.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'validate', 'cluster');

function tkn(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: root, bin: cli });
}

function report(r: CliResult): ValidationReport {
  try {
    return JSON.parse(r.stdout) as ValidationReport;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

/** What must not differ between live and snapshot: every finding, and the verdict. */
function verdicts(r: ValidationReport): unknown {
  return {
    summary: r.summary,
    findings: r.findings,
    storage: r.configuration.storage.map((s) => ({ ...s, from: undefined })),
  };
}

const suffix = randomBytes(3).toString('hex');
const tekton = `validate-tekton-${suffix}`;
const teamA = `validate-a-${suffix}`;
const teamB = `validate-b-${suffix}`;

function configMap(
  namespace: string,
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    data,
  };
}

function fixtureObject(file: string, namespace: string): KubeObject {
  const obj = parse(readFileSync(join(fixtures, file), 'utf8')) as KubeObject;
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

describe('validate against the test kube-apiserver', () => {
  let env: TestEnv;
  let workDir: string;
  // The fixtures use the proposed artifact API, which the test CRDs (like every released
  // Tekton's) do not declare: --artifact-api served reaches the TEP rules.
  const base = () => [
    '--kubeconfig',
    env.kube.adminKubeconfig,
    '--tekton-namespace',
    tekton,
    '--artifact-api',
    'served',
  ];

  beforeAll(async () => {
    env = testEnv();
    workDir = join(env.runDir, 'work', `validate-${suffix}`);
    mkdirSync(workDir, { recursive: true });
    for (const ns of [tekton, teamA, teamB]) {
      await kubeApply(env, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    // Storage on without a repository at cluster level; team A brings its own; matrix is beta and
    // the cluster allows stable fields only.
    await kubeApply(
      env,
      configMap(tekton, 'feature-flags', { 'enable-artifacts': 'true', 'enable-api-fields': 'stable' }),
    );
    await kubeApply(env, configMap(tekton, 'config-artifact-storage', { enabled: 'true' }));
    // What Tekton's config/config-info.yaml installs, with the release's version filled in.
    await kubeApply(env, configMap(tekton, 'pipelines-info', { version: 'v1.14.1' }));
    await kubeApply(
      env,
      configMap(
        teamA,
        'config-artifact-storage',
        { 'oci.repository': 'registry.example.com/team-a/artifacts' },
        {
          'tekton.dev/config-type': 'artifact-storage',
        },
      ),
    );
    for (const ns of [teamA, teamB]) {
      await kubeApply(env, fixtureObject('build.yaml', ns));
      await kubeApply(env, fixtureObject('release.yaml', ns));
    }
  });

  it('reads the live configuration: per-namespace repository, cluster feature flags', async () => {
    const a = await tkn(['validate', fixtures, ...base(), '-n', teamA, '-o', 'json']);
    const ra = report(a);
    expect(ra.configuration.source).toMatch(/^cluster https:\/\/127\.0\.0\.1:\d+ \(context /);
    // The verdict names the release the cluster runs.
    expect(ra.configuration.tekton).toMatchObject({
      version: 'v1.14.1',
      versionSource: expect.stringContaining(`ConfigMap ${tekton}/pipelines-info in cluster https://`),
      artifactApi: { served: true, source: '--artifact-api served' },
    });
    expect(ra.configuration.featureFlags).toMatchObject({
      enableArtifacts: true,
      enableApiFields: 'stable',
      set: { 'enable-artifacts': 'true', 'enable-api-fields': 'stable' },
    });
    expect(ra.configuration.storage.find((s) => s.namespace === teamA)).toMatchObject({
      enabled: true,
      ociRepository: 'registry.example.com/team-a/artifacts',
    });
    expect(ra.findings.map((f) => [f.ruleId, f.file.replace(`${fixtures}/`, ''), f.line, f.column])).toEqual([
      ['TA403', 'release.yaml', 8, 7],
    ]);
    expect(a.code).toBe(1);

    const rb = report(await tkn(['validate', fixtures, ...base(), '-n', teamB, '-o', 'json']));
    expect(rb.findings.map((f) => [f.ruleId, f.file.replace(`${fixtures}/`, ''), f.line, f.column])).toEqual([
      ['TA102', 'build.yaml', 10, 18],
      ['TA403', 'release.yaml', 8, 7],
      ['TA104', 'release.yaml', 18, 19],
    ]);
    expect(rb.findings[0]?.message).toContain(`no OCI repository is configured for namespace "${teamB}"`);
    expect(rb.findings[0]?.message).toContain(
      `enabled is "true" in ConfigMap ${tekton}/config-artifact-storage`,
    );
  });

  it("without --artifact-api, reads the tasks CRD's schema: a cluster without the proposed API rejects its fields", async () => {
    const args = ['--kubeconfig', env.kube.adminKubeconfig, '--tekton-namespace', tekton, '-n', teamA];
    const r = report(await tkn(['validate', join(fixtures, 'build.yaml'), ...args, '-o', 'json']));
    expect(r.configuration.tekton.artifactApi).toEqual({
      served: false,
      source: expect.stringContaining('the schema of CRD tasks.tekton.dev in cluster https://'),
    });
    expect(r.findings.map((f) => [f.ruleId, f.line])).toEqual([['TA507', 7]]);
    // --tekton-version overrides the cluster's, with a note.
    const v = report(
      await tkn([
        'validate',
        join(fixtures, 'build.yaml'),
        ...args,
        '--tekton-version',
        'v1.15.0',
        '-o',
        'json',
      ]),
    );
    expect(v.configuration.tekton).toMatchObject({ version: 'v1.15.0', versionSource: '--tekton-version' });
    expect(v.configuration.warnings).toContainEqual(
      `--tekton-version v1.15.0 overrides v1.14.1 from ConfigMap ${tekton}/pipelines-info in ${r.configuration.source}`,
    );
  });

  it('gives the same verdicts from a snapshot written by --export-config', async () => {
    for (const ns of [teamA, teamB]) {
      const file = join(workDir, `snapshot-${ns}.yaml`);
      const exported = await tkn(['validate', '--export-config', file, ...base(), '-n', ns]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toMatch(/^wrote \d ConfigMaps? from cluster https:/);
      const list = parse(readFileSync(file, 'utf8')) as {
        kind: string;
        apiVersion: string;
        items: KubeObject[];
      };
      expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
      // The namespaces the export looked in, so a check of another one can say it is unknown.
      // And whether the cluster's tasks CRD serves the proposed artifact API (the test CRDs do not).
      expect((list as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations).toEqual(
        {
          'tkn-artifacts.tekton.dev/exported-namespaces': `${tekton},${ns}`,
          'tkn-artifacts.tekton.dev/artifact-api': 'absent',
        },
      );
      const names = list.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
      expect(names).toEqual([
        `${tekton}/feature-flags`,
        `${tekton}/pipelines-info`,
        `${tekton}/config-artifact-storage`,
        ...(ns === teamA ? [`${teamA}/config-artifact-storage`] : []),
      ]);
      // kubectl's layout: sorted keys, sequences at the parent's indentation.
      expect(readFileSync(file, 'utf8')).toMatch(/^apiVersion: v1\nitems:\n- apiVersion: v1\n {2}data:\n/);

      const live = report(await tkn(['validate', fixtures, ...base(), '-n', ns, '-o', 'json']));
      const offline = await tkn([
        'validate',
        fixtures,
        '--cluster-config',
        file,
        '--tekton-namespace',
        tekton,
        '--artifact-api',
        'served',
        '-n',
        ns,
        '-o',
        'json',
      ]);
      const snap = report(offline);
      // The snapshot recorded the release.
      expect(snap.configuration.tekton.version).toBe('v1.14.1');
      expect(snap.configuration.tekton.versionSource).toBe(
        `ConfigMap ${tekton}/pipelines-info in snapshot ${file}`,
      );
      expect(snap.configuration.source).toBe(`snapshot ${file}`);
      expect(verdicts(snap)).toEqual(verdicts(live));
      expect(snap.configuration.featureFlags).toEqual(live.configuration.featureFlags);
      expect(offline.code).toBe(live.summary.exitCode);
    }
  });

  it('says a namespace the snapshot was not exported for is unknown, rather than taking it for one without a ConfigMap', async () => {
    const file = join(workDir, `snapshot-only-${teamA}.yaml`);
    expect((await tkn(['validate', '--export-config', file, ...base(), '-n', teamA])).code).toBe(0);
    // Team B's Task, checked against team A's snapshot.
    const r = report(
      await tkn([
        'validate',
        join(fixtures, 'build.yaml'),
        '--cluster-config',
        file,
        '--tekton-namespace',
        tekton,
        '-n',
        teamB,
        '-o',
        'json',
      ]),
    );
    expect(r.configuration.warnings).toContainEqual(
      `could not read ConfigMap ${teamB}/config-artifact-storage (snapshot ${file} was exported for namespaces ${tekton}, ${teamA} only, so namespace "${teamB}" is unknown to it; export it with --export-config FILE -n ${teamB}); any namespace-level setting it holds is not shown`,
    );
    const own = report(
      await tkn([
        'validate',
        join(fixtures, 'build.yaml'),
        '--cluster-config',
        file,
        '--tekton-namespace',
        tekton,
        '-o',
        'json',
      ]),
    );
    expect(own.configuration.defaultNamespace).toBe(teamA);
    expect(own.configuration.warnings.join('\n')).not.toContain('unknown to it');
  });

  it('exports to standard output', async () => {
    const r = await tkn(['validate', '--export-config', '-', ...base(), '-n', teamA]);
    expect(r.code).toBe(0);
    const list = parse(r.stdout) as { items: KubeObject[] };
    expect(list.items).toHaveLength(4); // feature-flags, pipelines-info, and the two config-artifact-storage;
  });

  it('checks Tasks and Pipelines read from the cluster, with positions in their YAML', async () => {
    const all = await tkn(['validate', '--from-cluster', ...base(), '-n', teamB, '-o', 'json']);
    const r = report(all);
    expect(r.summary).toMatchObject({ files: 2, resources: 2 });
    const byRule = r.findings.map((f) => [f.ruleId, f.file]);
    expect(byRule).toEqual(
      expect.arrayContaining([
        ['TA102', `cluster/${teamB}/task/build.yaml`],
        ['TA403', `cluster/${teamB}/pipeline/release.yaml`],
        ['TA104', `cluster/${teamB}/pipeline/release.yaml`],
      ]),
    );
    // The position is that of the node in the object as printed (kubectl's layout): the line it
    // names holds the offending value.
    const one = report(
      await tkn(['validate', '--from-cluster', 'task/build', ...base(), '-n', teamB, '-o', 'json']),
    );
    const finding = one.findings.find((f) => f.ruleId === 'TA102');
    expect(finding?.file).toBe(`cluster/${teamB}/task/build.yaml`);
    const fetched = await kubeRequest(env, 'GET', `/apis/tekton.dev/v1/namespaces/${teamB}/tasks/build`);
    const printed = toVirtualFile('Task', fetched.body, teamB).text.split('\n');
    const line = printed[(finding?.line ?? 0) - 1] ?? '';
    expect(line.slice((finding?.column ?? 0) - 1)).toBe('external');
    expect(line.trim()).toBe('storage: external');
    expect(printed.join('\n')).not.toContain('managedFields');

    // SARIF points at the object on the API server, not at a file cluster/… under %SRCROOT%.
    const sarif = JSON.parse(
      (await tkn(['validate', '--from-cluster', 'task/build', ...base(), '-n', teamB, '-o', 'sarif'])).stdout,
    ) as {
      runs: Array<{
        results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: unknown } }> }>;
      }>;
    };
    const server = /^cluster (https:\/\/\S+) /.exec(one.configuration.source)?.[1] ?? '';
    expect(server).not.toBe('');
    expect(sarif.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation).toEqual({
      uri: `${server}/apis/tekton.dev/v1/namespaces/${teamB}/tasks/build`,
      description: { text: `cluster object ${teamB}/task/build.yaml, as kubectl get -o yaml prints it` },
    });

    // A namespace with nothing to check fails the gate instead of passing it.
    const empty = await tkn(['validate', '--from-cluster', ...base(), '-n', tekton]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(
      new RegExp(
        `namespace "${tekton}" of cluster https://\\S+ \\(context [^)]+\\): no Tekton resources .* found: nothing matches task, pipeline there`,
      ),
    );

    const missing = await tkn(['validate', '--from-cluster', 'task/nope', ...base(), '-n', teamB]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/Task "nope" not found in namespace/);
    const bad = await tkn(['validate', '--from-cluster', 'deployment/x', ...base(), '-n', teamB]);
    expect(bad.code).toBe(2);
  });

  it('falls back to defaults, with notes, when the identity may not read the ConfigMaps', async () => {
    const r = await tkn([
      'validate',
      join(fixtures, 'build.yaml'),
      '--kubeconfig',
      env.kube.restrictedKubeconfig,
      '--tekton-namespace',
      tekton,
      '-o',
      'json',
    ]);
    const rep = report(r);
    expect(rep.configuration.warnings.join('\n')).toMatch(
      /could not read ConfigMap .*feature-flags \(forbidden/,
    );
    expect(rep.configuration.featureFlags.status).toBe('unavailable');
    // Artifacts off by default: the Task's artifacts are reported.
    expect(rep.findings.map((f) => f.ruleId)).toContain('TA401');
  });

  it('exits 6 when the cluster cannot be reached, 2 without any configuration source', async () => {
    const kubeconfig = join(workDir, 'unreachable.kubeconfig');
    const text = readFileSync(env.kube.adminKubeconfig, 'utf8').replace(
      /server: \S+/,
      'server: https://127.0.0.1:9',
    );
    writeFileSync(kubeconfig, text);
    const r = await tkn(['validate', join(fixtures, 'build.yaml'), '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:9/);
    const none = await tkn([
      'validate',
      join(fixtures, 'build.yaml'),
      '--kubeconfig',
      join(workDir, 'missing.kubeconfig'),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Hint: validate needs the cluster's configuration/);
  });
});
