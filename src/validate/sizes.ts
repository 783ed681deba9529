// Sizes as people write them in specs and annotations (4096, 64Ki, 10Mi, 1.5MB) and as we print them.

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Bytes, or undefined when `raw` is not a size. Numbers are bytes. */
export function parseSize(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? Math.ceil(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  // Own keys only: "1constructor" must not find Object.prototype.constructor.
  if (!Object.hasOwn(UNITS, unit)) return undefined;
  const bytes = Math.ceil(Number(m[1]) * (UNITS[unit] ?? Number.NaN));
  // A long run of digits overflows to Infinity, which is no size either.
  return Number.isFinite(bytes) ? bytes : undefined;
}

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
