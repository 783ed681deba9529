// oci.tagPattern expansion. The TEPs define the variables but not what happens to characters a
// tag cannot hold or to names longer than a tag may be; the rule here is ours (docs/storage-config.md).

import { createHash } from 'node:crypto';

const TAG_PATTERN_VARIABLES = ['namespace', 'pipelinerun', 'taskrun', 'artifact'] as const;
export type TagPatternVariable = (typeof TAG_PATTERN_VARIABLES)[number];
export type TagVariables = Partial<Record<TagPatternVariable, string>>;

/** OCI distribution-spec tag length limit (the grammar is src/oci's isValidTag). */
export const MAX_TAG_LENGTH = 128;

const VARIABLE_RE = /\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}/g;
const HASH_LENGTH = 8;

/**
 * Makes any string a valid OCI tag:
 * 1. every character outside `[A-Za-z0-9._-]` becomes `-`;
 * 2. leading `.` and `-` are dropped (a tag must start with `[A-Za-z0-9_]`); empty becomes `_`;
 * 3. above 128 characters, the first 119 are kept, then `-` and the first 8 hex digits of the
 *    sha256 of the whole sanitised string, so two long names that differ only at the end still
 *    get different tags.
 * Valid tags are returned unchanged.
 */
export function sanitiseTag(raw: string): string {
  let tag = raw.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '');
  if (tag === '') tag = '_';
  if (tag.length > MAX_TAG_LENGTH) {
    const hash = createHash('sha256').update(tag).digest('hex').slice(0, HASH_LENGTH);
    tag = `${tag.slice(0, MAX_TAG_LENGTH - HASH_LENGTH - 1)}-${hash}`;
  }
  return tag;
}

/**
 * Expands `{{namespace}}`, `{{pipelinerun}}`, `{{taskrun}}` and `{{artifact}}` (spaces inside the
 * braces allowed), then sanitises. Variables without a value, and unknown ones, expand to ""
 * (checkTagPattern reports unknown ones).
 */
export function expandTagPattern(pattern: string, vars: TagVariables): string {
  const expanded = pattern.replace(VARIABLE_RE, (_m, name: string) => {
    const key = name.toLowerCase() as TagPatternVariable;
    return (TAG_PATTERN_VARIABLES as readonly string[]).includes(key) ? (vars[key] ?? '') : '';
  });
  return sanitiseTag(expanded);
}

/** Problems of a pattern, for `validate` and config warnings. Empty when fine. */
export function checkTagPattern(pattern: string): string[] {
  const problems: string[] = [];
  if (pattern.trim() === '') return ['the tag pattern is empty'];
  const used = new Set<string>();
  for (const m of pattern.matchAll(VARIABLE_RE)) {
    const name = (m[1] ?? '').toLowerCase();
    if (!(TAG_PATTERN_VARIABLES as readonly string[]).includes(name)) {
      problems.push(
        `unknown variable {{${m[1] ?? ''}}} (known: ${TAG_PATTERN_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`,
      );
    }
    used.add(name);
  }
  const literal = pattern.replace(VARIABLE_RE, '');
  if (/[{}]/.test(literal)) problems.push('unbalanced {{ }} in the tag pattern');
  const bad = [...new Set(literal.replace(/[{}]/g, '').replace(/[A-Za-z0-9._-]/g, ''))];
  if (bad.length > 0) {
    problems.push(
      `characters not allowed in a tag will become "-": ${bad.map((c) => JSON.stringify(c)).join(' ')}`,
    );
  }
  if (!used.has('artifact') && !used.has('taskrun') && !used.has('pipelinerun')) {
    problems.push('the pattern names no run or artifact: every artifact would get the same tag');
  }
  return problems;
}
