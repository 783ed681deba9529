// Digests and OCI locations as producers write them, read with src/oci's one digest and reference
// grammar (src/oci/types.ts); what is here is only what producers add: digest maps and purls.
import { normaliseDigest, tryParseReference } from '../oci/types.js';

/**
 * TEP-0147 digest maps ({ sha256: "<hex>" }) to one digest: sha256 first, then sha512, then any.
 * Values written as "sha256:<hex>" are accepted too.
 */
export function digestFromMap(map: Record<string, unknown>): { digest?: string; invalid?: string } {
  const keys = Object.keys(map);
  const order = ['sha256', 'sha512', ...keys.filter((k) => k !== 'sha256' && k !== 'sha512')];
  for (const alg of order) {
    const raw = map[alg];
    if (typeof raw !== 'string' || raw === '') continue;
    const candidate = raw.includes(':') ? raw : `${alg}:${raw}`;
    const d = normaliseDigest(candidate);
    if (d && d.startsWith(`${alg}:`)) return { digest: d };
    return { invalid: `${alg}: ${raw}` };
  }
  return {};
}

/** `registry/repository` for comparing locations (tag and digest dropped). */
export function repositoryKey(location: string): string | undefined {
  const r = tryParseReference(location);
  return r ? `${r.registry}/${r.repository}` : undefined;
}

/**
 * OCI location from a purl: `pkg:oci/<name>@<digest>?repository_url=<registry/path>` and
 * `pkg:docker/<namespace>/<name>@<version>?repository_url=…`. Undefined when the purl does not
 * say where the image lives well enough.
 */
export function ociLocationFromPurl(uri: string): { location: string; digest?: string } | undefined {
  const m = /^pkg:(oci|docker)\/([^?#]+)(?:\?([^#]*))?/.exec(uri);
  if (!m) return undefined;
  const type = m[1];
  let path = m[2] ?? '';
  const qualifiers = new URLSearchParams(m[3] ?? '');
  let version: string | undefined;
  const at = path.lastIndexOf('@');
  if (at >= 0) {
    version = decodeURIComponent(path.slice(at + 1));
    path = path.slice(0, at);
  }
  path = decodeURIComponent(path);
  const repoUrl = qualifiers.get('repository_url');
  const digest = version ? normaliseDigest(version) : undefined;
  const tag = qualifiers.get('tag') ?? (version && !digest ? version : undefined);
  let repo: string;
  if (repoUrl) {
    // pkg:oci: repository_url is the full repository; pkg:docker: it is the registry.
    repo = type === 'oci' ? repoUrl : `${repoUrl.replace(/\/$/, '')}/${path}`;
  } else if (type === 'docker') {
    repo = path.includes('/') ? `docker.io/${path}` : `docker.io/library/${path}`;
  } else {
    return undefined; // pkg:oci without repository_url names no registry
  }
  repo = repo.replace(/^https?:\/\//, '');
  const location = `${repo}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return tryParseReference(location) ? { location, ...(digest ? { digest } : {}) } : undefined;
}
