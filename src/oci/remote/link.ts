// RFC 8288 `Link` headers, as registries use them to paginate tags and referrers.

export interface LinkValue {
  uri: string;
  params: Record<string, string>;
}

/** Parses a Link header into its links; malformed parts are skipped, never thrown on. */
export function parseLinkHeader(header: string | string[] | undefined): LinkValue[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const out: LinkValue[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('<', i);
    if (open < 0) break;
    const close = text.indexOf('>', open + 1);
    if (close < 0) break;
    const uri = text.slice(open + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    // Parameters run until the next ',' that is outside quotes.
    while (i < text.length) {
      const m = /^\s*;\s*([A-Za-z0-9!#$&+.^_`|~-]+\*?)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;,]*)))?/.exec(
        text.slice(i),
      );
      if (!m) break;
      params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
      i += m[0].length;
    }
    const comma = text.indexOf(',', i);
    i = comma < 0 ? text.length : comma + 1;
    out.push({ uri, params });
  }
  return out;
}

/** The `rel="next"` target, or undefined. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  for (const l of parseLinkHeader(header)) {
    if ((l.params.rel ?? '').toLowerCase().split(/\s+/).includes('next')) return l.uri;
  }
  return undefined;
}
