// RemoteRepository: the Target for one repository on a registry. Every byte read is verified
// against its descriptor; manifests are capped at 4 MiB; referrers come from the OCI 1.1 API when
// the registry has it and from the `sha256-<hex>` tag schema otherwise, which we also maintain.
import { Readable } from 'node:stream';
import { VerifyingStream, digestOf, isDigest, parseDigest, verifyBytes } from '../digest.js';
import { ManifestError, OciError, VerificationError, hasCode, type OciErrorOptions } from '../errors.js';
import {
  MANIFEST_MEDIA_TYPES,
  MAX_MANIFEST_BYTES,
  MediaType,
  baseMediaType,
  checkDescriptor,
  decodeIndex,
  decodeManifest,
  embeddedData,
  encodeManifest,
  isIndex,
  isManifestMediaType,
  manifestMediaType,
  referrerDescriptor,
  type Descriptor,
  type FetchedManifest,
  type ImageIndex,
  type Manifest,
} from '../manifest.js';
import { parseReference, tagProblem, validateTag } from '../reference.js';
import type { PushOptions, ReferrersOptions, RequestOptions, TagsOptions, Target } from '../target.js';
import { KeyedMutex } from '../concurrency.js';
import {
  type ClientRequest,
  type RegistryClient,
  type RegistryResponse,
  discard,
  readBody,
} from './client.js';
import { nextLink } from './link.js';
import {
  buildReferrersIndex,
  dedupeDescriptors,
  filterByArtifactType,
  referrersTag,
  updateReferrersList,
  type ReferrersUpdate,
} from './referrers-index.js';
import { readAllCapped } from '../capped-read.js';

export type ReferrersMode = 'auto' | 'api' | 'tag';

export interface RepositoryOptions {
  /**
   * How to find referrers: `auto` (default) probes the API once per repository and falls back to
   * the tag schema; `api` and `tag` force one (like `oras --distribution-spec`).
   */
  referrers?: ReferrersMode;
  /** Leave superseded fallback indexes in place instead of deleting them (oras CLI behaviour). Default false. */
  skipReferrersGc?: boolean;
  /** Streams larger than this are uploaded in chunks. Default 64 MiB. */
  chunkThreshold?: number;
  /** Chunk size for chunked uploads. Default 16 MiB. */
  chunkSize?: number;
  /** Upper bound on pages followed for one tags or referrers listing (loop protection). Default 10 000. */
  maxPages?: number;
}

type ReferrersState = 'unknown' | 'supported' | 'unsupported';

const ACCEPT_MANIFESTS = MANIFEST_MEDIA_TYPES.join(', ');
const MAX_TAGS_PAGE_BYTES = 32 * 1024 * 1024;
const FALLBACK_RETRIES = 5;

const fallbackLocks = new KeyedMutex();

interface RawManifest {
  bytes: Buffer;
  contentType?: string;
  digest: string;
  etag?: string;
}

export class RemoteRepository implements Target {
  readonly client: RegistryClient;
  readonly repository: string;
  private readonly options: RepositoryOptions;
  private referrersState: ReferrersState;

  constructor(client: RegistryClient, repository: string, options: RepositoryOptions = {}) {
    this.client = client;
    this.repository = repository;
    this.options = options;
    const mode = options.referrers ?? 'auto';
    this.referrersState = mode === 'api' ? 'supported' : mode === 'tag' ? 'unsupported' : 'unknown';
  }

  get registry(): string {
    return this.client.registry;
  }

  /** `registry/repository`. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** What referrers detection found so far: `supported` (API), `unsupported` (tag schema) or `unknown`. */
  get referrersCapability(): ReferrersState {
    return this.referrersState;
  }

  private ctx(extra: OciErrorOptions = {}): OciErrorOptions {
    return { registry: this.registry, repository: this.repository, ...extra };
  }

  private path(kind: 'manifests' | 'blobs' | 'tags' | 'referrers', ref = ''): string {
    const base = `/v2/${this.repository}`;
    if (kind === 'tags') return `${base}/tags/list`;
    return `${base}/${kind}/${ref}`;
  }

  private async send(req: Omit<ClientRequest, 'repository'>): Promise<RegistryResponse> {
    return this.client.request({ ...req, repository: this.repository });
  }

  private async fail(
    res: RegistryResponse,
    req: Pick<ClientRequest, 'method' | 'path'>,
    what?: string,
  ): Promise<never> {
    throw await this.client.toError(res, { ...req, repository: this.repository }, what);
  }

  /** Accepts `tag`, `sha256:…`, or a full reference to this same repository. */
  private referencePart(reference: string): string {
    if (isDigest(reference) || tagProblem(reference) === undefined) return reference;
    if (/^sha(256|512):/.test(reference)) parseDigest(reference); // throws, saying what is wrong
    if (!reference.includes('/') && !reference.includes(':') && !reference.includes('@'))
      validateTag(reference);
    const ref = parseReference(reference);
    if (ref.registry !== this.registry || ref.repository !== this.repository) {
      throw new OciError('INVALID_REFERENCE', `${reference} is not in ${this.name}`, {
        ...this.ctx(),
        hint: 'Pass a tag, a digest, or a reference to this repository.',
      });
    }
    const part = ref.digest ?? ref.tag;
    if (!part) throw new OciError('INVALID_REFERENCE', `${reference} names no tag or digest`, this.ctx());
    return part;
  }

  // ---- reading ---------------------------------------------------------------------------------

  async resolve(reference: string, options: RequestOptions = {}): Promise<Descriptor> {
    const ref = this.referencePart(reference);
    const byDigest = isDigest(ref);
    const req = { method: 'HEAD' as const, path: this.path('manifests', ref) };
    const res = await this.send({ ...req, headers: { accept: ACCEPT_MANIFESTS }, signal: options.signal });
    if (res.status >= 200 && res.status < 300) {
      discard(res);
      const headerDigest = res.header('docker-content-digest');
      const size = Number(res.header('content-length'));
      const contentType = res.header('content-type');
      const mediaType = contentType ? baseMediaType(contentType) : undefined;
      if (byDigest && headerDigest && headerDigest !== ref) {
        throw new VerificationError(
          'DIGEST_MISMATCH',
          `${this.name}: asked for ${ref}, the registry answered for ${headerDigest}`,
          { digest: ref, size: Number.isSafeInteger(size) ? size : 0 },
          { digest: headerDigest, size: Number.isSafeInteger(size) ? size : 0 },
          this.ctx(),
        );
      }
      const digest = byDigest ? ref : headerDigest;
      // Without a digest, a size or a manifest media type, HEAD told us too little: read the manifest.
      if (
        digest &&
        isDigest(digest) &&
        Number.isSafeInteger(size) &&
        size >= 0 &&
        isManifestMediaType(mediaType)
      ) {
        if (size > MAX_MANIFEST_BYTES) {
          throw new OciError(
            'TOO_LARGE',
            `${this.name}:${ref} is ${size} bytes, over the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
            this.ctx(),
          );
        }
        return { mediaType: mediaType!, digest, size };
      }
    } else {
      // HEAD errors have no body; GET says which of repository/manifest is unknown.
      discard(res);
    }
    return (await this.fetchManifest(ref, options)).descriptor;
  }

  private async getManifestRaw(
    ref: string,
    options: RequestOptions & { accept?: string } = {},
  ): Promise<RawManifest> {
    const req = { method: 'GET' as const, path: this.path('manifests', ref) };
    const res = await this.send({
      ...req,
      headers: { accept: options.accept ?? ACCEPT_MANIFESTS },
      signal: options.signal,
    });
    if (res.status < 200 || res.status >= 300)
      await this.fail(res, req, `${this.name}${isDigest(ref) ? '@' : ':'}${ref}`);
    let bytes: Buffer;
    try {
      bytes = await readBody(res, MAX_MANIFEST_BYTES, `manifest ${this.name}:${ref}`);
    } catch (err) {
      if (err instanceof OciError)
        throw new OciError(
          err.code,
          err.message,
          this.ctx({ cause: err, hint: 'Manifests over 4 MiB are refused.' }),
        );
      throw this.streamError(err);
    }
    const headerDigest = res.header('docker-content-digest');
    let digest: string;
    if (isDigest(ref)) {
      digest = ref;
    } else {
      const alg = headerDigest && isDigest(headerDigest) ? parseDigest(headerDigest).algorithm : 'sha256';
      digest = digestOf(bytes, alg);
      if (headerDigest && headerDigest !== digest) {
        throw new VerificationError(
          'DIGEST_MISMATCH',
          `${this.name}:${ref}: the registry says the manifest is ${headerDigest}, its content is ${digest}`,
          { digest: headerDigest, size: bytes.byteLength },
          { digest, size: bytes.byteLength },
          this.ctx(),
        );
      }
    }
    return { bytes, contentType: res.header('content-type'), digest, etag: res.header('etag') };
  }

  private decode(bytes: Uint8Array, contentType: string | undefined, where: string): Manifest {
    try {
      return decodeManifest(bytes, contentType);
    } catch (err) {
      if (err instanceof ManifestError) {
        throw new ManifestError(`${where}: ${err.message}`, {
          ...this.ctx(),
          field: err.field,
          code: err.code,
          cause: err,
        });
      }
      throw err;
    }
  }

  async fetchManifest(
    reference: string | Descriptor,
    options: RequestOptions = {},
  ): Promise<FetchedManifest> {
    let expected: Descriptor | undefined;
    let ref: string;
    if (typeof reference === 'string') {
      ref = this.referencePart(reference);
    } else {
      checkDescriptor(reference);
      expected = reference;
      ref = reference.digest;
      if (reference.size > MAX_MANIFEST_BYTES) {
        throw new OciError(
          'TOO_LARGE',
          `${this.name}@${ref} is ${reference.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
          this.ctx(),
        );
      }
      const data = embeddedData(reference);
      if (data) return this.fetched(Buffer.from(data), reference.mediaType, reference.digest, reference);
    }
    const raw = await this.getManifestRaw(ref, {
      ...options,
      accept:
        expected && isManifestMediaType(expected.mediaType)
          ? `${expected.mediaType}, ${ACCEPT_MANIFESTS}`
          : undefined,
    });
    const where = `${this.name}@${raw.digest}`;
    if (isDigest(ref)) {
      if (expected) verifyBytes(raw.bytes, expected, this.ctx());
      else if (digestOf(raw.bytes, parseDigest(ref).algorithm) !== ref) {
        const actual = digestOf(raw.bytes, parseDigest(ref).algorithm);
        throw new VerificationError(
          'DIGEST_MISMATCH',
          `${where}: content digest is ${actual}`,
          { digest: ref, size: raw.bytes.byteLength },
          { digest: actual, size: raw.bytes.byteLength },
          this.ctx(),
        );
      }
    }
    return this.fetched(raw.bytes, raw.contentType, raw.digest, expected, where);
  }

  private fetched(
    bytes: Buffer,
    contentType: string | undefined,
    digest: string,
    expected?: Descriptor,
    where = `${this.name}@${digest}`,
  ): FetchedManifest {
    const manifest = this.decode(bytes, contentType, where);
    const descriptor: Descriptor = { mediaType: manifestMediaType(manifest), digest, size: bytes.byteLength };
    if (!manifest.mediaType && contentType && isManifestMediaType(contentType))
      descriptor.mediaType = baseMediaType(contentType);
    if (manifest.artifactType !== undefined) descriptor.artifactType = manifest.artifactType;
    if (expected?.annotations) descriptor.annotations = { ...expected.annotations };
    if (expected?.platform) descriptor.platform = expected.platform;
    return { descriptor, bytes, manifest };
  }

  async fetch(descriptor: Descriptor, options: RequestOptions = {}): Promise<Readable> {
    checkDescriptor(descriptor);
    const data = embeddedData(descriptor);
    if (data) return Readable.from([Buffer.from(data)]);
    const kind = isManifestMediaType(descriptor.mediaType) ? 'manifests' : 'blobs';
    const req = { method: 'GET' as const, path: this.path(kind, descriptor.digest) };
    const res = await this.send({
      ...req,
      headers: kind === 'manifests' ? { accept: `${descriptor.mediaType}, ${ACCEPT_MANIFESTS}` } : {},
      signal: options.signal,
    });
    if (res.status !== 200) await this.fail(res, req, `${this.name}@${descriptor.digest}`);
    const declared = res.header('content-length');
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== descriptor.size) {
      res.body.destroy();
      throw new VerificationError(
        'SIZE_MISMATCH',
        `${this.name}@${descriptor.digest}: expected ${descriptor.size} bytes, the registry announces ${declared}`,
        descriptor,
        { size: Number(declared) },
        this.ctx(),
      );
    }
    const verifier = new VerifyingStream(descriptor, this.ctx());
    res.body.on('error', (err) => verifier.destroy(this.streamError(err)));
    verifier.on('close', () => {
      if (!res.body.destroyed) res.body.destroy();
    });
    res.body.pipe(verifier);
    return verifier;
  }

  private streamError(err: unknown): OciError {
    if (err instanceof OciError) return err;
    const code = (err as { code?: unknown })?.code;
    return new OciError(
      code === 'UND_ERR_BODY_TIMEOUT'
        ? 'TIMEOUT'
        : code === 'UND_ERR_ABORTED' || (err as Error)?.name === 'AbortError'
          ? 'ABORTED'
          : 'UNREACHABLE',
      `${this.name}: the download broke off (${typeof code === 'string' ? code : ((err as Error)?.message ?? 'error')})`,
      this.ctx({ cause: err, hint: 'Retry; nothing partial was kept.' }),
    );
  }

  async exists(descriptor: Descriptor, options: RequestOptions = {}): Promise<boolean> {
    checkDescriptor(descriptor);
    const kind = isManifestMediaType(descriptor.mediaType) ? 'manifests' : 'blobs';
    const req = { method: 'HEAD' as const, path: this.path(kind, descriptor.digest) };
    const res = await this.send({
      ...req,
      headers: kind === 'manifests' ? { accept: ACCEPT_MANIFESTS } : {},
      signal: options.signal,
    });
    discard(res);
    if (res.status >= 200 && res.status < 300) return true;
    if (res.status === 404) return false;
    return this.fail(res, req, `${this.name}@${descriptor.digest}`);
  }

  /** A blob's size from the registry (HEAD), or undefined when it does not have it. */
  async blobSize(digest: string, options: RequestOptions = {}): Promise<number | undefined> {
    parseDigest(digest);
    const req = { method: 'HEAD' as const, path: this.path('blobs', digest) };
    const res = await this.send({ ...req, signal: options.signal });
    discard(res);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) return this.fail(res, req, `blob ${this.name}@${digest}`);
    const size = Number(res.header('content-length'));
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new OciError('PROTOCOL', `blob ${this.name}@${digest}: no valid Content-Length`, this.ctx());
    }
    return size;
  }

  /** How referrers are listed here, once known. */
  referrersMode(): 'api' | 'tag-schema' | undefined {
    return this.referrersState === 'supported'
      ? 'api'
      : this.referrersState === 'unsupported'
        ? 'tag-schema'
        : undefined;
  }

  // ---- referrers -------------------------------------------------------------------------------

  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    checkDescriptor(subject);
    if (this.referrersState !== 'unsupported') {
      const viaApi = await this.referrersFromApi(subject.digest, options);
      if (viaApi) return viaApi;
    }
    return this.referrersFromTag(subject.digest, options);
  }

  /** The API listing, or undefined when the registry turns out not to have the API. */
  private async referrersFromApi(
    digest: string,
    options: ReferrersOptions,
  ): Promise<Descriptor[] | undefined> {
    const query = options.artifactType ? `?artifactType=${encodeURIComponent(options.artifactType)}` : '';
    let path = `${this.path('referrers', digest)}${query}`;
    const all: Descriptor[] = [];
    const visited = new Set<string>();
    for (let page = 0; ; page++) {
      const req = { method: 'GET' as const, path };
      const res = await this.send({
        ...req,
        headers: { accept: MediaType.OciIndex },
        signal: options.signal,
      });
      if (page === 0 && res.status === 404) {
        const err = await this.client.toError(res, { ...req, repository: this.repository });
        if (err.code === 'NAME_UNKNOWN') throw err;
        return this.apiUnsupported();
      }
      if (res.status !== 200) await this.fail(res, req, `referrers of ${this.name}@${digest}`);
      const contentType = res.header('content-type');
      if (page === 0 && (!contentType || baseMediaType(contentType) !== MediaType.OciIndex)) {
        discard(res);
        return this.apiUnsupported();
      }
      this.referrersState = 'supported';
      let index: ImageIndex;
      try {
        const bytes = await readBody(res, MAX_MANIFEST_BYTES, `referrers of ${this.name}@${digest}`);
        index = decodeIndex(bytes, MediaType.OciIndex);
      } catch (err) {
        if (err instanceof OciError) {
          throw new ManifestError(`referrers of ${this.name}@${digest}: ${err.message}`, {
            ...this.ctx(),
            code: err.code,
            field: err instanceof ManifestError ? err.field : undefined,
            cause: err,
          });
        }
        throw this.streamError(err);
      }
      // Filtered here whatever OCI-Filters-Applied says: servers that did not filter are handled,
      // and a server that claims to have filtered is checked (cheap, and it costs no trust).
      all.push(...filterByArtifactType(index.manifests, options.artifactType));
      const next = nextLink(res.headers.link);
      if (!next) break;
      path = this.followLink(next, res.url, visited, page);
    }
    return dedupeDescriptors(all);
  }

  private apiUnsupported(): undefined {
    if ((this.options.referrers ?? 'auto') === 'api') {
      throw new OciError('UNSUPPORTED', `${this.registry} has no referrers API`, {
        ...this.ctx(),
        hint: 'Use the tag schema fallback (referrers mode "tag" or "auto").',
      });
    }
    this.referrersState = 'unsupported';
    return undefined;
  }

  /** Resolves a `Link: rel=next` target, refusing other origins and loops. */
  private followLink(next: string, base: URL, visited: Set<string>, page: number): string {
    const url = new URL(next, base);
    if (url.origin !== base.origin) {
      throw new OciError(
        'PROTOCOL',
        `${this.name}: pagination link points to another host (${url.origin})`,
        this.ctx(),
      );
    }
    const key = `${url.pathname}${url.search}`;
    if (visited.has(key) || page + 1 >= (this.options.maxPages ?? 10_000)) {
      throw new OciError(
        'PROTOCOL',
        `${this.name}: pagination does not end (page ${page + 1}, ${key})`,
        this.ctx({
          hint: 'The registry keeps returning pages; report it to the registry operator.',
        }),
      );
    }
    visited.add(key);
    return key;
  }

  private async referrersFromTag(digest: string, options: ReferrersOptions): Promise<Descriptor[]> {
    const found = await this.readFallbackIndex(digest, options);
    if (!found) return [];
    return dedupeDescriptors(filterByArtifactType(found.index.manifests, options.artifactType));
  }

  /**
   * The fallback index for `subject`, or undefined when there is none — including when the tag
   * resolves to something that is not an OCI image index (some registries answer digest-like tags
   * with the subject itself), which the spec says to treat as "no referrers".
   */
  private async readFallbackIndex(
    subject: string,
    options: RequestOptions = {},
  ): Promise<{ index: ImageIndex; digest: string; etag?: string } | undefined> {
    const tag = referrersTag(subject);
    let raw: RawManifest;
    try {
      raw = await this.getManifestRaw(tag, { ...options, accept: MediaType.OciIndex });
    } catch (err) {
      if (hasCode(err, 'MANIFEST_UNKNOWN', 'NOT_FOUND')) return undefined;
      throw err;
    }
    if (raw.digest === subject) return undefined;
    let manifest: Manifest;
    try {
      manifest = decodeManifest(raw.bytes, raw.contentType);
    } catch (err) {
      if (err instanceof ManifestError) return undefined;
      throw err;
    }
    if (!isIndex(manifest) || manifestMediaType(manifest) !== MediaType.OciIndex) return undefined;
    return { index: manifest, digest: raw.digest, etag: raw.etag };
  }

  /** Probes the API with `subject` when we do not know yet whether the registry has it. */
  private async detectReferrersApi(subject: string, signal?: AbortSignal): Promise<boolean> {
    if (this.referrersState === 'unknown') {
      try {
        await this.referrersFromApi(subject, { signal });
      } catch (err) {
        // A subject that is not there yet still tells us nothing; leave it unknown and use the fallback.
        if (!hasCode(err, 'NAME_UNKNOWN')) throw err;
      }
    }
    return this.referrersState === 'supported';
  }

  /**
   * Read, merge, push, then delete the superseded index. Serialised per subject within this
   * process; across processes `If-Match` protects us where the registry honours it.
   */
  async updateFallbackIndex(subject: string, update: ReferrersUpdate, signal?: AbortSignal): Promise<void> {
    const tag = referrersTag(subject);
    await fallbackLocks.run(`${this.name}:${tag}`, async () => {
      for (let attempt = 0; attempt < FALLBACK_RETRIES; attempt++) {
        const old = await this.readFallbackIndex(subject, { signal });
        const { manifests, changed } = updateReferrersList(old?.index.manifests ?? [], update);
        if (!changed) return;
        if (manifests.length === 0) {
          // Empty: delete the index (which untags it) rather than keep an empty one around.
          if (old) {
            try {
              await this.deleteManifestDigest(old.digest, signal);
              return;
            } catch (err) {
              if (!hasCode(err, 'UNSUPPORTED')) throw err;
              // Deletion disabled: an empty index is the next best thing.
            }
          } else {
            return;
          }
        }
        const { bytes, descriptor } = encodeManifest(buildReferrersIndex(manifests));
        const req = { method: 'PUT' as const, path: this.path('manifests', tag) };
        const headers: Record<string, string> = { 'content-type': MediaType.OciIndex };
        if (old?.etag) headers['if-match'] = old.etag;
        const res = await this.send({ ...req, headers, body: bytes, signal });
        if (res.status === 412) {
          discard(res);
          continue; // someone else updated it; re-read and merge again
        }
        if (res.status < 200 || res.status >= 300) await this.fail(res, req, `${this.name}:${tag}`);
        discard(res);
        if (old && old.digest !== descriptor.digest && !this.options.skipReferrersGc) {
          try {
            await this.deleteManifestDigest(old.digest, signal);
          } catch (err) {
            // The new index is in place; a leftover old one is harmless, so do not fail the push.
            if (!hasCode(err, 'UNSUPPORTED', 'MANIFEST_UNKNOWN', 'NOT_FOUND', 'DENIED')) throw err;
          }
        }
        return;
      }
      throw new OciError(
        'CONFLICT',
        `${this.name}:${tag}: the referrers index kept changing under us`,
        this.ctx({
          hint: 'Another client is updating the same referrers list; retry.',
        }),
      );
    });
  }

  // ---- tags ------------------------------------------------------------------------------------

  async *tags(options: TagsOptions = {}): AsyncIterable<string> {
    const params = new URLSearchParams();
    if (options.pageSize !== undefined) params.set('n', String(options.pageSize));
    if (options.last !== undefined) params.set('last', options.last);
    const q = params.toString();
    let path = `${this.path('tags')}${q ? `?${q}` : ''}`;
    const seen = new Set<string>();
    const visited = new Set<string>();
    for (let page = 0; ; page++) {
      const req = { method: 'GET' as const, path };
      const res = await this.send({ ...req, signal: options.signal });
      if (res.status !== 200) await this.fail(res, req, `tags of ${this.name}`);
      const body = await readBody(res, MAX_TAGS_PAGE_BYTES, `tags of ${this.name}`);
      let tags: string[];
      try {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
        const t = (parsed as { tags?: unknown }).tags;
        if (t === null || t === undefined) tags = [];
        else if (Array.isArray(t) && t.every((x) => typeof x === 'string')) tags = t as string[];
        else throw new Error('"tags" is not a list of strings');
      } catch (err) {
        throw new OciError(
          'PROTOCOL',
          `tags of ${this.name}: unexpected answer (${(err as Error).message})`,
          this.ctx(),
        );
      }
      // The spec orders tags lexically, but distribution 2.8 sends them in storage order (and ignores
      // n and last), so each page is sorted here and what comes before `last` skipped.
      for (const tag of [...tags].sort()) {
        if (options.last !== undefined && tag <= options.last) continue;
        if (seen.has(tag)) continue;
        seen.add(tag);
        yield tag;
      }
      const next = nextLink(res.headers.link);
      if (!next || tags.length === 0) break;
      path = this.followLink(next, res.url, visited, page);
    }
  }

  // ---- writing ---------------------------------------------------------------------------------

  async push(
    descriptor: Descriptor,
    content: Readable | Uint8Array,
    options: PushOptions = {},
  ): Promise<void> {
    checkDescriptor(descriptor);
    if (isManifestMediaType(descriptor.mediaType)) {
      const bytes =
        content instanceof Uint8Array ? content : await readAllCapped(content, MAX_MANIFEST_BYTES);
      await this.pushManifest(descriptor, bytes, descriptor.digest, options.signal);
      return;
    }
    await this.pushBlob(descriptor, content, options);
  }

  /** Pushes a manifest under `reference` (its digest, or a tag) and maintains the fallback index. */
  async pushManifest(
    descriptor: Descriptor,
    bytes: Uint8Array,
    reference = descriptor.digest,
    signal?: AbortSignal,
  ): Promise<void> {
    verifyBytes(bytes, descriptor, this.ctx());
    if (reference !== descriptor.digest) validateTag(reference);
    const manifest = this.decode(bytes, descriptor.mediaType, `${this.name}@${descriptor.digest}`);
    const mediaType = descriptor.mediaType;
    const req = { method: 'PUT' as const, path: this.path('manifests', reference) };
    const res = await this.send({ ...req, headers: { 'content-type': mediaType }, body: bytes, signal });
    if (res.status < 200 || res.status >= 300)
      await this.fail(res, req, `${this.name}${reference === descriptor.digest ? '@' : ':'}${reference}`);
    discard(res);
    this.checkStoredDigest(res, descriptor.digest);
    if (!manifest.subject) return;
    if (res.header('oci-subject')) {
      this.referrersState = 'supported';
      return;
    }
    if (await this.detectReferrersApi(manifest.subject.digest, signal)) return;
    await this.updateFallbackIndex(
      manifest.subject.digest,
      { add: [referrerDescriptor(descriptor, manifest)] },
      signal,
    );
  }

  private checkStoredDigest(res: RegistryResponse, expected: string): void {
    const stored = res.header('docker-content-digest');
    if (
      stored &&
      isDigest(stored) &&
      stored !== expected &&
      parseDigest(stored).algorithm === parseDigest(expected).algorithm
    ) {
      throw new VerificationError(
        'DIGEST_MISMATCH',
        `${this.name}: pushed ${expected}, the registry stored ${stored}`,
        { digest: expected, size: 0 },
        { digest: stored, size: 0 },
        this.ctx(),
      );
    }
  }

  private async pushBlob(
    descriptor: Descriptor,
    content: Readable | Uint8Array,
    options: PushOptions,
  ): Promise<void> {
    const signal = options.signal;
    if (content instanceof Uint8Array) verifyBytes(content, descriptor, this.ctx());
    if (await this.exists(descriptor, { signal })) {
      if (!(content instanceof Uint8Array)) content.destroy();
      return;
    }
    let location: string;
    let base: URL;
    if (options.mountFrom && options.mountFrom !== this.repository) {
      const q = new URLSearchParams({ mount: descriptor.digest, from: options.mountFrom });
      const req = { method: 'POST' as const, path: `/v2/${this.repository}/blobs/uploads/?${q.toString()}` };
      const res = await this.send({
        ...req,
        extraScopes: [`repository:${options.mountFrom}:pull`],
        headers: { 'content-length': '0' },
        signal,
      });
      if (res.status === 201) {
        discard(res);
        if (!(content instanceof Uint8Array)) content.destroy();
        this.checkStoredDigest(res, descriptor.digest);
        return;
      }
      if (res.status !== 202) await this.fail(res, req, `mount into ${this.name}`);
      discard(res);
      location = this.location(res);
      base = res.url;
    } else {
      const req = { method: 'POST' as const, path: `/v2/${this.repository}/blobs/uploads/` };
      const res = await this.send({ ...req, headers: { 'content-length': '0' }, signal });
      if (res.status !== 202) await this.fail(res, req, `upload to ${this.name}`);
      discard(res);
      location = this.location(res);
      base = res.url;
    }
    const threshold = this.options.chunkThreshold ?? 64 * 1024 * 1024;
    try {
      if (content instanceof Uint8Array || descriptor.size <= threshold) {
        await this.putMonolithic(descriptor, content, new URL(location, base), signal);
      } else {
        await this.putChunked(descriptor, content, new URL(location, base), signal);
      }
    } catch (err) {
      // Abandon the upload session so the registry does not keep a partial blob around.
      await this.send({ method: 'DELETE', path: new URL(location, base).toString(), retry: false })
        .then(discard)
        .catch(() => undefined);
      throw err;
    }
  }

  private location(res: RegistryResponse): string {
    const loc = res.header('location');
    if (!loc)
      throw new OciError('PROTOCOL', `${this.name}: upload started without a Location header`, this.ctx());
    return loc;
  }

  private async putMonolithic(
    descriptor: Descriptor,
    content: Readable | Uint8Array,
    url: URL,
    signal?: AbortSignal,
  ): Promise<void> {
    url.searchParams.set('digest', descriptor.digest);
    let body: Uint8Array | Readable;
    let verifier: VerifyingStream | undefined;
    if (content instanceof Uint8Array) body = content;
    else {
      verifier = new VerifyingStream(descriptor, this.ctx());
      content.on('error', (e) => verifier!.destroy(e));
      body = content.pipe(verifier);
    }
    const req = { method: 'PUT' as const, path: url.toString() };
    let res: RegistryResponse;
    try {
      res = await this.send({
        ...req,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
        body,
        signal,
      });
    } catch (err) {
      // A verification failure aborts the request body; report that rather than the socket error.
      const v = verifier?.errored;
      if (v instanceof OciError) throw v;
      throw err;
    }
    if (verifier?.errored instanceof OciError) {
      discard(res);
      throw verifier.errored;
    }
    if (res.status !== 201 && res.status !== 204 && res.status !== 200)
      await this.fail(res, { method: 'PUT', path: url.pathname }, `upload to ${this.name}`);
    discard(res);
    this.checkStoredDigest(res, descriptor.digest);
  }

  private async putChunked(
    descriptor: Descriptor,
    content: Readable,
    url: URL,
    signal?: AbortSignal,
  ): Promise<void> {
    const chunkSize = this.options.chunkSize ?? 16 * 1024 * 1024;
    const verifier = new VerifyingStream(descriptor, this.ctx());
    content.on('error', (e) => verifier.destroy(e));
    content.pipe(verifier);
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingSize = 0;
    let current = url;
    const flush = async (): Promise<void> => {
      if (pendingSize === 0) return;
      const chunk = Buffer.concat(pending, pendingSize);
      pending = [];
      pendingSize = 0;
      const req = { method: 'PATCH' as const, path: current.toString() };
      const res = await this.send({
        ...req,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + chunk.byteLength - 1}`,
        },
        body: chunk,
        signal,
      });
      if (res.status !== 202 && res.status !== 204)
        await this.fail(res, { method: 'PATCH', path: current.pathname }, `chunked upload to ${this.name}`);
      discard(res);
      offset += chunk.byteLength;
      const loc = res.header('location');
      if (loc) current = new URL(loc, res.url);
    };
    for await (const c of verifier as AsyncIterable<Buffer>) {
      let chunk = c;
      while (chunk.byteLength > 0) {
        const take = Math.min(chunk.byteLength, chunkSize - pendingSize);
        pending.push(chunk.subarray(0, take));
        pendingSize += take;
        chunk = chunk.subarray(take);
        if (pendingSize === chunkSize) await flush();
      }
    }
    await flush();
    current.searchParams.set('digest', descriptor.digest);
    const req = { method: 'PUT' as const, path: current.toString() };
    const res = await this.send({
      ...req,
      headers: { 'content-length': '0' },
      body: new Uint8Array(0),
      signal,
    });
    if (res.status !== 201 && res.status !== 204 && res.status !== 200)
      await this.fail(res, { method: 'PUT', path: current.pathname }, `upload to ${this.name}`);
    discard(res);
    this.checkStoredDigest(res, descriptor.digest);
  }

  async tag(descriptor: Descriptor, tag: string, options: RequestOptions = {}): Promise<void> {
    checkDescriptor(descriptor);
    validateTag(tag);
    if (!isManifestMediaType(descriptor.mediaType)) {
      throw new OciError(
        'UNSUPPORTED',
        `cannot tag ${descriptor.digest}: ${descriptor.mediaType} is not a manifest media type`,
        this.ctx(),
      );
    }
    const fetched = await this.fetchManifest(descriptor, options);
    const req = { method: 'PUT' as const, path: this.path('manifests', tag) };
    const res = await this.send({
      ...req,
      headers: { 'content-type': fetched.descriptor.mediaType },
      body: fetched.bytes,
      signal: options.signal,
    });
    if (res.status < 200 || res.status >= 300) await this.fail(res, req, `${this.name}:${tag}`);
    discard(res);
    this.checkStoredDigest(res, descriptor.digest);
  }

  async delete(descriptor: Descriptor, options: RequestOptions = {}): Promise<void> {
    checkDescriptor(descriptor);
    if (!isManifestMediaType(descriptor.mediaType)) {
      await this.deleteBlob(descriptor.digest, options.signal);
      return;
    }
    // Learn the subject first: once deleted, the manifest cannot tell us any more.
    let subject: string | undefined;
    if (this.referrersState !== 'supported') {
      const fetched = await this.fetchManifest(descriptor, options);
      subject = fetched.manifest.subject?.digest;
    }
    await this.deleteManifestDigest(descriptor.digest, options.signal);
    if (subject && !(await this.detectReferrersApi(subject, options.signal))) {
      await this.updateFallbackIndex(subject, { remove: [descriptor.digest] }, options.signal);
    }
  }

  private async deleteManifestDigest(digest: string, signal?: AbortSignal): Promise<void> {
    await this.deleteAt(this.path('manifests', digest), `${this.name}@${digest}`, signal);
  }

  private async deleteBlob(digest: string, signal?: AbortSignal): Promise<void> {
    await this.deleteAt(this.path('blobs', digest), `blob ${this.name}@${digest}`, signal);
  }

  private async deleteAt(path: string, what: string, signal?: AbortSignal): Promise<void> {
    const req = { method: 'DELETE' as const, path };
    const res = await this.send({ ...req, actions: ['delete'], signal });
    if (res.status >= 200 && res.status < 300) {
      discard(res);
      return;
    }
    const err = await this.client.toError(res, { ...req, repository: this.repository }, what);
    if (res.status === 405 || err.code === 'UNSUPPORTED' || (res.status === 400 && err.errors.length === 0)) {
      throw new OciError('UNSUPPORTED', `cannot delete ${what}: deletion is disabled on ${this.registry}`, {
        ...this.ctx(),
        status: res.status,
        errors: err.errors,
        hint: 'Enable deletes on the registry (distribution: storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true), or use its own retention policies.',
      });
    }
    throw err;
  }
}
