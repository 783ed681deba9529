// Nothing in an input may crash validate: whatever the text of an input or of a --cluster-config
// snapshot, runValidate either returns an exit code (0, 1 or 2) with a report, or rejects with
// one of the typed errors the CLI maps to an exit code (InputError, CliError). Anything else
// (a TypeError, "Converting circular structure to JSON", a stack overflow) would be exit 70.
// fast-check drives it with arbitrary text, fixtures mutated with YAML's special characters
// (anchors, aliases, flow collections, tags), fixtures given anchors and aliases (recursive ones
// included: against the code before the alias check, this finds "Converting circular structure to
// JSON" within a few runs), fixtures with nodes swapped for values of any type (it found
// `kind: [{toString: 0}]` making String() throw), and Tekton-shaped objects.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, parseDocument, stringify, visit, type Node } from 'yaml';
import { describe, it } from 'vitest';
import { CliError } from '../../../src/cli/errors.js';
import { ClusterError } from '../../../src/cluster/errors.js';
import type { ValidationReport } from '../../../src/validate/report.js';
import { runValidate } from '../../../src/validate/run.js';
import { FIXTURES, NAMES } from './helpers.js';
import { memoryIo } from '../../support/io.js';

type Outcome = { code: number; report: ValidationReport } | { error: Error };

async function validateText(text: string, as: 'input' | 'snapshot'): Promise<Outcome> {
  const io = memoryIo();
  try {
    const code = await runValidate(
      {
        inputs: as === 'input' ? ['-'] : [`${FIXTURES}/rules/TA104.fail.yaml`],
        fromCluster: false,
        defaults: as === 'input',
        ...(as === 'snapshot' ? { clusterConfig: '-' } : {}),
        cluster: {},
        names: NAMES,
        output: 'json',
        failOn: 'error',
        ignoreRules: [],
        noColor: true,
        version: '0.0.0-test',
        cwd: process.cwd(),
      },
      io,
      async () => text,
    );
    return { code, report: JSON.parse(io.text()) as ValidationReport };
  } catch (error) {
    return { error: error as Error };
  }
}

/** The property: a verdict with its report, or a typed error; never anything else. */
async function survives(text: string, as: 'input' | 'snapshot'): Promise<boolean> {
  const outcome = await validateText(text, as);
  if ('error' in outcome) {
    const typed = outcome.error instanceof ClusterError || outcome.error instanceof CliError;
    if (!typed) throw outcome.error; // fast-check prints the input and this stack
    return outcome.error.message.length > 0;
  }
  const { code, report } = outcome;
  return [0, 1, 2].includes(code) && report.summary.exitCode === code;
}

const fixtureTexts = ['rules', 'cases', 'config'].flatMap((dir) =>
  readdirSync(path.join(FIXTURES, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(path.join(FIXTURES, dir, f), 'utf8')),
);

/** What YAML gives meaning to, and what has broken parsers before. */
const TOKENS = [
  '&a ',
  '*a',
  '&b ',
  '*b',
  '[',
  ']',
  '{',
  '}',
  ': ',
  '- ',
  '\n',
  '  ',
  '"',
  "'",
  '# ',
  '!!str ',
  '!!binary ',
  '!custom ',
  '---\n',
  '...\n',
  '? ',
  '|\n',
  '>-\n',
  ', ',
  '\t',
  '%YAML 1.2\n---\n',
  '<<: *a\n',
  '\uFEFF',
  '\u0000',
  '\u2028',
  'null',
  'true',
  '0x1F',
  '1e999',
  '~',
  '__proto__: ',
  'constructor: ',
];

type Mutation =
  | { op: 'insert'; at: number; token: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; line: number; to: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('duplicate' as const), line: fc.nat(), to: fc.nat() }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let t = text;
  for (const m of mutations) {
    if (m.op === 'insert') {
      const at = m.at % (t.length + 1);
      t = t.slice(0, at) + m.token + t.slice(at);
    } else if (m.op === 'delete') {
      const at = m.at % (t.length + 1);
      t = t.slice(0, at) + t.slice(at + m.length);
    } else {
      const lines = t.split('\n');
      const line = lines[m.line % lines.length] ?? '';
      lines.splice(m.to % (lines.length + 1), 0, line);
      t = lines.join('\n');
    }
  }
  return t;
}

const mutatedFixture = fc
  .tuple(fc.constantFrom(...fixtureTexts), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([text, ms]) => mutate(text, ms));

/** Field names the rules read, so random objects reach the rules with wrongly typed values. */
const KEYS = [
  'steps',
  'results',
  'artifacts',
  'inputs',
  'outputs',
  'name',
  'maxSize',
  'type',
  'storage',
  'from',
  'tasks',
  'finally',
  'taskSpec',
  'taskRef',
  'pipelineSpec',
  'pipelineRef',
  'params',
  'value',
  'default',
  'when',
  'cel',
  'matrix',
  'script',
  'image',
  'command',
  'args',
  'env',
  'ref',
  'workspaces',
  'sidecars',
  'stdoutConfig',
  'properties',
  'buildOutput',
  'subject',
  'kind',
  'apiVersion',
  'metadata',
  'annotations',
  'runAfter',
  'onError',
  'resolver',
  'bundle',
  'enum',
  'taskRunSpecs',
  'computeResources',
  'items',
  'spec',
  'constructor',
  'toString',
  'valueOf',
  'toJSON',
];

const leaf = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'tasks.a.outputs.b',
    'tasks.b.outputs.a',
    'artifacts.inputs.x',
    '$(tasks.a.outputs.b)',
    '$(results.x.path)',
    '$(step.artifacts.path)',
    '64Ki',
    '1constructor',
    '99999999999999999999999999999999999999Gi',
    'IMAGES',
    'SBOM',
    'external',
    'inline',
    'content',
    'reference',
    'Task',
    'ClusterTask',
    'a',
    'b',
  ),
);

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('tree'), { maxKeys: 5 }),
  ),
}));

/** Mostly `value`, sometimes anything: most objects must get past TA002 to reach the rules. */
const mostly = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: value }, { weight: 1, arbitrary: tree });
const mapping = fc.dictionary(fc.constantFrom(...KEYS), tree, { minKeys: 1, maxKeys: 6 });

const tektonObject = fc
  .record({
    apiVersion: mostly(fc.constantFrom('tekton.dev/v1', 'tekton.dev/v1beta1')),
    kind: fc.constantFrom('Task', 'ClusterTask', 'Pipeline', 'PipelineRun', 'TaskRun'),
    metadata: fc.record(
      {
        name: mostly(fc.constantFrom('x', 'build')),
        namespace: mostly(fc.constantFrom('ci', 'other')),
        annotations: mostly(
          fc.dictionary(
            fc.constantFrom('tkn-artifacts.tekton.dev/image-count', 'tkn-artifacts.tekton.dev/max-size.a'),
            leaf,
          ),
        ),
      },
      { requiredKeys: ['name'] },
    ),
    spec: mostly(mapping),
  })
  .chain((obj) =>
    fc.constantFrom('single', 'list', 'twice').map((shape) =>
      shape === 'single'
        ? stringify(obj)
        : shape === 'list'
          ? stringify({ apiVersion: 'v1', kind: 'List', items: [obj, obj] })
          : // The same object twice in one document: yaml writes an anchor and an alias.
            stringify({ apiVersion: 'v1', kind: 'List', items: [obj, { ...obj, spec: obj.spec }] }),
    ),
  );

/** Every path into a value, the root included. */
function paths(value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function replaceAt(root: unknown, at: ReadonlyArray<string | number>, value: unknown): unknown {
  if (at.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at[at.length - 1] as string | number] = value;
  return root;
}

const fixtureValues: unknown[] = fixtureTexts.flatMap((t) =>
  parseAllDocuments(t)
    .filter((d) => d.errors.length === 0)
    .map((d) => d.toJS() as unknown)
    .filter((v) => typeof v === 'object' && v !== null),
);

/** A fixture with a few of its nodes, anywhere, swapped for values of any type. */
const retypedFixture = fc
  .tuple(
    fc.constantFrom(...fixtureValues),
    fc.array(fc.tuple(fc.nat(), tree), { minLength: 1, maxLength: 3 }),
  )
  .map(([value, swaps]) => {
    let copy = structuredClone(value);
    for (const [i, replacement] of swaps) {
      const all = paths(copy);
      copy = replaceAt(copy, all[i % all.length] ?? [], replacement);
    }
    return stringify(copy);
  });

/**
 * A fixture where one collection gets an anchor and some value, inside it or anywhere, becomes
 * an alias to it: recursive aliases (the node contains its own alias), aliases before their
 * anchor, and plain reuse, each written by yaml itself so the rest stays valid.
 */
const aliasedFixture = fc
  .tuple(fc.constantFrom(...fixtureTexts), fc.nat(), fc.nat(), fc.boolean())
  .map(([text, i, j, inside]) => {
    const doc = parseDocument(text);
    const collections: Node[] = [];
    visit(doc, {
      Collection: (_key, node) => {
        collections.push(node);
      },
    });
    const target = collections[i % Math.max(1, collections.length)];
    if (!target) return text;
    type Slot = { set(node: Node): void; within: boolean };
    const slots: Slot[] = [];
    visit(doc, {
      Pair: (_key, pair, path) => {
        slots.push({ set: (n) => (pair.value = n), within: path.includes(target) });
      },
      Seq: (_key, seq, path) => {
        const within = path.includes(target) || seq === target;
        seq.items.forEach((_item, k) => slots.push({ set: (n) => (seq.items[k] = n), within }));
      },
    });
    const usable = slots.filter((slot) => !inside || slot.within);
    const slot = usable[j % Math.max(1, usable.length)];
    if (!slot) return text;
    slot.set(doc.createAlias(target as Parameters<typeof doc.createAlias>[0], 'a'));
    try {
      return doc.toString();
    } catch {
      return text; // yaml will not write an alias before its anchor
    }
  });

const snapshotObject = fc
  .array(
    fc.record({
      apiVersion: fc.constant('v1'),
      kind: fc.constantFrom('ConfigMap', 'ConfigMap', 'ConfigMap', 'Secret', 'List'),
      metadata: fc.record({
        name: fc.constantFrom('feature-flags', 'config-artifact-storage', 'other'),
        namespace: fc.constantFrom('tekton-pipelines', 'ci', 'default'),
      }),
      data: fc.oneof(
        { weight: 1, arbitrary: tree },
        {
          weight: 4,
          arbitrary: fc.dictionary(
            fc.constantFrom(
              'enable-artifacts',
              'enable-api-fields',
              'results-from',
              'max-result-size',
              'enabled',
              'oci.repository',
              'inline-threshold',
            ),
            fc.oneof(
              { weight: 1, arbitrary: leaf },
              {
                weight: 5,
                arbitrary: fc.constantFrom('true', 'false', 'alpha', 'sidecar-logs', '16384', ''),
              },
            ),
          ),
        },
      ),
    }),
    { maxLength: 4 },
  )
  .map((items) => stringify({ apiVersion: 'v1', kind: 'List', items }));

/** FUZZ_SCALE=20 (say) runs every property 20 times longer, for a deeper search by hand. */
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const runs = (n: number) => ({ numRuns: Math.round(n * SCALE) });

const TIMEOUT = 30_000 * SCALE;

describe('validate never crashes on its inputs', () => {
  it(
    'arbitrary text as an input',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), (t) => survives(t, 'input')),
        runs(150),
      );
    },
    TIMEOUT,
  );

  it(
    'fixtures mutated with YAML syntax, as an input',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedFixture, (t) => survives(t, 'input')),
        runs(400),
      );
    },
    TIMEOUT,
  );

  it(
    'Tekton-shaped objects with fields of any type, as an input',
    async () => {
      await fc.assert(
        fc.asyncProperty(tektonObject, (t) => survives(t, 'input')),
        runs(300),
      );
    },
    TIMEOUT,
  );

  it(
    'fixtures with anchors and aliases (recursive ones too), as an input and as a snapshot',
    async () => {
      await fc.assert(
        fc.asyncProperty(aliasedFixture, fc.boolean(), (t, snapshot) =>
          survives(t, snapshot ? 'snapshot' : 'input'),
        ),
        runs(300),
      );
    },
    TIMEOUT,
  );

  it(
    'fixtures with nodes swapped for values of any type, as an input',
    async () => {
      await fc.assert(
        fc.asyncProperty(retypedFixture, (t) => survives(t, 'input')),
        runs(500),
      );
    },
    TIMEOUT,
  );

  it(
    'arbitrary text, mutated fixtures and odd ConfigMaps, as the --cluster-config snapshot',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), mutatedFixture, snapshotObject),
          (t) => survives(t, 'snapshot'),
        ),
        runs(300),
      );
    },
    TIMEOUT,
  );
});
