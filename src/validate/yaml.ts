// YAML with positions: parse every document of a file keeping the syntax tree, and map a JSON
// path back to the node it names, so a finding can say file:line:column. Pure (text in, data out).

import { LineCounter, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node } from 'yaml';
import { aliasErrorHint, badAlias, badAliasText } from '../cluster/file-source.js';
import type { Finding, Path, Position } from './types.js';

const NODE_TESTS = { isAlias, isMap, isNode, isPair, isSeq };

export interface SourceDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The document as plain data. */
  value: unknown;
  /** The whole file's text (shared by its documents), to find text inside a scalar. */
  text: string;
  /**
   * Where each node is, for positions: the syntax tree reduced to offsets, built once at parse
   * time. Kept instead of yaml's Document, which held about five times the memory (5,000 files:
   * bench/validate.bench.mjs); parsing again only the files with findings was measured slower.
   */
  positions: { root: Located; lineCounter: LineCounter };
}

/**
 * A collection's offsets in the text, compact: a scalar child is five numbers in `slots` (key
 * start and end, value start and end, flags), not an object; only collections are objects.
 */
interface Located {
  start: number;
  /** Where its value ends (yaml's range[1]). */
  end: number;
  /** Only a document's root can be a scalar here (children that are scalars live in slots). */
  scalar: boolean;
  /** A mapping's scalar keys, as String(key) compares them, in order (undefined: a sequence). */
  names: string[] | undefined;
  /** Per child: key start, key end (a mapping's), value start, value end, flags. */
  slots: number[];
  /** Per child: the collection it is, else undefined. */
  kids: (Located | undefined)[];
}

/** One node as locate walks it: a collection, or a scalar (or alias) made from its slots. */
interface Spot {
  start: number;
  end: number;
  scalar: boolean;
  /** A null scalar with nothing written (`key:` alone): the key is the better position. */
  empty: boolean;
  collection: Located | undefined;
}

const SCALAR = 1;
const EMPTY = 2;
const ABSENT = 4;

function locatedOf(node: Node): Located {
  const range = node.range ?? [0, 0, 0];
  const pairs = isMap(node) ? node.items.filter((pair) => isScalar(pair.key)) : undefined;
  const children: Array<{ key: Node | undefined; value: unknown }> = pairs
    ? pairs.map((pair) => ({ key: pair.key as Node, value: pair.value }))
    : isSeq(node)
      ? node.items.map((item) => ({ key: undefined, value: item }))
      : [];
  // Arrays of their exact length (filled by index, not grown by push): there are many of them.
  const slots = new Array<number>(children.length * 5);
  const kids = new Array<Located | undefined>(children.length);
  children.forEach(({ key, value }, i) => {
    const kr = key?.range ?? [0, 0, 0];
    const vr = isNode(value) ? (value.range ?? [0, 0, 0]) : kr;
    const flags = !isNode(value)
      ? ABSENT
      : (isScalar(value) ? SCALAR : 0) |
        (isScalar(value) && value.value === null && vr[0] === vr[1] ? EMPTY : 0);
    slots[i * 5] = kr[0];
    slots[i * 5 + 1] = kr[1];
    slots[i * 5 + 2] = vr[0];
    slots[i * 5 + 3] = vr[1];
    slots[i * 5 + 4] = flags;
    kids[i] = isMap(value) || isSeq(value) ? locatedOf(value) : undefined;
  });
  return {
    start: range[0],
    end: range[1],
    scalar: isScalar(node),
    names: pairs?.map((pair) => String((pair.key as { value: unknown }).value)),
    slots,
    kids,
  };
}

function spotOf(collection: Located): Spot {
  return {
    start: collection.start,
    end: collection.end,
    scalar: collection.scalar,
    empty: false,
    collection,
  };
}

/** Child `i` of a collection: its value (undefined when `key:` has none), and its key. */
function childOf(parent: Located, i: number): { key: Spot; value: Spot | undefined } {
  const [ks = 0, ke = 0, vs = 0, ve = 0, flags = 0] = parent.slots.slice(i * 5, i * 5 + 5);
  const key = { start: ks, end: ke, scalar: true, empty: false, collection: undefined };
  if (flags & ABSENT) return { key, value: undefined };
  const kid = parent.kids[i];
  const value = kid
    ? spotOf(kid)
    : {
        start: vs,
        end: ve,
        scalar: (flags & SCALAR) !== 0,
        empty: (flags & EMPTY) !== 0,
        collection: undefined,
      };
  return { key, value };
}

export interface ParsedFile {
  file: string;
  documents: SourceDocument[];
  /** TA001 findings: documents that are not valid YAML (they are left out of `documents`). */
  errors: Finding[];
}

const MAYBE_ALIAS = /(?:^|[\s,[\]{}:])\*[^\s,[\]{}]/;

/** Anchors and aliases can multiply a small file into a huge object; this bounds it. */
const MAX_ALIAS_COUNT = 1000;

export function parseYaml(file: string, raw: string): ParsedFile {
  // A byte-order mark is no column (editors do not count it); the readers drop it already.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const lineCounter = new LineCounter();
  const errors: Finding[] = [];
  const documents: SourceDocument[] = [];
  // Kubernetes rejects duplicate keys (sigs.k8s.io/yaml is strict), so we keep yaml's default check.
  // logLevel error: yaml's warnings (collection keys…) would go to stderr, outside the report.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, logLevel: 'error' });
  // An alias is "*name" after a space, a line start or a flow indicator (`{"a":*b}` included);
  // files without one (nearly all: `$(params.list[*])` is none) skip the alias walk.
  const mayAlias = MAYBE_ALIAS.test(text);
  const syntaxError = (pos: { line: number; col: number }, text: { message: string; hint: string }) =>
    errors.push({ ruleId: 'TA001', severity: 'error', file, line: pos.line, column: pos.col, ...text });
  docs.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      syntaxError(error.linePos?.[0] ?? { line: 1, col: 1 }, {
        message: `invalid YAML: ${firstLine(error.message)}`,
        hint: docs.length > 1 ? `in document ${index + 1} of the file` : 'fix the YAML at this position',
      });
      return;
    }
    if (doc.contents === null) return; // an empty document (a stray ---)
    // Before toJS, which would build a value that contains itself from a recursive alias.
    const bad = mayAlias ? badAlias(doc, NODE_TESTS) : undefined;
    if (bad) {
      syntaxError(lineCounter.linePos(bad.alias.range?.[0] ?? doc.contents.range[0]), badAliasText(bad));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      syntaxError(lineCounter.linePos(doc.contents.range[0]), {
        message: `invalid YAML: ${firstLine((err as Error).message)}`,
        hint: aliasErrorHint(err),
      });
      return;
    }
    documents.push({ file, index, value, text, positions: { root: locatedOf(doc.contents), lineCounter } });
  });
  return { file, documents, errors };
}

function firstLine(message: string): string {
  // yaml's pretty errors append " at line L, column C:" and a source excerpt; the position is
  // printed separately, so keep the sentence only.
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * The position of the node at `path` (relative to the document root). When the path goes further
 * than the document does (a key that is absent), the deepest node that exists is used, so a
 * finding always has a position. With `needle`, the position of that text inside the node when
 * the source spells it verbatim (a variable in a script), else the node's.
 */
export function locate(
  source: SourceDocument,
  path: Path,
  at: 'key' | 'value' = 'value',
  needle?: string,
): Position {
  const { root, lineCounter } = source.positions;
  let node: Spot | undefined = spotOf(root);
  let keyNode: Spot | undefined;
  let lastGood: Spot | undefined = node;
  let complete = true;
  for (const segment of path) {
    const collection: Located | undefined = node?.collection;
    if (collection?.names) {
      const index = collection.names.indexOf(String(segment));
      if (index < 0) {
        complete = false;
        break;
      }
      const child = childOf(collection, index);
      keyNode = child.key;
      node = child.value;
      // `key:` with no value (null, or an empty scalar at the end of the line): the key is the
      // best position there is.
      lastGood = !node || node.empty ? keyNode : node;
    } else if (collection && typeof segment === 'number') {
      if (!Number.isInteger(segment) || segment < 0 || segment >= collection.kids.length) {
        complete = false;
        break;
      }
      keyNode = undefined;
      node = childOf(collection, segment).value;
      if (!node) {
        complete = false;
        break;
      }
      lastGood = node;
    } else {
      complete = false;
      break;
    }
  }
  // Incomplete: point at the key of the deepest mapping entry found (`spec:`), not its contents.
  const target =
    (complete ? (at === 'key' && keyNode ? keyNode : lastGood) : (keyNode ?? lastGood)) ?? spotOf(root);
  if (complete && needle && target.scalar) {
    const offset = source.text.slice(target.start, target.end).indexOf(needle);
    if (offset >= 0) {
      const start = lineCounter.linePos(target.start + offset);
      const end = lineCounter.linePos(target.start + offset + needle.length);
      return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
    }
  }
  const start = lineCounter.linePos(target.start);
  const end = lineCounter.linePos(target.end);
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}
