/** Extraction limits and how the flags that set them are read. Pure. */

export interface ExtractLimits {
  /** Expanded bytes (the tar stream) allowed per compressed byte. */
  maxRatio: number;
  /** Expanded bytes allowed per archive, whatever the ratio. */
  maxSize: number;
}

export const DEFAULT_MAX_RATIO = 100;
export const DEFAULT_MAX_SIZE = 10 * 1024 ** 3;
/**
 * The ratio is only enforced past this many expanded bytes: a small tar of small text files is
 * mostly 512-byte headers and padding and compresses far beyond 100x, harmlessly.
 */
export const RATIO_FLOOR = 1024 ** 2;

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

/** `10GiB`, `500Mi`, `2G`, `1048576` → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const factor = UNITS[(m[2] ?? '').toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** How many expanded bytes an archive of `compressed` bytes may produce. */
export function expansionBudget(
  compressed: number,
  limits: ExtractLimits,
): { bytes: number; by: 'ratio' | 'size' } {
  const byRatio = Math.max(RATIO_FLOOR, compressed * limits.maxRatio);
  return byRatio < limits.maxSize ? { bytes: byRatio, by: 'ratio' } : { bytes: limits.maxSize, by: 'size' };
}
