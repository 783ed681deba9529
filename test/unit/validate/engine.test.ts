// The engine beyond single rules: namespaces and configuration levels, specs referenced from
// elsewhere, embedded specs in runs, Lists, broken documents beside good ones, and filtering.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../../src/validate/config.js';
import { validateFiles } from '../../../src/validate/engine.js';
import { parseYaml } from '../../../src/validate/yaml.js';
import { resolveTarget } from '../../../src/validate/tekton/release.js';
import { at, FIXTURES, NAMES, validateFixtures } from './helpers.js';

/** A cluster serving the proposed artifact API, for the TEP rules. */
const SERVED = resolveTarget({ artifactApi: { served: true, source: 'the test' } });

describe('validate engine', () => {
  it('resolves storage per namespace: a labelled namespace ConfigMap gives a repository, an unlabelled one is ignored', async () => {
    const r = await validateFixtures(['cases/namespaces.yaml']);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0];
    expect(f).toMatchObject({
      ruleId: 'TA102',
      resource: { kind: 'Task', name: 'build', namespace: 'team-b' },
    });
    expect(f).toMatchObject(at('cases/namespaces.yaml', 'storage: external', 'external', 1));
    expect(f?.message).toContain('namespace "team-b"');
    expect(r.configWarnings.some((w) => w.includes('team-b/config-artifact-storage is ignored'))).toBe(true);
    const teamA = r.storage.find((s) => s.namespace === 'team-a');
    expect(teamA).toMatchObject({ enabled: true, ociRepository: 'registry.example.com/team-a/artifacts' });
    expect(teamA?.from['ociRepository']).toBe('ConfigMap team-a/config-artifact-storage');
  });

  it("reports at the reference what only the referencing Pipeline's annotations break", async () => {
    const rel = 'cases/backend-annotation.yaml';
    const r = await validateFixtures([rel]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'TA102',
      resource: { kind: 'Pipeline', name: 'release' },
      ...at(rel, 'name: build', 'build', 3),
    });
    expect(r.findings[0]?.message).toMatch(
      /^pipeline task "build" of Pipeline "release": Task "build" declares/,
    );
  });

  it("checks PipelineRuns: the embedded pipelineSpec with the run's annotations, and the Pipeline a run references", async () => {
    const rel = 'cases/pipelinerun.yaml';
    const r = await validateFixtures([rel]);
    expect(r.findings.map((f) => [f.ruleId, f.resource?.kind, f.line, f.column])).toEqual([
      ['TA205', 'PipelineRun', ...Object.values(at(rel, '- name: IMAGES', 'IMAGES'))],
      ['TA303', 'PipelineRun', ...Object.values(at(rel, 'from: tasks.build.outputs.image', 'tasks'))],
      ['TA102', 'Pipeline', ...Object.values(at(rel, 'storage: external', 'external', 1))],
    ]);
    // The run's annotation supplies the repository: no TA102 for the embedded spec.
    expect(r.findings[0]?.resource?.name).toBe('release-…');
    expect(r.storage.some((s) => s.resource === 'PipelineRun release-…')).toBe(true);
  });

  it('reads kubectl List output, skipping what is not a Tekton resource', async () => {
    const rel = 'cases/list.yaml';
    const r = await validateFixtures([rel]);
    expect(r.resources.map((x) => `${x.kind}/${x.name}/${x.version}`)).toEqual([
      'Task/lint/v1beta1',
      'Task/package/v1',
    ]);
    expect(r.skipped).toBe(1);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ ruleId: 'TA101', ...at(rel, 'storage: external', 'external') });
  });

  it('reports a malformed document with its position and still checks the others', async () => {
    const rel = 'cases/multi-doc-malformed.yaml';
    const r = await validateFixtures([rel]);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['TA101', 'TA001']);
    expect(r.findings[1]).toMatchObject({
      severity: 'error',
      message: 'invalid YAML: Map keys must be unique',
      ...at(rel, 'name: second-again', 'name'),
    });
    expect(r.resources.map((x) => x.name)).toEqual(['first', 'third']);
  });

  it('never throws on odd documents: scalars, lists, empty documents, non-Tekton kinds', () => {
    const text = [
      'just a string',
      '---',
      '- a',
      '- b',
      '---',
      '---',
      'kind: Task',
      'apiVersion: example.com/v1',
      '',
    ].join('\n');
    const snapshot = buildSnapshot({ source: 'defaults', names: NAMES, defaultNamespace: 'default' });
    const r = validateFiles([parseYaml('odd.yaml', text)], snapshot);
    expect(r.findings).toEqual([]);
    expect(r.skipped).toBe(3); // the scalar, the list and the other API group's Task
  });

  it('tolerates wrongly typed fields without crashing', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: odd}
spec:
  tasks:
    - 42
    - name: a
      artifacts: {inputs: "nope"}
      taskSpec: {steps: "x", results: {a: 1}, artifacts: []}
    - name: b
      artifacts:
        inputs: [{name: x}]
  finally: "no"
`;
    const snapshot = buildSnapshot({ source: 'defaults', names: NAMES, defaultNamespace: 'default' });
    const r = validateFiles([parseYaml('odd.yaml', text)], snapshot, { target: SERVED });
    // The webhook's decoding rejects the wrongly typed values (TA502, the proposed fields aside);
    // task "b" has no Task (TA503), binds artifacts (TA401, at its artifacts key) with no from
    // (TA301, at the entry).
    expect(r.findings.map((f) => [f.ruleId, f.line])).toEqual([
      ['TA502', 6],
      ['TA502', 9],
      ['TA502', 9],
      ['TA503', 10],
      ['TA401', 11],
      ['TA301', 12],
      ['TA502', 13],
    ]);
    expect(r.findings.find((f) => f.ruleId === 'TA301')?.message).toContain('invalid from format ""');
    // Where the proposed API is not served, its fields are TA507 instead.
    const plain = validateFiles([parseYaml('odd.yaml', text)], snapshot);
    expect(plain.findings.filter((f) => f.ruleId === 'TA507').map((f) => f.line)).toEqual([8, 9, 11]);
  });

  it('leaves out ignored rules and orders findings by file, line and column', async () => {
    const all = await validateFixtures(['rules/TA106.fail.yaml', 'rules/TA101.fail.yaml'], {
      config: 'storage-off',
    });
    const files = all.findings.map((f) => f.file.replace(`${FIXTURES}/rules/`, ''));
    // Files in the order given, then by position.
    expect(files.indexOf('TA101.fail.yaml')).toBe(files.lastIndexOf('TA106.fail.yaml') + 1);
    const key = (f: { file: string; line: number; column: number }) => [
      files.indexOf(f.file.replace(`${FIXTURES}/rules/`, '')),
      f.line,
      f.column,
    ];
    const keys = all.findings.map(key);
    const sorted = [...keys].sort(
      (a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0),
    );
    expect(keys).toEqual(sorted);
    expect(new Set(all.findings.map((f) => f.ruleId))).toEqual(new Set(['TA101', 'TA105', 'TA106']));
    const some = await validateFixtures(['rules/TA106.fail.yaml', 'rules/TA101.fail.yaml'], {
      config: 'storage-off',
      ignore: new Set(['TA101', 'TA105']),
    });
    expect(some.findings.map((f) => f.ruleId)).toEqual(['TA106', 'TA106', 'TA106']);
  });

  it('gives the same verdicts for tekton.dev/v1beta1 resources', () => {
    const text = `apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: old}
spec:
  results:
    - name: BIG
      maxSize: 5Ki
  steps:
    - image: alpine
      script: echo > $(results.BIG.path)
`;
    const snapshot = buildSnapshot({ source: 'defaults', names: NAMES, defaultNamespace: 'default' });
    const r = validateFiles([parseYaml('old.yaml', text)], snapshot, { target: SERVED });
    expect(r.findings.map((f) => [f.ruleId, f.line, f.column])).toEqual([['TA201', 7, 16]]);
  });
});

describe('validate engine: feature flags beyond the rule fixtures', () => {
  const defaults = buildSnapshot({ source: 'defaults', names: NAMES, defaultNamespace: 'default' });
  const stepActionsOff = buildSnapshot({
    source: 'snapshot',
    names: NAMES,
    defaultNamespace: 'default',
    featureFlags: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'feature-flags', namespace: 'tekton-pipelines' },
      data: { 'enable-step-actions': 'false' },
    },
  });
  const findings = (text: string, snapshot = defaults) =>
    validateFiles([parseYaml('t.yaml', text)], snapshot).findings.map((f) => [f.ruleId, f.line, f.column]);

  it("TA401: Tekton's own artifact references, in step scripts and in pipeline task params", () => {
    const task = `apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  steps:
    - name: a
      image: alpine
      args: ["$(steps.fetch.outputs.source)"]
`;
    expect(findings(task)).toEqual([['TA401', 8, 15]]); // at the $ of the reference
    const pipeline = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: a
      taskRef: {name: a}
    - name: b
      params:
        - name: list
          value: [x, "$(tasks.a.inputs.source)"]
      taskRef: {name: b}
`;
    expect(findings(pipeline)).toEqual([['TA401', 11, 23]]);
    // Results are no artifacts, and a StepAction's params are not where Tekton looks.
    const other = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: a
      taskRef: {name: a}
    - name: b
      params: [{name: x, value: "$(tasks.a.results.digest)"}]
      taskSpec:
        steps:
          - ref: {name: s}
            params: [{name: y, value: "$(steps.x.outputs.y)"}]
`;
    expect(findings(other)).toEqual([]);
  });

  it('TA405: step results and step when, with enable-step-actions "false", and not by default', () => {
    const task = `apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  steps:
    - name: a
      image: alpine
      results: [{name: digest}]
    - name: b
      image: alpine
      when: [{input: "$(params.x)", operator: in, values: ["y"]}]
`;
    expect(findings(task, stepActionsOff)).toEqual([
      ['TA405', 8, 7],
      ['TA405', 11, 7],
    ]);
    expect(findings(task)).toEqual([]);
  });
});

describe('validate engine: values that contain themselves never reach the rules', () => {
  it('reports them as TA001 and checks the other documents', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: loop}
spec:
  tasks:
    - &t {name: a, params: [{name: x, value: *t}]}
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: ok}
spec:
  results:
    - name: BIG
      maxSize: 5Ki
  steps: [{image: alpine}]
`;
    const snapshot = buildSnapshot({ source: 'defaults', names: NAMES, defaultNamespace: 'default' });
    const r = validateFiles([parseYaml('mixed.yaml', text)], snapshot, { target: SERVED });
    expect(r.resources.map((x) => x.name)).toEqual(['ok']);
    expect(r.findings.map((f) => [f.ruleId, f.line])).toEqual([
      ['TA001', 6],
      ['TA201', 14],
    ]);
  });
});
