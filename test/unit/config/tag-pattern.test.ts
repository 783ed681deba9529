import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTagPattern, expandTagPattern, MAX_TAG_LENGTH, sanitiseTag } from '../../../src/config/index.js';
import { isValidTag } from '../../../src/oci/reference.js';

const vars = {
  namespace: 'team-a',
  pipelinerun: 'build-abc12',
  taskrun: 'build-abc12-test',
  artifact: 'junit',
};

describe('expandTagPattern', () => {
  it.each([
    ['{{namespace}}.{{taskrun}}.{{artifact}}', 'team-a.build-abc12-test.junit'],
    ['{{namespace}}.{{pipelinerun}}.{{taskrun}}.{{artifact}}', 'team-a.build-abc12.build-abc12-test.junit'],
    ['{{namespace}}-{{taskrun}}-{{artifact}}', 'team-a-build-abc12-test-junit'],
    ['{{ namespace }}-{{PipelineRun}}', 'team-a-build-abc12'],
    ['{{namespace}}.{{pipelinerun}}', 'team-a.build-abc12'],
  ])('%s → %s', (pattern, tag) => expect(expandTagPattern(pattern, vars)).toBe(tag));

  it('missing and unknown variables expand to nothing', () => {
    expect(expandTagPattern('{{namespace}}.{{taskrun}}.{{nope}}', { namespace: 'ns' })).toBe('ns..');
  });

  it('sanitises characters a tag cannot hold', () => {
    expect(expandTagPattern('{{artifact}}', { artifact: 'my artifact/v1:2' })).toBe('my-artifact-v1-2');
    expect(expandTagPattern('{{artifact}}', { artifact: '.hidden' })).toBe('hidden');
    expect(expandTagPattern('{{artifact}}', { artifact: '' })).toBe('_');
  });
});

describe('sanitiseTag', () => {
  it('keeps valid tags unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/), (tag) => {
        expect(sanitiseTag(tag)).toBe(tag);
      }),
    );
  });

  it('always returns a valid OCI tag (≤128 chars, [A-Za-z0-9_][A-Za-z0-9._-]*)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
        const tag = sanitiseTag(raw);
        expect(tag.length).toBeLessThanOrEqual(MAX_TAG_LENGTH);
        expect(isValidTag(tag)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('any pattern and variables expand to a valid tag', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.record({
          namespace: fc.string(),
          pipelinerun: fc.string(),
          taskrun: fc.string(),
          artifact: fc.string({ maxLength: 300 }),
        }),
        (pattern, v) => {
          expect(isValidTag(expandTagPattern(pattern, v))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('truncation keeps long names apart with a hash suffix', () => {
    const a = sanitiseTag(`${'a'.repeat(130)}-one`);
    const b = sanitiseTag(`${'a'.repeat(130)}-two`);
    expect(a).toHaveLength(128);
    expect(a.slice(0, 119)).toBe('a'.repeat(119));
    expect(a).toMatch(/^a{119}-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(sanitiseTag(`${'a'.repeat(130)}-one`)).toBe(a);
  });
});

describe('checkTagPattern', () => {
  it('accepts the documented defaults', () => {
    expect(checkTagPattern('{{namespace}}.{{taskrun}}.{{artifact}}')).toEqual([]);
    expect(checkTagPattern('{{namespace}}-{{pipelinerun}}-{{artifact}}')).toEqual([]);
  });

  it('reports unknown variables, bad characters, unbalanced braces and constant patterns', () => {
    expect(checkTagPattern('{{branch}}')).toEqual([
      'unknown variable {{branch}} (known: {{namespace}}, {{pipelinerun}}, {{taskrun}}, {{artifact}})',
      'the pattern names no run or artifact: every artifact would get the same tag',
    ]);
    expect(checkTagPattern('{{artifact}}/x')).toEqual([
      'characters not allowed in a tag will become "-": "/"',
    ]);
    expect(checkTagPattern('{{artifact}')).toContain('unbalanced {{ }} in the tag pattern');
    expect(checkTagPattern('  ')).toEqual(['the tag pattern is empty']);
  });
});
