/** Human-readable sizes in binary units, as oras and kubectl users read them (1.5 KiB, 20 MiB). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits).replace(/\.?0+$/, '')} ${units[unit]}`;
}

/** A digest shortened for people: algorithm plus 12 hex characters, as docker and oras do. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '-';
  const colon = digest.indexOf(':');
  if (colon < 0) return digest.slice(0, 12);
  return `${digest.slice(0, colon + 1)}${digest.slice(colon + 1, colon + 13)}`;
}
