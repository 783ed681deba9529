// cosign's default storage (and Tekton Chains'): a subject's signatures, attestations and SBOMs
// are not referrers but manifests tagged `sha256-<hex>.sig`, `.att` and `.sbom` in the subject's
// repository (sigstore/cosign pkg/oci/remote: SignatureTagSuffix "sig", AttestationTagSuffix
// "att", SBOMTagSuffix "sbom"). Not to be confused with the OCI 1.1 referrers fallback tag
// `sha256-<hex>`, which has no suffix. Pure.
import * as C from './constants.js';

export type CosignAttachment = 'signature' | 'attestation' | 'sbom';

/** What cosign stores in a signature layer's annotations: the layer's blob is only the payload. */
export interface CosignSignature {
  /** Base64, as `cosign sign --output-signature` writes it. */
  signature: string;
  /** PEM (keyless signing). */
  certificate?: string;
  chain?: string;
  /** The Rekor bundle, JSON. */
  bundle?: string;
}

/** The signature a layer's annotations carry, or undefined (an attestation's is empty: DSSE holds it). */
export function cosignSignatureOf(annotations: Record<string, string>): CosignSignature | undefined {
  const signature = annotations[C.COSIGN_SIGNATURE_ANNOTATION];
  if (!signature) return undefined;
  const certificate = annotations[C.COSIGN_CERTIFICATE_ANNOTATION];
  const chain = annotations[C.COSIGN_CHAIN_ANNOTATION];
  const bundle = annotations[C.COSIGN_BUNDLE_ANNOTATION];
  return {
    signature,
    ...(certificate ? { certificate } : {}),
    ...(chain ? { chain } : {}),
    ...(bundle ? { bundle } : {}),
  };
}

export interface CosignTag {
  /** The tag: `sha256-<hex>.sig`. */
  tag: string;
  /** What cosign stores under it. */
  kind: CosignAttachment;
  /**
   * The artifactType cosign gives the same content when it writes an OCI 1.1 referrer
   * (`--registry-referrers-mode=oci-1-1`); the tagged manifest itself has none.
   */
  artifactType: string;
}

const SUFFIXES: readonly { suffix: string; kind: CosignAttachment; artifactType: string }[] = [
  { suffix: 'sig', kind: 'signature', artifactType: C.COSIGN_SIGNATURE_TYPE },
  { suffix: 'att', kind: 'attestation', artifactType: C.COSIGN_ATTESTATION_TYPE },
  { suffix: 'sbom', kind: 'sbom', artifactType: C.COSIGN_SBOM_TYPE },
];

/** The tags cosign would store attachments of `digest` under (`algorithm:hex` → `algorithm-hex.sig`, …). */
export function cosignTagsOf(digest: string): CosignTag[] {
  const colon = digest.indexOf(':');
  if (colon <= 0) return [];
  const base = `${digest.slice(0, colon)}-${digest.slice(colon + 1)}`;
  return SUFFIXES.map(({ suffix, kind, artifactType }) => ({ tag: `${base}.${suffix}`, kind, artifactType }));
}
