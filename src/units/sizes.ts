// Byte sizes as people write them: in Tekton specs and annotations (4096, 64Ki, 10Mi, 1.5MB) and
// in flags (--max-size 10GiB). One grammar for both, so a size means the same everywhere.

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Bytes (rounded up), or undefined when `raw` is not a size. Numbers are bytes; strings are a
 * decimal number and an optional unit, decimal (k, MB) or binary (Ki, MiB), case-insensitive.
 */
export function parseSize(raw: unknown): number | undefined {
  if (typeof raw === 'number')
    return Number.isSafeInteger(Math.ceil(raw)) && raw >= 0 ? Math.ceil(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  // Own keys only: "1constructor" must not find Object.prototype.constructor.
  if (!Object.hasOwn(UNITS, unit)) return undefined;
  const bytes = Math.ceil(Number(m[1]) * (UNITS[unit] ?? Number.NaN));
  // A long run of digits overflows (to Infinity, or past exact integers): no size either.
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * A byte count for people, in binary units as oras and kubectl print them: "512 B", "1.5 KiB",
 * "100 KiB", "200 MiB". Up to three significant digits; trailing zeros after the point dropped
 * (never the zeros of a whole number).
 */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = (v: number) => v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  let shown = rounded(value);
  // 1023.6 KiB rounds to "1024 KiB": that is 1 MiB.
  if (Number(shown) >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
    shown = rounded(value);
  }
  if (shown.includes('.')) shown = shown.replace(/0+$/, '').replace(/\.$/, '');
  return `${shown} ${BINARY_UNITS[unit]}`;
}

/**
 * A limit or a measured size where the exact count matters (validate's findings): "4096 bytes",
 * "64 KiB (65536 bytes)". The rounded form only from 10 KiB, where it helps reading.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 10 * 1024) return `${bytes} bytes`;
  return `${humanSize(bytes)} (${bytes} bytes)`;
}
