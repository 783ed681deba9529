// Positions: YAML errors, and mapping JSON paths back to nodes.
import { describe, expect, it } from 'vitest';
import { parseSize } from '../../../src/units/sizes.js';
import { formatBytes } from '../../../src/units/sizes.js';
import { locate, parseYaml } from '../../../src/validate/yaml.js';

const TEXT = `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: build
spec:
  steps:
    - name: a
      script: |
        echo one
        echo $(results.X.path)
    - name: b
      image:
  empty:
`;

describe('parseYaml', () => {
  it('reports malformed YAML with the parser position, for each broken document', () => {
    const r = parseYaml('bad.yaml', 'a: 1\n---\nb: [1, 2\nc: 3\n---\nd:\n\te: 1\n');
    expect(r.documents.map((d) => d.value)).toEqual([{ a: 1 }]);
    expect(r.errors.map((e) => [e.ruleId, e.line, e.column])).toEqual([
      ['TA001', 4, 1], // where the unclosed [ was found wanting
      ['TA001', 7, 1],
    ]);
    expect(r.errors[0]?.message).toMatch(/^invalid YAML: /);
    expect(r.errors[0]?.message).not.toMatch(/at line \d+/);
    expect(r.errors[0]?.hint).toBe('in document 2 of the file');
  });

  it('bounds alias expansion instead of running out of memory', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      lines.push(
        `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [*${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}]`,
      );
    const r = parseYaml('bomb.yaml', lines.join('\n'));
    expect(r.documents).toEqual([]);
    expect(r.errors[0]).toMatchObject({ ruleId: 'TA001', line: 1, column: 1 });
  });

  // Each of these made a value that contains itself, which crashed validate (exit 70) in
  // JSON.stringify (bindings, storage) or in a recursion without end (resources).
  it.each([
    [
      'a pipeline task inside its own params',
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - &t {name: a, params: [{name: x, value: *t}]}\n',
      { line: 6, column: 46 },
    ],
    [
      'a maxSize that lists itself',
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  results:\n    - name: r\n      maxSize: &m [*m]\n',
      { line: 7, column: 20 },
    ],
    [
      'List items that hold themselves',
      'apiVersion: v1\nkind: List\nitems: &i [{kind: List, items: *i}]\n',
      { line: 3, column: 32 },
    ],
    ['an alias two levels down', 'a: &a\n  b:\n    - c: *a\n', { line: 3, column: 10 }],
    // Spellings the quick "any alias here?" test must not miss.
    ['a flow value right after a JSON-like key', '&x {"k":*x}\n', { line: 1, column: 9 }],
    ['a flow item right after a comma', '&x [1,*x]\n', { line: 1, column: 7 }],
    ['an alias at the start of a line', 'a: &x\n- 1\n- *x\n', { line: 3, column: 3 }],
  ])('rejects an alias inside its own anchor as TA001 at the alias: %s', (_what, text, pos) => {
    const r = parseYaml('loop.yaml', text);
    expect(r.documents).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ ruleId: 'TA001', severity: 'error', ...pos });
    expect(r.errors[0]?.message).toMatch(/^invalid YAML: alias \*\w+ is inside the node anchored &\w+/);
  });

  it('keeps aliases that only reuse a node, and reports one without an anchor', () => {
    const reuse = parseYaml('reuse.yaml', 'a: &x {k: [1, 2]}\nb: *x\nc: [&y v, *y]\n');
    expect(reuse.errors).toEqual([]);
    expect(reuse.documents[0]?.value).toEqual({ a: { k: [1, 2] }, b: { k: [1, 2] }, c: ['v', 'v'] });
    // An alias means the last anchor of its name before it, as in yaml (so `b: &x [*x]` would
    // be recursive, and is reported like the cases above).
    const shadow = parseYaml('shadow.yaml', 'a: &x 1\nb: [*x, &x 2, *x]\n');
    expect(shadow.errors).toEqual([]);
    expect(shadow.documents[0]?.value).toEqual({ a: 1, b: [1, 2, 2] });
    expect(parseYaml('self.yaml', 'a: &x 1\nb: &x [*x]\n').errors[0]).toMatchObject({ line: 2, column: 8 });
    const unresolved = parseYaml('u.yaml', 'a: *nope\n');
    expect(unresolved.errors[0]).toMatchObject({ ruleId: 'TA001', line: 1, column: 4 });
    expect(unresolved.errors[0]?.hint).toMatch(/define the anchor/);
  });

  it('treats an empty file and empty documents as nothing', () => {
    expect(parseYaml('e.yaml', '').documents).toEqual([]);
    expect(parseYaml('e.yaml', '---\n---\n').errors).toEqual([]);
  });
});

describe('locate', () => {
  const doc = parseYaml('t.yaml', TEXT).documents[0];
  if (!doc) throw new Error('fixture did not parse');

  it('points at values by default and at keys on request', () => {
    expect(locate(doc, ['metadata', 'name'])).toMatchObject({ line: 4, column: 9 });
    expect(locate(doc, ['metadata', 'name'], 'key')).toMatchObject({ line: 4, column: 3 });
    expect(locate(doc, ['spec', 'steps', 1, 'name'])).toMatchObject({ line: 11, column: 13 });
    expect(locate(doc, ['spec', 'steps', 1])).toMatchObject({ line: 11, column: 7 });
  });

  it('uses the key when a value is empty', () => {
    expect(locate(doc, ['spec', 'steps', 1, 'image'])).toMatchObject({ line: 12, column: 7 });
    expect(locate(doc, ['spec', 'empty'])).toMatchObject({ line: 13, column: 3 });
  });

  it('falls back to the deepest node that exists', () => {
    expect(locate(doc, ['spec', 'artifacts', 'outputs', 0])).toMatchObject({ line: 5, column: 1 });
    expect(locate(doc, ['spec', 'steps', 7, 'name'])).toMatchObject({ line: 6, column: 3 });
    expect(locate(doc, [])).toMatchObject({ line: 1, column: 1 });
  });

  it('finds text inside a block scalar', () => {
    expect(locate(doc, ['spec', 'steps', 0, 'script'], 'value', '$(results.X.path)')).toEqual({
      line: 10,
      column: 14,
      endLine: 10,
      endColumn: 31,
    });
    // Absent text: the node itself.
    expect(locate(doc, ['spec', 'steps', 0, 'script'], 'value', '$(nope)')).toMatchObject({
      line: 8,
      column: 15,
    });
  });
});

describe('sizes', () => {
  it('parses bytes and quantities', () => {
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('64Ki')).toBe(65536);
    expect(parseSize('10Mi')).toBe(10 * 1024 * 1024);
    expect(parseSize('1.5MB')).toBe(1_500_000);
    expect(parseSize('2k')).toBe(2000);
    expect(parseSize(' 3 KiB ')).toBe(3072);
    for (const bad of ['a lot', '-1', '10Xi', '', null, {}, Number.NaN])
      expect(parseSize(bad)).toBeUndefined();
    // Units are looked up among UNITS' own keys, not Object.prototype's.
    for (const inherited of ['1constructor', '2toString', '3__proto__', '4hasOwnProperty', '5valueOf'])
      expect(parseSize(inherited), inherited).toBeUndefined();
    // Digits beyond a double's range are no size either.
    expect(parseSize(`1${'0'.repeat(400)}`)).toBeUndefined();
    expect(parseSize(`1${'0'.repeat(400)}Gi`)).toBeUndefined();
    expect(parseSize(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('prints exact bytes, with a unit for large sizes', () => {
    expect(formatBytes(4096)).toBe('4096 bytes');
    expect(formatBytes(65536)).toBe('64 KiB (65536 bytes)');
    expect(formatBytes(14431)).toBe('14.1 KiB (14431 bytes)');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MiB (10485760 bytes)');
  });
});
