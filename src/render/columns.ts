/**
 * Aligned columns, kubectl style: each column as wide as its widest cell, three spaces apart (or
 * as the caller says), no trailing blanks. Linear in the number of cells: cli-table3's layout
 * looks for row spans across every row above each cell, which took 20 s for 10,000 rows.
 */

/** Wide (two-column) ranges of East Asian scripts and emoji, as terminals draw them. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|[\u200b-\u200d]|\ufe0f|\ufe0e)$/u;

/** Columns a string takes on a terminal (text already sanitised: no control characters). */
function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) {
    if (ZERO_WIDTH.test(character)) continue;
    width += WIDE.test(character) ? 2 : 1;
  }
  return width;
}

/** Rows as lines, columns padded to their widest cell; the last column is never padded. */
export function alignColumns(rows: readonly (readonly string[])[], gap = '   '): string[] {
  const widths: number[] = [];
  const measured = rows.map((row) =>
    row.map((cell, i) => {
      const width = displayWidth(cell);
      widths[i] = Math.max(widths[i] ?? 0, width);
      return width;
    }),
  );
  return rows.map((row, r) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - (measured[r]?.[i] ?? 0)),
      )
      .join(gap)
      .trimEnd(),
  );
}
