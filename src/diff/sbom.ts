/**
 * SBOM packages compared by identity, pure: SPDX 2.x JSON (`packages[]`) and CycloneDX JSON
 * (`components[]`, nested ones too). A package's identity is its purl without the version (and
 * qualifiers), else its name (with the CycloneDX group); a version change is the same identity
 * with another version. An identity listed with several versions is compared as a set.
 */
import type { PackageChange } from './model.js';

export type SbomFormat = 'spdx' | 'cyclonedx';

export interface SbomPackage {
  id: string;
  name: string;
  version: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function sbomFormat(document: unknown): SbomFormat | undefined {
  if (!isRecord(document)) return undefined;
  if (typeof document['spdxVersion'] === 'string' && document['spdxVersion'].startsWith('SPDX-2'))
    return 'spdx';
  if (document['bomFormat'] === 'CycloneDX') return 'cyclonedx';
  return undefined;
}

/** `pkg:type/ns/name@version?q#sub` → `pkg:type/ns/name#sub`, and the version. */
export function purlIdentity(purl: string): { id: string; version?: string } {
  const hash = purl.indexOf('#');
  const subpath = hash >= 0 ? purl.slice(hash) : '';
  let rest = hash >= 0 ? purl.slice(0, hash) : purl;
  const question = rest.indexOf('?');
  if (question >= 0) rest = rest.slice(0, question);
  // The version follows the last '@' after the type (a scope's '@' is encoded as %40 in purls).
  const at = rest.lastIndexOf('@');
  const slash = rest.indexOf('/');
  if (at > slash && slash >= 0) {
    const version = decodeURIComponent(rest.slice(at + 1));
    return { id: `${rest.slice(0, at)}${subpath}`, version };
  }
  return { id: `${rest}${subpath}` };
}

function spdxPackages(document: Record<string, unknown>): SbomPackage[] {
  const packages = Array.isArray(document['packages']) ? document['packages'] : [];
  return packages.filter(isRecord).map((p) => {
    const name = text(p['name']) ?? text(p['SPDXID']) ?? '?';
    const refs = Array.isArray(p['externalRefs']) ? p['externalRefs'].filter(isRecord) : [];
    const purl = refs.find((r) => r['referenceType'] === 'purl');
    const locator = purl ? text(purl['referenceLocator']) : undefined;
    const fromPurl = locator ? purlIdentity(locator) : undefined;
    return {
      id: fromPurl?.id ?? name,
      name,
      version: text(p['versionInfo']) ?? fromPurl?.version ?? '',
    };
  });
}

function cyclonedxPackages(document: Record<string, unknown>): SbomPackage[] {
  const out: SbomPackage[] = [];
  const visit = (components: unknown): void => {
    if (!Array.isArray(components)) return;
    for (const c of components) {
      if (!isRecord(c)) continue;
      const name = text(c['name']) ?? '?';
      const group = text(c['group']);
      const purl = text(c['purl']);
      const fromPurl = purl ? purlIdentity(purl) : undefined;
      out.push({
        id: fromPurl?.id ?? (group ? `${group}/${name}` : name),
        name: group ? `${group}/${name}` : name,
        version: text(c['version']) ?? fromPurl?.version ?? '',
      });
      visit(c['components']);
    }
  };
  visit(document['components']);
  return out;
}

export function sbomPackages(document: unknown): SbomPackage[] | undefined {
  const format = sbomFormat(document);
  if (!format || !isRecord(document)) return undefined;
  return format === 'spdx' ? spdxPackages(document) : cyclonedxPackages(document);
}

function byId(packages: SbomPackage[]): Map<string, { name: string; versions: string[] }> {
  const map = new Map<string, { name: string; versions: string[] }>();
  for (const p of packages) {
    const entry = map.get(p.id);
    if (entry) entry.versions.push(p.version);
    else map.set(p.id, { name: p.name, versions: [p.version] });
  }
  for (const entry of map.values()) entry.versions.sort();
  return map;
}

/** Packages added, removed, or with another version, sorted by identity. */
export function diffPackages(a: SbomPackage[], b: SbomPackage[]): PackageChange[] {
  const left = byId(a);
  const right = byId(b);
  const out: PackageChange[] = [];
  const ids = [...new Set([...left.keys(), ...right.keys()])].sort();
  for (const id of ids) {
    const la = left.get(id);
    const rb = right.get(id);
    const name = (la ?? rb)?.name ?? id;
    const va = la?.versions ?? [];
    const vb = rb?.versions ?? [];
    if (va.length === 1 && vb.length === 1) {
      if (va[0] !== vb[0]) out.push({ id, name, op: 'changed', a: va[0], b: vb[0] });
      continue;
    }
    // Several versions of one identity (or none on a side): what each side has that the other lacks.
    const rest = [...vb];
    for (const version of va) {
      const i = rest.indexOf(version);
      if (i >= 0) rest.splice(i, 1);
      else out.push({ id, name, op: 'removed', a: version });
    }
    for (const version of rest) out.push({ id, name, op: 'added', b: version });
  }
  return out;
}
