// Each JSON output against its documented schema (docs/schemas/): show's ArtifactTree, pull's
// PullReport, gc's plan and report, and validate's ValidationReport, produced by the commands'
// run* through the I/O seam on the shipped example and the validate fixtures. (diff's
// ArtifactDiff is checked in test/unit/diff.)
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE } from '../../../src/pull/limits.js';
import { runPull } from '../../../src/pull/run.js';
import { runShow } from '../../../src/show/run.js';
import { runGc, type GcOptions } from '../../../src/gc/run.js';
import { runValidate } from '../../../src/validate/run.js';
import { memoryIo } from '../../support/io.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const example = {
  cluster: { fromFile: join(root, 'examples/run.yaml') },
  registry: { ociLayout: join(root, 'examples/layout'), plainHttp: [], insecure: [] },
  configMapName: 'config-artifact-storage',
  tektonNamespace: 'tekton-pipelines',
};

async function validator(name: string): Promise<(value: unknown) => string[]> {
  const schema: unknown = JSON.parse(await readFile(join(root, 'docs/schemas', name), 'utf8'));
  const validate = new Ajv({ allErrors: true }).compile(schema as object);
  return (value) => {
    validate(value);
    return (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`);
  };
}

describe('JSON outputs match their documented schemas', () => {
  it('show -o json (ArtifactTree), whole and at every --depth', async () => {
    const check = await validator('artifact-tree.schema.json');
    for (const depth of [undefined, 1, 2, 3]) {
      const io = memoryIo();
      const options = {
        ...example,
        run: 'build-app-x7k2',
        filters: { tasks: [], artifactTypes: [] },
        print: { format: 'json' as const },
        ...(depth === undefined ? {} : { depth }),
      };
      expect(await runShow(options, io)).toBe(0);
      expect(check(JSON.parse(io.text()))).toEqual([]);
    }
    // A Konflux oci: blob URI: the one artifact, no TaskRuns.
    const io = memoryIo();
    const blob = {
      ...example,
      run: 'oci:registry.example.com/ci/app-trusted-artifacts@sha256:2c69b7904adcaa6fabb0529a43256ff0a460a69ffc71ea751006cbdbd0901563',
      filters: { tasks: [], artifactTypes: [] },
      print: { format: 'json' as const },
    };
    expect(await runShow(blob, io)).toBe(0);
    const document = JSON.parse(io.text()) as { artifact?: { digestRefersTo?: string } };
    expect(document.artifact?.digestRefersTo).toBe('blob');
    expect(check(document)).toEqual([]);
    // The schema is not a check that cannot fail.
    expect(check({ apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1', kind: 'ArtifactTree' })).not.toEqual([]);
  });

  it('pull --format json (PullReport)', async () => {
    const check = await validator('pull-report.schema.json');
    const out = await mkdtemp(join(tmpdir(), 'tkn-schema-'));
    try {
      const io = memoryIo();
      const code = await runPull(
        {
          ...example,
          run: 'build-app-x7k2',
          select: { tasks: [], artifactTypes: [], artifacts: [], inputs: false },
          output: out,
          format: 'json',
          raw: false,
          allowPathTraversal: false,
          limits: { maxRatio: DEFAULT_MAX_RATIO, maxSize: DEFAULT_MAX_SIZE },
          quiet: true,
        },
        io,
      );
      expect(code).toBe(0);
      const report: unknown = JSON.parse(io.text());
      expect(check(report)).toEqual([]);
      expect(check({ ...(report as object), summary: { pulled: -1 } })).not.toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('gc -o json (GcPlan) and gc --apply -o json (GcReport), on a copy of the example layout', async () => {
    const checkPlan = await validator('gc-plan.schema.json');
    const checkReport = await validator('gc-report.schema.json');
    const layout = await mkdtemp(join(tmpdir(), 'tkn-schema-gc-'));
    try {
      await cp(join(root, 'examples/layout'), layout, { recursive: true });
      const options: GcOptions = {
        ...example,
        registry: { ...example.registry, ociLayout: layout },
        cluster: { ...example.cluster, namespace: 'ci' },
        allNamespaces: false,
        // The example run exists (completed 2026-11-20): only the age policy reaches it.
        olderThan: '1d',
        force: false,
        includeAttached: false,
        apply: false,
        output: 'json',
        verbose: false,
        concurrency: 2,
      };
      const now = () => new Date('2026-12-31T00:00:00Z');
      const planIo = memoryIo();
      expect(await runGc(options, planIo, { now })).toBe(0);
      const plan = JSON.parse(planIo.text()) as { groups: unknown[] };
      expect(checkPlan(plan)).toEqual([]);
      expect(plan.groups).toHaveLength(1);
      expect(checkPlan({ ...plan, groups: [{ kind: 'Run' }] })).not.toEqual([]);
      const applyIo = memoryIo();
      expect(await runGc({ ...options, apply: true }, applyIo, { now })).toBe(0);
      const report: unknown = JSON.parse(applyIo.text());
      expect(checkReport(report)).toEqual([]);
      expect((report as { totals: { manifestsDeleted: number } }).totals.manifestsDeleted).toBe(1);
      expect(checkReport({ ...(report as object), outcome: 'done' })).not.toEqual([]);
    } finally {
      await rm(layout, { recursive: true, force: true });
    }
  });

  it('validate -o json (ValidationReport), with findings and a storage configuration', async () => {
    const check = await validator('validation-report.schema.json');
    const fixtures = join(root, 'test/fixtures/validate');
    const io = memoryIo();
    const code = await runValidate(
      {
        inputs: [join(fixtures, 'rules/TA104.fail.yaml'), join(fixtures, 'cases/pipelinerun.yaml')],
        fromCluster: false,
        defaults: false,
        clusterConfig: join(fixtures, 'config/artifacts-on.yaml'),
        cluster: {},
        names: { configMapName: example.configMapName, tektonNamespace: example.tektonNamespace },
        output: 'json',
        failOn: 'warning',
        ignoreRules: [],
        artifactApi: 'served',
        noColor: true,
        version: '0.0.0-test',
        cwd: root,
      },
      io,
    );
    const report = JSON.parse(io.text()) as { findings: unknown[]; configuration: { storage: unknown[] } };
    expect(code).toBe(1);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.configuration.storage.length).toBeGreaterThan(0);
    expect(check(report)).toEqual([]);
    expect(check({ ...report, findings: [{ ruleId: 'TA104', severity: 'fatal' }] })).not.toEqual([]);
  });
});
