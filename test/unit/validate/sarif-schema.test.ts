// SARIF output against the SARIF 2.1.0 JSON schema itself, as the devDependency
// @microsoft/jest-sarif ships it (no npm package ships the schema alone). It is draft-04, which
// ajv 6 validates.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { formatSarif } from '../../../src/validate/format.js';
import { runValidate, type ValidateOptions } from '../../../src/validate/run.js';
import { FIXTURES, NAMES } from './helpers.js';
import { memoryIo } from '../../support/io.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(
  readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
) as { id: string };
const draft04 = JSON.parse(
  readFileSync(require.resolve('ajv/lib/refs/json-schema-draft-04.json'), 'utf8'),
) as object;
const ajv = new Ajv({ schemaId: 'id', allErrors: true });
ajv.addMetaSchema(draft04);
const validateSarif = ajv.compile(schema);

function schemaErrors(doc: unknown): string[] {
  if (validateSarif(doc)) return [];
  return (validateSarif.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`);
}

async function output(options: Partial<ValidateOptions>, stdin = ''): Promise<string> {
  const io = memoryIo();
  await runValidate(
    {
      inputs: [],
      fromCluster: false,
      defaults: true,
      cluster: {},
      names: NAMES,
      output: 'sarif',
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
  return io.text();
}

async function sarifOf(options: Partial<ValidateOptions>, stdin = ''): Promise<unknown> {
  return JSON.parse(await output(options, stdin)) as unknown;
}

describe('SARIF against the SARIF 2.1.0 schema', () => {
  it('the validator is live: it rejects a log that breaks the schema', () => {
    expect(schemaErrors({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).not.toEqual([]);
    expect(schemaErrors({ version: '3.0.0', runs: [] })).not.toEqual([]);
  });

  it('accepts every output: files, standard input, cluster objects, notifications', async () => {
    const files = await sarifOf({
      inputs: [
        `${FIXTURES}/rules/TA001.fail.yaml`,
        `${FIXTURES}/rules/TA206.fail.yaml`,
        `${FIXTURES}/rules/TA402.fail.yaml`,
        `${FIXTURES}/rules/TA204.fail.yaml`,
      ],
    });
    expect(schemaErrors(files)).toEqual([]);
    const stdin = await sarifOf({ inputs: ['-'] }, readFileSync(`${FIXTURES}/rules/TA201.fail.yaml`, 'utf8'));
    expect(schemaErrors(stdin)).toEqual([]);
    expect(JSON.stringify(stdin)).toContain('"description":{"text":"standard input"}');
    const clean = await sarifOf({ inputs: [`${FIXTURES}/rules/TA204.pass.yaml`] });
    expect(schemaErrors(clean)).toEqual([]);

    // Cluster objects, as --from-cluster names them, with and without their API URL.
    const report = JSON.parse(
      await output({ inputs: [`${FIXTURES}/rules/TA101.fail.yaml`], output: 'json' }),
    ) as Parameters<typeof formatSarif>[0];
    report.findings = report.findings.map((f, i) => ({
      ...f,
      file: i === 0 ? 'cluster/ci/task/build.yaml' : 'cluster/ci/task/other.yaml',
    }));
    const cluster = JSON.parse(
      formatSarif(report, {
        cwd: process.cwd(),
        virtual: new Map([
          [
            'cluster/ci/task/build.yaml',
            'https://127.0.0.1:6443/apis/tekton.dev/v1/namespaces/ci/tasks/build',
          ],
          ['cluster/ci/task/other.yaml', undefined],
        ]),
      }),
    ) as unknown;
    expect(schemaErrors(cluster)).toEqual([]);
  });
});
