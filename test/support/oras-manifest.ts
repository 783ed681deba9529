/**
 * The manifest `oras push REF DIR/` writes, for fixtures that build it without the oras CLI: the
 * empty config, and per directory one tar+gzip layer holding `DIR/…`, titled DIR and marked for
 * unpacking (`io.deis.oras.content.unpack`), so `oras pull` and our pull both extract it.
 */
import { createHash } from 'node:crypto';

export const EMPTY_CONFIG = Buffer.from('{}');

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export const EMPTY_CONFIG_DESCRIPTOR = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: sha256(EMPTY_CONFIG),
  size: EMPTY_CONFIG.byteLength,
};

export interface OrasLayer {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

/** A directory layer: `dir` as title, the digest of the uncompressed tar when known. */
export function orasDirectoryLayer(
  dir: string,
  gzip: { digest: string; size: number },
  tarDigest?: string,
): OrasLayer {
  return {
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest: gzip.digest,
    size: gzip.size,
    annotations: {
      ...(tarDigest ? { 'io.deis.oras.content.digest': tarDigest } : {}),
      'io.deis.oras.content.unpack': 'true',
      'org.opencontainers.image.title': dir,
    },
  };
}

/** The manifest's bytes and descriptor, ready to push. */
export function orasManifest(layers: OrasLayer[]): {
  bytes: Buffer;
  descriptor: { mediaType: string; digest: string; size: number };
} {
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      artifactType: 'application/vnd.unknown.artifact.v1',
      config: { ...EMPTY_CONFIG_DESCRIPTOR, data: EMPTY_CONFIG.toString('base64') },
      layers,
    }),
  );
  return { bytes, descriptor: { mediaType, digest: sha256(bytes), size: bytes.byteLength } };
}
