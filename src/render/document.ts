import { escapeJsonText, hasUnsafeCharacters } from '../text/sanitize.js';

/**
 * JSON and YAML documents for scripts: the versioned schema of docs/output-schema.md. The data
 * is kept whole; characters a terminal would act on are written as escapes (sanitize.ts).
 */
export async function renderDocument(document: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${escapeJsonText(JSON.stringify(document, null, 2))}\n`;
  const { Document, visit, isScalar } = await import('yaml');
  const doc = new Document(document);
  let unsafe = false;
  // yaml escapes C0 controls itself but writes C1, DEL and bidi characters raw, and plain or
  // block scalars have no escapes at all: such strings go double-quoted, where \u escapes are valid.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && hasUnsafeCharacters(node.value)) {
        node.type = 'QUOTE_DOUBLE';
        unsafe = true;
      }
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === 'string' && hasUnsafeCharacters(pair.key.value)) {
        pair.key.type = 'QUOTE_DOUBLE';
        unsafe = true;
      }
    },
  });
  const text = doc.toString({ lineWidth: 0 });
  return unsafe ? escapeJsonText(text) : text;
}
