// Writes the "## Rules" section of docs/validate.md from the rule catalogue and the rule fixtures:
// for every rule its summary, fix, the Tekton source that makes it true, and its failing and
// passing example with the findings validate prints for them (run here, so the docs cannot drift).
// Usage: npx tsx scripts/validate-docs.ts   (test/unit/validate/rules.test.ts checks the result)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileSource } from '../src/cluster/file-source.js';
import { RULES, type RuleCategory } from '../src/validate/catalog.js';
import { buildSnapshot, type ConfigSnapshot } from '../src/validate/config.js';
import { loadSnapshot } from '../src/validate/config-io.js';
import { validateFiles } from '../src/validate/engine.js';
import { TEKTON_API } from '../src/validate/tekton/api-data.js';
import { resolveTarget } from '../src/validate/tekton/release.js';
import { parseYaml } from '../src/validate/yaml.js';

const DOC = 'docs/validate.md';
const FIXTURES = 'test/fixtures/validate';
const NAMES = { configMapName: 'config-artifact-storage', tektonNamespace: 'tekton-pipelines' };

const CATEGORIES: Array<[RuleCategory, string, string]> = [
  ['input', 'Input (exit 2)', ''],
  [
    'admission',
    "Admission: what Tekton's webhook rejects",
    `Checked against the Go types and validation code of the target release, read by \`scripts/tekton-api\` into \`src/validate/tekton/api-data.ts\` (tektoncd/pipeline ${TEKTON_API.release}, commit ${TEKTON_API.commit}).`,
  ],
  ['references', 'References', ''],
  [
    'flags',
    'Feature flags',
    'Which flag or stability level each field needs comes from the validation code of the target release (the API data); flag values are read as Tekton reads them (`enable-api-fields` lower-cased, per-feature flags with strconv.ParseBool).',
  ],
  ['results', 'Result sizes', ''],
  [
    'storage',
    'Artifact storage (proposed API)',
    'These rules check the proposed TEP-0164/0192 fields, and run only where the cluster serves them (its tasks.tekton.dev CRD schema declares them, or `--artifact-api served`); elsewhere those fields are TA507 errors.',
  ],
  [
    'bindings',
    'Artifact declarations and bindings (proposed API)',
    'As for artifact storage: only where the proposed API is served.',
  ],
];

async function snapshotOf(config: string): Promise<ConfigSnapshot> {
  if (config === 'defaults')
    return buildSnapshot({ source: "Tekton's defaults", names: NAMES, defaultNamespace: 'default' });
  const file = path.join(FIXTURES, 'config', `${config}.yaml`);
  return loadSnapshot(await FileSource.fromFile(file), {
    describe: `snapshot ${file}`,
    names: NAMES,
    namespaces: ['default'],
    defaultNamespace: 'default',
    isSnapshotFile: true,
  });
}

async function example(rel: string): Promise<string> {
  const file = path.join(FIXTURES, rel);
  const text = readFileSync(file, 'utf8');
  const config = /^# config: (\S+)/m.exec(text)?.[1] ?? 'defaults';
  const served = /^# artifact-api: served/m.test(text);
  const snapshot = await snapshotOf(config);
  const target = resolveTarget({ artifactApi: { served, source: 'the fixture' } });
  const { findings } = validateFiles([parseYaml(file, text)], snapshot, { target });
  const against =
    config === 'defaults'
      ? "Tekton's defaults (`--defaults`)"
      : `[\`config/${config}.yaml\`](../${FIXTURES}/config/${config}.yaml)`;
  const kind = rel.endsWith('.fail.yaml') ? 'Failing' : 'Passing';
  const out = [
    `${kind} ([\`${file}\`](../${file}), against ${against}${served ? ', the proposed artifact API served' : ''}):`,
    '',
    '```yaml',
    text.trim(),
    '```',
  ];
  if (findings.length > 0) {
    out.push('', '```text');
    for (const f of findings) {
      out.push(`${path.basename(f.file)}:${f.line}:${f.column}  ${f.severity}  ${f.ruleId}  ${f.message}`);
      if (f.hint) out.push(`    hint: ${f.hint}`);
    }
    out.push('```');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf('## Rules\n');
  const end = doc.indexOf('## What validate does not do');
  if (start < 0 || end < 0) throw new Error(`${DOC}: no "## Rules" … "## What validate does not do"`);
  const parts: string[] = [
    '## Rules',
    '',
    'Ids are stable: a rule keeps its id and meaning, and an id is never reused. Every example below is',
    'a test fixture (`test/unit/validate/rules.test.ts` checks that the failing one fails at exactly',
    'these positions and that the passing one has no finding at all); the configurations they are',
    'checked against are in `test/fixtures/validate/config/`. This section is written by',
    '`npx tsx scripts/validate-docs.ts`, which runs validate on the fixtures; "Source" says what in',
    `Tekton (tektoncd/pipeline ${TEKTON_API.release} unless it says otherwise) or Kubernetes makes the rule true.`,
    '',
    '| id | name | severity | what it finds |',
    '| --- | --- | --- | --- |',
    ...RULES.map(
      (r) =>
        `| [${r.id}](#${`${r.id}-${r.name}`.toLowerCase()}) | \`${r.name}\` | ${r.severity} | ${r.summary.replace(/\|/g, '\\|')} |`,
    ),
    '',
  ];
  for (const [category, title, intro] of CATEGORIES) {
    parts.push(`### ${title}`, '');
    if (intro) parts.push(intro, '');
    for (const r of RULES.filter((x) => x.category === category)) {
      parts.push(
        `#### ${r.id} ${r.name}`,
        '',
        `**${r.severity}.** ${r.summary}`,
        '',
        `Fix: ${r.help}`,
        '',
        `Source: ${r.source}`,
        '',
      );
      parts.push(await example(`rules/${r.id}.fail.yaml`), '', await example(`rules/${r.id}.pass.yaml`), '');
    }
  }
  writeFileSync(DOC, doc.slice(0, start) + parts.join('\n') + doc.slice(end));
}

await main();
