// OciLayout: the Target for an OCI image layout directory (`oci-layout`, `index.json`,
// `blobs/<alg>/<hex>`), laid out as `oras push/pull --oci-layout` does: tags are
// `org.opencontainers.image.ref.name` annotations in index.json, and every manifest pushed is
// listed there (untagged ones too), so referrers stay discoverable by scanning for `subject`.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VerifyingStream, digestOf, isDigest, parseDigest, verifyBytes } from './digest.js';
import { ManifestError, OciError, hasCode } from './errors.js';
import {
  Annotations,
  MAX_MANIFEST_BYTES,
  MediaType,
  checkDescriptor,
  decodeIndex,
  decodeManifest,
  embeddedData,
  isIndex,
  isManifestMediaType,
  manifestMediaType,
  referrerDescriptor,
  type Descriptor,
  type FetchedManifest,
  type ImageIndex,
} from './manifest.js';
import { tagProblem, validateTag } from './reference.js';
import { dedupeDescriptors, filterByArtifactType } from './remote/referrers-index.js';
import type { ReferrersOptions, RequestOptions, TagsOptions, Target } from './target.js';
import { KeyedMutex } from './concurrency.js';
import { readAllCapped } from './capped-read.js';

const LAYOUT_VERSION = '1.0.0';

export interface OciLayoutOptions {
  /** Create the directory, `oci-layout` and an empty `index.json` when missing. Default false. */
  create?: boolean;
}

const indexLocks = new KeyedMutex();

function notFound(what: string, mediaType: string | undefined, root: string): OciError {
  const code =
    mediaType === undefined || isManifestMediaType(mediaType) ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN';
  return new OciError(code, `${what} is not in the OCI layout ${root}`, {
    repository: root,
    hint: 'Check the tag or digest; `oras repo tags --oci-layout <dir>` lists the tags.',
  });
}

async function statSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class OciLayout implements Target {
  readonly root: string;
  /** subject digest → referrers, built by scanning; dropped on every write and when index.json changes. */
  private scan?: { key: string; bySubject: Map<string, Descriptor[]> };

  private constructor(root: string) {
    this.root = root;
  }

  /** Opens a layout, checking `oci-layout`; with `create`, initialises a missing one. */
  static async open(root: string, options: OciLayoutOptions = {}): Promise<OciLayout> {
    const layout = new OciLayout(root);
    const marker = join(root, 'oci-layout');
    let text: string | undefined;
    try {
      text = await readFile(marker, 'utf8');
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code !== 'ENOENT' &&
        (err as NodeJS.ErrnoException).code !== 'ENOTDIR'
      ) {
        throw layout.error(`cannot read ${marker}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
      }
    }
    if (text === undefined) {
      if (!options.create) {
        throw layout.error(
          `${root} is not an OCI image layout (no oci-layout file)`,
          undefined,
          'Point at a directory written by `oras push --oci-layout` or similar, or let us create one.',
        );
      }
      await mkdir(join(root, 'blobs'), { recursive: true });
      await layout.atomicWrite(marker, JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
      if ((await statSize(join(root, 'index.json'))) === undefined) {
        await layout.atomicWrite(
          join(root, 'index.json'),
          JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }),
        );
      }
      return layout;
    }
    let version: unknown;
    try {
      version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      version = undefined;
    }
    if (version !== LAYOUT_VERSION) {
      throw layout.error(
        `${marker}: unsupported imageLayoutVersion ${JSON.stringify(version)} (want "${LAYOUT_VERSION}")`,
      );
    }
    return layout;
  }

  private error(message: string, cause?: unknown, hint?: string): OciError {
    return new OciError('LAYOUT', message, { repository: this.root, cause, hint });
  }

  private blobPath(digest: string): string {
    // parseDigest limits the name to [a-z0-9] algorithm and hex, so it cannot escape blobs/.
    const { algorithm, hex } = parseDigest(digest);
    return join(this.root, 'blobs', algorithm, hex);
  }

  private async atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(tmp, data, { flush: true });
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  // ---- index.json ------------------------------------------------------------------------------

  private async readIndexFile(): Promise<{ index: ImageIndex; key: string }> {
    const path = join(this.root, 'index.json');
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return { index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }, key: 'none' };
      }
      throw this.error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
    }
    try {
      const index = decodeIndex(bytes, MediaType.OciIndex);
      return { index, key: digestOf(bytes) };
    } catch (err) {
      if (err instanceof ManifestError) {
        throw new ManifestError(`${path}: ${err.message}`, {
          repository: this.root,
          field: err.field,
          code: 'LAYOUT',
          cause: err,
        });
      }
      throw err;
    }
  }

  private async updateIndex(fn: (manifests: Descriptor[]) => Descriptor[] | undefined): Promise<void> {
    await indexLocks.run(this.root, async () => {
      const { index } = await this.readIndexFile();
      const next = fn([...index.manifests]);
      if (!next) return;
      const out: ImageIndex = {
        ...index,
        schemaVersion: 2,
        mediaType: index.mediaType ?? MediaType.OciIndex,
        manifests: next,
      };
      await this.atomicWrite(join(this.root, 'index.json'), JSON.stringify(out));
      this.scan = undefined;
    });
  }

  // ---- reading ---------------------------------------------------------------------------------

  async resolve(reference: string, _options: RequestOptions = {}): Promise<Descriptor> {
    const { index } = await this.readIndexFile();
    if (isDigest(reference)) {
      const listed = index.manifests.find((d) => d.digest === reference);
      if (listed) return this.withoutRefName(listed);
      const size = await statSize(this.blobPath(reference));
      if (size === undefined) throw notFound(reference, undefined, this.root);
      // Not listed (e.g. a child of an index): the content says what it is.
      const { descriptor } = await this.fetchManifest({
        mediaType: 'application/octet-stream',
        digest: reference,
        size,
      });
      delete descriptor.annotations;
      return descriptor;
    }
    const problem = tagProblem(reference);
    const matches = index.manifests.filter((d) => d.annotations?.[Annotations.RefName] === reference);
    const hit = matches[matches.length - 1];
    if (!hit) {
      if (problem && !reference.includes(':') && !reference.includes('/')) validateTag(reference);
      throw notFound(`tag ${JSON.stringify(reference)}`, undefined, this.root);
    }
    return this.withoutRefName(hit);
  }

  private withoutRefName(d: Descriptor): Descriptor {
    const out: Descriptor = { ...d };
    if (d.annotations) {
      const { [Annotations.RefName]: _ref, ...rest } = d.annotations;
      if (Object.keys(rest).length > 0) out.annotations = rest;
      else delete out.annotations;
    }
    return out;
  }

  async fetch(descriptor: Descriptor, _options: RequestOptions = {}): Promise<Readable> {
    checkDescriptor(descriptor);
    const data = embeddedData(descriptor);
    if (data) return Readable.from([Buffer.from(data)]);
    const path = this.blobPath(descriptor.digest);
    const size = await statSize(path);
    if (size === undefined) throw notFound(descriptor.digest, descriptor.mediaType, this.root);
    const verifier = new VerifyingStream(descriptor, { repository: this.root });
    if (size !== descriptor.size) {
      // Fail early, with the same error the stream would give at the end.
      throw new OciError(
        'SIZE_MISMATCH',
        `${path}: expected ${descriptor.size} bytes, the file has ${size}`,
        {
          repository: this.root,
          hint: 'The layout is damaged (or the descriptor is wrong); re-create it.',
        },
      );
    }
    const file = createReadStream(path);
    file.on('error', (err) => verifier.destroy(this.error(`cannot read ${path}`, err)));
    verifier.on('close', () => file.destroy());
    file.pipe(verifier);
    return verifier;
  }

  async fetchManifest(
    reference: string | Descriptor,
    _options: RequestOptions = {},
  ): Promise<FetchedManifest> {
    const desc = typeof reference === 'string' ? await this.resolve(reference) : reference;
    checkDescriptor(desc);
    if (desc.size > MAX_MANIFEST_BYTES) {
      throw new OciError(
        'TOO_LARGE',
        `${desc.digest} is ${desc.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
        { repository: this.root },
      );
    }
    let bytes: Buffer;
    const data = embeddedData(desc);
    if (data) bytes = Buffer.from(data);
    else {
      try {
        bytes = await readFile(this.blobPath(desc.digest));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw notFound(desc.digest, desc.mediaType, this.root);
        throw this.error(`cannot read ${desc.digest}`, err);
      }
    }
    verifyBytes(bytes, desc, { repository: this.root });
    let manifest;
    try {
      manifest = decodeManifest(bytes, isManifestMediaType(desc.mediaType) ? desc.mediaType : undefined);
    } catch (err) {
      if (err instanceof ManifestError) {
        throw new ManifestError(`${this.root}@${desc.digest}: ${err.message}`, {
          repository: this.root,
          field: err.field,
          code: err.code,
          cause: err,
        });
      }
      throw err;
    }
    const descriptor: Descriptor = { ...desc, mediaType: manifestMediaType(manifest) };
    delete descriptor.data;
    if (manifest.artifactType !== undefined) descriptor.artifactType = manifest.artifactType;
    return { descriptor, bytes, manifest };
  }

  async exists(descriptor: Descriptor, _options: RequestOptions = {}): Promise<boolean> {
    checkDescriptor(descriptor);
    return (await statSize(this.blobPath(descriptor.digest))) === descriptor.size;
  }

  async blobSize(digest: string): Promise<number | undefined> {
    return statSize(this.blobPath(digest));
  }

  referrersMode(): 'layout' {
    return 'layout';
  }

  /** Every manifest listed in index.json and reachable from it, scanned once for `subject`. */
  private async referrersMap(): Promise<Map<string, Descriptor[]>> {
    const { index, key } = await this.readIndexFile();
    if (this.scan?.key === key) return this.scan.bySubject;
    const bySubject = new Map<string, Descriptor[]>();
    const seen = new Set<string>();
    const queue = index.manifests.filter((d) => isManifestMediaType(d.mediaType));
    while (queue.length > 0) {
      const d = queue.shift()!;
      if (seen.has(d.digest)) continue;
      seen.add(d.digest);
      let fetched: FetchedManifest;
      try {
        fetched = await this.fetchManifest(d);
      } catch (err) {
        // A partial layout (e.g. one platform of an index) is normal: skip what is not there.
        if (hasCode(err, 'MANIFEST_UNKNOWN', 'BLOB_UNKNOWN')) continue;
        throw err;
      }
      const m = fetched.manifest;
      if (m.subject) {
        const list = bySubject.get(m.subject.digest) ?? [];
        list.push(referrerDescriptor(fetched.descriptor, m));
        bySubject.set(m.subject.digest, list);
      }
      if (isIndex(m)) queue.push(...m.manifests.filter((c) => isManifestMediaType(c.mediaType)));
    }
    this.scan = { key, bySubject };
    return bySubject;
  }

  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    checkDescriptor(subject);
    const map = await this.referrersMap();
    return dedupeDescriptors(filterByArtifactType(map.get(subject.digest) ?? [], options.artifactType));
  }

  async *tags(options: TagsOptions = {}): AsyncIterable<string> {
    const { index } = await this.readIndexFile();
    const tags = new Set<string>();
    for (const d of index.manifests) {
      const t = d.annotations?.[Annotations.RefName];
      if (t !== undefined) tags.add(t);
    }
    for (const t of [...tags].sort()) {
      if (options.last !== undefined && t <= options.last) continue;
      yield t;
    }
  }

  // ---- writing ---------------------------------------------------------------------------------

  async push(
    descriptor: Descriptor,
    content: Readable | Uint8Array,
    _options: RequestOptions = {},
  ): Promise<void> {
    checkDescriptor(descriptor);
    const path = this.blobPath(descriptor.digest);
    const isManifest = isManifestMediaType(descriptor.mediaType);
    // Manifests are small (≤ 4 MiB): take them whole, so they are validated before anything is written.
    if (isManifest && !(content instanceof Uint8Array))
      content = await readAllCapped(content, MAX_MANIFEST_BYTES);
    if (isManifest && content instanceof Uint8Array) {
      // Validate before writing: the layout must hold only manifests we can read back.
      verifyBytes(content, descriptor, { repository: this.root });
      decodeManifest(content, descriptor.mediaType);
    }
    if ((await statSize(path)) === descriptor.size) {
      if (!(content instanceof Uint8Array)) content.destroy();
    } else {
      await this.writeBlob(descriptor, content, path);
    }
    if (isManifest) {
      await this.updateIndex((manifests) => {
        if (manifests.some((d) => d.digest === descriptor.digest)) return undefined;
        const entry: Descriptor = {
          mediaType: descriptor.mediaType,
          digest: descriptor.digest,
          size: descriptor.size,
        };
        if (descriptor.artifactType !== undefined) entry.artifactType = descriptor.artifactType;
        if (descriptor.platform !== undefined) entry.platform = descriptor.platform;
        return [...manifests, entry];
      });
    }
  }

  private async writeBlob(
    descriptor: Descriptor,
    content: Readable | Uint8Array,
    path: string,
  ): Promise<void> {
    const dir = join(this.root, 'blobs', parseDigest(descriptor.digest).algorithm);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      const source = content instanceof Uint8Array ? Readable.from([Buffer.from(content)]) : content;
      await pipeline(
        source,
        new VerifyingStream(descriptor, { repository: this.root }),
        createWriteStream(tmp, { flush: true }),
      );
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    this.scan = undefined;
  }

  async tag(descriptor: Descriptor, tag: string, _options: RequestOptions = {}): Promise<void> {
    checkDescriptor(descriptor);
    validateTag(tag);
    if ((await statSize(this.blobPath(descriptor.digest))) !== descriptor.size && !descriptor.data) {
      throw notFound(descriptor.digest, descriptor.mediaType, this.root);
    }
    await this.updateIndex((manifests) => {
      const kept = manifests.filter(
        (d) =>
          d.annotations?.[Annotations.RefName] !== tag &&
          // the untagged entry for the same manifest is replaced by the tagged one (as oras does)
          !(d.digest === descriptor.digest && d.annotations?.[Annotations.RefName] === undefined),
      );
      const entry: Descriptor = {
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
      };
      if (descriptor.artifactType !== undefined) entry.artifactType = descriptor.artifactType;
      if (descriptor.platform !== undefined) entry.platform = descriptor.platform;
      entry.annotations = { ...descriptor.annotations, [Annotations.RefName]: tag };
      return [...kept, entry];
    });
  }

  /** Removes a tag; the manifest stays (listed untagged, so its referrers remain discoverable). */
  async untag(tag: string): Promise<void> {
    await this.updateIndex((manifests) => {
      const hit = manifests.find((d) => d.annotations?.[Annotations.RefName] === tag);
      if (!hit) throw notFound(`tag ${JSON.stringify(tag)}`, undefined, this.root);
      const rest = manifests.filter((d) => d.annotations?.[Annotations.RefName] !== tag);
      if (!rest.some((d) => d.digest === hit.digest)) rest.push(this.withoutRefName(hit));
      return rest;
    });
  }

  async delete(descriptor: Descriptor, _options: RequestOptions = {}): Promise<void> {
    checkDescriptor(descriptor);
    const path = this.blobPath(descriptor.digest);
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw notFound(descriptor.digest, descriptor.mediaType, this.root);
      throw this.error(`cannot delete ${path}`, err);
    }
    this.scan = undefined;
    await this.updateIndex((manifests) => {
      const rest = manifests.filter((d) => d.digest !== descriptor.digest);
      return rest.length === manifests.length ? undefined : rest;
    });
  }
}
