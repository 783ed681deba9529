// Media types, artifactTypes and annotation keys of every producer we read, and of the format we
// write (TEP-0193 plus our choices where it is silent). docs/formats.md explains each choice.

// --- OCI ---------------------------------------------------------------------------------------
// OCI and Docker media types, the empty descriptor, and the image-spec annotations are src/oci's
// (MediaType, EMPTY_JSON, Annotations in src/oci/types.ts); only what producers add is here.

/** Pre-1.1 artifact type annotation, still written by the prototype controller. */
export const OCI_ANNOTATION_ARTIFACT_TYPE_LEGACY = 'org.opencontainers.artifact.type';
export const OCI_ANNOTATION_IMAGE_ARTIFACT_TYPE = 'org.opencontainers.image.artifact.type';

// --- TEP-0164 / TEP-0193 (what we write) ------------------------------------------------------

/** Our choice (the TEPs name no type for the grouping manifests): the PipelineRun root index. */
export const TEKTON_PIPELINERUN_ARTIFACT_TYPE = 'application/vnd.tekton.artifact.pipelinerun.v1';
/** Our choice: the per-TaskRun reference manifest, a referrer of the root. */
export const TEKTON_TASKRUN_ARTIFACT_TYPE = 'application/vnd.tekton.artifact.taskrun.v1';

export const TEKTON_ANNOTATION_PREFIX = 'dev.tekton.artifact/';
export const ANNOTATION_NAME = 'dev.tekton.artifact/name';
export const ANNOTATION_TASKRUN = 'dev.tekton.artifact/taskrun';
export const ANNOTATION_PIPELINERUN = 'dev.tekton.artifact/pipelinerun';
export const ANNOTATION_NAMESPACE = 'dev.tekton.artifact/namespace';
export const ANNOTATION_BUILD_OUTPUT = 'dev.tekton.artifact/build-output';
export const ANNOTATION_CREATED = 'dev.tekton.artifact/created';
/** Layer annotation: the layer is an archive to extract (value "tar+gzip"). */
export const ANNOTATION_ARCHIVE = 'dev.tekton.artifact/archive';
/** Pipeline task name (tekton-experiments attach-artifacts; we write it too). */
export const ANNOTATION_TASK = 'dev.tekton.artifact/task';
/** tekton-experiments attach-artifacts. */
export const ANNOTATION_GIT_SHA = 'dev.tekton.artifact/git-sha';
/** Ours: the Pipeline name on a root, when known. */
export const ANNOTATION_PIPELINE = 'dev.tekton.artifact/pipeline';
/** Ours: UIDs tell a re-created run with the same name from the old one. */
export const ANNOTATION_PIPELINERUN_UID = 'dev.tekton.artifact/pipelinerun-uid';
export const ANNOTATION_TASKRUN_UID = 'dev.tekton.artifact/taskrun-uid';

export const ARCHIVE_TAR_GZIP = 'tar+gzip';

/** Default tag of artifact manifests (TEP-0193, and DefaultTagPattern of the later implementation). */
export const DEFAULT_ARTIFACT_TAG_PATTERN = '{{namespace}}.{{taskrun}}.{{artifact}}';
/** Our choice: the root of a PipelineRun. */
export const ROOT_TAG_PATTERN = '{{namespace}}.{{pipelinerun}}';
/** Our choice: a TaskRun reference (tagged so registry GC that drops untagged referrers keeps it). */
export const TASKRUN_REFERENCE_TAG_PATTERN = '{{namespace}}.{{pipelinerun}}.{{taskrun}}';

// --- Prototype controller (vdemeester/tektoncd-pipeline tep-0164-artifact-transport) ----------

export const PROTOTYPE_ANNOTATION_NAME = 'tekton.dev/artifact.name';
export const PROTOTYPE_ANNOTATION_TASK = 'tekton.dev/artifact.task';
export const PROTOTYPE_ANNOTATION_URI = 'tekton.dev/artifact.uri';
export const PROTOTYPE_ANNOTATION_PREFIX = 'tekton.dev/artifact.';
/** TaskRun annotation holding the resolved inputs as JSON. */
export const PROTOTYPE_INPUTS_ANNOTATION = 'tekton.dev/artifact-inputs';
/** Result (termination-message key) prefix: `artifact-<name>` = URI. */
export const PROTOTYPE_RESULT_PREFIX = 'artifact-';

// --- tekton-experiments (PoC) -----------------------------------------------------------------

export const EXPERIMENTS_IMAGES_TYPE = 'application/vnd.tekton.artifact.images.v1+json';
export const EXPERIMENTS_JUNIT_TYPE = 'application/vnd.tekton.artifact.junit.v1+xml';
export const EXPERIMENTS_COVERAGE_TYPE = 'application/vnd.tekton.artifact.coverage.v1';
export const EXPERIMENTS_DOCS_TYPE = 'application/vnd.tekton.artifact.docs.v1+gzip';
export const SPDX_JSON_MEDIA_TYPE = 'application/spdx+json';
/** Superseded "bundle" variant's config media type. */
export const EXPERIMENTS_BUNDLE_CONFIG_MEDIA_TYPE = 'application/vnd.tekton.build-artifact.v1+json';
export const EXPERIMENTS_ARTIFACT_TYPES: readonly string[] = [
  EXPERIMENTS_IMAGES_TYPE,
  EXPERIMENTS_JUNIT_TYPE,
  EXPERIMENTS_COVERAGE_TYPE,
  EXPERIMENTS_DOCS_TYPE,
];

// --- oras defaults (Konflux trusted artifacts, tekton-experiments StepActions) ----------------

/** oras 1.0 default config media type (image-spec 1.0 packing). */
export const ORAS_UNKNOWN_CONFIG_MEDIA_TYPE = 'application/vnd.unknown.config.v1+json';
/**
 * The layer media type `oras push <ref> <file>` gives a file when none is named (oras-go's
 * default, the image-spec layer type): create-oci.sh and the StepActions push their tar.gz so.
 */
export const ORAS_DEFAULT_FILE_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar';
/** oras directory layers carry this annotation. */
export const ORAS_UNPACK_ANNOTATION = 'io.deis.oras.content.unpack';

// --- Signatures, attestations, SBOMs ----------------------------------------------------------

export const COSIGN_SIGNATURE_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const COSIGN_ATTESTATION_TYPE = 'application/vnd.dev.cosign.artifact.att.v1+json';
export const COSIGN_SBOM_TYPE = 'application/vnd.dev.cosign.artifact.sbom.v1+json';
export const COSIGN_SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/**
 * cosign keeps the signature of a simplesigning layer (and, keyless, its certificate, chain and
 * Rekor bundle) in the layer's annotations, not in a blob (sigstore/cosign pkg/oci/static).
 */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const COSIGN_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const SIGSTORE_BUNDLE_PREFIX = 'application/vnd.dev.sigstore.bundle';
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';
export const NOTARY_SIGNATURE_TYPE = 'application/vnd.cncf.notary.signature';
export const CYCLONEDX_JSON_MEDIA_TYPE = 'application/vnd.cyclonedx+json';
export const CYCLONEDX_XML_MEDIA_TYPE = 'application/vnd.cyclonedx+xml';
export const SPDX_TEXT_MEDIA_TYPE = 'text/spdx';
/** cosign's SPDX JSON layer type (`cosign attach sbom --type spdxjson`; sigstore/cosign pkg/types). */
export const SPDX_TEXT_JSON_MEDIA_TYPE = 'text/spdx+json';
export const SYFT_JSON_MEDIA_TYPE = 'application/vnd.syft+json';
