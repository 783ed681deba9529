// RemoteRepository: the Target for one repository on a registry. Every byte read is verified
// against its descriptor; manifests are capped at 4 MiB. The parts live beside it: referrers
// listing (referrers.ts) and the tag schema's fallback index (fallback-index.ts), blob uploads
// (uploads.ts), paginated listings (pagination.ts), raw manifest reads and deletes (manifest-io.ts).
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { VerifyingStream, digestOf, isDigest, parseDigest, verifyBytes } from '../digest.js';
import { ManifestError, OciError, VerificationError } from '../errors.js';
import {
  DEFAULT_MAX_PAGES,
  DEFAULT_MAX_REFERRER_BYTES,
  DEFAULT_MAX_REFERRERS,
  MAX_TAGS_PAGE_BYTES,
} from '../limits.js';
import {
  MAX_MANIFEST_BYTES,
  baseMediaType,
  checkDescriptor,
  decodeManifest,
  embeddedData,
  isManifestMediaType,
  manifestMediaType,
  referrerDescriptor,
  type Descriptor,
  type FetchedManifest,
  type Manifest,
} from '../manifest.js';
import { parseReference, tagProblem, validateTag } from '../reference.js';
import type { PushOptions, ReferrersOptions, RequestOptions, TagsOptions, Target } from '../target.js';
import { readAllCapped } from '../capped-read.js';
import type { RegistryClient } from './client.js';
import { RepositoryEndpoint } from './endpoint.js';
import { updateFallbackIndex } from './fallback-index.js';
import { ACCEPT_MANIFESTS, deleteAt, deleteManifestDigest, getManifestRaw } from './manifest-io.js';
import { paginate } from './pagination.js';
import type { ReferrersUpdate } from './referrers-index.js';
import { ReferrersLister, type ReferrersState } from './referrers.js';
import { discard } from './transport.js';
import { FileSink } from './download.js';
import { checkStoredDigest, pushBlob } from './uploads.js';

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
  /** Referrers listed for one subject before the listing fails (LimitError). Default 100 000. */
  maxReferrers?: number;
  /** Bytes of one referrer's descriptor in a listing; larger ones are kept without annotations and reported. Default 64 KiB. */
  maxReferrerBytes?: number;
}

/** Blobs from this size on are read by a direct GET when pulled to a file (downloadDirect). */
const DIRECT_MIN_BYTES = 1024 ** 2;

export class RemoteRepository implements Target {
  readonly client: RegistryClient;
  readonly repository: string;
  private readonly options: RepositoryOptions;
  private readonly endpoint: RepositoryEndpoint;
  private readonly referrersLister: ReferrersLister;

  constructor(client: RegistryClient, repository: string, options: RepositoryOptions = {}) {
    this.client = client;
    this.repository = repository;
    this.options = options;
    this.endpoint = new RepositoryEndpoint(client, repository);
    this.referrersLister = new ReferrersLister(this.endpoint, options.referrers ?? 'auto', {
      maxPages: options.maxPages ?? DEFAULT_MAX_PAGES,
      maxReferrers: options.maxReferrers ?? DEFAULT_MAX_REFERRERS,
      maxReferrerBytes: options.maxReferrerBytes ?? DEFAULT_MAX_REFERRER_BYTES,
    });
  }

  get registry(): string {
    return this.client.registry;
  }

  /** `registry/repository`. */
  get name(): string {
    return this.endpoint.name;
  }

  /** What referrers detection found so far: `supported` (API), `unsupported` (tag schema) or `unknown`. */
  get referrersCapability(): ReferrersState {
    return this.referrersLister.state;
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
        ...this.endpoint.ctx(),
        hint: 'Pass a tag, a digest, or a reference to this repository.',
      });
    }
    const part = ref.digest ?? ref.tag;
    if (!part)
      throw new OciError('INVALID_REFERENCE', `${reference} names no tag or digest`, this.endpoint.ctx());
    return part;
  }

  private tooLarge(what: string, size: number): OciError {
    return new OciError(
      'TOO_LARGE',
      `${what} is ${size} bytes, over the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
      this.endpoint.ctx(),
    );
  }

  // ---- reading ---------------------------------------------------------------------------------

  async resolve(reference: string, options: RequestOptions = {}): Promise<Descriptor> {
    const ref = this.referencePart(reference);
    const res = await this.endpoint.send({
      method: 'HEAD',
      path: this.endpoint.path('manifests', ref),
      headers: { accept: ACCEPT_MANIFESTS },
      signal: options.signal,
    });
    // HEAD errors have no body; GET says which of repository/manifest is unknown.
    discard(res);
    const fromHead = res.status >= 200 && res.status < 300 ? this.descriptorFromHead(ref, res) : undefined;
    return fromHead ?? (await this.fetchManifest(ref, options)).descriptor;
  }

  /** What a successful HEAD says, or undefined when it told too little (no digest, size or manifest media type). */
  private descriptorFromHead(
    ref: string,
    res: { header(name: string): string | undefined },
  ): Descriptor | undefined {
    const byDigest = isDigest(ref);
    const headerDigest = res.header('docker-content-digest');
    const size = Number(res.header('content-length'));
    const contentType = res.header('content-type');
    const mediaType = contentType ? baseMediaType(contentType) : undefined;
    if (byDigest && headerDigest && headerDigest !== ref) {
      const known = Number.isSafeInteger(size) ? size : 0;
      throw new VerificationError(
        'DIGEST_MISMATCH',
        `${this.name}: asked for ${ref}, the registry answered for ${headerDigest}`,
        { digest: ref, size: known },
        { digest: headerDigest, size: known },
        this.endpoint.ctx(),
      );
    }
    const digest = byDigest ? ref : headerDigest;
    if (
      !digest ||
      !isDigest(digest) ||
      !Number.isSafeInteger(size) ||
      size < 0 ||
      !isManifestMediaType(mediaType)
    )
      return undefined;
    if (size > MAX_MANIFEST_BYTES) throw this.tooLarge(`${this.name}:${ref}`, size);
    return { mediaType: mediaType!, digest, size };
  }

  private decode(bytes: Uint8Array, contentType: string | undefined, where: string): Manifest {
    try {
      return decodeManifest(bytes, contentType);
    } catch (err) {
      if (err instanceof ManifestError) {
        throw new ManifestError(`${where}: ${err.message}`, {
          ...this.endpoint.ctx(),
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
      if (reference.size > MAX_MANIFEST_BYTES) throw this.tooLarge(`${this.name}@${ref}`, reference.size);
      const data = embeddedData(reference);
      if (data) return this.fetched(Buffer.from(data), reference.mediaType, reference.digest, reference);
    }
    const raw = await getManifestRaw(this.endpoint, ref, {
      ...options,
      accept:
        expected && isManifestMediaType(expected.mediaType)
          ? `${expected.mediaType}, ${ACCEPT_MANIFESTS}`
          : undefined,
    });
    const where = `${this.name}@${raw.digest}`;
    if (isDigest(ref)) {
      if (expected) verifyBytes(raw.bytes, expected, this.endpoint.ctx());
      else {
        const actual = digestOf(raw.bytes, parseDigest(ref).algorithm);
        if (actual !== ref) {
          throw new VerificationError(
            'DIGEST_MISMATCH',
            `${where}: content digest is ${actual}`,
            { digest: ref, size: raw.bytes.byteLength },
            { digest: actual, size: raw.bytes.byteLength },
            this.endpoint.ctx(),
          );
        }
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
    const req = { method: 'GET' as const, path: this.endpoint.path(kind, descriptor.digest) };
    const res = await this.endpoint.send({
      ...req,
      headers: kind === 'manifests' ? { accept: `${descriptor.mediaType}, ${ACCEPT_MANIFESTS}` } : {},
      signal: options.signal,
    });
    if (res.status !== 200) await this.endpoint.fail(res, req, `${this.name}@${descriptor.digest}`);
    const declared = res.header('content-length');
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== descriptor.size) {
      res.body.destroy();
      throw new VerificationError(
        'SIZE_MISMATCH',
        `${this.name}@${descriptor.digest}: expected ${descriptor.size} bytes, the registry announces ${declared}`,
        descriptor,
        { size: Number(declared) },
        this.endpoint.ctx(),
      );
    }
    const verifier = new VerifyingStream(descriptor, this.endpoint.ctx());
    res.body.on('error', (err) => verifier.destroy(this.endpoint.streamError(err)));
    verifier.on('close', () => {
      if (!res.body.destroyed) res.body.destroy();
    });
    res.body.pipe(verifier);
    return verifier;
  }

  /**
   * Writes a large blob to a new file at `path` straight from the socket (direct.ts), verified:
   * true once the file holds exactly the blob. False, with nothing created, when the registry's
   * answer is not a plain 200 (the caller then streams `fetch()`, which handles the rest), or
   * when the blob is small enough that a connection of its own costs more than it saves.
   */
  async downloadDirect(
    descriptor: Descriptor,
    path: string,
    options: RequestOptions & { onBytes?: (bytes: number) => void } = {},
  ): Promise<boolean> {
    checkDescriptor(descriptor);
    if (
      descriptor.size < DIRECT_MIN_BYTES ||
      embeddedData(descriptor) ||
      isManifestMediaType(descriptor.mediaType)
    )
      return false;
    const req = {
      path: this.endpoint.path('blobs', descriptor.digest),
      repository: this.endpoint.repository,
    };
    const sink = await FileSink.create(path, descriptor, this.endpoint.ctx(), options.onBytes);
    try {
      const outcome = await this.endpoint.client.direct(
        { ...req, ...(options.signal ? { signal: options.signal } : {}) },
        descriptor.size,
        sink,
      );
      if (outcome.kind === 'declined') {
        await sink.abandon();
        await rm(path, { force: true });
        return false;
      }
      await sink.finish();
      return true;
    } catch (error) {
      await sink.abandon();
      throw error;
    }
  }

  async exists(descriptor: Descriptor, options: RequestOptions = {}): Promise<boolean> {
    checkDescriptor(descriptor);
    const kind = isManifestMediaType(descriptor.mediaType) ? 'manifests' : 'blobs';
    const req = { method: 'HEAD' as const, path: this.endpoint.path(kind, descriptor.digest) };
    const res = await this.endpoint.send({
      ...req,
      headers: kind === 'manifests' ? { accept: ACCEPT_MANIFESTS } : {},
      signal: options.signal,
    });
    discard(res);
    if (res.status >= 200 && res.status < 300) return true;
    if (res.status === 404) return false;
    return this.endpoint.fail(res, req, `${this.name}@${descriptor.digest}`);
  }

  /** A blob's size from the registry (HEAD), or undefined when it does not have it. */
  async blobSize(digest: string, options: RequestOptions = {}): Promise<number | undefined> {
    parseDigest(digest);
    const req = { method: 'HEAD' as const, path: this.endpoint.path('blobs', digest) };
    const res = await this.endpoint.send({ ...req, signal: options.signal });
    discard(res);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300)
      return this.endpoint.fail(res, req, `blob ${this.name}@${digest}`);
    const size = Number(res.header('content-length'));
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new OciError(
        'PROTOCOL',
        `blob ${this.name}@${digest}: no valid Content-Length`,
        this.endpoint.ctx(),
      );
    }
    return size;
  }

  // ---- listings --------------------------------------------------------------------------------

  /** How referrers are listed here, once known. */
  referrersMode(): 'api' | 'tag-schema' | undefined {
    return this.referrersLister.mode();
  }

  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    checkDescriptor(subject);
    return this.referrersLister.list(subject.digest, options);
  }

  async *tags(options: TagsOptions = {}): AsyncIterable<string> {
    const params = new URLSearchParams();
    if (options.pageSize !== undefined) params.set('n', String(options.pageSize));
    if (options.last !== undefined) params.set('last', options.last);
    const q = params.toString();
    const what = `tags of ${this.name}`;
    const seen = new Set<string>();
    const pages = paginate(this.endpoint, `${this.endpoint.path('tags')}${q ? `?${q}` : ''}`, {
      what,
      signal: options.signal,
      maxPages: this.options.maxPages ?? DEFAULT_MAX_PAGES,
      pageBytes: MAX_TAGS_PAGE_BYTES,
      pageBytesLimit: 'maxTagsPageBytes',
    });
    for await (const body of pages) {
      const tags = this.decodeTagsPage(body, what);
      // The spec orders tags lexically, but distribution 2.8 sends them in storage order (and ignores
      // n and last), so each page is sorted here and what comes before `last` skipped.
      for (const tag of [...tags].sort()) {
        if (options.last !== undefined && tag <= options.last) continue;
        if (seen.has(tag)) continue;
        seen.add(tag);
        yield tag;
      }
      if (tags.length === 0) break;
    }
  }

  private decodeTagsPage(body: Buffer, what: string): string[] {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      const t = (parsed as { tags?: unknown }).tags;
      if (t === null || t === undefined) return [];
      if (Array.isArray(t) && t.every((x) => typeof x === 'string')) return t;
      throw new Error('"tags" is not a list of strings');
    } catch (err) {
      throw new OciError(
        'PROTOCOL',
        `${what}: unexpected answer (${(err as Error).message})`,
        this.endpoint.ctx(),
      );
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
    await pushBlob(this.endpoint, descriptor, content, {
      ...options,
      chunkThreshold: this.options.chunkThreshold ?? 64 * 1024 * 1024,
      chunkSize: this.options.chunkSize ?? 16 * 1024 * 1024,
      exists: () => this.exists(descriptor, { signal: options.signal }),
    });
  }

  /** Pushes a manifest under `reference` (its digest, or a tag) and maintains the fallback index. */
  async pushManifest(
    descriptor: Descriptor,
    bytes: Uint8Array,
    reference = descriptor.digest,
    signal?: AbortSignal,
  ): Promise<void> {
    verifyBytes(bytes, descriptor, this.endpoint.ctx());
    if (reference !== descriptor.digest) validateTag(reference);
    const manifest = this.decode(bytes, descriptor.mediaType, `${this.name}@${descriptor.digest}`);
    const req = { method: 'PUT' as const, path: this.endpoint.path('manifests', reference) };
    const res = await this.endpoint.send({
      ...req,
      headers: { 'content-type': descriptor.mediaType },
      body: bytes,
      signal,
    });
    if (res.status < 200 || res.status >= 300)
      await this.endpoint.fail(
        res,
        req,
        `${this.name}${reference === descriptor.digest ? '@' : ':'}${reference}`,
      );
    discard(res);
    checkStoredDigest(this.endpoint, res, descriptor.digest);
    if (!manifest.subject) return;
    if (res.header('oci-subject')) {
      this.referrersLister.state = 'supported';
      return;
    }
    if (await this.referrersLister.detectApi(manifest.subject.digest, signal)) return;
    await this.updateFallbackIndex(
      manifest.subject.digest,
      { add: [referrerDescriptor(descriptor, manifest)] },
      signal,
    );
  }

  /**
   * Read, merge, push, then delete the superseded index. Serialised per subject within this
   * process; across processes `If-Match` protects us where the registry honours it.
   */
  async updateFallbackIndex(subject: string, update: ReferrersUpdate, signal?: AbortSignal): Promise<void> {
    await updateFallbackIndex(this.endpoint, subject, update, {
      signal,
      skipGc: this.options.skipReferrersGc ?? false,
    });
  }

  async tag(descriptor: Descriptor, tag: string, options: RequestOptions = {}): Promise<void> {
    checkDescriptor(descriptor);
    validateTag(tag);
    if (!isManifestMediaType(descriptor.mediaType)) {
      throw new OciError(
        'UNSUPPORTED',
        `cannot tag ${descriptor.digest}: ${descriptor.mediaType} is not a manifest media type`,
        this.endpoint.ctx(),
      );
    }
    const fetched = await this.fetchManifest(descriptor, options);
    const req = { method: 'PUT' as const, path: this.endpoint.path('manifests', tag) };
    const res = await this.endpoint.send({
      ...req,
      headers: { 'content-type': fetched.descriptor.mediaType },
      body: fetched.bytes,
      signal: options.signal,
    });
    if (res.status < 200 || res.status >= 300) await this.endpoint.fail(res, req, `${this.name}:${tag}`);
    discard(res);
    checkStoredDigest(this.endpoint, res, descriptor.digest);
  }

  async delete(descriptor: Descriptor, options: RequestOptions = {}): Promise<void> {
    checkDescriptor(descriptor);
    if (!isManifestMediaType(descriptor.mediaType)) {
      const digest = descriptor.digest;
      await deleteAt(
        this.endpoint,
        this.endpoint.path('blobs', digest),
        `blob ${this.name}@${digest}`,
        options.signal,
      );
      return;
    }
    // Learn the subject first: once deleted, the manifest cannot tell us any more.
    let subject: string | undefined;
    if (this.referrersLister.state !== 'supported') {
      const fetched = await this.fetchManifest(descriptor, options);
      subject = fetched.manifest.subject?.digest;
    }
    await deleteManifestDigest(this.endpoint, descriptor.digest, options.signal);
    if (subject && !(await this.referrersLister.detectApi(subject, options.signal))) {
      await this.updateFallbackIndex(subject, { remove: [descriptor.digest] }, options.signal);
    }
  }
}
