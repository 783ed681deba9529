/** diff's documented JSON schema (docs/schemas/artifact-diff.schema.json) as a checker for tests. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';

const root = resolve(import.meta.dirname, '..', '..', '..');

/** The schema violations of `value`, as "path message" lines; empty when it conforms. */
export function artifactDiffSchemaErrors(value: unknown): string[] {
  const schema: unknown = JSON.parse(
    readFileSync(join(root, 'docs/schemas/artifact-diff.schema.json'), 'utf8'),
  );
  const validate = new Ajv({ allErrors: true }).compile(schema as object);
  validate(value);
  return (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`);
}
