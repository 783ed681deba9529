/**
 * Unified diffs of text, pure: Myers' O(ND) algorithm on lines, hunks with three lines of
 * context, as `diff -u` prints them. Bounded: past `maxEdits` differing lines it gives up and
 * says so instead of spending quadratic time and memory.
 */

export type Edit = { op: ' ' | '-' | '+'; line: string };

/** The shortest edit script from a to b, or undefined past maxEdits. */
export function diffLines(a: string[], b: string[], maxEdits: number): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))
          ? (v[offset + k + 1] as number)
          : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(next);
        return backtrack(trace, a, b, offset);
      }
    }
    v = next;
  }
  return undefined;
}

function backtrack(trace: Int32Array[], a: string[], b: string[], offset: number): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 2; d >= 0; d--) {
    const v = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (v[offset + prevK] as number);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      edits.push({ op: ' ', line: a[x] as string });
    }
    if (d > 0) {
      if (x === prevX) edits.push({ op: '+', line: b[--y] as string });
      else edits.push({ op: '-', line: a[--x] as string });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    edits.push({ op: ' ', line: a[x] as string });
  }
  return edits.reverse();
}

export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** `--- a/PATH`, `+++ b/PATH` and the hunks; empty when the texts are equal. */
export function unifiedDiff(
  path: string,
  a: string,
  b: string,
  options: { context?: number; maxEdits?: number } = {},
): string | undefined {
  const left = splitLines(a);
  const right = splitLines(b);
  const edits = diffLines(left, right, options.maxEdits ?? 4000);
  if (!edits) return undefined;
  const context = options.context ?? 3;
  const out = [`--- a/${path}`, `+++ b/${path}`];
  let i = 0;
  let lineA = 1;
  let lineB = 1;
  while (i < edits.length) {
    if ((edits[i] as Edit).op === ' ') {
      i++;
      lineA++;
      lineB++;
      continue;
    }
    // A hunk: back up `context` lines, run until `2 * context` unchanged lines in a row.
    const back = Math.min(context, i, lineA - 1, lineB - 1);
    const start = i - back;
    const startA = lineA - back;
    const startB = lineB - back;
    let end = i;
    let quiet = 0;
    for (let j = i; j < edits.length; j++) {
      if ((edits[j] as Edit).op === ' ') {
        quiet++;
        if (quiet > 2 * context) break;
      } else {
        quiet = 0;
        end = j;
      }
    }
    const stop = Math.min(edits.length, end + 1 + context);
    const hunk = edits.slice(start, stop);
    const countA = hunk.filter((e) => e.op !== '+').length;
    const countB = hunk.filter((e) => e.op !== '-').length;
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@`);
    for (const e of hunk) out.push(`${e.op}${e.line}`);
    for (const e of hunk) {
      if (e.op !== '+') lineA++;
      if (e.op !== '-') lineB++;
    }
    lineA -= back;
    lineB -= back;
    i = stop;
  }
  return out.length > 2 ? `${out.join('\n')}\n` : '';
}
