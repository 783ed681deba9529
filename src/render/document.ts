import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { escapeJsonText, hasUnsafeCharacters } from '../text/sanitize.js';
import { jsonPieces } from './json-stream.js';

/** Bytes of JSON gathered before a write: few writes, and no document-sized string. */
const JSON_CHUNK = 64 * 1024;

/**
 * Writes a document as renderDocument renders it, JSON in chunks as it is made (a tree of
 * 100,000 artifacts is 100 MB of JSON, and a string that size and its copy on the way out were
 * most of show's peak memory); waits for a full stream to drain.
 */
export async function writeDocument(
  document: unknown,
  format: 'json' | 'yaml',
  out: Writable,
): Promise<void> {
  if (format === 'yaml') {
    await write(out, await renderDocument(document, format));
    return;
  }
  let chunk = '';
  for (const piece of jsonPieces(document)) {
    chunk += piece;
    if (chunk.length < JSON_CHUNK) continue;
    // Pieces end between values, never inside a string: each chunk is escaped as the whole would be.
    await write(out, escapeJsonText(chunk));
    chunk = '';
  }
  await write(out, `${escapeJsonText(chunk)}\n`);
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

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
