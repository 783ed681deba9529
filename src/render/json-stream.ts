/**
 * `JSON.stringify(value, null, 2)` in pieces: the same bytes, without the whole document as one
 * string. A tree of 100,000 artifacts is about 100 MB of JSON; built whole, it and its copy on the
 * way to stdout were a large part of show's peak memory.
 */

/** Members (array items and object keys, at every depth) one piece is made of, about. */
const PIECE_MEMBERS = 2_000;

/** What is left of `budget` after counting the members of `value`; negative once it is spent. */
function membersLeft(value: unknown, budget: number): number {
  if (typeof value !== 'object' || value === null) return budget;
  if (Array.isArray(value)) {
    let left = budget - value.length;
    for (let i = 0; i < value.length && left >= 0; i++) left = membersLeft(value[i], left);
    return left;
  }
  let left = budget;
  for (const key in value) {
    if (--left < 0) return left;
    left = membersLeft((value as Record<string, unknown>)[key], left);
  }
  return left;
}

/** Objects JSON.stringify walks itself: no toJSON, an ordinary or null prototype. */
function isPlain(value: object): boolean {
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Values JSON.stringify writes as an object's member (it leaves the others out). */
function isMember(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** JSON.stringify's text of `value` at `indent`: its strings hold no raw line breaks, so indenting each one is exact. */
function stringified(value: unknown, indent: string): string | undefined {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  return indent && text?.includes('\n') ? text.replaceAll('\n', `\n${indent}`) : text;
}

/**
 * The pieces of `JSON.stringify(value, null, 2)`, in order. Small values (up to `members`
 * members) are stringified whole, runs of small array items as one array with its brackets cut
 * off; large arrays and plain objects are walked a member at a time.
 */
export function* jsonPieces(
  value: unknown,
  indent = '',
  members = PIECE_MEMBERS,
): Generator<string, void, undefined> {
  if (membersLeft(value, members) >= 0 || typeof value !== 'object' || value === null) {
    const text = stringified(value, indent);
    // A top-level undefined, function or symbol: JSON.stringify returns undefined.
    if (text !== undefined) yield text;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    yield '[';
    let start = 0;
    let budget = members;
    // items[start, end) as JSON.stringify writes them inside the brackets (undefined as null).
    const run = (end: number): string => {
      const text = stringified(items.slice(start, end), indent) as string;
      return `${start === 0 ? '' : ','}${text.slice(1, text.length - indent.length - 2)}`;
    };
    for (let i = 0; i < items.length; i++) {
      const size = members - membersLeft(items[i], members);
      if (size <= members && size < budget) {
        budget -= size + 1;
        continue;
      }
      if (start < i) yield run(i);
      if (size <= members) {
        // Small, but the run was full: it opens the next one.
        start = i;
        budget = members - size - 1;
        continue;
      }
      yield `${i === 0 ? '' : ','}\n${inner}`;
      yield* jsonPieces(items[i], inner, members);
      start = i + 1;
      budget = members;
    }
    if (start < items.length) yield run(items.length);
    yield `\n${indent}]`;
    return;
  }
  if (!isPlain(value)) {
    yield stringified(value, indent) as string;
    return;
  }
  let first = true;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (!isMember(member)) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonPieces(member, inner, members);
  }
  yield first ? '{}' : `\n${indent}}`;
}
