import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { renderDocument, writeDocument } from '../../../src/render/document.js';
import { jsonPieces } from '../../../src/render/json-stream.js';
import { HOSTILE } from '../../support/hostile.js';
import { sampleTree } from './sample-tree.js';

/** A deterministic pseudo-random source, so a failing value can be found again. */
function seeded(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
}

/** Values of every shape JSON.stringify treats apart: nesting, holes, toJSON, members it leaves out. */
function value(pick: (n: number) => number, depth: number): unknown {
  switch (pick(depth > 4 ? 6 : 9)) {
    case 0:
      return pick(1000) - 500;
    case 1:
      return ['', 'plain', 'é\u2028"\\\n\ttab', HOSTILE[pick(HOSTILE.length)]][pick(4)];
    case 2:
      return [null, true, undefined, () => 1, Symbol('s')][pick(5)];
    case 3:
      return new Date(Date.UTC(2026, 0, 1 + pick(300)));
    case 4:
      return { toJSON: () => ({ replaced: [1, { deep: 'x' }] }) };
    case 5:
      return pick(2) ? [] : {};
    case 6:
    case 7:
      return Array.from({ length: pick(12) }, () => value(pick, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = pick(8); i > 0; i--)
        out[`${['a', 'b"q', 'c\n', '__proto_', ''][pick(5)]}${i}`] = value(pick, depth + 1);
      return out;
    }
  }
}

describe('jsonPieces', () => {
  it('joins to exactly what JSON.stringify(value, null, 2) writes, whatever the piece size', () => {
    const pick = seeded(12);
    for (let round = 0; round < 2_000; round++) {
      const data = value(pick, 0);
      const expected = JSON.stringify(data, null, 2) as string | undefined;
      // Piece sizes from "every member its own piece" to "all at once".
      for (const members of [0, 1, 3, 10, 50, 2_000])
        expect([...jsonPieces(data, '', members)].join('')).toBe(expected ?? '');
    }
  });

  it('cuts a large array into pieces of runs of items, not one string', () => {
    const items = Array.from({ length: 5_000 }, (_, i) => ({ name: `artifact-${i}`, files: [{ size: i }] }));
    const pieces = [...jsonPieces({ taskRuns: [{ artifacts: items }] })];
    expect(pieces.join('')).toBe(JSON.stringify({ taskRuns: [{ artifacts: items }] }, null, 2));
    expect(pieces.length).toBeGreaterThan(5);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(200_000);
  });
});

describe('writeDocument', () => {
  it('writes the bytes renderDocument renders, in chunks, escaping what a terminal would act on', async () => {
    const tree = sampleTree();
    const many = Array.from({ length: 3_000 }, (_, i) => ({
      ...tree,
      run: { ...tree.run, name: `${HOSTILE[i % HOSTILE.length]}${i}` },
    }));
    for (const document of [tree, many]) {
      const chunks: string[] = [];
      const out = new PassThrough();
      out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
      await writeDocument(document, 'json', out);
      expect(chunks.join('')).toBe(await renderDocument(document, 'json'));
    }
  });

  it('waits for a slow stream to drain instead of queueing the document', async () => {
    const received: Buffer[] = [];
    let most = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        most = Math.max(most, slow.writableLength);
        setImmediate(done);
      },
    });
    const document = { items: Array.from({ length: 20_000 }, (_, i) => ({ i, text: `item ${i}` })) };
    await writeDocument(document, 'json', slow);
    expect(Buffer.concat(received).toString()).toBe(`${JSON.stringify(document, null, 2)}\n`);
    // One chunk (64 KiB and the piece that passed it) queued at most, never the 1.3 MB document.
    expect(most).toBeLessThan(256 * 1024);
  });

  it('writes YAML whole, as renderDocument renders it', async () => {
    const chunks: string[] = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    await writeDocument(sampleTree(), 'yaml', out);
    expect(chunks.join('')).toBe(await renderDocument(sampleTree(), 'yaml'));
  });
});
