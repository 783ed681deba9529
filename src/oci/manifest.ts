// Descriptor, manifest and index types, media types, and strict decoders: whatever bytes a registry
// sends, decoding either returns a well-typed value or throws ManifestError naming the field.
import { digestOf, digestProblem, parseDigest, verifyBytes } from './digest.js';
import { ManifestError, OciError, truncate } from './errors.js';

export const MediaType = {
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  OciLayoutHeader: 'application/vnd.oci.layout.header.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  /** oras's default artifactType when none is given. */
  UnknownArtifact: 'application/vnd.unknown.artifact.v1',
  TektonArtifactConfig: 'application/vnd.tekton.artifact.config.v1+json',
  TektonArtifact: 'application/vnd.tekton.artifact.v1',
  TektonArtifactTarGzip: 'application/vnd.tekton.artifact.tar+gzip',
} as const;

/** The empty JSON blob `{}` image-spec 1.1 uses as config of artifacts. */
export const EMPTY_JSON = {
  mediaType: MediaType.OciEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

export const Annotations = {
  RefName: 'org.opencontainers.image.ref.name',
  Title: 'org.opencontainers.image.title',
  Created: 'org.opencontainers.image.created',
} as const;

/** Manifests bigger than this are refused (the spec's "at least 4 megabytes" that registries support). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
];
const INDEX_MEDIA_TYPES = new Set<string>([MediaType.OciIndex, MediaType.DockerManifestList]);
const IMAGE_MEDIA_TYPES = new Set<string>([MediaType.OciManifest, MediaType.DockerManifest]);

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  /** Base64 of the content, embedded; verified against digest and size before use. */
  data?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type Manifest = ImageManifest | ImageIndex;

/** A manifest or index read whole, verified, and decoded. */
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Uint8Array;
  manifest: Manifest;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && MANIFEST_MEDIA_TYPES.includes(baseMediaType(mediaType));
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MEDIA_TYPES.has(baseMediaType(mediaType));
}

export function isIndex(m: Manifest): m is ImageIndex {
  return 'manifests' in m;
}

export function isImageManifest(m: Manifest): m is ImageManifest {
  return 'config' in m;
}

/** `application/json; charset=utf-8` → `application/json`. */
export function baseMediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** The artifactType a referrers listing shows: `artifactType`, else the config media type (image-spec 1.1). */
export function effectiveArtifactType(m: Manifest): string | undefined {
  if (m.artifactType !== undefined) return m.artifactType;
  return isImageManifest(m) ? m.config.mediaType : undefined;
}

/** The descriptor of `m` as a referrer entry: artifactType and annotations copied up. */
export function referrerDescriptor(descriptor: Descriptor, m: Manifest): Descriptor {
  const d: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  const at = effectiveArtifactType(m);
  if (at !== undefined) d.artifactType = at;
  if (m.annotations && Object.keys(m.annotations).length > 0) d.annotations = { ...m.annotations };
  return d;
}

// ---- validation ---------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function fail(field: string, message: string): never {
  throw new ManifestError(`${field}: ${message}`, { field });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function str(obj: Json, key: string, path: string, required: boolean): string | undefined {
  const v = obj[key];
  if (v === undefined) {
    if (required) fail(path + key, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') fail(path + key, `must be a string, got ${typeName(v)}`);
  return v;
}

function mediaTypeField(obj: Json, key: string, path: string, required: boolean): string | undefined {
  const v = str(obj, key, path, required);
  if (v !== undefined && !MEDIA_TYPE.test(v)) {
    fail(path + key, `${JSON.stringify(truncate(v, 100))} is not a media type (type/subtype)`);
  }
  return v;
}

function stringArray(v: unknown, field: string): string[] {
  if (!Array.isArray(v)) fail(field, `must be an array of strings, got ${typeName(v)}`);
  return v.map((s, i) => {
    if (typeof s !== 'string') fail(`${field}[${i}]`, `must be a string, got ${typeName(s)}`);
    return s;
  });
}

function annotationsField(v: unknown, field: string): Record<string, string> {
  if (!isObject(v)) fail(field, `must be an object of strings, got ${typeName(v)}`);
  // A null-prototype copy so keys like "__proto__" stay plain data.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') fail(`${field}.${k}`, `must be a string, got ${typeName(val)}`);
    out[k] = val;
  }
  return { ...out };
}

function platformField(v: unknown, field: string): Platform {
  if (!isObject(v)) fail(field, `must be an object, got ${typeName(v)}`);
  const architecture = str(v, 'architecture', `${field}.`, true)!;
  const os = str(v, 'os', `${field}.`, true)!;
  const p: Platform = { architecture, os };
  const variant = str(v, 'variant', `${field}.`, false);
  if (variant !== undefined) p.variant = variant;
  const osVersion = str(v, 'os.version', `${field}.`, false);
  if (osVersion !== undefined) p['os.version'] = osVersion;
  if (v['os.features'] !== undefined)
    p['os.features'] = stringArray(v['os.features'], `${field}.os.features`);
  if (v.features !== undefined) p.features = stringArray(v.features, `${field}.features`);
  return p;
}

/** Validates and copies one descriptor; `field` is its JSON path for messages. */
export function decodeDescriptor(v: unknown, field = 'descriptor'): Descriptor {
  if (!isObject(v)) fail(field, `must be an object, got ${typeName(v)}`);
  const path = `${field}.`;
  const mediaType = mediaTypeField(v, 'mediaType', path, true)!;
  const digest = str(v, 'digest', path, true)!;
  const dp = digestProblem(digest);
  if (dp) fail(`${path}digest`, dp);
  const size = v.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    fail(`${path}size`, `must be a non-negative integer, got ${JSON.stringify(size) ?? typeName(size)}`);
  }
  const d: Descriptor = { mediaType, digest, size };
  const artifactType = mediaTypeField(v, 'artifactType', path, false);
  if (artifactType !== undefined) d.artifactType = artifactType;
  if (v.annotations !== undefined) d.annotations = annotationsField(v.annotations, `${path}annotations`);
  if (v.platform !== undefined) d.platform = platformField(v.platform, `${path}platform`);
  if (v.urls !== undefined) d.urls = stringArray(v.urls, `${path}urls`);
  if (v.data !== undefined) {
    const data = str(v, 'data', path, false)!;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) fail(`${path}data`, 'is not base64');
    d.data = data;
  }
  return d;
}

function descriptorList(v: unknown, field: string): Descriptor[] {
  if (!Array.isArray(v)) fail(field, `must be an array, got ${typeName(v)}`);
  return v.map((d, i) => decodeDescriptor(d, `${field}[${i}]`));
}

function parseJson(bytes: Uint8Array | string): Json {
  if (typeof bytes !== 'string' && bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ManifestError(
      `manifest is ${bytes.byteLength} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
      {
        code: 'TOO_LARGE',
      },
    );
  }
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`manifest is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(parsed)) fail('(root)', `must be a JSON object, got ${typeName(parsed)}`);
  return parsed;
}

/**
 * Decodes a manifest or an index. `contentType` (the HTTP header or the descriptor's mediaType) is
 * used when the body has no `mediaType`; when both exist the body wins.
 */
export function decodeManifest(bytes: Uint8Array | string, contentType?: string): Manifest {
  const obj = parseJson(bytes);
  if (obj.schemaVersion === 1) {
    throw new ManifestError('Docker schema 1 manifests are not supported', {
      field: 'schemaVersion',
      code: 'UNSUPPORTED',
    });
  }
  if (obj.schemaVersion !== 2) {
    fail(
      'schemaVersion',
      `must be 2, got ${JSON.stringify(obj.schemaVersion) ?? typeName(obj.schemaVersion)}`,
    );
  }
  const declared = mediaTypeField(obj, 'mediaType', '', false);
  const hint = contentType !== undefined ? baseMediaType(contentType) : undefined;
  let mediaType = declared ?? (hint !== undefined && isManifestMediaType(hint) ? hint : undefined);
  if (mediaType === undefined) {
    // image-spec allows omitting mediaType; tell the two shapes apart by their fields.
    if ('manifests' in obj && !('config' in obj)) mediaType = MediaType.OciIndex;
    else if ('config' in obj && !('manifests' in obj)) mediaType = MediaType.OciManifest;
    else fail('mediaType', 'is missing and the document is neither clearly a manifest nor an index');
  }
  if (mediaType === MediaType.DockerSchema1 || mediaType === MediaType.DockerSchema1Signed) {
    throw new ManifestError('Docker schema 1 manifests are not supported', {
      field: 'mediaType',
      code: 'UNSUPPORTED',
    });
  }
  if (INDEX_MEDIA_TYPES.has(mediaType)) return buildIndex(obj, declared);
  if (IMAGE_MEDIA_TYPES.has(mediaType)) return buildManifest(obj, declared);
  return fail(
    'mediaType',
    `${JSON.stringify(truncate(mediaType, 100))} is not a manifest or index media type`,
  );
}

function common(
  obj: Json,
  out: { artifactType?: string; subject?: Descriptor; annotations?: Record<string, string> },
) {
  const artifactType = mediaTypeField(obj, 'artifactType', '', false);
  if (artifactType !== undefined) out.artifactType = artifactType;
  if (obj.subject !== undefined) out.subject = decodeDescriptor(obj.subject, 'subject');
  if (obj.annotations !== undefined) out.annotations = annotationsField(obj.annotations, 'annotations');
}

function buildManifest(obj: Json, declared: string | undefined): ImageManifest {
  if (obj.manifests !== undefined) fail('manifests', 'must not be present in an image manifest');
  const m: ImageManifest = {
    schemaVersion: 2,
    config: decodeDescriptor(obj.config, 'config'),
    layers: obj.layers === undefined ? fail('layers', 'is required') : descriptorList(obj.layers, 'layers'),
  };
  if (declared !== undefined) m.mediaType = declared;
  common(obj, m);
  return m;
}

function buildIndex(obj: Json, declared: string | undefined): ImageIndex {
  if (obj.config !== undefined || obj.layers !== undefined) fail('config', 'must not be present in an index');
  const m: ImageIndex = {
    schemaVersion: 2,
    manifests:
      obj.manifests === undefined
        ? fail('manifests', 'is required')
        : descriptorList(obj.manifests, 'manifests'),
  };
  if (declared !== undefined) m.mediaType = declared;
  common(obj, m);
  return m;
}

/** Decodes and requires an index. */
export function decodeIndex(bytes: Uint8Array | string, contentType?: string): ImageIndex {
  const m = decodeManifest(bytes, contentType);
  if (!isIndex(m))
    throw new ManifestError('expected an image index, got an image manifest', { field: 'mediaType' });
  return m;
}

/** The media type a decoded manifest is served as. */
export function manifestMediaType(m: Manifest): string {
  return m.mediaType ?? (isIndex(m) ? MediaType.OciIndex : MediaType.OciManifest);
}

/** Encodes a manifest as compact JSON bytes (what we push) and returns its descriptor. */
export function encodeManifest(m: Manifest): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = Buffer.from(JSON.stringify(m), 'utf8');
  const descriptor: Descriptor = {
    mediaType: manifestMediaType(m),
    digest: digestOf(bytes),
    size: bytes.byteLength,
  };
  if (m.artifactType !== undefined) descriptor.artifactType = m.artifactType;
  return { bytes, descriptor };
}

/** The content embedded in `d.data`, verified against its digest and size; undefined if none. */
export function embeddedData(d: Descriptor): Uint8Array | undefined {
  if (d.data === undefined) return undefined;
  const bytes = Buffer.from(d.data, 'base64');
  verifyBytes(bytes, d);
  return bytes;
}

/** Throws unless `d` has a valid digest and size; used on every descriptor a caller hands us. */
export function checkDescriptor(d: Descriptor): void {
  if (typeof d !== 'object' || d === null)
    throw new OciError('MANIFEST_INVALID', 'descriptor must be an object');
  parseDigest(d.digest);
  if (!Number.isSafeInteger(d.size) || d.size < 0) {
    throw new OciError('SIZE_INVALID', `descriptor ${d.digest} has invalid size ${String(d.size)}`);
  }
}
