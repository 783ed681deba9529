// The four outputs, and exit codes from --fail-on.
import { describe, expect, it } from 'vitest';
import { colourWanted } from '../../../src/cli/io.js';
import { RULES } from '../../../src/validate/catalog.js';
import { formatGithub, formatHuman, formatJson, formatSarif } from '../../../src/validate/format.js';
import { buildReport, exitCodeOf, type FailOn, type ValidationReport } from '../../../src/validate/report.js';
import type { Finding } from '../../../src/validate/types.js';
import { snapshotOf, validateFixtures } from './helpers.js';

async function reportOf(rel: string[], failOn: FailOn = 'error', config?: string): Promise<ValidationReport> {
  const result = await validateFixtures(rel, config ? { config } : {});
  const snapshot = await snapshotOf(config ?? 'storage-off');
  return buildReport(result, { snapshot, files: rel.length, failOn, version: '0.1.0' });
}

// An escape sequence; a string test, since lint forbids control characters in regular expressions.
const hasAnsi = (s: string): boolean => s.includes('\u001b[');

describe('human output', () => {
  it('aligns file:line:col, severity, rule and message, with the hint under the message', async () => {
    const report = await reportOf(['rules/TA101.fail.yaml', 'rules/TA105.fail.yaml'], 'error', 'storage-off');
    const text = formatHuman(report, { colour: false });
    const lines = text.split('\n');
    const findingLines = lines.filter((l) => /^\S+:\d+:\d+ /.test(l));
    expect(findingLines).toHaveLength(4);
    const severityColumn = findingLines.map((l) => l.search(/ (error|warning|info) /));
    expect(new Set(severityColumn).size).toBe(1);
    const ruleColumn = findingLines.map((l) => l.search(/ TA\d{3} /) + 1);
    expect(new Set(ruleColumn).size).toBe(1);
    const messageColumn = (ruleColumn[0] ?? 0) + 'TA101  '.length;
    const hints = lines.filter((l) => l.trimStart().startsWith('hint: '));
    expect(hints).toHaveLength(4);
    for (const h of hints) expect(h.indexOf('hint: ')).toBe(messageColumn);
    expect(findingLines[0]).toMatch(
      /^test\/fixtures\/validate\/rules\/TA101\.fail\.yaml:11:18 +error +TA101 {2}Task "build-images" declares artifact output "images" with storage: external/,
    );
    expect(text).toContain(
      '✗ incompatible: 3 errors, 1 warning, 0 info in 2 resources in 2 files, against snapshot',
    );
    expect(hasAnsi(text)).toBe(false);
  });

  it('says compatible when nothing reaches --fail-on, and lists notes', async () => {
    const report = await reportOf(['rules/TA105.fail.yaml'], 'error', 'storage-off');
    const text = formatHuman(report, { colour: false });
    expect(text).toContain('✓ compatible (nothing at or above --fail-on error): 0 errors, 1 warning, 0 info');
    expect(text).toMatch(
      /\nnote: snapshot .*storage-off\.yaml has no ConfigMap tekton-pipelines\/config-artifact-storage/,
    );
    const clean = formatHuman(await reportOf(['rules/TA105.pass.yaml'], 'error', 'storage-off'), {
      colour: false,
    });
    expect(clean).toMatch(/^✓ compatible: 1 resource in 1 file, against snapshot/);
  });

  it('colours only when asked, and NO_COLOR turns it off even on a terminal', async () => {
    const report = await reportOf(['rules/TA101.fail.yaml'], 'error', 'storage-off');
    expect(hasAnsi(formatHuman(report, { colour: true }))).toBe(true);
    const saved = process.env['NO_COLOR'];
    try {
      process.env['NO_COLOR'] = '1';
      expect(colourWanted(true, false)).toBe(false);
      delete process.env['NO_COLOR'];
      expect(colourWanted(true, true)).toBe(false);
      expect(colourWanted(false, false)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env['NO_COLOR'];
      else process.env['NO_COLOR'] = saved;
    }
  });
});

describe('JSON output', () => {
  it('is a versioned ValidationReport', async () => {
    const report = await reportOf(['rules/TA101.fail.yaml'], 'error', 'storage-off');
    const parsed = JSON.parse(formatJson(report)) as ValidationReport;
    expect(parsed.apiVersion).toBe('tkn-artifacts.tekton.dev/v1alpha1');
    expect(parsed.kind).toBe('ValidationReport');
    expect(parsed.summary).toMatchObject({
      verdict: 'incompatible',
      exitCode: 1,
      errors: 3,
      files: 1,
      resources: 1,
    });
    expect(parsed.configuration.featureFlags).toMatchObject({
      enableArtifacts: true,
      set: { 'enable-artifacts': 'true' },
    });
    expect(parsed.configuration.storage).toEqual([
      expect.objectContaining({ namespace: 'default', enabled: false, ociRepository: null }),
    ]);
    expect(parsed.findings[0]).toMatchObject({
      ruleId: 'TA101',
      severity: 'error',
      file: 'test/fixtures/validate/rules/TA101.fail.yaml',
      line: 11,
      column: 18,
      resource: { kind: 'Task', name: 'build-images', namespace: 'default' },
    });
  });
});

/** The parts of SARIF 2.1.0 code-scanning consumers rely on, checked field by field. */
function checkSarif(doc: unknown): string[] {
  const problems: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const need = (cond: boolean, what: string) => {
    if (!cond) problems.push(what);
  };
  if (!isObj(doc)) return ['not an object'];
  need(doc.version === '2.1.0', 'version is 2.1.0');
  need(typeof doc.$schema === 'string', '$schema');
  need(Array.isArray(doc.runs) && doc.runs.length === 1, 'one run');
  const run = Array.isArray(doc.runs) ? (doc.runs[0] as unknown) : undefined;
  if (!isObj(run)) return [...problems, 'run'];
  const driver = isObj(run.tool) && isObj(run.tool.driver) ? run.tool.driver : undefined;
  need(driver !== undefined && typeof driver.name === 'string', 'tool.driver.name');
  const rules = driver && Array.isArray(driver.rules) ? (driver.rules as unknown[]) : [];
  const ids = rules.map((r) => (isObj(r) ? r.id : undefined));
  need(new Set(ids).size === rules.length, 'rule ids unique');
  for (const r of rules) {
    need(
      isObj(r) &&
        typeof r.id === 'string' &&
        isObj(r.shortDescription) &&
        typeof r.shortDescription.text === 'string',
      'rule.shortDescription',
    );
    const level = isObj(r) && isObj(r.defaultConfiguration) ? r.defaultConfiguration.level : undefined;
    need(['none', 'note', 'warning', 'error'].includes(String(level)), 'rule.defaultConfiguration.level');
  }
  const bases = isObj(run.originalUriBaseIds) ? run.originalUriBaseIds : {};
  for (const result of Array.isArray(run.results) ? (run.results as unknown[]) : []) {
    if (!isObj(result)) {
      problems.push('result is an object');
      continue;
    }
    need(typeof result.ruleId === 'string', 'result.ruleId');
    need(
      typeof result.ruleIndex === 'number' && ids[result.ruleIndex] === result.ruleId,
      'result.ruleIndex matches the rule',
    );
    need(['none', 'note', 'warning', 'error'].includes(String(result.level)), 'result.level');
    need(isObj(result.message) && typeof result.message.text === 'string', 'result.message.text');
    const locations = Array.isArray(result.locations) ? (result.locations as unknown[]) : [];
    need(locations.length === 1, 'one location');
    const physical =
      isObj(locations[0]) && isObj(locations[0].physicalLocation) ? locations[0].physicalLocation : undefined;
    const artifact = physical && isObj(physical.artifactLocation) ? physical.artifactLocation : undefined;
    // A uri (no spaces: encoded), or for what is no file, a description instead.
    need(
      artifact !== undefined &&
        (typeof artifact.uri === 'string'
          ? !artifact.uri.includes(' ')
          : isObj(artifact.description) && typeof artifact.description.text === 'string'),
      'artifactLocation.uri or description',
    );
    if (artifact && typeof artifact.uriBaseId === 'string')
      need(artifact.uriBaseId in bases, 'uriBaseId is declared');
    const region = physical && isObj(physical.region) ? physical.region : undefined;
    need(
      region !== undefined && Number.isInteger(region.startLine) && Number(region.startLine) >= 1,
      'region.startLine ≥ 1',
    );
    need(
      region !== undefined && Number.isInteger(region.startColumn) && Number(region.startColumn) >= 1,
      'region.startColumn ≥ 1',
    );
  }
  return problems;
}

describe('SARIF output', () => {
  it('is structurally valid SARIF 2.1.0 with every rule in the driver', async () => {
    const report = await reportOf(
      ['rules/TA101.fail.yaml', 'rules/TA206.fail.yaml', 'rules/TA001.fail.yaml'],
      'error',
      'storage-off',
    );
    const sarif = JSON.parse(formatSarif(report, { cwd: '/work/main' })) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string }> } };
        results: Array<Record<string, unknown>>;
        invocations: Array<{ exitCode: number; executionSuccessful: boolean }>;
        originalUriBaseIds: Record<string, { uri: string }>;
      }>;
    };
    expect(checkSarif(sarif)).toEqual([]);
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    expect(run?.results.map((r) => r.level)).toEqual(['error', 'error', 'error', 'note', 'error']);
    expect(run?.results[0]).toMatchObject({
      ruleId: 'TA101',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'test/fixtures/validate/rules/TA101.fail.yaml', uriBaseId: 'SRCROOT' },
            region: { startLine: 11, startColumn: 18 },
          },
        },
      ],
    });
    expect(run?.originalUriBaseIds['SRCROOT']?.uri).toBe('file:///work/main/');
    expect(run?.invocations[0]).toMatchObject({ executionSuccessful: false, exitCode: 2 });
    // Notes about the configuration travel as notifications, not results.
    expect(run?.invocations[0]).toHaveProperty('toolConfigurationNotifications', [
      { level: 'warning', message: { text: expect.stringMatching(/has no ConfigMap/) as unknown } },
    ]);
  });

  it('uses file: URIs for paths outside the working directory, and relative ones inside it', async () => {
    const report = await reportOf(['rules/TA101.fail.yaml'], 'error', 'storage-off');
    const [first] = report.findings;
    if (!first) throw new Error('no finding');
    report.findings = [
      { ...first, file: '/tmp/elsewhere/task.yaml' },
      { ...first, file: '../sibling/task with space.yaml' },
      { ...first, file: '/work/main/tekton/task.yaml' },
      { ...first, file: 'tekton/build.yaml' },
    ];
    const sarif = JSON.parse(formatSarif(report, { cwd: '/work/main' })) as {
      runs: Array<{
        results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: unknown } }> }>;
      }>;
    };
    expect(sarif.runs[0]?.results.map((r) => r.locations[0]?.physicalLocation.artifactLocation)).toEqual([
      { uri: 'file:///tmp/elsewhere/task.yaml' },
      { uri: 'file:///work/sibling/task%20with%20space.yaml' },
      { uri: 'file:///work/main/tekton/task.yaml' },
      { uri: 'tekton/build.yaml', uriBaseId: 'SRCROOT' },
    ]);
    expect(checkSarif(sarif)).toEqual([]);
  });

  it('gives what is no file (standard input, cluster objects) no path under %SRCROOT%', async () => {
    const report = await reportOf(['rules/TA101.fail.yaml'], 'error', 'storage-off');
    const [first] = report.findings;
    if (!first) throw new Error('no finding');
    const api = 'https://10.0.0.1:6443/apis/tekton.dev/v1/namespaces/ci/tasks/build';
    report.findings = [
      { ...first, file: 'stdin' },
      { ...first, file: 'cluster/ci/task/build.yaml' },
      { ...first, file: 'cluster/ci/pipeline/release.yaml' },
    ];
    const virtual = new Map([
      ['cluster/ci/task/build.yaml', api],
      ['cluster/ci/pipeline/release.yaml', undefined],
    ]);
    const sarif = JSON.parse(formatSarif(report, { cwd: '/work/main', virtual })) as {
      runs: Array<{
        results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: unknown } }> }>;
      }>;
    };
    expect(sarif.runs[0]?.results.map((r) => r.locations[0]?.physicalLocation.artifactLocation)).toEqual([
      { description: { text: 'standard input' } },
      {
        uri: api,
        description: { text: 'cluster object ci/task/build.yaml, as kubectl get -o yaml prints it' },
      },
      { description: { text: 'cluster object ci/pipeline/release.yaml, as kubectl get -o yaml prints it' } },
    ]);
    expect(checkSarif(sarif)).toEqual([]);
    // A real file that happens to live under cluster/ is still a file.
    report.findings = [{ ...first, file: 'cluster/ci/task/build.yaml' }];
    const plain = JSON.parse(formatSarif(report, { cwd: '/work/main' })) as typeof sarif;
    expect(plain.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation).toEqual({
      uri: 'cluster/ci/task/build.yaml',
      uriBaseId: 'SRCROOT',
    });
  });
});

describe('GitHub Actions output', () => {
  it('writes one workflow command per finding, escaped', () => {
    const finding: Finding = {
      ruleId: 'TA301',
      severity: 'error',
      message: 'invalid from format "a,b:c", expected 100% of it',
      hint: 'fix it\nnow',
      file: 'dir,with:odd/p.yaml',
      line: 3,
      column: 5,
      endLine: 3,
      endColumn: 9,
    };
    const report = {
      findings: [
        finding,
        { ...finding, severity: 'info', hint: undefined, endLine: 4 },
        { ...finding, severity: 'warning' },
      ],
      summary: { verdict: 'incompatible', errors: 1, warnings: 1, infos: 1, resources: 1 },
      configuration: { tekton: { version: 'v1.15.0' } },
    } as unknown as ValidationReport;
    const lines = formatGithub(report).trimEnd().split('\n');
    expect(lines[0]).toBe(
      '::error file=dir%2Cwith%3Aodd/p.yaml,line=3,col=5,endLine=3,endColumn=9,title=TA301::invalid from format "a,b:c", expected 100%25 of it%0Ahint: fix it%0Anow',
    );
    expect(lines[1]).toMatch(/^::notice file=.*,line=3,col=5,endLine=4,title=TA301::invalid from format/);
    expect(lines[2]).toMatch(/^::warning /);
    expect(lines[3]).toBe(
      'tkn-artifacts validate: incompatible for Tekton v1.15.0 (1 errors, 1 warnings, 1 info in 1 resources)',
    );
  });
});

describe('exit codes', () => {
  const f = (severity: Finding['severity'], ruleId = 'TA101'): Finding => ({
    ruleId,
    severity,
    message: 'm',
    file: 'f',
    line: 1,
    column: 1,
  });
  it('follow --fail-on', () => {
    expect(exitCodeOf([], 'error')).toBe(0);
    expect(exitCodeOf([f('warning')], 'error')).toBe(0);
    expect(exitCodeOf([f('warning')], 'warning')).toBe(1);
    expect(exitCodeOf([f('info')], 'warning')).toBe(0);
    expect(exitCodeOf([f('info')], 'info')).toBe(1);
    expect(exitCodeOf([f('error')], 'none')).toBe(0);
    expect(exitCodeOf([f('error')], 'error')).toBe(1);
  });
  it('are 2 for unreadable input, unless --fail-on none (which fails only when validate cannot run)', () => {
    expect(exitCodeOf([f('error', 'TA001')], 'warning')).toBe(2);
    expect(exitCodeOf([f('error'), f('error', 'TA002')], 'error')).toBe(2);
    expect(exitCodeOf([f('error', 'TA001')], 'none')).toBe(0);
  });
});
