// Every rule with a failing and a passing fixture (test/fixtures/validate/rules/TAxxx.{fail,pass}.yaml),
// against the configuration named in the fixture's `# config:` line. Failing fixtures produce
// findings of their rule only, at exact positions; passing fixtures produce no finding at all.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../src/validate/catalog.js';
import { at, FIXTURES, validateFixtures } from './helpers.js';

type Expect = [lineText: string, token: string, nth?: number];

/** Where each failing fixture's findings are, in order. */
const FAILS: Record<string, Expect[]> = {
  TA001: [['image: busybox', 'image']],
  TA002: [
    ['apiVersion: tekton.dev/v1alpha1', 'tekton.dev/v1alpha1'],
    ['metadata:', 'metadata', 1],
  ],
  TA101: [
    ['storage: external', 'external'],
    ['maxSize: 256Ki', '256Ki'],
    ['type: external', 'external'],
  ],
  TA102: [['storage: external', 'external']],
  TA103: [['maxSize: 4Ki', '4Ki']],
  TA104: [['from: tasks.build.outputs.binary', 'tasks.build']],
  TA105: [['- name: junit', 'junit']],
  TA106: [
    ['type: blob', 'blob'],
    ['storage: somewhere', 'somewhere'],
    ['maxSize: a lot', 'a lot'],
  ],
  TA201: [['maxSize: 8Ki', '8Ki']],
  TA202: [['- name: inspect', 'inspect']],
  TA203: [['  results:', 'results']],
  TA204: [['- name: SBOM', 'SBOM']],
  TA205: [['- name: IMAGES', 'IMAGES']],
  TA206: [['- name: IMAGES', 'IMAGES']],
  TA301: [['from: $(tasks.build', '$(']],
  TA302: [
    ['from: tasks.compile', 'tasks'],
    ['from: artifacts.inputs.source', 'artifacts'],
  ],
  TA303: [['from: tasks.build.outputs.images', 'tasks']],
  TA304: [
    ['from: tasks.build.outputs.image', 'tasks'],
    ['from: tasks.report.outputs.summary', 'tasks'],
  ],
  TA305: [['- name: image', 'image', 1]],
  TA306: [['subject: true', 'subject']],
  TA401: [
    ['$(step.artifacts.path)', '$(step'],
    ['value: $(tasks.build.outputs.image)', '$(tasks'],
  ],
  TA402: [
    ['pipelineRef:', 'pipelineRef'],
    ['stdoutConfig:', 'stdoutConfig'],
  ],
  TA403: [
    ['matrix:', 'matrix'],
    ['resolver: git', 'resolver'],
    ['params:', 'params', 1],
  ],
  TA404: [
    ['enum: [staging', 'enum'],
    ['- cel:', 'cel'],
  ],
  TA405: [
    ['ref:', 'ref'],
    ['results:', 'results'],
  ],
  TA501: [
    ['namespace: ci', 'namespace'],
    ['scirpt:', 'scirpt'],
    ['podTemplate:', 'podTemplate'],
  ],
  TA502: [
    ['steps: hello', 'hello'],
    ['params: 5', '5'],
    ["retries: '3'", "'3'"],
    ['metadata: build', 'build'],
  ],
  TA503: [
    ['  params:', 'params'],
    ['- description: no name', 'description'],
    ['- name: digest', 'name'],
    ['- name: build', 'name', 1],
  ],
  TA504: [
    ['default: prod', 'prod'],
    ['type: number', 'number'],
    ['onError: ignore', 'ignore'],
  ],
  TA505: [
    ['image: alpine/git', 'image'],
    ['retries: 2', 'retries'],
  ],
  TA506: [
    ['kind: ClusterTask', 'ClusterTask'],
    ['resources:', 'resources'],
    ['bundle:', 'bundle'],
  ],
  TA507: [
    ['artifacts:', 'artifacts'],
    ['type: external', 'external'],
    ['maxSize: 64Ki', 'maxSize'],
  ],
  TA508: [
    ['build "$(params.imag)"', '$(params.imag)'],
    ['build "$(params.imag)"', '$(results.IMAGE_DIGSET.path)'],
    ['$(context.taskRun.namespce)', '$(context'],
    ['workspace: sources', 'sources'],
    ['$(tasks.biuld', '$(tasks'],
    ['$(params.revison)', '$(params'],
  ],
  TA509: [
    ['- cel: "\'$(params.branch)\' == "', '"'],
    ["- cel: params.branch == 'main'", 'params'],
  ],
};

describe('validate rules: a failing and a passing example each', () => {
  it('has fixtures and expectations for every rule in the catalogue', () => {
    for (const rule of RULES) {
      expect(existsSync(`${FIXTURES}/rules/${rule.id}.fail.yaml`), `${rule.id}.fail.yaml`).toBe(true);
      expect(existsSync(`${FIXTURES}/rules/${rule.id}.pass.yaml`), `${rule.id}.pass.yaml`).toBe(true);
      expect(FAILS[rule.id], `expectations for ${rule.id}`).toBeDefined();
    }
  });

  for (const rule of RULES) {
    describe(`${rule.id} ${rule.name}`, () => {
      it('fails the failing example, at the offending nodes', async () => {
        const rel = `rules/${rule.id}.fail.yaml`;
        const { findings } = await validateFixtures([rel]);
        expect(findings.map((f) => f.ruleId)).toEqual((FAILS[rule.id] ?? []).map(() => rule.id));
        const expected = (FAILS[rule.id] ?? []).map(([line, token, nth]) => at(rel, line, token, nth));
        expect(findings.map((f) => ({ line: f.line, column: f.column }))).toEqual(expected);
        for (const f of findings) {
          expect(f.severity).toBe(rule.severity);
          expect(f.file).toBe(`${FIXTURES}/${rel}`);
          expect(f.message.length).toBeGreaterThan(10);
          expect(f.hint, `${rule.id} findings carry a hint`).toBeTruthy();
        }
      });

      it('passes the passing example', async () => {
        const { findings } = await validateFixtures([`rules/${rule.id}.pass.yaml`]);
        expect(findings).toEqual([]);
      });
    });
  }
});

describe('validate rule messages', () => {
  it('use the prototype controller wording where it has one', async () => {
    const from = await validateFixtures(['rules/TA301.fail.yaml']);
    expect(from.findings[0]?.message).toMatch(
      /^invalid from format "\$\(tasks\.build\.outputs\.image\)", expected 'tasks\.<taskName>\.outputs\.<artifactName>'/,
    );
    const dup = await validateFixtures(['rules/TA305.fail.yaml']);
    expect(dup.findings[0]?.message).toMatch(/^duplicate artifact output name "image"/);
    const primary = await validateFixtures(['rules/TA306.fail.yaml']);
    expect(primary.findings[0]?.message).toMatch(/^at most one artifact output can be marked as buildOutput/);
    const draft = await validateFixtures(['rules/TA101.fail.yaml']);
    expect(draft.findings[2]?.message).toMatch(
      /declares external result "REPORT" but external result storage is not configured/,
    );
  });

  it('say where the deciding setting came from', async () => {
    const disabled = await validateFixtures(['rules/TA101.fail.yaml']);
    expect(disabled.findings[0]?.message).toContain('no level sets enabled, and it is off by default');
    const noRepo = await validateFixtures(['rules/TA102.fail.yaml']);
    expect(noRepo.findings[0]?.message).toContain(
      'enabled is "true" in ConfigMap tekton-pipelines/config-artifact-storage',
    );
    const flag = await validateFixtures(['rules/TA403.fail.yaml']);
    expect(flag.findings[0]?.message).toContain(
      'enable-api-fields is "stable" in ConfigMap tekton-pipelines/feature-flags',
    );
  });

  it('compute termination-message budgets with Tekton framing', async () => {
    const { findings } = await validateFixtures(['rules/TA202.fail.yaml']);
    // 72 (brackets and StartedAt) + 2048 + 32 + 6 + 2048 + 32 + 11
    expect(findings[0]?.message).toContain('4249 bytes');
  });
});

describe('docs/validate.md', () => {
  const docs = readFileSync('docs/validate.md', 'utf8');
  it('documents every rule with its failing and passing example as tested', () => {
    for (const rule of RULES) {
      expect(docs, rule.id).toContain(`#### ${rule.id} ${rule.name}`);
      for (const kind of ['fail', 'pass']) {
        const fixture = readFileSync(`${FIXTURES}/rules/${rule.id}.${kind}.yaml`, 'utf8').trim();
        expect(docs.includes(fixture), `${rule.id}.${kind}.yaml is in the docs verbatim`).toBe(true);
      }
    }
  });
});
