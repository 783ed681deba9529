// WWW-Authenticate parsing (RFC 7235) and the token-auth scopes distribution defines.

export interface Challenge {
  /** Lower-cased: `bearer`, `basic`, … */
  scheme: string;
  /** Lower-cased parameter names. */
  params: Record<string, string>;
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/;

/**
 * Parses a WWW-Authenticate header. Several challenges may share one header, separated by commas
 * that also separate parameters — a new challenge starts where a token is not followed by '='.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const out: Challenge[] = [];
  let i = 0;
  const skip = (re: RegExp): void => {
    const m = re.exec(text.slice(i));
    if (m) i += m[0].length;
  };
  while (i < text.length) {
    skip(/^[\s,]*/);
    const scheme = TOKEN.exec(text.slice(i));
    if (!scheme) break;
    i += scheme[0].length;
    const challenge: Challenge = { scheme: scheme[0].toLowerCase(), params: {} };
    out.push(challenge);
    const t68 = /^\s+([A-Za-z0-9._~+/-]+=*)\s*(?=,|$)/.exec(text.slice(i));
    if (t68) {
      challenge.params.token68 = t68[1]!;
      i += t68[0].length;
      continue;
    }
    while (i < text.length) {
      const save = i;
      skip(/^[\s,]*/);
      const param = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*/.exec(text.slice(i));
      if (!param) {
        // Not `name=`: the next challenge's scheme starts here.
        i = save;
        break;
      }
      i += param[0].length;
      let value: string;
      if (text[i] === '"') {
        let j = i + 1;
        let v = '';
        while (j < text.length && text[j] !== '"') {
          if (text[j] === '\\' && j + 1 < text.length) j++;
          v += text[j];
          j++;
        }
        value = v;
        i = j + 1;
      } else {
        const m = /^[^\s,]*/.exec(text.slice(i))!;
        value = m[0];
        i += m[0].length;
      }
      challenge.params[param[1]!.toLowerCase()] = value;
    }
  }
  return out;
}

export type Action = 'pull' | 'push' | 'delete' | '*';

/** `repository:<name>:<actions>` — the scope a request needs. */
export function repositoryScope(repository: string, actions: Action[]): string {
  return `repository:${repository}:${[...new Set(actions)].sort().join(',')}`;
}

/**
 * Merges scopes (space-separated lists, as `scope=` carries them): actions for the same resource
 * are unioned. The result is sorted, so it doubles as a cache key.
 */
export function mergeScopes(...scopes: (string | undefined)[]): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const list of scopes) {
    if (!list) continue;
    for (const scope of list.split(/\s+/)) {
      if (!scope) continue;
      const last = scope.lastIndexOf(':');
      const first = scope.indexOf(':');
      if (first < 0 || last === first) {
        opaque.add(scope);
        continue;
      }
      const resource = scope.slice(0, last);
      const actions = scope
        .slice(last + 1)
        .split(',')
        .filter(Boolean);
      const set = byResource.get(resource) ?? new Set<string>();
      for (const a of actions) set.add(a);
      byResource.set(resource, set);
    }
  }
  const out = [...opaque];
  for (const [resource, actions] of byResource) {
    out.push(actions.has('*') ? `${resource}:*` : `${resource}:${[...actions].sort().join(',')}`);
  }
  return out.sort();
}
