// Image references: `[registry[:port]/]repository[:tag][@digest]`, following the distribution
// reference grammar and Docker's normalisation (docker.io default, `library/` for single names),
// plus the forms Tekton users write: `oci:<repo>@sha256:…` (Konflux trusted artifacts) and `oci://…`.
import { isIPv4, isIPv6 } from 'node:net';
import { digestProblem } from './digest.js';
import { InvalidReferenceError } from './errors.js';

export interface Reference {
  /** Host with optional port, as written (`ghcr.io`, `localhost:5000`, `[::1]:5000`); `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path, e.g. `library/alpine`, `team/app/results`. */
  repository: string;
  tag?: string;
  /** May be a manifest or (for `oci:` trusted-artifact URIs) a blob digest. */
  digest?: string;
}

export interface ParseReferenceOptions {
  /** Registry for references without one. Default `docker.io`. */
  defaultRegistry?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io']);
/** The spec's limit on name length (registry + '/' + repository). */
const MAX_NAME_LENGTH = 255;

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** Why `tag` is not a valid tag, or undefined. */
export function tagProblem(tag: string): string | undefined {
  if (tag.length === 0) return 'tag is empty';
  if (tag.length > 128) return `tag is ${tag.length} characters long, the maximum is 128`;
  if (!/^[A-Za-z0-9_]/.test(tag)) return 'tag must start with a letter, digit or underscore';
  const bad = /[^A-Za-z0-9._-]/.exec(tag);
  if (bad)
    return `tag contains ${JSON.stringify(bad[0])}; only letters, digits, '.', '_' and '-' are allowed`;
  return undefined;
}

/** Throws InvalidReferenceError when `tag` is not a valid tag. */
export function validateTag(tag: string): void {
  const problem = tagProblem(tag);
  if (problem) throw new InvalidReferenceError(tag, 'tag', 0, problem);
}

/** Why `repository` is not a valid repository path, with the offending offset. */
function repositoryProblem(repository: string): { offset: number; reason: string } | undefined {
  if (repository.length === 0) return { offset: 0, reason: 'repository is empty' };
  let offset = 0;
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      let reason: string;
      if (component.length === 0) reason = 'empty path component (double or trailing "/")';
      else if (/[A-Z]/.test(component)) reason = `path component "${component}" must be lowercase`;
      else
        reason = `path component "${component}" may only contain a-z, 0-9 and single '.', '_', '__' or '-' runs between them`;
      return { offset, reason };
    }
    offset += component.length + 1;
  }
  return undefined;
}

export function isValidRepository(repository: string): boolean {
  return repositoryProblem(repository) === undefined;
}

/** Why `registry` (host[:port]) is invalid, or undefined. */
function registryProblem(registry: string): string | undefined {
  let host = registry;
  let port: string | undefined;
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']');
    if (close < 0) return 'IPv6 address is missing "]"';
    host = registry.slice(1, close);
    const rest = registry.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return `unexpected ${JSON.stringify(rest)} after IPv6 address`;
      port = rest.slice(1);
    }
    if (!isIPv6(host)) return `"${host}" is not an IPv6 address`;
  } else {
    const colon = registry.indexOf(':');
    if (colon >= 0) {
      host = registry.slice(0, colon);
      port = registry.slice(colon + 1);
    }
    if (host.length === 0) return 'host is empty';
    if (!isIPv4(host)) {
      for (const c of host.split('.')) {
        if (!DOMAIN_COMPONENT.test(c)) return `host "${host}" is not a valid host name`;
      }
    }
  }
  if (port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(port)) return `port "${port}" is not a number`;
    const n = Number(port);
    if (n < 1 || n > 65535) return `port ${port} is out of range`;
  }
  return undefined;
}

export function isValidRegistry(registry: string): boolean {
  return registryProblem(registry) === undefined;
}

/** Docker's rule for "is the first path component a registry host". */
function looksLikeRegistry(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component.startsWith('[') ||
    component === 'localhost' ||
    component.toLowerCase() !== component
  );
}

/** Strips `oci://` / `oci:` and returns the offset of what follows. */
function stripScheme(input: string): number {
  if (input.startsWith('oci://')) return 6;
  // `oci:5000/repo` is host "oci" port 5000, not the oci: form.
  if (input.startsWith('oci:') && !/^oci:[0-9]+(?:\/|$)/.test(input)) return 4;
  return 0;
}

/** Which spelling an input used: `oci:` (Konflux trusted artifacts), `oci://`, or a plain reference. */
export function referenceForm(input: string): 'oci' | 'oci-uri' | 'plain' {
  const n = stripScheme(input);
  return n === 6 ? 'oci-uri' : n === 4 ? 'oci' : 'plain';
}

/**
 * Parses a reference. Throws InvalidReferenceError naming the part and position that is wrong.
 * `docker.io` and `index.docker.io` normalise to `docker.io`, with `library/` for single names.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  if (typeof input !== 'string') {
    throw new InvalidReferenceError(String(input), 'reference', 0, 'not a string');
  }
  const base = stripScheme(input);
  const body = input.slice(base);
  if (body.length === 0) throw new InvalidReferenceError(input, 'reference', base, 'reference is empty');
  const ws = /\s/.exec(body);
  if (ws) throw new InvalidReferenceError(input, 'reference', base + ws.index, 'contains whitespace');

  let rest = body;
  let digest: string | undefined;
  const at = body.indexOf('@');
  if (at >= 0) {
    digest = body.slice(at + 1);
    rest = body.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) throw new InvalidReferenceError(input, 'digest', base + at + 1, problem);
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  const lastSlash = rest.lastIndexOf('/');
  // A ':' after the last '/' separates a tag; one before it belongs to the registry's port.
  // (The ']' check keeps a bare "[::1]" from being read as a tag.)
  if (lastColon > lastSlash && !rest.slice(lastColon).includes(']')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    const problem = tagProblem(tag);
    if (problem) throw new InvalidReferenceError(input, 'tag', base + lastColon + 1, problem);
  }

  if (rest.length === 0) throw new InvalidReferenceError(input, 'repository', base, 'repository is missing');

  let registry: string;
  let repository: string;
  let repoOffset: number;
  const slash = rest.indexOf('/');
  if (slash >= 0 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    repoOffset = base + slash + 1;
    const problem = registryProblem(registry);
    if (problem) throw new InvalidReferenceError(input, 'registry', base, problem);
  } else {
    registry = options.defaultRegistry ?? DOCKER_HUB;
    repository = rest;
    repoOffset = base;
  }
  if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;

  const problem = repositoryProblem(repository);
  if (problem)
    throw new InvalidReferenceError(input, 'repository', repoOffset + problem.offset, problem.reason);
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    throw new InvalidReferenceError(
      input,
      'repository',
      repoOffset,
      `name is longer than ${MAX_NAME_LENGTH} characters`,
    );
  }

  const ref: Reference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * A reference as a producer reported it, or undefined when the text is not one (purls, URLs,
 * prose). The same grammar as parseReference; statuses hold anything, so "not a reference" is
 * an answer here, not an error.
 */
export function tryParseReference(input: string): Reference | undefined {
  const text = input.trim();
  if (text.startsWith('pkg:')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.startsWith('oci://')) return undefined;
  try {
    return parseReference(text);
  } catch (error) {
    if (error instanceof InvalidReferenceError) return undefined;
    throw error;
  }
}

export type LocationScheme = 'oci:' | 'oci://' | 'none';

/** Splits the `oci:` (Konflux, StepActions) and `oci://` (Chains storage-ref) prefixes off. */
export function splitLocationScheme(location: string): { scheme: LocationScheme; reference: string } {
  if (location.startsWith('oci://')) return { scheme: 'oci://', reference: location.slice(6) };
  if (location.startsWith('oci:')) return { scheme: 'oci:', reference: location.slice(4) };
  return { scheme: 'none', reference: location };
}

/** The canonical string: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** `registry/repository`, without tag or digest. */
export function repositoryName(ref: Pick<Reference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The part a registry API call uses: the digest when present, else the tag. */
export function referencePart(ref: Reference): string | undefined {
  return ref.digest ?? ref.tag;
}

/** The same repository, pointing at `digest` (the tag dropped). */
export function withDigest(ref: Reference, digest: string): Reference {
  return { registry: ref.registry, repository: ref.repository, digest };
}

/** True for hosts oras talks plain HTTP to by default. */
export function isLocalhost(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0];
  return host === 'localhost';
}
