/**
 * Durations as flags take them (gc's --older-than, --timeout, --request-timeout): Go-style
 * (`90s`, `90m`, `36h`, `1h30m`) plus days and weeks (`30d`, `2w`), the units retention policies
 * are written in. Pure.
 */
const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Milliseconds, or undefined when `text` is not a positive duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total > 0 && Number.isFinite(total) ? Math.round(total) : undefined;
}
