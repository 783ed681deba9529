/** Extraction limits and how the flags that set them are read. Pure. */
import { parseSize } from '../units/sizes.js';

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
const RATIO_FLOOR = 1024 ** 2;

/** `10GiB`, `500Mi`, `2G`, `1048576` → bytes; undefined when it is not a size, or is 0. */
export function parseLimitSize(text: string): number | undefined {
  const bytes = parseSize(text);
  return bytes !== undefined && bytes > 0 ? bytes : undefined;
}

/** How many expanded bytes an archive of `compressed` bytes may produce. */
export function expansionBudget(
  compressed: number,
  limits: ExtractLimits,
): { bytes: number; by: 'ratio' | 'size' } {
  const byRatio = Math.max(RATIO_FLOOR, compressed * limits.maxRatio);
  return byRatio < limits.maxSize ? { bytes: byRatio, by: 'ratio' } : { bytes: limits.maxSize, by: 'size' };
}
