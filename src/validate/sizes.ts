// Sizes as validate prints them (parsing: src/units/sizes.ts).

/** "4096 bytes", "64 KiB (65536 bytes)": exact bytes always shown, since limits are exact. */
export function formatBytes(bytes: number): string {
  const units: Array<[number, string]> = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [factor, unit] of units) {
    if (bytes >= factor && bytes >= 10 * 1024) {
      const v = bytes / factor;
      const shown = Number.isInteger(v) ? String(v) : v.toFixed(1);
      return `${shown} ${unit} (${bytes} bytes)`;
    }
  }
  return `${bytes} bytes`;
}
