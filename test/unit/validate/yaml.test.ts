// Positions: YAML errors, and mapping JSON paths back to nodes.
import { describe, expect, it } from 'vitest';
import { formatBytes, parseSize } from '../../../src/validate/sizes.js';
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
  });

  it('prints exact bytes, with a unit for large sizes', () => {
    expect(formatBytes(4096)).toBe('4096 bytes');
    expect(formatBytes(65536)).toBe('64 KiB (65536 bytes)');
    expect(formatBytes(14431)).toBe('14.1 KiB (14431 bytes)');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MiB (10485760 bytes)');
  });
});
