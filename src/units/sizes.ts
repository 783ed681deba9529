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
