// Digests and OCI locations as producers write them. A deliberately light parse: formats stays
// independent of src/oci; the tree assembler turns `location` into a real reference later.

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128, sha1: 40 };
/** OCI digest grammar (image-spec descriptor.md). */
const DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/**
 * Validates and normalises a digest to `<alg>:<hex>` (lower-case hex). Accepts a bare 64-hex string
 * as sha256, which some Tasks write into IMAGE_DIGEST. Undefined when it is not a digest.
 */
export function normaliseDigest(value: string): string | undefined {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return `sha256:${v.toLowerCase()}`;
  const m = DIGEST_RE.exec(v);
  if (!m) return undefined;
  const alg = m[1] ?? '';
  const enc = m[2] ?? '';
  const len = HEX_LENGTH[alg];
  if (len !== undefined) {
    if (enc.length !== len || !/^[0-9a-fA-F]+$/.test(enc)) return undefined;
    return `${alg}:${enc.toLowerCase()}`;
  }
  return `${alg}:${enc}`;
}

/** A digest usable against an OCI registry (sha256 / sha512). */
export function isOciDigest(digest: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(digest) || /^sha512:[0-9a-f]{128}$/.test(digest);
}

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

export type LocationScheme = 'oci:' | 'oci://' | 'none';

/** Splits the `oci:` (Konflux, StepActions) and `oci://` (Chains storage-ref) prefixes off. */
export function splitLocationScheme(location: string): { scheme: LocationScheme; reference: string } {
  if (location.startsWith('oci://')) return { scheme: 'oci://', reference: location.slice(6) };
  if (location.startsWith('oci:')) return { scheme: 'oci:', reference: location.slice(4) };
  return { scheme: 'none', reference: location };
}

export interface LightReference {
  /** e.g. "quay.io", "registry.local:5000"; "docker.io" when the reference names none. */
  registry: string;
  /** e.g. "org/app"; Docker Hub's "library/" added for single names. */
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses `[scheme]registry/repo[:tag][@digest]` well enough to compare locations and split the
 * digest off. Undefined for anything that does not look like an OCI reference (purls, URLs…).
 */
export function parseLightReference(location: string): LightReference | undefined {
  const { reference } = splitLocationScheme(location.trim());
  if (reference === '' || /\s/.test(reference) || /^[a-z][a-z0-9+.-]*:\/\//i.test(reference))
    return undefined;
  if (/^pkg:/.test(reference)) return undefined;
  let rest = reference;
  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const d = normaliseDigest(rest.slice(at + 1));
    if (!d) return undefined;
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  if (parts.some((p) => p === '')) return undefined;
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first.toLowerCase();
    parts.shift();
  } else if (parts.length === 1) {
    parts.unshift('library');
  }
  const repository = parts.join('/');
  if (
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)
  ) {
    return undefined;
  }
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository` for comparing locations (tag and digest dropped). */
export function repositoryKey(location: string): string | undefined {
  const r = parseLightReference(location);
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
  return parseLightReference(location) ? { location, ...(digest ? { digest } : {}) } : undefined;
}
