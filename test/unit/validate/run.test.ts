// runValidate end to end without a cluster: inputs (directories, stdin), snapshots, formats,
// usage errors. Output is captured through the io seam.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate, type ValidateOptions } from '../../../src/validate/run.js';
import type { ValidationReport } from '../../../src/validate/report.js';
import { FIXTURES, NAMES } from './helpers.js';

async function run(
  options: Partial<ValidateOptions>,
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runValidate({
    inputs: [],
    fromCluster: false,
    defaults: false,
    cluster: {},
    names: NAMES,
    output: 'json',
    failOn: 'error',
    ignoreRules: [],
    noColor: true,
    version: '0.0.0-test',
    cwd: process.cwd(),
    ...options,
    io: {
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      readStdin: async () => stdin,
      colour: false,
    },
  });
  return { code, out, err };
}

async function rejection(p: Promise<unknown>): Promise<Error & { exit?: string; hint?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { exit?: string; hint?: string };
  }
  throw new Error('expected a rejection');
}

const TASK = `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: t
spec:
  results:
    - name: BIG
      maxSize: 5Ki
  steps:
    - image: alpine
`;

describe('runValidate', () => {
  it('walks directories recursively (*.yaml, *.yml), skipping hidden entries and other files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'validate-'));
    mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true });
    mkdirSync(path.join(dir, '.git'));
    writeFileSync(path.join(dir, 'a.yaml'), TASK);
    writeFileSync(path.join(dir, 'nested', 'b.YML'), TASK.replace('name: t', 'name: u'));
    writeFileSync(path.join(dir, 'nested', 'deeper', 'c.yml'), 'kind: ConfigMap\napiVersion: v1\n');
    writeFileSync(path.join(dir, 'nested', 'notes.txt'), 'not yaml: [');
    writeFileSync(path.join(dir, '.git', 'x.yaml'), 'broken: [');
    const { code, out } = await run({ inputs: [dir], defaults: true });
    const report = JSON.parse(out) as ValidationReport;
    expect(code).toBe(1);
    expect(report.summary).toMatchObject({ files: 3, resources: 2, skippedDocuments: 1, errors: 2 });
    expect(report.findings.map((f) => path.relative(dir, f.file))).toEqual([
      'a.yaml',
      path.join('nested', 'b.YML'),
    ]);
    expect(report.configuration.source).toBe("Tekton's defaults (--defaults)");
  });

  it('reads - from standard input', async () => {
    const { code, out } = await run({ inputs: ['-'], defaults: true, output: 'github' }, TASK);
    expect(code).toBe(1);
    expect(out).toMatch(/^::error file=stdin,line=8,col=16,/);
  });

  it('reads the configuration from a snapshot on standard input', async () => {
    const snapshot = `apiVersion: v1
kind: ConfigMap
metadata: {name: feature-flags, namespace: tekton-pipelines}
data: {results-from: sidecar-logs, max-result-size: "8192"}
`;
    const { code, out } = await run(
      { inputs: [`${FIXTURES}/rules/TA201.fail.yaml`], clusterConfig: '-' },
      snapshot,
    );
    const report = JSON.parse(out) as ValidationReport;
    expect(code).toBe(0);
    expect(report.configuration).toMatchObject({
      source: 'a snapshot on standard input',
      featureFlags: { resultsFrom: 'sidecar-logs', maxResultSize: 8192 },
    });
  });

  it('takes the namespace of a one-namespace snapshot when -n is not given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'validate-'));
    const snapshot = path.join(dir, 'snapshot.yaml');
    writeFileSync(
      snapshot,
      `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: feature-flags, namespace: tekton-pipelines}
  data: {enable-artifacts: "true"}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: config-artifact-storage, namespace: tekton-pipelines}
  data: {enabled: "true"}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: config-artifact-storage, namespace: ci, labels: {tekton.dev/config-type: artifact-storage}}
  data: {oci.repository: registry.example.com/ci}
`,
    );
    const rel = `${FIXTURES}/rules/TA102.fail.yaml`;
    const guessed = JSON.parse(
      (await run({ inputs: [rel], clusterConfig: snapshot })).out,
    ) as ValidationReport;
    expect(guessed.configuration.defaultNamespace).toBe('ci');
    expect(guessed.findings).toEqual([]);
    const explicit = JSON.parse(
      (await run({ inputs: [rel], clusterConfig: snapshot, cluster: { namespace: 'other' } })).out,
    ) as ValidationReport;
    expect(explicit.findings.map((f) => f.ruleId)).toEqual(['TA102']);
  });

  it('prints SARIF and human output', async () => {
    const rel = `${FIXTURES}/rules/TA204.fail.yaml`;
    const sarif = await run({ inputs: [rel], defaults: true, output: 'sarif' });
    expect(JSON.parse(sarif.out)).toMatchObject({ version: '2.1.0' });
    expect(sarif.code).toBe(0);
    const human = await run({ inputs: [rel], defaults: true, output: 'human', failOn: 'warning' });
    expect(human.code).toBe(1);
    expect(human.out).toContain('warning  TA204');
  });

  it('returns 2 for malformed YAML and still prints the report', async () => {
    const { code, out } = await run({
      inputs: [`${FIXTURES}/rules/TA001.fail.yaml`],
      defaults: true,
      failOn: 'none',
    });
    expect(code).toBe(2);
    expect((JSON.parse(out) as ValidationReport).summary.verdict).toBe('invalid-input');
  });

  it('leaves out --ignore-rule rules, by id or name', async () => {
    const rel = `${FIXTURES}/rules/TA404.fail.yaml`;
    const { code, out } = await run({ inputs: [rel], defaults: true, ignoreRules: ['ta404'] });
    expect(code).toBe(0);
    expect((JSON.parse(out) as ValidationReport).findings).toEqual([]);
    expect((await run({ inputs: [rel], defaults: true, ignoreRules: ['feature-flag-disabled'] })).code).toBe(
      0,
    );
  });

  it('rejects bad usage with usage errors (exit 2)', async () => {
    const cases: Array<[Partial<ValidateOptions>, RegExp]> = [
      [{}, /nothing to validate/],
      [{ inputs: ['x.yaml'], defaults: true, clusterConfig: 'c.yaml' }, /alternatives/],
      [{ exportConfig: 'c.yaml', defaults: true }, /reads the live cluster/],
      [{ exportConfig: '-', inputs: ['x.yaml'] }, /standard output/],
      [{ inputs: ['-'], clusterConfig: '-' }, /standard input cannot be both/],
      [{ inputs: ['x.yaml'], defaults: true, ignoreRules: ['TA999'] }, /unknown rule TA999/],
    ];
    for (const [options, message] of cases) {
      const e = await rejection(run(options));
      expect(e.name).toBe('CliError');
      expect(e.exit).toBe('usage');
      expect(e.message).toMatch(message);
    }
  });

  it('reports unreadable inputs as InputError (exit 2)', async () => {
    const missing = await rejection(run({ inputs: ['does/not/exist.yaml'], defaults: true }));
    expect(missing.name).toBe('InputError');
    expect(missing.message).toBe('does/not/exist.yaml: no such file or directory');
    const empty = mkdtempSync(path.join(tmpdir(), 'validate-'));
    const none = await rejection(run({ inputs: [empty], defaults: true }));
    expect(none.name).toBe('InputError');
    expect(none.message).toMatch(/no \*\.yaml or \*\.yml files/);
    const badSnapshot = await rejection(
      run({ inputs: [`${FIXTURES}/rules/TA001.pass.yaml`], clusterConfig: 'nope.yaml' }),
    );
    expect(badSnapshot.name).toBe('InputError');
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'validate-')), 'snapshot.yaml');
    writeFileSync(broken, 'apiVersion: v1\nkind: List\nitems: [\n');
    const malformedSnapshot = await rejection(
      run({ inputs: [`${FIXTURES}/rules/TA001.pass.yaml`], clusterConfig: broken }),
    );
    expect(malformedSnapshot.name).toBe('InputError');
    expect(malformedSnapshot.message).toMatch(/snapshot\.yaml:4:1: invalid YAML/);
  });

  it('without a snapshot or --defaults, needs a kubeconfig, and says what else would do', async () => {
    const saved = { KUBECONFIG: process.env['KUBECONFIG'], HOME: process.env['HOME'] };
    try {
      process.env['KUBECONFIG'] = path.join(tmpdir(), 'no-such-kubeconfig');
      const e = await rejection(run({ inputs: [`${FIXTURES}/rules/TA001.pass.yaml`] }));
      expect(e.exit).toBe('usage');
      expect(e.hint).toMatch(/--cluster-config FILE .* or --defaults/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
