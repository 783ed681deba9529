// Digests for people (sizes are src/units').

/** A digest shortened for people: algorithm plus 12 hex characters, as docker and oras do. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '-';
  const colon = digest.indexOf(':');
  if (colon < 0) return digest.slice(0, 12);
  return `${digest.slice(0, colon + 1)}${digest.slice(colon + 1, colon + 13)}`;
}
