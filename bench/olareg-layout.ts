/**
 * Seeds an olareg repository by writing its storage directly, for benches that need tens of
 * thousands of manifests: olareg rewrites a repository's whole index.json on every push, so
 * seeding through the API is quadratic (1,000 gc runs, 7,000 manifests, took 519 s).
 *
 * olareg (v0.2.1, internal/store/dir.go) stores each repository as an OCI image layout under its
 * `--dir`: `oci-layout`, `blobs/sha256/<hex>` and `index.json`. It reads index.json when the
 * repository is first asked for, and serves a manifest only if index.json lists its digest (as a
 * top-level entry or a child of a listed index). Referrers are not computed per request: each
 * subject's referrers response is itself a stored OCI index blob, listed in index.json with the
 * annotation `org.olareg.referrer.subject` = the subject's digest, and the index carries
 * `org.olareg.referrer.convert: "true"` (without it olareg converts `sha256-<hex>` fallback tags
 * on load, and answers the referrers API with 404 until then). Each response entry is the
 * referrer's descriptor with its artifactType (or config media type) and annotations pulled up,
 * as olareg's own push builds it (types.ManifestReferrerDescriptor). Tags are index.json entries
 * annotated `org.opencontainers.image.ref.name`.
 *
 * Every manifest and blob written here is real and digest-correct; the writer only skips the
 * registry's per-push index rewrite.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltManifest } from '../src/formats/build.js';
import { digestOf, MediaType, type Descriptor } from '../src/oci/types.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const REFERRER_SUBJECT = 'org.olareg.referrer.subject';
const REFERRER_CONVERT = 'org.olareg.referrer.convert';

interface ParsedManifest {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string };
  subject?: { digest: string };
  annotations?: Record<string, string>;
}

export class OlaregRepositoryWriter {
  private readonly blobsDir: string;
  private readonly written = new Set<string>();
  /** index.json's entries, in push order (one per tag; untagged manifests once). */
  private readonly entries: Descriptor[] = [];
  /** Each subject's referrers response, as olareg would have built it. */
  private readonly referrers = new Map<string, Descriptor[]>();

  /** `dataDir` is olareg's `--dir`; `repository` a path below it (`bench/referrers`). */
  constructor(
    dataDir: string,
    readonly repository: string,
  ) {
    this.dir = join(dataDir, repository);
    this.blobsDir = join(this.dir, 'blobs', 'sha256');
    mkdirSync(this.blobsDir, { recursive: true });
  }

  private readonly dir: string;

  /** Writes a blob under its digest (once). */
  blob(bytes: Uint8Array, digest = digestOf(bytes)): string {
    if (!this.written.has(digest)) {
      writeFileSync(join(this.blobsDir, digest.slice('sha256:'.length)), bytes);
      this.written.add(digest);
    }
    return digest;
  }

  /** Writes a built manifest, its config and empty blobs, lists it (under `tag` if given) and files it as a referrer of its subject. */
  manifest(built: BuiltManifest, tag?: string): Descriptor {
    for (const b of built.blobs) this.blob(b.bytes, b.descriptor.digest);
    return this.raw(built.bytes, built.descriptor.mediaType, tag);
  }

  /** Writes manifest bytes as they are (`mediaType` is the manifest's own). */
  raw(bytes: Uint8Array, mediaType: string, tag?: string): Descriptor {
    const digest = this.blob(bytes);
    const descriptor: Descriptor = { mediaType, digest, size: bytes.byteLength };
    this.entries.push(tag ? { ...descriptor, annotations: { [REF_NAME]: tag } } : descriptor);
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as ParsedManifest;
    if (parsed.subject?.digest) {
      const artifactType = parsed.artifactType ?? parsed.config?.mediaType;
      const entry: Descriptor = {
        ...descriptor,
        ...(artifactType ? { artifactType } : {}),
        ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
      };
      const list = this.referrers.get(parsed.subject.digest) ?? [];
      list.push(entry);
      this.referrers.set(parsed.subject.digest, list);
    }
    return descriptor;
  }

  /** Writes the referrers responses, index.json and oci-layout. Call once, before olareg reads the repository. */
  finish(): { manifests: number; subjects: number } {
    const index: Descriptor[] = [...this.entries];
    for (const [subject, manifests] of this.referrers) {
      const bytes = new TextEncoder().encode(
        JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }),
      );
      index.push({
        mediaType: MediaType.OciIndex,
        digest: this.blob(bytes),
        size: bytes.byteLength,
        annotations: { [REFERRER_SUBJECT]: subject },
      });
    }
    writeFileSync(join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      join(this.dir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: index,
        annotations: { [REFERRER_CONVERT]: 'true' },
      }),
    );
    return { manifests: this.entries.length, subjects: this.referrers.size };
  }
}

/**
 * Starts layout-registry.ts on `dataDir` in its own process (the same Node and tsx as the bench);
 * resolves with its host once it listens.
 */
export async function startLayoutRegistry(dataDir: string): Promise<{ host: string; stop: () => void }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const tsx = join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsx, join(here, 'layout-registry.ts'), dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const host = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\S+)/.exec(out);
      if (match) done(match[1] as string);
    });
    child.on('exit', (code) => fail(new Error(`layout-registry.ts exited with ${code}`)));
  });
  return { host, stop: () => void child.kill() };
}
