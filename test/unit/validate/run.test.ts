// runValidate end to end without a cluster: inputs (directories, stdin), snapshots, formats,
// usage errors. Output is captured through the io seam.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate, type ValidateOptions } from '../../../src/validate/run.js';
import type { ValidationReport } from '../../../src/validate/report.js';
import { memoryIo } from '../../support/io.js';
import { at, FIXTURES, NAMES } from './helpers.js';

const toRegion = (p: { line: number; column: number }) => ({ startLine: p.line, startColumn: p.column });

async function run(
  options: Partial<ValidateOptions>,
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await runValidate(
    {
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
    },
    io,
    async () => stdin,
  );
  return { code, out: io.text(), err: io.errors() };
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
    expect(sarif.code).toBe(0);
    const log = JSON.parse(sarif.out) as {
      version: string;
      runs: Array<{
        tool: {
          driver: { name: string; rules: Array<{ id: string; defaultConfiguration: { level: string } }> };
        };
        results: Array<{
          ruleId: string;
          ruleIndex: number;
          level: string;
          message: { text: string };
          locations: Array<{
            physicalLocation: {
              artifactLocation: { uri: string; uriBaseId?: string };
              region: { startLine: number; startColumn: number; endLine?: number; endColumn?: number };
            };
          }>;
        }>;
      }>;
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const [sarifRun] = log.runs;
    const rules = sarifRun?.tool.driver.rules ?? [];
    expect(sarifRun?.tool.driver.name).toBe('tkn-artifacts');
    expect(rules.find((r) => r.id === 'TA204')?.defaultConfiguration.level).toBe('warning');
    expect(sarifRun?.results).toHaveLength(1);
    const result = sarifRun?.results[0];
    expect(result).toMatchObject({
      ruleId: 'TA204',
      level: 'warning',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: rel, uriBaseId: 'SRCROOT' },
            region: { ...toRegion(at('rules/TA204.fail.yaml', '- name: SBOM', 'SBOM')) },
          },
        },
      ],
    });
    expect(rules[result?.ruleIndex ?? -1]?.id).toBe('TA204');
    expect(result?.message.text).toMatch(/looks like an SBOM[^]*\nHint: push the SBOM/);
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

function tmp(name: string, content: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'validate-')), name);
  writeFileSync(file, content);
  return file;
}

const report = (out: string) => JSON.parse(out) as ValidationReport;

describe('runValidate: what used to crash (exit 70) is invalid input (exit 2)', () => {
  it.each([
    [
      'a pipeline task referring to itself through an alias',
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - &t {name: a, params: [{name: x, value: *t}]}\n',
      [6, 46],
    ],
    [
      'a maxSize that contains itself',
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  results:\n    - name: r\n      maxSize: &m [*m]\n  steps: [{image: alpine}]\n',
      [7, 20],
    ],
    [
      'List items that alias themselves',
      'apiVersion: v1\nkind: List\nitems: &i [{kind: List, items: *i}]\n',
      [3, 32],
    ],
  ])('%s: TA001 at the alias, with the report', async (_what, text, [line, column]) => {
    const { code, out } = await run({ inputs: ['-'], defaults: true }, text);
    expect(code).toBe(2);
    const r = report(out);
    expect(r.summary.verdict).toBe('invalid-input');
    expect(r.findings).toEqual([expect.objectContaining({ ruleId: 'TA001', file: 'stdin', line, column })]);
  });

  it('an alias bomb given as --cluster-config is an InputError with its position, like one given as input', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    const names = 'abcdefghij';
    for (let i = 1; i < 10; i++)
      lines.push(
        `${names[i] ?? ''}: &${names[i] ?? ''} [${Array(10)
          .fill(`*${names[i - 1] ?? ''}`)
          .join(', ')}]`,
      );
    const bomb = tmp('bomb.yaml', `${lines.join('\n')}\n`);
    const e = await rejection(run({ inputs: [`${FIXTURES}/rules/TA201.fail.yaml`], clusterConfig: bomb }));
    expect(e.name).toBe('InputError');
    expect(e.message).toBe(
      `${bomb}:1:1: invalid YAML: Excessive alias count indicates a resource exhaustion attack`,
    );
    const asInput = await run({ inputs: [bomb], defaults: true });
    expect(asInput.code).toBe(2);
    expect(report(asInput.out).findings[0]).toMatchObject({ ruleId: 'TA001', line: 1, column: 1 });
  });

  it('an inherited property is no size unit: maxSize 1constructor is TA106', async () => {
    const text = TASK.replace('maxSize: 5Ki', 'maxSize: 1constructor');
    const { code, out } = await run({ inputs: ['-'], defaults: true }, text);
    expect(code).toBe(1);
    expect(report(out).findings).toEqual([
      expect.objectContaining({
        ruleId: 'TA106',
        line: 8,
        column: 16,
        message: expect.stringContaining('"1constructor"'),
      }),
    ]);
  });
});

describe('runValidate: snapshots that no cluster could hold are invalid input', () => {
  it.each([
    ['enable-artifacts: true', 5, 21, 'boolean true', 'quote the value: enable-artifacts: "true"'],
    ['max-result-size: 16384', 5, 20, 'number 16384', 'quote the value: max-result-size: "16384"'],
    ['enable-api-fields:', 5, 3, 'null', 'give it a string value'],
  ])('%s is refused at its position', async (entry, line, column, what, hint) => {
    const snapshot = tmp(
      'snapshot.yaml',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: feature-flags, namespace: tekton-pipelines}\ndata:\n  ${entry}\n`,
    );
    const e = await rejection(
      run({ inputs: [`${FIXTURES}/rules/TA401.fail.yaml`], clusterConfig: snapshot }),
    );
    expect(e.name).toBe('InputError');
    expect(e.message).toBe(
      `${snapshot}:${line}:${column}: ConfigMap tekton-pipelines/feature-flags: data.${entry.split(':')[0] ?? ''} is ${what}, not a string; Kubernetes rejects ConfigMaps whose data values are not strings, so no cluster holds this one`,
    );
    expect(e.hint).toContain(hint);
  });

  it('a file with no ConfigMap in it (a Task) is refused, saying what it holds', async () => {
    const task = `${FIXTURES}/rules/TA401.pass.yaml`;
    const e = await rejection(run({ inputs: [task], clusterConfig: task }));
    expect(e.name).toBe('InputError');
    expect(e.message).toBe(
      `${task}: no ConfigMap in the configuration snapshot (it holds Task "provenance", Pipeline "release"); expected tekton-pipelines/feature-flags and tekton-pipelines/config-artifact-storage`,
    );
    expect(e.hint).toMatch(/the Tasks and Pipelines to check are the FILES arguments/);
    const empty = await rejection(run({ inputs: [task], clusterConfig: tmp('empty.yaml', '') }));
    expect(empty.message).toMatch(
      /no ConfigMap in the configuration snapshot \(it holds no Kubernetes objects\)/,
    );
  });

  it('an export of a cluster without the ConfigMaps is still a snapshot (the List says where it looked)', async () => {
    const snapshot = tmp(
      'snapshot.yaml',
      `apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  annotations:\n    tkn-artifacts.tekton.dev/exported-namespaces: tekton-pipelines,ci\n  resourceVersion: ""\n`,
    );
    const { code, out } = await run({
      inputs: [`${FIXTURES}/rules/TA401.fail.yaml`],
      clusterConfig: snapshot,
    });
    expect(code).toBe(1);
    const r = report(out);
    expect(r.configuration.defaultNamespace).toBe('ci');
    expect(r.findings.map((f) => f.ruleId)).toEqual(['TA401', 'TA401']);
  });
});

describe('runValidate: input rules cannot be ignored', () => {
  it.each(['TA001', 'ta002', 'yaml-syntax', 'invalid-resource'])(
    '--ignore-rule %s is a usage error',
    async (rule) => {
      const e = await rejection(
        run({ inputs: [`${FIXTURES}/rules/TA001.fail.yaml`], defaults: true, ignoreRules: [rule] }),
      );
      expect(e.name).toBe('CliError');
      expect(e.exit).toBe('usage');
      expect(e.message).toMatch(
        /^--ignore-rule TA00[12] \((yaml-syntax|invalid-resource)\): input rules cannot be ignored$/,
      );
    },
  );
});

describe('runValidate: inputs with no Tekton resources fail the gate', () => {
  it('binary garbage', async () => {
    const garbage = tmp('garbage.yaml', Buffer.from([0x00, 0x9f, 0x92, 0x96, 0xff, 0x0a, 0x41, 0x42]));
    const e = await rejection(run({ inputs: [garbage], defaults: true }));
    expect(e.name).toBe('InputError');
    expect(e.message).toMatch(
      new RegExp(
        `^${garbage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no Tekton resources \\(Task, ClusterTask, Pipeline, PipelineRun, TaskRun, tekton.dev/v1 or v1beta1\\) found in 1 file \\(1 other document: plain text\\)$`,
      ),
    );
  });

  it('a directory of non-Tekton YAML, and empty standard input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'validate-'));
    writeFileSync(
      path.join(dir, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
    );
    writeFileSync(
      path.join(dir, 'deploy.yml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n',
    );
    const e = await rejection(run({ inputs: [dir], defaults: true }));
    expect(e.message).toBe(
      `${dir}: no Tekton resources (Task, ClusterTask, Pipeline, PipelineRun, TaskRun, tekton.dev/v1 or v1beta1) found in 2 files (3 other documents: ConfigMap ×2, Deployment)`,
    );
    const stdin = await rejection(run({ inputs: ['-'], defaults: true }, ''));
    expect(stdin.message).toMatch(/^stdin: no Tekton resources .* found in 1 file \(no documents at all\)$/);
  });

  it('but a file with TA001 or TA002 only still prints the report (exit 2)', async () => {
    const { code, out } = await run({ inputs: [`${FIXTURES}/rules/TA002.fail.yaml`], defaults: true });
    expect(code).toBe(2);
    expect(report(out).summary.resources).toBe(0);
  });

  it('UTF-16 with a byte-order mark is read (as YAML and kubectl read it), at the right positions', async () => {
    const text = readFileSync(`${FIXTURES}/rules/TA204.fail.yaml`, 'utf8');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    const expected = at('rules/TA204.fail.yaml', '- name: SBOM', 'SBOM');
    for (const bytes of [le, be]) {
      const { out } = await run({ inputs: [tmp('utf16.yaml', bytes)], defaults: true });
      expect(report(out).findings).toEqual([expect.objectContaining({ ruleId: 'TA204', ...expected })]);
    }
  });
});

describe('runValidate: a byte-order mark does not shift columns', () => {
  const bom = '\uFEFF';
  const v1alpha1 = 'apiVersion: tekton.dev/v1alpha1\nkind: Task\nmetadata: {name: old}\nspec: {}\n';

  it('in a file, on standard input and in --cluster-config', async () => {
    for (const [inputs, stdin] of [
      [[tmp('bom.yaml', Buffer.from(bom + v1alpha1, 'utf8'))], ''],
      [['-'], bom + v1alpha1],
    ] as const) {
      const { out } = await run({ inputs: [...inputs], defaults: true }, stdin);
      // Line 1's value starts at column 13, as an editor shows it.
      expect(report(out).findings).toEqual([
        expect.objectContaining({ ruleId: 'TA002', line: 1, column: 13 }),
      ]);
    }
    const line =
      '{apiVersion: v1, kind: ConfigMap, metadata: {name: feature-flags, namespace: tekton-pipelines}, data: {enable-artifacts: true}}';
    const snapshot = tmp('snapshot.yaml', `${bom}${line}\n`);
    const e = await rejection(
      run({ inputs: [`${FIXTURES}/rules/TA401.fail.yaml`], clusterConfig: snapshot }),
    );
    // The column of `true` in the line as written, without the mark.
    expect(e.message.startsWith(`${snapshot}:1:${line.indexOf('true}') + 1}: `)).toBe(true);
  });
});

describe('runValidate: ClusterTask', () => {
  it('is checked like a Task, found by the Pipelines that reference it, with a note on its deprecation', async () => {
    const text = `apiVersion: tekton.dev/v1beta1
kind: ClusterTask
metadata: {name: build}
spec:
  artifacts:
    outputs:
      - name: image
        storage: external
  steps: [{image: alpine}]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p, namespace: ci}
spec:
  tasks:
    - name: build
      taskRef: {name: build, kind: ClusterTask}
    - name: use
      artifacts:
        inputs:
          - name: image
            from: tasks.build.outputs.nope
      taskRef: {name: use}
`;
    const { code, out } = await run({ inputs: ['-'], defaults: true, cluster: { namespace: 'ci' } }, text);
    expect(code).toBe(1);
    const r = report(out);
    expect(r.summary.resources).toBe(2);
    expect(r.findings.map((f) => [f.ruleId, f.resource?.kind, f.line])).toEqual([
      ['TA401', 'ClusterTask', 5],
      ['TA101', 'ClusterTask', 8],
      ['TA401', 'Pipeline', 19],
      ['TA303', 'Pipeline', 22],
    ]);
    expect(r.findings[1]?.message).toMatch(
      /^ClusterTask "build" declares artifact output "image" with storage: external/,
    );
    expect(r.findings[3]?.message).toContain('ClusterTask "build" declares no artifact output "nope"');
    expect(r.notes).toEqual([
      expect.stringMatching(
        /^stdin:1:1: ClusterTask "build" is checked as a Task in namespace "ci" \(-n\); ClusterTask is deprecated since Tekton Pipelines v0\.41/,
      ),
    ]);
  });

  it('as tekton.dev/v1, which Tekton never served, is TA002', async () => {
    const { code, out } = await run(
      { inputs: ['-'], defaults: true },
      'apiVersion: tekton.dev/v1\nkind: ClusterTask\nmetadata: {name: build}\nspec: {steps: [{image: a}]}\n',
    );
    expect(code).toBe(2);
    expect(report(out).findings).toEqual([
      expect.objectContaining({
        ruleId: 'TA002',
        line: 1,
        column: 13,
        message: expect.stringContaining('never served ClusterTask'),
      }),
    ]);
  });
});

describe('runValidate: snapshots say which namespaces they hold', () => {
  const snapshotFor = (exported: string) =>
    tmp(
      'snapshot.yaml',
      `apiVersion: v1
items:
- apiVersion: v1
  data: {enable-artifacts: "true"}
  kind: ConfigMap
  metadata: {name: feature-flags, namespace: tekton-pipelines}
- apiVersion: v1
  data: {enabled: "true"}
  kind: ConfigMap
  metadata: {name: config-artifact-storage, namespace: tekton-pipelines}
kind: List
metadata:
  annotations:
    tkn-artifacts.tekton.dev/exported-namespaces: ${exported}
  resourceVersion: ""
`,
    );

  it('a resource in a namespace the export did not look in gets a note: its namespace ConfigMap is unknown', async () => {
    const snapshot = snapshotFor('tekton-pipelines,ci');
    const task = TASK.replace('name: t', 'name: t\n  namespace: other');
    const { out } = await run({ inputs: ['-'], clusterConfig: snapshot, cluster: { namespace: 'ci' } }, task);
    const warnings = report(out).configuration.warnings.join('\n');
    expect(warnings).toContain(
      `could not read ConfigMap other/config-artifact-storage (snapshot ${snapshot} was exported for namespaces tekton-pipelines, ci only, so namespace "other" is unknown to it; export it with --export-config FILE -n other)`,
    );
    // In a namespace the export looked in, an absent ConfigMap is just absent.
    const inCi = await run({ inputs: ['-'], clusterConfig: snapshot, cluster: { namespace: 'ci' } }, TASK);
    expect(report(inCi.out).configuration.warnings.join('\n')).not.toContain('unknown');
  });

  it('without -n, an export for one namespace is checked for that namespace', async () => {
    const { out } = await run({ inputs: ['-'], clusterConfig: snapshotFor('tekton-pipelines,team-a') }, TASK);
    expect(report(out).configuration.defaultNamespace).toBe('team-a');
  });
});

describe('runValidate: hints say only what would help', () => {
  it('--from-cluster without a kubeconfig does not suggest --defaults', async () => {
    const saved = process.env['KUBECONFIG'];
    try {
      process.env['KUBECONFIG'] = path.join(tmpdir(), 'no-such-kubeconfig');
      const e = await rejection(run({ fromCluster: true, defaults: true }));
      expect(e.exit).toBe('usage');
      expect(e.hint).toMatch(
        /^--from-cluster reads Tasks, Pipelines and runs from the cluster: pass --kubeconfig\/--context/,
      );
      expect(e.hint).not.toMatch(/, or --defaults$/);
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
    }
  });
});
