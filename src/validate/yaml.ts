// YAML with positions: parse every document of a file keeping the syntax tree, and map a JSON
// path back to the node it names, so a finding can say file:line:column. Pure (text in, data out).

import { LineCounter, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node } from 'yaml';
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
   * The syntax tree, for positions. Kept from the first parse: parsing again only the files with
   * findings was measured slower on 1,000 files (bench/validate.bench.mjs).
   */
  ast(): { doc: Document.Parsed; lineCounter: LineCounter };
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
    const tree = { doc, lineCounter };
    documents.push({ file, index, value, text, ast: () => tree });
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
  const { doc, lineCounter } = source.ast();
  let node: Node | null | undefined = doc.contents;
  let keyNode: Node | null | undefined;
  let lastGood: Node | null | undefined = node;
  let complete = true;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) {
        complete = false;
        break;
      }
      keyNode = pair.key as Node;
      node = (isPair(pair) ? pair.value : undefined) as Node | null | undefined;
      // `key:` with no value (null, or an empty scalar at the end of the line): the key is the
      // best position there is.
      const empty =
        !node || (isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]));
      lastGood = empty ? keyNode : node;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) {
        complete = false;
        break;
      }
      keyNode = undefined;
      node = item;
      lastGood = item;
    } else {
      complete = false;
      break;
    }
  }
  // Incomplete: point at the key of the deepest mapping entry found (`spec:`), not its contents.
  const target = complete ? (at === 'key' && keyNode ? keyNode : lastGood) : (keyNode ?? lastGood);
  const range = target?.range ?? doc.contents?.range;
  if (!range) return { line: 1, column: 1 };
  if (complete && needle && isScalar(target)) {
    const offset = source.text.slice(range[0], range[1]).indexOf(needle);
    if (offset >= 0) {
      const start = lineCounter.linePos(range[0] + offset);
      const end = lineCounter.linePos(range[0] + offset + needle.length);
      return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
    }
  }
  const start = lineCounter.linePos(range[0]);
  const end = lineCounter.linePos(range[1]);
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}
