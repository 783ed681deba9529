// Finds artifact references in TaskRuns and PipelineRuns, for every producer in the wild. Pure:
// never throws on malformed data; problems become FormatWarnings with the path of the value.

import type { PipelineRun, TaskRun } from '../cluster/types.js';
import { resultsOf } from '../cluster/types.js';
import { PROTOTYPE_INPUTS_ANNOTATION, PROTOTYPE_RESULT_PREFIX } from './constants.js';
import { normaliseDigest, splitLocationScheme, tryParseReference } from '../oci/types.js';
import { digestFromMap, ociLocationFromPurl, repositoryKey } from './location.js';
import type { ArtifactRef, DigestRefersTo, Extraction, FormatWarning, Producer, RefOwner } from './refs.js';
import { isRecord, list, str } from '../json/guards.js';

type Direction = ArtifactRef['direction'];
type NewRef = Omit<ArtifactRef, 'producers' | 'paths' | 'owner'>;

class Collector {
  readonly refs: ArtifactRef[] = [];
  readonly warnings: FormatWarning[] = [];
  constructor(readonly owner: RefOwner) {}

  add(ref: NewRef): void {
    const full: ArtifactRef = { ...ref, producers: [ref.producer], paths: [ref.path], owner: this.owner };
    const key = artifactKey(full);
    const existing = key ? this.refs.find((r) => artifactKey(r) === key) : undefined;
    if (existing) mergeInto(existing, full);
    else this.refs.push(full);
  }

  warn(path: string, message: string, producer?: Producer, value?: unknown): void {
    this.warnings.push({
      path,
      message,
      ...(producer ? { producer } : {}),
      ...(value !== undefined ? { value: shorten(value) } : {}),
      owner: this.owner,
    });
  }
}

/**
 * Identity for de-duplication: direction, repository (tag and scheme dropped) or URI, and digest.
 * Undefined when there is no digest (nothing to be sure about).
 */
export function artifactKey(
  ref: Pick<ArtifactRef, 'direction' | 'location' | 'uri' | 'digest'>,
): string | undefined {
  if (!ref.digest) return undefined;
  const where = (ref.location ? repositoryKey(ref.location) : undefined) ?? ref.location ?? ref.uri;
  if (!where) return undefined;
  return `${ref.direction}|${where}|${ref.digest}`;
}

function mergeInto(a: ArtifactRef, b: ArtifactRef): void {
  for (const p of b.producers) if (!a.producers.includes(p)) a.producers.push(p);
  for (const p of b.paths) if (!a.paths.includes(p)) a.paths.push(p);
  if (b.name !== a.name && !(a.aliases ?? []).includes(b.name)) a.aliases = [...(a.aliases ?? []), b.name];
  if (a.location === undefined && b.location !== undefined) a.location = b.location;
  if (a.uri === undefined && b.uri !== undefined) a.uri = b.uri;
  if (a.size === undefined && b.size !== undefined) a.size = b.size;
  if (a.inline === undefined && b.inline !== undefined) a.inline = b.inline;
  if (a.mediaType === undefined && b.mediaType !== undefined) a.mediaType = b.mediaType;
  if (a.backend === undefined && b.backend !== undefined) a.backend = b.backend;
  if (a.step === undefined && b.step !== undefined) a.step = b.step;
  if (b.buildOutput) a.buildOutput = true;
  if (a.digestRefersTo === 'unknown' && b.digestRefersTo !== 'unknown') a.digestRefersTo = b.digestRefersTo;
}

function shorten(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

// ---------------------------------------------------------------------------------------------
// URIs

interface UriMeaning {
  location?: string;
  /** Digest written inside the URI itself (`…@sha256:…`). */
  embeddedDigest?: string;
  refersTo: DigestRefersTo;
}

/**
 * What a URI says about where the content is. `oci:` URIs (Konflux, StepActions) carry a blob
 * digest; `oci://` (Chains storage-ref), purls and plain references name manifests. A plain string
 * counts as an OCI reference only if it names a registry host or pins a digest, so "foo" or a
 * file name is not mistaken for docker.io/library/foo.
 */
function interpretUri(
  uri: string,
  options: { assumeImage?: boolean } = {},
): UriMeaning | { invalid: string } {
  const { scheme, reference } = splitLocationScheme(uri);
  if (scheme !== 'none') {
    const r = tryParseReference(reference);
    if (!r) return { invalid: `not an OCI reference after "${scheme}"` };
    return {
      location: uri,
      ...(r.digest ? { embeddedDigest: r.digest } : {}),
      refersTo: scheme === 'oci:' ? 'blob' : 'manifest',
    };
  }
  if (uri.startsWith('pkg:')) {
    const p = ociLocationFromPurl(uri);
    if (!p) return { refersTo: 'unknown' };
    return { location: p.location, ...(p.digest ? { embeddedDigest: p.digest } : {}), refersTo: 'manifest' };
  }
  const pin = /@([a-z0-9]+:[^@/]*)$/.exec(uri);
  if (pin && !normaliseDigest(pin[1] ?? '')) return { invalid: `pins an invalid digest "${pin[1] ?? ''}"` };
  const r = tryParseReference(uri);
  if (r) {
    const firstSegment = uri.split('/')[0] ?? '';
    const namesHost =
      uri.includes('/') &&
      (firstSegment.includes('.') || firstSegment.includes(':') || firstSegment === 'localhost');
    if (options.assumeImage || namesHost || r.digest) {
      return { location: uri, ...(r.digest ? { embeddedDigest: r.digest } : {}), refersTo: 'manifest' };
    }
  }
  return { refersTo: 'unknown' };
}

function digestOf(c: Collector, raw: unknown, path: string, producer: Producer): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (isRecord(raw)) {
    const r = digestFromMap(raw);
    if (r.invalid) c.warn(path, `not a valid digest (${r.invalid})`, producer, raw);
    return r.digest;
  }
  if (typeof raw !== 'string') {
    c.warn(path, 'digest is not a string', producer, raw);
    return undefined;
  }
  const d = normaliseDigest(raw);
  if (!d) c.warn(path, `not a valid digest: "${shorten(raw)}" (expected <algorithm>:<hex>)`, producer, raw);
  return d;
}

// ---------------------------------------------------------------------------------------------
// status.artifacts, status.steps[].inputs/outputs (TEP-0147, TEP-0164, prototype)

function fromArtifactList(
  c: Collector,
  artifacts: unknown,
  base: string,
  direction: Direction,
  step?: string,
): void {
  if (artifacts === undefined || artifacts === null) return;
  if (!Array.isArray(artifacts)) {
    c.warn(base, 'expected a list of artifacts', undefined, artifacts);
    return;
  }
  artifacts.forEach((art, i) => {
    const path = `${base}[${i}]`;
    if (!isRecord(art)) {
      c.warn(path, 'artifact is not an object', undefined, art);
      return;
    }
    const name = str(art.name);
    if (!name) c.warn(path, 'artifact has no name');
    const buildOutput = truthy(art.buildOutput) || truthy(art.subject);
    if (art.values !== undefined && !Array.isArray(art.values)) {
      c.warn(`${path}.values`, 'expected a list of values', undefined, art.values);
      return;
    }
    list(art.values).forEach((v, j) =>
      fromArtifactValue(c, v, `${path}.values[${j}]`, name ?? `${base}[${i}]`, direction, buildOutput, step),
    );
  });
}

function fromArtifactValue(
  c: Collector,
  v: unknown,
  path: string,
  name: string,
  direction: Direction,
  buildOutput: boolean,
  step: string | undefined,
): void {
  if (!isRecord(v)) {
    c.warn(path, 'artifact value is not an object', undefined, v);
    return;
  }
  const uri = str(v.uri);
  const ref = isRecord(v.ref) ? v.ref : undefined;
  if (v.ref !== undefined && !ref) c.warn(`${path}.ref`, 'ref is not an object', 'tep0164', v.ref);
  const inline = typeof v.inline === 'string' ? v.inline : undefined;
  let size: number | undefined;
  if (v.size !== undefined) {
    const n = typeof v.size === 'string' ? Number(v.size) : v.size;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) size = n;
    else c.warn(`${path}.size`, 'size is not a non-negative integer', 'tep0164', v.size);
  }
  const isTep0164 = ref !== undefined || inline !== undefined || v.size !== undefined;
  const common = {
    name,
    direction,
    path,
    ...(buildOutput ? { buildOutput: true } : {}),
    ...(step ? { step } : {}),
  };

  if (isTep0164) {
    const contentDigest = digestOf(c, v.digest, `${path}.digest`, 'tep0164');
    const location = str(ref?.location);
    const backend = str(ref?.backend) ?? (location ? 'oci' : undefined);
    const refDigest = ref ? digestOf(c, ref.digest, `${path}.ref.digest`, 'tep0164') : undefined;
    if (ref && !location) c.warn(`${path}.ref`, 'storage ref has no location', 'tep0164', ref);
    let digestRefersTo: DigestRefersTo = 'unknown';
    let digest = refDigest ?? contentDigest;
    if (location && (backend === 'oci' || backend === undefined)) {
      const m = interpretUri(location, { assumeImage: true });
      const pinned = 'invalid' in m ? undefined : m.embeddedDigest;
      if (pinned && refDigest && pinned !== refDigest) {
        c.warn(`${path}.ref`, `location pins ${pinned} but ref.digest is ${refDigest}`, 'tep0164');
      }
      digest = refDigest ?? pinned ?? contentDigest;
      // TEP-0164: "the canonical reference is by digest, recorded in StorageRef.Digest" → a
      // manifest; but the same TEP calls it "redundant with ArtifactValue.Digest" (content). When
      // it equals the content digest we cannot tell, and the tree tries both.
      if (refDigest)
        digestRefersTo = pinned === refDigest || refDigest !== contentDigest ? 'manifest' : 'unknown';
      else if (pinned) digestRefersTo = 'manifest';
    }
    const mediaType = str(ref?.contentType);
    c.add({
      ...common,
      producer: 'tep0164',
      digestRefersTo,
      ...(location ? { location } : {}),
      ...(digest ? { digest } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(inline !== undefined ? { inline } : {}),
      ...(mediaType ? { mediaType } : {}),
      ...(uri ? { uri } : {}),
      ...(backend ? { backend } : {}),
    });
    return;
  }

  if (!uri) {
    c.warn(path, 'artifact value has neither uri, ref nor inline', 'tep0147', v);
    return;
  }
  const contentDigest = digestOf(c, v.digest, `${path}.digest`, 'tep0147');
  const m = interpretUri(uri);
  if ('invalid' in m) {
    c.warn(`${path}.uri`, m.invalid, 'tep0147', uri);
    c.add({
      ...common,
      producer: 'tep0147',
      uri,
      digestRefersTo: 'unknown',
      ...(contentDigest ? { digest: contentDigest } : {}),
    });
    return;
  }
  if (
    m.embeddedDigest &&
    contentDigest &&
    m.embeddedDigest !== contentDigest &&
    contentDigest.startsWith('sha256:')
  ) {
    c.warn(`${path}`, `uri pins ${m.embeddedDigest} but digest is ${contentDigest}`, 'tep0147');
  }
  // The prototype pushes to <oci-repository>/<artifact-name> by digest and records "repo@sha256:…".
  const r =
    m.location && splitLocationScheme(m.location).scheme === 'none'
      ? tryParseReference(m.location)
      : undefined;
  const isPrototype =
    r !== undefined &&
    !uri.startsWith('pkg:') &&
    r.digest !== undefined &&
    r.repository.split('/').pop() === name;
  const digest = m.embeddedDigest ?? contentDigest;
  c.add({
    ...common,
    producer: isPrototype ? 'prototype' : 'tep0147',
    digestRefersTo: m.location ? m.refersTo : 'unknown',
    ...(m.location ? { location: m.location } : {}),
    ...(digest ? { digest } : {}),
    ...(m.location !== uri ? { uri } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Results and params (Chains type hints, Konflux, StepActions, prototype)

interface NamedValue {
  name: string;
  value: unknown;
  path: string;
}

function valuePath(item: NamedValue): string {
  return `${item.path}.value`;
}

/** Splits a Chains IMAGES value: comma- or newline-separated, or an array result. Entries are
 * numbered after dropping empty ones (a trailing comma is common). */
function imagesEntries(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(/[,\n]/).map((s) => s.trim());
  if (Array.isArray(value)) return value.map((s) => (typeof s === 'string' ? s.trim() : ''));
  return undefined;
}

function fromImages(c: Collector, item: NamedValue, step?: string): void {
  const entries = imagesEntries(item.value);
  if (!entries) {
    c.warn(valuePath(item), 'IMAGES must be a string or an array of strings', 'chains-type-hint', item.value);
    return;
  }
  entries
    .filter((entry) => entry !== '')
    .forEach((entry, i) => {
      const path = `${valuePath(item)}[${i}]`;
      const at = entry.lastIndexOf('@');
      if (at < 0) {
        c.warn(path, 'IMAGES entry has no digest (expected <image>@sha256:<hex>)', 'chains-type-hint', entry);
        return;
      }
      const digest = normaliseDigest(entry.slice(at + 1));
      const r = tryParseReference(entry.slice(0, at));
      if (!digest || !r) {
        c.warn(
          path,
          digest ? 'IMAGES entry is not an image reference' : 'IMAGES entry has an invalid digest',
          'chains-type-hint',
          entry,
        );
        return;
      }
      c.add({
        name: `${item.name}[${i}]`,
        producer: 'chains-type-hint',
        path,
        direction: 'output',
        location: entry,
        digest,
        digestRefersTo: 'manifest',
        buildOutput: true, // Chains: IMAGES are always subjects
        ...(step ? { step } : {}),
      });
    });
}

/** `*ARTIFACT_OUTPUTS` / `*ARTIFACT_INPUTS`: an object, or a JSON string of one (or of a list). */
function fromStructured(c: Collector, item: NamedValue, direction: Direction, step?: string): void {
  let value = item.value;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      c.warn(
        valuePath(item),
        `${item.name} is neither an object result nor a JSON object`,
        'chains-type-hint',
        value,
      );
      return;
    }
  }
  const list = Array.isArray(value) ? value : [value];
  list.forEach((obj, i) => {
    const path = Array.isArray(value) ? `${valuePath(item)}[${i}]` : valuePath(item);
    if (!isRecord(obj)) {
      c.warn(path, `${item.name} must hold an object with uri and digest`, 'chains-type-hint', obj);
      return;
    }
    const uri = str(obj.uri);
    if (!uri) {
      c.warn(`${path}.uri`, `${item.name} has no uri`, 'chains-type-hint', obj);
      return;
    }
    const digest = digestOf(c, obj.digest, `${path}.digest`, 'chains-type-hint');
    if (obj.digest === undefined || obj.digest === '')
      c.warn(`${path}.digest`, `${item.name} has no digest`, 'chains-type-hint');
    const m = interpretUri(uri);
    const loc = 'invalid' in m ? undefined : m;
    c.add({
      name: item.name,
      producer: 'chains-type-hint',
      path,
      direction,
      digestRefersTo: loc?.location ? loc.refersTo : 'unknown',
      ...(loc?.location ? { location: loc.location } : {}),
      ...(loc?.location !== uri ? { uri } : {}),
      ...((digest ?? loc?.embeddedDigest) ? { digest: digest ?? loc?.embeddedDigest } : {}),
      ...(direction === 'output' && truthy(obj.isBuildArtifact) ? { buildOutput: true } : {}),
      ...(step ? { step } : {}),
    });
  });
}

/** `oci:<repo>@sha256:<blob>` values: Konflux `*_ARTIFACT` and StepAction `uri` results. */
function fromOciUri(
  c: Collector,
  item: NamedValue,
  producer: 'konflux-trusted-artifact' | 'stepaction',
  direction: Direction,
  step?: string,
): void {
  const value = typeof item.value === 'string' ? item.value.trim() : undefined;
  if (value === undefined) {
    c.warn(
      valuePath(item),
      `${item.name} should be a string oci:<repository>@sha256:<digest>`,
      producer,
      item.value,
    );
    return;
  }
  if (value === '') return; // .skip-trusted-artifacts and unused results leave it empty
  const { scheme, reference } = splitLocationScheme(value);
  const r = scheme === 'oci:' ? tryParseReference(reference) : undefined;
  if (!r || !r.digest) {
    c.warn(
      valuePath(item),
      `${item.name} is not oci:<repository>@sha256:<digest>` + (r && !r.digest ? ' (no digest)' : ''),
      producer,
      value,
    );
    return;
  }
  c.add({
    name: item.name,
    producer,
    path: item.path,
    direction,
    location: value,
    digest: r.digest,
    digestRefersTo: 'blob',
    ...(step ? { step } : {}),
  });
}

function fromPrototypeResult(c: Collector, item: NamedValue, step?: string): void {
  const value = typeof item.value === 'string' ? item.value.trim() : undefined;
  const name = item.name.slice(PROTOTYPE_RESULT_PREFIX.length);
  if (!value) {
    c.warn(
      valuePath(item),
      `${item.name} should hold the artifact URI <repository>@sha256:<digest>`,
      'prototype',
      item.value,
    );
    return;
  }
  const r = tryParseReference(value);
  if (!r || !r.digest) {
    c.warn(valuePath(item), `${item.name} is not <repository>@sha256:<digest>`, 'prototype', value);
    return;
  }
  c.add({
    name,
    producer: 'prototype',
    path: item.path,
    direction: 'output',
    location: value,
    digest: r.digest,
    digestRefersTo: 'manifest',
    ...(step ? { step } : {}),
  });
}

/** Suffix-matched pairs: `*IMAGE_URL`+`*IMAGE_DIGEST`, `*ARTIFACT_URI`+`*ARTIFACT_DIGEST`. */
function fromPairs(
  c: Collector,
  items: NamedValue[],
  urlSuffix: string,
  digestSuffix: string,
  kind: 'image' | 'artifact',
  step: string | undefined,
  consumed: Set<NamedValue>,
): void {
  const urls = items.filter((i) => i.name.endsWith(urlSuffix));
  const digests = items.filter((i) => i.name.endsWith(digestSuffix));
  for (const d of digests) consumed.add(d);
  for (const u of urls) {
    consumed.add(u);
    const prefix = u.name.slice(0, -urlSuffix.length);
    const d = digests.find((x) => x.name === prefix + digestSuffix);
    const url = typeof u.value === 'string' ? u.value.trim() : undefined;
    if (!url) {
      if (u.value !== '' || (d && d.value !== '')) {
        c.warn(valuePath(u), `${u.name} should be a non-empty string`, 'chains-type-hint', u.value);
      }
      continue;
    }
    const m = interpretUri(url, { assumeImage: kind === 'image' });
    if ('invalid' in m || (kind === 'image' && !m.location)) {
      c.warn(valuePath(u), `${u.name} is not an image reference`, 'chains-type-hint', url);
      continue;
    }
    const digest = d ? digestOf(c, d.value, valuePath(d), 'chains-type-hint') : undefined;
    if (!d && !m.embeddedDigest) {
      c.warn(
        valuePath(u),
        `${u.name} has no matching ${prefix}${digestSuffix} result`,
        'chains-type-hint',
        url,
      );
      continue;
    }
    if (d && !digest) continue; // invalid digest already reported
    if (digest && m.embeddedDigest && digest !== m.embeddedDigest) {
      c.warn(
        valuePath(u),
        `${u.name} pins ${m.embeddedDigest} but ${prefix}${digestSuffix} is ${digest}`,
        'chains-type-hint',
      );
    }
    c.add({
      name: u.name.replace(/_(URL|URI)$/, ''),
      producer: 'chains-type-hint',
      path: u.path,
      direction: 'output',
      digestRefersTo: m.location ? m.refersTo : 'unknown',
      ...(m.location ? { location: m.location } : {}),
      ...(m.location !== url ? { uri: url } : {}),
      ...((digest ?? m.embeddedDigest) ? { digest: digest ?? m.embeddedDigest } : {}),
      ...(kind === 'image' ? { buildOutput: true } : {}),
      ...(step ? { step } : {}),
    });
  }
  for (const d of digests) {
    const prefix = d.name.slice(0, -digestSuffix.length);
    if (!urls.some((u) => u.name === prefix + urlSuffix) && d.value !== '') {
      c.warn(
        valuePath(d),
        `${d.name} has no matching ${prefix}${urlSuffix} result`,
        'chains-type-hint',
        d.value,
      );
    }
  }
}

function fromGitInputs(c: Collector, items: NamedValue[], consumed: Set<NamedValue>): void {
  const url = items.find((i) => i.name === 'CHAINS-GIT_URL');
  const commit = items.find((i) => i.name === 'CHAINS-GIT_COMMIT');
  if (url) consumed.add(url);
  if (commit) consumed.add(commit);
  const u = url && typeof url.value === 'string' ? url.value.trim() : '';
  const k = commit && typeof commit.value === 'string' ? commit.value.trim() : '';
  if (!u) return;
  const digest = k ? normaliseDigest(k.includes(':') ? k : `sha1:${k}`) : undefined;
  if (k && !digest)
    c.warn(`${commit?.path}.value`, 'CHAINS-GIT_COMMIT is not a commit id', 'chains-type-hint', k);
  c.add({
    name: 'CHAINS-GIT',
    producer: 'chains-type-hint',
    path: url?.path ?? '',
    direction: 'input',
    uri: u,
    digestRefersTo: 'unknown',
    ...(digest ? { digest } : {}),
  });
}

function fromResults(c: Collector, items: NamedValue[], step?: string): void {
  const consumed = new Set<NamedValue>();
  fromPairs(c, items, 'IMAGE_URL', 'IMAGE_DIGEST', 'image', step, consumed);
  fromPairs(c, items, 'ARTIFACT_URI', 'ARTIFACT_DIGEST', 'artifact', step, consumed);
  fromGitInputs(c, items, consumed);
  for (const item of items) {
    if (consumed.has(item)) continue;
    if (item.name === 'IMAGES') fromImages(c, item, step);
    else if (item.name.endsWith('ARTIFACT_OUTPUTS')) fromStructured(c, item, 'output', step);
    else if (item.name.endsWith('ARTIFACT_INPUTS')) fromStructured(c, item, 'input', step);
    else if (item.name.endsWith('_ARTIFACT')) fromOciUri(c, item, 'konflux-trusted-artifact', 'output', step);
    else if (item.name.startsWith(PROTOTYPE_RESULT_PREFIX)) fromPrototypeResult(c, item, step);
    else if (typeof item.value === 'string' && item.value.trim().startsWith('oci:')) {
      fromOciUri(c, item, 'stepaction', 'output', step);
    }
  }
}

function fromParams(c: Collector, items: NamedValue[]): void {
  const consumed = new Set<NamedValue>();
  fromGitInputs(c, items, consumed);
  for (const item of items) {
    if (consumed.has(item)) continue;
    if (item.name.endsWith('ARTIFACT_INPUTS')) fromStructured(c, item, 'input');
    else if (item.name.endsWith('_ARTIFACT')) fromOciUri(c, item, 'konflux-trusted-artifact', 'input');
    else if (typeof item.value === 'string' && item.value.trim().startsWith('oci:')) {
      fromOciUri(c, item, 'stepaction', 'input');
    }
  }
}

function namedValues(entries: unknown, base: string, valueKey = 'value'): NamedValue[] {
  const out: NamedValue[] = [];
  list(entries).forEach((r, i) => {
    if (isRecord(r) && typeof r.name === 'string')
      out.push({ name: r.name, value: r[valueKey], path: `${base}[${i}]` });
  });
  return out;
}

/** Prototype `tekton.dev/artifact-inputs`: JSON list of TEP-0147 artifacts, or a name → URI map. */
function fromPrototypeInputs(c: Collector, raw: string): void {
  const path = `metadata.annotations["${PROTOTYPE_INPUTS_ANNOTATION}"]`;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    c.warn(path, 'not valid JSON', 'prototype', raw);
    return;
  }
  if (Array.isArray(value)) {
    const before = c.refs.length;
    fromArtifactList(c, value, path, 'input');
    for (const r of c.refs.slice(before)) {
      if (r.producer === 'tep0147') {
        r.producer = 'prototype';
        r.producers = r.producers.map((p) => (p === 'tep0147' ? 'prototype' : p));
      }
    }
    return;
  }
  if (isRecord(value)) {
    for (const [name, uri] of Object.entries(value)) {
      if (typeof uri !== 'string') continue;
      const r = tryParseReference(uri);
      c.add({
        name,
        producer: 'prototype',
        path: `${path}.${name}`,
        direction: 'input',
        digestRefersTo: r?.digest ? 'manifest' : 'unknown',
        ...(r ? { location: uri } : { uri }),
        ...(r?.digest ? { digest: r.digest } : {}),
      });
    }
    return;
  }
  c.warn(path, 'expected a JSON list or object', 'prototype', raw);
}

// ---------------------------------------------------------------------------------------------

function ownerOf(obj: TaskRun | PipelineRun, kind: RefOwner['kind'], pipelineTaskName?: string): RefOwner {
  const name = isRecord(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
  const ns =
    isRecord(obj.metadata) && typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : undefined;
  return { kind, name, ...(ns ? { namespace: ns } : {}), ...(pipelineTaskName ? { pipelineTaskName } : {}) };
}

/** Every artifact reference of one TaskRun, all producers, deduplicated. */
export function extractTaskRunArtifacts(
  taskRun: TaskRun,
  options: { pipelineTaskName?: string } = {},
): Extraction {
  const label = isRecord(taskRun.metadata) ? taskRun.metadata.labels?.['tekton.dev/pipelineTask'] : undefined;
  const c = new Collector(ownerOf(taskRun, 'TaskRun', options.pipelineTaskName ?? label));
  const status: unknown = taskRun.status;
  if (isRecord(status)) {
    if (isRecord(status.artifacts)) {
      fromArtifactList(c, status.artifacts.outputs, 'status.artifacts.outputs', 'output');
      fromArtifactList(c, status.artifacts.inputs, 'status.artifacts.inputs', 'input');
    }
    list(status.steps).forEach((s, i) => {
      if (!isRecord(s)) return;
      const step = str(s.name) ?? str(s.container)?.replace(/^step-/, '');
      fromArtifactList(c, s.outputs, `status.steps[${i}].outputs`, 'output', step);
      fromArtifactList(c, s.inputs, `status.steps[${i}].inputs`, 'input', step);
      fromResults(c, namedValues(s.results, `status.steps[${i}].results`), step);
    });
  }
  const { field, results } = resultsOf(taskRun);
  fromResults(
    c,
    results.map(({ index, result }) => ({
      name: result.name,
      value: result.value,
      path: `${field}[${index}]`,
    })),
  );
  if (isRecord(taskRun.spec)) fromParams(c, namedValues(taskRun.spec.params, 'spec.params'));
  const ann = isRecord(taskRun.metadata)
    ? taskRun.metadata.annotations?.[PROTOTYPE_INPUTS_ANNOTATION]
    : undefined;
  if (typeof ann === 'string' && ann.trim() !== '') fromPrototypeInputs(c, ann);
  return { refs: c.refs, warnings: c.warnings };
}

/** Artifact references of the PipelineRun object itself (its results and status.artifacts). */
export function extractPipelineRunArtifacts(pipelineRun: PipelineRun): Extraction {
  const c = new Collector(ownerOf(pipelineRun, 'PipelineRun'));
  const status: unknown = pipelineRun.status;
  if (isRecord(status) && isRecord(status.artifacts)) {
    fromArtifactList(c, status.artifacts.outputs, 'status.artifacts.outputs', 'output');
    fromArtifactList(c, status.artifacts.inputs, 'status.artifacts.inputs', 'input');
  }
  const { field, results } = resultsOf(pipelineRun);
  fromResults(
    c,
    results.map(({ index, result }) => ({
      name: result.name,
      value: result.value,
      path: `${field}[${index}]`,
    })),
  );
  return { refs: c.refs, warnings: c.warnings };
}

export interface RunExtraction {
  pipelineRun: Extraction;
  taskRuns: Array<{ name: string; pipelineTaskName?: string } & Extraction>;
  /** All refs: every TaskRun's, then the PipelineRun's that are not the same as a TaskRun's. */
  all: ArtifactRef[];
  warnings: FormatWarning[];
}

/**
 * A whole run: every TaskRun (Chains' lesson: artifacts are in the TaskRuns, not only in
 * pipeline results) plus the PipelineRun's own results. PipelineRun refs that repeat a TaskRun's
 * (a pipeline result surfacing a task result) get `sameAs` and are left out of `all`.
 */
export function extractRunArtifacts(
  pipelineRun: PipelineRun,
  taskRuns: Array<TaskRun | { taskRun: TaskRun; pipelineTaskName?: string }>,
): RunExtraction {
  const perTask = taskRuns.map((entry) => {
    const tr = 'taskRun' in entry ? entry.taskRun : entry;
    const ptn = 'taskRun' in entry ? entry.pipelineTaskName : undefined;
    const ex = extractTaskRunArtifacts(tr, ptn ? { pipelineTaskName: ptn } : {});
    return { name: ownerOf(tr, 'TaskRun').name, ...(ptn ? { pipelineTaskName: ptn } : {}), ...ex };
  });
  const pr = extractPipelineRunArtifacts(pipelineRun);
  const byKey = new Map<string, ArtifactRef[]>();
  for (const t of perTask) {
    for (const r of t.refs) {
      const k = artifactKey({ ...r, direction: 'output' });
      if (k) byKey.set(k, [...(byKey.get(k) ?? []), r]);
    }
  }
  const all: ArtifactRef[] = perTask.flatMap((t) => t.refs);
  for (const r of pr.refs) {
    const k = artifactKey({ ...r, direction: 'output' });
    const same = k ? byKey.get(k) : undefined;
    if (same && same.length > 0) r.sameAs = same.map((s) => ({ taskRun: s.owner.name, path: s.path }));
    else all.push(r);
  }
  return {
    pipelineRun: pr,
    taskRuns: perTask,
    all,
    warnings: [...perTask.flatMap((t) => t.warnings), ...pr.warnings],
  };
}
