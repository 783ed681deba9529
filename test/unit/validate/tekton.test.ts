// Issue 13's cases, each a small YAML modelled on public Tekton examples (tektoncd/catalog,
// tektoncd/pipeline examples/), with the finding Tekton's admission (or the kubelet) makes true;
// and the pieces behind them: the generated API data, the release target, CEL, templates.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../../../src/cluster/types.js';
import { buildSnapshot } from '../../../src/validate/config.js';
import { validateFiles } from '../../../src/validate/engine.js';
import { formatHuman, formatSarif } from '../../../src/validate/format.js';
import { buildReport } from '../../../src/validate/report.js';
import { runValidate, type ValidateOptions } from '../../../src/validate/run.js';
import { TEKTON_API } from '../../../src/validate/tekton/api-data.js';
import { checkCel } from '../../../src/validate/tekton/cel.js';
import {
  compareVersions,
  crdServesArtifactApi,
  resolveTarget,
} from '../../../src/validate/tekton/release.js';
import { hasTemplateSyntax, isHelmTemplate } from '../../../src/validate/templates.js';
import { parseYaml } from '../../../src/validate/yaml.js';
import { memoryIo } from '../../support/io.js';
import { NAMES } from './helpers.js';

function flags(data: Record<string, string>): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'feature-flags', namespace: 'tekton-pipelines' },
    data,
  };
}

function check(text: string, data: Record<string, string> = {}, served = false) {
  const snapshot = buildSnapshot({
    source: 'test',
    names: NAMES,
    defaultNamespace: 'default',
    featureFlags: flags(data),
  });
  const target = resolveTarget({ artifactApi: { served, source: 'test' } });
  return validateFiles([parseYaml('t.yaml', text)], snapshot, { target }).findings;
}

const ids = (findings: Array<{ ruleId: string; line: number }>) => findings.map((f) => [f.ruleId, f.line]);

describe('issue 13: what Tekton rejects, now found', () => {
  it('v1beta1 matrix under enable-api-fields: stable (TA403, as v1)', () => {
    const text = `apiVersion: tekton.dev/v1beta1
kind: Pipeline
metadata: {name: m}
spec:
  tasks:
    - name: build
      taskRef: {name: build}
      matrix:
        params: [{name: platform, value: [amd64, arm64]}]
`;
    expect(ids(check(text, { 'enable-api-fields': 'stable' }))).toEqual([['TA403', 8]]);
    expect(check(text)).toEqual([]);
  });

  it('enable-api-fields: Alpha is alpha (Tekton lower-cases it)', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  steps:
    - name: a
      image: alpine
      stdoutConfig: {path: /tmp/out}
`;
    expect(ids(check(text))).toEqual([['TA402', 8]]);
    expect(check(text, { 'enable-api-fields': 'Alpha' })).toEqual([]);
  });

  it('pipeline-task onError is beta, not alpha (v0.62 on): fine by default, TA403 under stable', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: flaky
      onError: continue
      taskRef: {name: e2e}
`;
    expect(check(text)).toEqual([]);
    const stable = check(text, { 'enable-api-fields': 'stable' });
    expect(ids(stable)).toEqual([['TA403', 7]]);
    expect(stable[0]?.message).toContain('pipeline_validation.go');
  });

  it('bundle is rejected whatever enable-tekton-oci-bundles says, and no hint recommends the flag', () => {
    const text = `apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: r}
spec:
  taskRef: {name: t, bundle: registry.example.com/t:1}
`;
    for (const data of [{}, { 'enable-tekton-oci-bundles': 'true' }] as Array<Record<string, string>>) {
      const f = check(text, data);
      expect(ids(f)).toEqual([['TA506', 5]]);
      expect(f[0]?.hint).not.toContain('enable-tekton-oci-bundles');
      expect(f[0]?.hint).toContain('bundles resolver');
    }
  });

  it('a result-size hint never recommends maxSize where the target release lacks it', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Task
metadata: {name: sbom}
spec:
  results:
    - name: SBOM
  steps:
    - name: syft
      image: anchore/syft
      script: syft app -o spdx-json > $(results.SBOM.path)
`;
    const [f] = check(text);
    expect(f?.ruleId).toBe('TA204');
    expect(f?.hint).not.toContain('maxSize');
    expect(f?.hint).toContain('tkn-artifacts.tekton.dev/max-size.SBOM');
  });

  it('an SBOM result that only receives an image URL is no SBOM (TA204 false positive)', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Task
metadata: {name: sbom}
spec:
  results:
    - name: SBOM_BLOB
    - name: SBOM
      description: where the SBOM was pushed
  steps:
    - name: push
      image: alpine
      script: |
        echo -n "$IMAGE_URL" > $(results.SBOM.path)
        printf '%s' "$(params.image)" > $(results.SBOM_BLOB.path)
  params: [{name: image}]
`;
    expect(check(text)).toEqual([]);
  });

  it('the proposed artifact API is an error without a cluster serving it, the TEP rules with one', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: produce
      taskRef: {name: produce}
    - name: consume
      artifacts:
        inputs:
          - name: source
            from: tasks.prodcue.outputs.source
      params:
        - name: src
          value: $(tasks.prodcue.outputs.source)
      taskRef: {name: consume}
`;
    // Not served: TA507 at the binding; the reference to a task that does not exist is TA508
    // (and Tekton's own artifact reference needs enable-artifacts, TA401).
    expect(ids(check(text))).toEqual([
      ['TA507', 9],
      ['TA401', 15],
      ['TA508', 15],
    ]);
    // Served: TEP-0192's rule for the binding (TA302), and TA401 (enable-artifacts off).
    expect(ids(check(text, {}, true)).map(([id]) => id)).toEqual(['TA401', 'TA302', 'TA508']);
  });

  it("a result reference into a pipelines-in-pipelines child checks the child's results", () => {
    const text = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: parent}
spec:
  tasks:
    - name: child
      pipelineSpec:
        results:
          - name: digest
            value: $(tasks.build.results.digest)
        tasks:
          - name: build
            taskRef: {name: build}
    - name: deploy
      params:
        - name: digest
          value: $(tasks.child.results.digets)
      taskRef: {name: deploy}
`;
    const f = check(text, { 'enable-api-fields': 'alpha' });
    expect(ids(f)).toEqual([['TA508', 17]]);
    expect(f[0]?.severity).toBe('warning');
    expect(f[0]?.hint).toBe('did you mean "digest"?');
  });

  it('three steps writing 3,500 bytes each get 2,457 bytes per container (5 containers)', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: reports
  annotations:
    tkn-artifacts.tekton.dev/max-size.UNIT: '3500'
    tkn-artifacts.tekton.dev/max-size.LINT: '3500'
    tkn-artifacts.tekton.dev/max-size.VET: '3500'
spec:
  results: [{name: UNIT}, {name: LINT}, {name: VET}]
  steps:
    - {name: unit, image: golang, script: go test > $(results.UNIT.path)}
    - {name: lint, image: golang, script: golangci-lint run > $(results.LINT.path)}
    - {name: vet, image: golang, script: go vet > $(results.VET.path)}
`;
    const f = check(text);
    expect(f.map((x) => x.ruleId)).toEqual(['TA201', 'TA201', 'TA201']);
    expect(f[0]?.message).toContain('5 containers (3 steps, the prepare and place-scripts init containers)');
    expect(f[0]?.message).toContain('2457 bytes per container');
    // Compression may make it fit: warnings, not errors.
    const compressed = check(text, { 'enable-termination-message-compression': 'true' });
    expect(compressed.map((x) => x.severity)).toEqual(['warning', 'warning', 'warning']);
    // Sidecar logs: 3,500 bytes are far below max-result-size.
    expect(check(text, { 'results-from': 'sidecar-logs' })).toEqual([]);
  });

  it('without scripts there is no place-scripts container: 4 containers, 3072 bytes each', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: t
  annotations: {tkn-artifacts.tekton.dev/max-size.A: '3000'}
spec:
  results: [{name: A}]
  steps:
    - {name: a, image: alpine, args: [$(results.A.path)]}
    - {name: b, image: alpine}
    - {name: c, image: alpine}
`;
    const f = check(text);
    expect(f[0]?.message).toContain('4 containers (3 steps, the prepare init container)');
    expect(f[0]?.message).toContain('3072 bytes per container');
  });
});

describe('the corpus run: cases where validate first disagreed with Tekton', () => {
  it('a stepTemplate image counts for steps; a TaskRun taskRef kind is not read as a custom task', () => {
    const text = `apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskRef: {name: t, kind: task}
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: s}
spec:
  taskSpec:
    stepTemplate: {image: alpine}
    steps: [{name: a, script: echo}]
`;
    expect(check(text)).toEqual([]);
  });

  it('script with command, in a sidecar too; $(results.d-${i}.path) is an undeclared result', () => {
    const text = `apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  results: [{name: count}]
  sidecars:
    - {name: s, image: alpine, command: [sh], script: echo}
  steps:
    - name: a
      image: alpine
      script: |
        for i in 1 2; do echo x > "$(results.d-\${i}.path)"; done
`;
    expect(ids(check(text))).toEqual([
      ['TA505', 7],
      ['TA508', 12],
    ]);
  });
});

describe('the generated Tekton API data', () => {
  it('records the release and commit it was generated from', () => {
    expect(TEKTON_API.release).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(TEKTON_API.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(TEKTON_API.generator).toBe('scripts/tekton-api');
  });

  it('has every kind validate checks, and every type it refers to', () => {
    for (const kind of ['Task', 'Pipeline', 'TaskRun', 'PipelineRun']) {
      expect(TEKTON_API.roots['v1']?.[kind], kind).toBe(kind);
      expect(TEKTON_API.roots['v1beta1']?.[kind], kind).toBe(kind);
    }
    const known = (t: string): boolean => {
      const bare = t.replace(/^(\[\]|map\[string\])+/, '');
      if (['string', 'bool', 'int', 'float', 'any'].includes(bare) || bare.startsWith('ext:')) return true;
      const [pkg = '', name = ''] = bare.split('.');
      return TEKTON_API.structs[pkg]?.[name] !== undefined || TEKTON_API.named[pkg]?.[name] !== undefined;
    };
    for (const [pkg, structs] of Object.entries(TEKTON_API.structs)) {
      for (const [name, s] of Object.entries(structs)) {
        expect(s.file).toMatch(/^(pkg\/apis\/|api@v[\d.]+\/core\/v1\/).+\.go:\d+$/);
        for (const f of s.fields) expect(known(f.type), `${pkg}.${name}.${f.name}: ${f.type}`).toBe(true);
      }
    }
  });

  it('states the gates, flags and enums the rules rely on', () => {
    const gate = (owner: string, field: string) =>
      TEKTON_API.gates
        .filter((g) => g.version === 'v1' && g.owner === owner && g.field === field)
        .map((g) => g.kind);
    expect(gate('PipelineTask', 'onError')).toEqual(['beta']);
    expect(gate('PipelineTask', 'matrix')).toEqual(['beta']);
    expect(gate('Step', 'stdoutConfig')).toEqual(['alpha']);
    expect(gate('ParamSpec', 'enum')).toEqual(['flag']);
    expect(TEKTON_API.featureFlags.find((f) => f.key === 'enable-param-enum')).toMatchObject({
      default: false,
    });
    expect(TEKTON_API.named['v1']?.['ParamType']?.values).toEqual(['string', 'array', 'object']);
    expect(TEKTON_API.named['v1']?.['TaskKind']?.values).toEqual(['Task']);
    expect(TEKTON_API.disallowed.some((g) => g.owner === 'TaskRef' && g.field === 'bundle')).toBe(true);
    for (const g of [...TEKTON_API.gates, ...TEKTON_API.disallowed]) expect(g.source).toMatch(/\.go:\d+$/);
  });
});

describe('the Tekton release a verdict is for', () => {
  const snapshot = buildSnapshot({ source: 'test', names: NAMES, defaultNamespace: 'default' });
  const text = 'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec: {steps: [{image: a}]}\n';

  it("is the cluster's, --tekton-version's, or the data's, and every output names it", () => {
    const cluster = resolveTarget({
      cluster: { version: 'v1.15.0', source: 'ConfigMap tekton-pipelines/pipelines-info' },
      artifactApi: { served: false, source: 't' },
    });
    expect(cluster.versionSource).toBe('ConfigMap tekton-pipelines/pipelines-info');
    expect(cluster.notes).toEqual([]);
    const older = resolveTarget({ flag: '0.62.3', artifactApi: { served: false, source: 't' } });
    expect(older.version).toBe('v0.62.3');
    expect(older.notes[0]).toContain(`older than ${TEKTON_API.release}`);
    const none = resolveTarget({ artifactApi: { served: false, source: 't' } });
    expect(none.version).toBe(TEKTON_API.release);
    expect(none.versionSource).toContain('--tekton-version');

    const result = validateFiles([parseYaml('t.yaml', text)], snapshot, { target: older });
    const report = buildReport(result, { snapshot, files: 1, failOn: 'error', version: '0' });
    expect(report.configuration.tekton).toMatchObject({
      version: 'v0.62.3',
      versionSource: '--tekton-version',
    });
    expect(formatHuman(report, { colour: false })).toContain('for Tekton v0.62.3 (from --tekton-version)');
    const sarif = JSON.parse(formatSarif(report, { cwd: process.cwd() })) as {
      runs: Array<{ properties: { tektonVersion: string } }>;
    };
    expect(sarif.runs[0]?.properties.tektonVersion).toBe('v0.62.3');
  });

  it('compares release numbers', () => {
    expect(compareVersions('v1.2.3', '1.10.0')).toBe(-1);
    expect(compareVersions('v1.15.0', 'v1.15.0')).toBe(0);
    expect(compareVersions('devel', 'v1.0.0')).toBeUndefined();
  });

  it('knows whether a CRD serves the proposed artifact API from its schema', () => {
    const crd = (props: Record<string, unknown>) => ({
      spec: {
        versions: [
          {
            name: 'v1',
            served: true,
            schema: { openAPIV3Schema: { properties: { spec: { properties: props } } } },
          },
        ],
      },
    });
    expect(crdServesArtifactApi(crd({ results: { items: { properties: { name: {}, maxSize: {} } } } }))).toBe(
      true,
    );
    expect(crdServesArtifactApi(crd({ results: { items: { properties: { name: {} } } } }))).toBe(false);
    expect(crdServesArtifactApi({})).toBe(false);
  });
});

describe('when CEL, as the webhook compiles it', () => {
  it('accepts quoted Tekton variables and standard functions, rejects syntax errors and bare names', () => {
    expect(checkCel("'$(params.branch)' == 'main'")).toBeUndefined();
    expect(checkCel("'a' in ['a', 'b'] && [1, 2].all(x, x > 0)")).toBeUndefined();
    expect(checkCel("'$(params.branch)' == ")).toMatch(/EOF|Unexpected/);
    expect(checkCel('$(params.branch) == "main"')).toBeDefined();
    expect(checkCel("params.branch == 'main'")).toBe("undeclared reference to 'params'");
  });
});

describe('templates and --exclude', () => {
  it('tells template syntax from braces inside strings and block scalars', () => {
    expect(hasTemplateSyntax('metadata:\n  name: {{ .Values.name }}\n')).toBe(true);
    expect(hasTemplateSyntax('{% if x %}\nkind: Task\n{% endif %}\n')).toBe(true);
    expect(
      hasTemplateSyntax("script: |\n  docker inspect --format '{{.Id}}' x\n  {{ not yaml here }}\n"),
    ).toBe(false);
    expect(hasTemplateSyntax('value: "{{ quoted }}"\n')).toBe(false);
    expect(hasTemplateSyntax('# {{ a comment }}\nkind: Task\n')).toBe(false);
    expect(isHelmTemplate('chart/templates/task.yaml', (p) => p === path.join('chart', 'Chart.yaml'))).toBe(
      true,
    );
    expect(isHelmTemplate('tekton/templates/task.yaml', () => false)).toBe(false);
  });

  it('skips templates with a note and leaves out --exclude globs; --fail-on none exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'validate-templates-'));
    mkdirSync(path.join(dir, 'chart', 'templates'), { recursive: true });
    writeFileSync(path.join(dir, 'chart', 'Chart.yaml'), 'name: c\n');
    writeFileSync(path.join(dir, 'chart', 'templates', 'task.yaml'), 'kind: Task\nmetadata: {name: x}\n');
    writeFileSync(path.join(dir, 'jinja.yaml'), '{% for t in tasks %}\nkind: Task\n{% endfor %}\n');
    writeFileSync(
      path.join(dir, 'vendor.yaml'),
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: v}\nspec: {}\n',
    );
    writeFileSync(
      path.join(dir, 'task.yaml'),
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: ok}\nspec: {steps: [{name: a, image: alpine}]}\n',
    );
    const options: ValidateOptions = {
      inputs: [dir],
      fromCluster: false,
      defaults: true,
      cluster: {},
      names: NAMES,
      output: 'json',
      failOn: 'error',
      ignoreRules: [],
      exclude: ['**/vendor.yaml'],
      noColor: true,
      version: '0',
      cwd: dir,
    };
    const io = memoryIo();
    expect(await runValidate(options, io)).toBe(0);
    const report = JSON.parse(io.text()) as {
      notes: string[];
      summary: { files: number; resources: number };
    };
    // task.yaml and chart/Chart.yaml (no Tekton resource in it) are read.
    expect(report.summary).toMatchObject({ files: 2, resources: 1 });
    expect(report.notes.join('\n')).toMatch(/skipped 2 template files .*task\.yaml \(Helm chart template\)/);
    expect(report.notes.join('\n')).toMatch(/--exclude left out 1 file: .*vendor\.yaml/);

    // Without --exclude, vendor.yaml's empty spec fails; with --fail-on none the run still exits 0.
    expect(await runValidate({ ...options, exclude: [] }, memoryIo())).toBe(1);
    expect(await runValidate({ ...options, exclude: [], failOn: 'none' }, memoryIo())).toBe(0);
  });

  it('groups identical findings in human output: one line, a count and the first positions', () => {
    const task = (name: string) =>
      `apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p${name}}\nspec:\n  tasks:\n    - {name: a, taskRef: {name: t, kind: ClusterTask}}\n`;
    const snapshot = buildSnapshot({ source: 'test', names: NAMES, defaultNamespace: 'default' });
    const files = ['a', 'b', 'c', 'd', 'e'].map((n) => parseYaml(`${n}.yaml`, task('')));
    const result = validateFiles(files, snapshot);
    expect(result.findings).toHaveLength(5);
    const text = formatHuman(buildReport(result, { snapshot, files: 5, failOn: 'error', version: '0' }), {
      colour: false,
    });
    expect(text.split('\n').filter((l) => /^\S+\.yaml:\d+:\d+ /.test(l))).toHaveLength(1);
    expect(text).toContain('×5: also at b.yaml:6:42, c.yaml:6:42, d.yaml:6:42, and 1 more');
  });
});
