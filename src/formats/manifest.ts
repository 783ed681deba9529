// Classifies an OCI manifest or index (decoded by src/oci, so well-formed) by who wrote it and
// what role it plays in a run's artifact tree. Pure; the caller fetched the manifest (and,
// optionally, the config blob).

import {
  Annotations,
  MediaType,
  isIndex as isIndexManifest,
  type Descriptor,
  type Manifest,
} from '../oci/types.js';
import * as C from './constants.js';
import { cosignSignatureOf, type CosignSignature } from './cosign.js';
import { isRecord, str } from '../json/guards.js';

export type ManifestProducer =
  /** Our grouping manifests and TEP-0193 artifacts (artifactType application/vnd.tekton.artifact.v1). */
  | 'tep0193'
  /** TEP-0164 artifacts: Tekton config media type / dev.tekton.artifact annotations, no artifactType. */
  | 'tep0164'
  | 'prototype'
  | 'tekton-experiments'
  /** Plain `oras push` (Konflux trusted artifacts and tekton-experiments StepActions look like this). */
  | 'oras'
  | 'cosign'
  | 'sigstore'
  | 'notary'
  | 'in-toto'
  | 'sbom'
  | 'image'
  | 'unknown';

export type ManifestRole = 'pipelinerun-root' | 'taskrun-reference' | 'artifact' | 'unknown';

export type ManifestKind =
  | 'tekton-artifact'
  | 'tekton-grouping'
  | 'signature'
  | 'attestation'
  | 'sbom'
  | 'image'
  | 'image-index'
  | 'generic-artifact'
  | 'unknown';

export interface ManifestFile {
  title?: string;
  digest: string;
  size: number;
  mediaType: string;
  archive?: 'tar+gzip';
  /** oras's `io.deis.oras.content.unpack`: a directory pushed by `oras push`, holding `<title>/…`. */
  directory?: true;
  /** A cosign signature layer's signature (and certificate, chain, bundle), from its annotations. */
  cosign?: CosignSignature;
}

export interface ManifestClassification {
  producer: ManifestProducer;
  role: ManifestRole;
  kind: ManifestKind;
  /** Human label: "cosign signature", "SPDX SBOM", "Tekton artifact", "PipelineRun root"… */
  label: string;
  mediaType: string;
  /** artifactType, else config.mediaType (what the referrers API reports). */
  artifactType?: string;
  artifactName?: string;
  taskRun?: string;
  pipelineRun?: string;
  namespace?: string;
  /** Pipeline task name (dev.tekton.artifact/task, prototype tekton.dev/artifact.task). */
  task?: string;
  pipeline?: string;
  buildOutput?: boolean;
  created?: string;
  gitSha?: string;
  /** Prototype: tekton.dev/artifact.uri. */
  uri?: string;
  /** Content type from the Tekton config blob. */
  contentType?: string;
  subject?: Descriptor;
  files: ManifestFile[];
  /** For indexes: their children. */
  manifests?: Descriptor[];
  annotations: Record<string, string>;
  descriptor?: { digest: string; size: number };
}

/** The Tekton config blob (TEP-0164): { created, artifact: { name, taskrun, … } }. */
export interface TektonArtifactConfig {
  created?: string;
  artifact?: {
    name?: string;
    taskrun?: string;
    pipelinerun?: string;
    namespace?: string;
    buildOutput?: boolean;
    contentType?: string;
  };
}

export function parseArtifactConfig(config: unknown): TektonArtifactConfig | undefined {
  if (!isRecord(config)) return undefined;
  const a = isRecord(config.artifact) ? config.artifact : undefined;
  const created = str(config.created);
  return {
    ...(created ? { created } : {}),
    ...(a
      ? {
          artifact: {
            ...(str(a.name) ? { name: str(a.name) } : {}),
            ...(str(a.taskrun) ? { taskrun: str(a.taskrun) } : {}),
            ...(str(a.pipelinerun) ? { pipelinerun: str(a.pipelinerun) } : {}),
            ...(str(a.namespace) ? { namespace: str(a.namespace) } : {}),
            ...(typeof a.buildOutput === 'boolean' ? { buildOutput: a.buildOutput } : {}),
            ...(str(a.contentType) ? { contentType: str(a.contentType) } : {}),
          },
        }
      : {}),
  };
}

function isSbomType(t: string): boolean {
  return (
    t === C.SPDX_JSON_MEDIA_TYPE ||
    t === C.SPDX_TEXT_MEDIA_TYPE ||
    t === C.SPDX_TEXT_JSON_MEDIA_TYPE ||
    t === C.CYCLONEDX_JSON_MEDIA_TYPE ||
    t === C.CYCLONEDX_XML_MEDIA_TYPE ||
    t === C.SYFT_JSON_MEDIA_TYPE ||
    t === C.COSIGN_SBOM_TYPE
  );
}

function sbomLabel(t: string): string {
  if (t.includes('spdx')) return 'SPDX SBOM';
  if (t.includes('cyclonedx')) return 'CycloneDX SBOM';
  if (t.includes('syft')) return 'Syft SBOM';
  return 'SBOM';
}

function fileOf(layer: Descriptor): ManifestFile | undefined {
  if (layer.mediaType === MediaType.OciEmpty) return undefined; // the empty descriptor is no file
  const a = layer.annotations ?? {};
  const title = a[Annotations.Title];
  const directory = a[C.ORAS_UNPACK_ANNOTATION] === 'true' && layer.mediaType === MediaType.OciLayerGzip;
  const archive =
    directory ||
    a[C.ANNOTATION_ARCHIVE] === C.ARCHIVE_TAR_GZIP ||
    layer.mediaType === MediaType.TektonArtifactTarGzip ||
    (title !== undefined && /\.(tar\.gz|tgz)$/.test(title));
  const cosign = cosignSignatureOf(a);
  return {
    ...(title ? { title } : {}),
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    ...(archive ? { archive: 'tar+gzip' as const } : {}),
    ...(directory ? { directory: true as const } : {}),
    ...(cosign ? { cosign } : {}),
  };
}

/**
 * Who wrote a manifest and what it is. `manifest` is decoded (src/oci's decodeManifest);
 * `options.config` the parsed config blob when the caller fetched it (fills Tekton metadata that
 * annotations lack).
 */
export function classifyManifest(
  manifest: Manifest,
  options: { descriptor?: { digest: string; size: number }; config?: unknown } = {},
): ManifestClassification {
  const facts = manifestFacts(manifest, options);
  // In order: the first producer whose marks the manifest carries names it.
  return (
    classifyTektonGrouping(facts) ??
    classifyTektonArtifact(facts) ??
    classifyAttachment(facts) ??
    classifyGeneric(facts)
  );
}

/** What the classifiers read of one manifest, worked out once. */
interface ManifestFacts {
  /** The fields every classification carries. */
  base: Pick<
    ManifestClassification,
    'mediaType' | 'artifactType' | 'subject' | 'files' | 'manifests' | 'annotations' | 'descriptor'
  >;
  tekton: ReturnType<typeof tektonMetadata>;
  isIndex: boolean;
  /** The manifest's own artifactType (an empty one counts as none). */
  explicitType: string | undefined;
  /** artifactType, else config.mediaType. */
  artifactType: string | undefined;
  config: Descriptor | undefined;
  layerTypes: string[];
  files: ManifestFile[];
  annotations: Record<string, string>;
  hasTektonAnnotations: boolean;
}

function manifestFacts(
  manifest: Manifest,
  options: { descriptor?: { digest: string; size: number }; config?: unknown },
): ManifestFacts {
  const isIndex = isIndexManifest(manifest);
  const mediaType = manifest.mediaType ?? (isIndex ? MediaType.OciIndex : MediaType.OciManifest);
  const config = isIndex ? undefined : manifest.config;
  const layers = isIndex ? [] : manifest.layers;
  const manifests = isIndex ? manifest.manifests : undefined;
  const subject = manifest.subject;
  const annotations = manifest.annotations ?? {};
  const explicitType = manifest.artifactType === '' ? undefined : manifest.artifactType;
  const artifactType = explicitType ?? config?.mediaType;
  const files = layers.map(fileOf).filter((f): f is ManifestFile => f !== undefined);
  return {
    base: {
      mediaType,
      ...(artifactType ? { artifactType } : {}),
      ...(subject ? { subject } : {}),
      files,
      ...(manifests ? { manifests } : {}),
      annotations,
      ...(options.descriptor ? { descriptor: options.descriptor } : {}),
    },
    tekton: tektonMetadata(annotations, parseArtifactConfig(options.config)),
    isIndex,
    explicitType,
    artifactType,
    config,
    layerTypes: layers.map((l) => l.mediaType),
    files,
    annotations,
    hasTektonAnnotations: Object.keys(annotations).some((k) => k.startsWith(C.TEKTON_ANNOTATION_PREFIX)),
  };
}

/** Our grouping manifests, and tekton-experiments' typed referrers and bundles. */
function classifyTektonGrouping(facts: ManifestFacts): ManifestClassification | undefined {
  const { base, tekton, explicitType, config, files, hasTektonAnnotations } = facts;
  // 1. Our grouping manifests.
  if (explicitType === C.TEKTON_PIPELINERUN_ARTIFACT_TYPE) {
    return {
      ...base,
      ...tekton,
      producer: 'tep0193',
      role: 'pipelinerun-root',
      kind: 'tekton-grouping',
      label: 'PipelineRun root',
    };
  }
  if (explicitType === C.TEKTON_TASKRUN_ARTIFACT_TYPE) {
    return {
      ...base,
      ...tekton,
      producer: 'tep0193',
      role: 'taskrun-reference',
      kind: 'tekton-grouping',
      label: 'TaskRun reference',
    };
  }
  // 2. tekton-experiments attach-artifacts (typed referrers with dev.tekton.artifact annotations).
  //    Its SPDX attachments count too when they carry our annotations.
  const experimentsSbom = explicitType === C.SPDX_JSON_MEDIA_TYPE && hasTektonAnnotations;
  if (explicitType && (C.EXPERIMENTS_ARTIFACT_TYPES.includes(explicitType) || experimentsSbom)) {
    return {
      ...base,
      ...tekton,
      ...(tekton.artifactName ? {} : files[0]?.title ? { artifactName: files[0].title } : {}),
      producer: 'tekton-experiments',
      role: 'artifact',
      kind: experimentsSbom ? 'sbom' : 'tekton-artifact',
      label: experimentsSbom
        ? 'SPDX SBOM (Tekton artifact)'
        : `Tekton artifact (${explicitType.replace('application/vnd.tekton.artifact.', '').replace(/\.v1.*$/, '')})`,
    };
  }
  if (config?.mediaType === C.EXPERIMENTS_BUNDLE_CONFIG_MEDIA_TYPE) {
    return {
      ...base,
      ...tekton,
      producer: 'tekton-experiments',
      role: 'artifact',
      kind: 'tekton-artifact',
      label: 'Tekton build-artifact bundle',
    };
  }
  return undefined;
}

/** TEP-0164/TEP-0193 artifacts and the prototype controller's. */
function classifyTektonArtifact(facts: ManifestFacts): ManifestClassification | undefined {
  const { base, tekton, explicitType, config, files, annotations, hasTektonAnnotations } = facts;
  // 3. TEP-0164 / TEP-0193 artifacts.
  if (
    explicitType === MediaType.TektonArtifact ||
    config?.mediaType === MediaType.TektonArtifactConfig ||
    (hasTektonAnnotations && (tekton.artifactName !== undefined || tekton.taskRun !== undefined))
  ) {
    const isPrototype = Object.keys(annotations).some((k) => k.startsWith(C.PROTOTYPE_ANNOTATION_PREFIX));
    return {
      ...base,
      ...tekton,
      ...(tekton.artifactName ? {} : files[0]?.title ? { artifactName: files[0].title } : {}),
      producer:
        isPrototype && !hasTektonAnnotations
          ? 'prototype'
          : explicitType === MediaType.TektonArtifact
            ? 'tep0193'
            : 'tep0164',
      role: 'artifact',
      kind: 'tekton-artifact',
      label: isPrototype && !hasTektonAnnotations ? 'Tekton artifact (prototype)' : 'Tekton artifact',
    };
  }
  // 4. The prototype controller's referrers (tekton.dev/artifact.* annotations).
  if (Object.keys(annotations).some((k) => k.startsWith(C.PROTOTYPE_ANNOTATION_PREFIX))) {
    const declared =
      annotations[C.OCI_ANNOTATION_IMAGE_ARTIFACT_TYPE] ?? annotations[C.OCI_ANNOTATION_ARTIFACT_TYPE_LEGACY];
    return {
      ...base,
      ...tekton,
      ...(!base.artifactType && declared ? { artifactType: declared } : {}),
      producer: 'prototype',
      role: 'artifact',
      kind: 'tekton-artifact',
      label: 'Tekton artifact (prototype)',
    };
  }
  return undefined;
}

/** Signatures, attestations and SBOMs, whoever attached them. */
function classifyAttachment(facts: ManifestFacts): ManifestClassification | undefined {
  const { base, explicitType, config, layerTypes } = facts;
  // 5. Signatures, attestations, SBOMs: named by artifactType, else by layer media types
  //    (cosign's tag-schema .sig/.att/.sbom manifests have none).
  const types = [explicitType, config?.mediaType, ...layerTypes].filter((t): t is string => !!t);
  if (types.includes(C.NOTARY_SIGNATURE_TYPE)) {
    return { ...base, producer: 'notary', role: 'unknown', kind: 'signature', label: 'notary signature' };
  }
  if (types.some((t) => t.startsWith(C.SIGSTORE_BUNDLE_PREFIX))) {
    return { ...base, producer: 'sigstore', role: 'unknown', kind: 'attestation', label: 'sigstore bundle' };
  }
  if (explicitType === C.COSIGN_SIGNATURE_TYPE || layerTypes.includes(C.COSIGN_SIMPLESIGNING_MEDIA_TYPE)) {
    return { ...base, producer: 'cosign', role: 'unknown', kind: 'signature', label: 'cosign signature' };
  }
  if (
    explicitType === C.COSIGN_ATTESTATION_TYPE ||
    explicitType === C.DSSE_ENVELOPE_MEDIA_TYPE ||
    layerTypes.includes(C.DSSE_ENVELOPE_MEDIA_TYPE)
  ) {
    return {
      ...base,
      producer: 'cosign',
      role: 'unknown',
      kind: 'attestation',
      label: 'in-toto attestation (DSSE)',
    };
  }
  if (explicitType === C.IN_TOTO_MEDIA_TYPE || layerTypes.includes(C.IN_TOTO_MEDIA_TYPE)) {
    return {
      ...base,
      producer: 'in-toto',
      role: 'unknown',
      kind: 'attestation',
      label: 'in-toto attestation',
    };
  }
  const sbomType = types.find(isSbomType);
  if (sbomType) {
    return {
      ...base,
      producer: sbomType === C.COSIGN_SBOM_TYPE ? 'cosign' : 'sbom',
      role: 'unknown',
      kind: 'sbom',
      label: sbomLabel(
        sbomType === C.COSIGN_SBOM_TYPE ? (layerTypes.find(isSbomType) ?? sbomType) : sbomType,
      ),
    };
  }
  return undefined;
}

/** oras pushes, images, and what nothing above names. */
function classifyGeneric(facts: ManifestFacts): ManifestClassification {
  const { base, isIndex, explicitType, artifactType, config, files } = facts;
  // 6. Plain oras pushes: Konflux trusted artifacts, tekton-experiments create-oci-artifact.
  if (
    explicitType === MediaType.UnknownArtifact ||
    config?.mediaType === C.ORAS_UNKNOWN_CONFIG_MEDIA_TYPE ||
    (config?.mediaType === MediaType.OciEmpty &&
      files.length > 0 &&
      files.every((f) => f.title !== undefined))
  ) {
    return {
      ...base,
      ...(files[0]?.title ? { artifactName: files[0].title } : {}),
      producer: 'oras',
      role: 'artifact',
      kind: 'generic-artifact',
      label: 'oras artifact',
    };
  }
  // 7. Images and indexes.
  if (isIndex) {
    return { ...base, producer: 'image', role: 'unknown', kind: 'image-index', label: 'image index' };
  }
  if (config?.mediaType === MediaType.OciConfig || config?.mediaType === MediaType.DockerConfig) {
    return { ...base, producer: 'image', role: 'unknown', kind: 'image', label: 'image' };
  }
  if (explicitType || config) {
    return {
      ...base,
      producer: 'unknown',
      role: 'unknown',
      kind: 'generic-artifact',
      label: artifactType ?? 'artifact',
    };
  }
  return { ...base, producer: 'unknown', role: 'unknown', kind: 'unknown', label: 'unknown' };
}

function tektonMetadata(
  a: Record<string, string>,
  cfg: TektonArtifactConfig | undefined,
): Pick<
  ManifestClassification,
  | 'artifactName'
  | 'taskRun'
  | 'pipelineRun'
  | 'namespace'
  | 'task'
  | 'pipeline'
  | 'buildOutput'
  | 'created'
  | 'gitSha'
  | 'uri'
  | 'contentType'
> {
  const artifactName = a[C.ANNOTATION_NAME] ?? a[C.PROTOTYPE_ANNOTATION_NAME] ?? cfg?.artifact?.name;
  const taskRun = a[C.ANNOTATION_TASKRUN] ?? cfg?.artifact?.taskrun;
  const pipelineRun = a[C.ANNOTATION_PIPELINERUN] ?? cfg?.artifact?.pipelinerun;
  const namespace = a[C.ANNOTATION_NAMESPACE] ?? cfg?.artifact?.namespace;
  const task = a[C.ANNOTATION_TASK] ?? a[C.PROTOTYPE_ANNOTATION_TASK];
  const pipeline = a[C.ANNOTATION_PIPELINE];
  const bo = a[C.ANNOTATION_BUILD_OUTPUT];
  const buildOutput = bo !== undefined ? bo.toLowerCase() === 'true' : cfg?.artifact?.buildOutput;
  const created = a[C.ANNOTATION_CREATED] ?? cfg?.created ?? a[Annotations.Created];
  const gitSha = a[C.ANNOTATION_GIT_SHA];
  const uri = a[C.PROTOTYPE_ANNOTATION_URI];
  const contentType = cfg?.artifact?.contentType;
  return {
    ...(artifactName ? { artifactName } : {}),
    ...(taskRun ? { taskRun } : {}),
    ...(pipelineRun ? { pipelineRun } : {}),
    ...(namespace ? { namespace } : {}),
    ...(task ? { task } : {}),
    ...(pipeline ? { pipeline } : {}),
    ...(buildOutput !== undefined ? { buildOutput } : {}),
    ...(created ? { created } : {}),
    ...(gitSha ? { gitSha } : {}),
    ...(uri ? { uri } : {}),
    ...(contentType ? { contentType } : {}),
  };
}

/**
 * Build-output variant: referrers of a build output image belong to a run when their
 * dev.tekton.artifact/pipelinerun (and namespace, when both sides know it) match. Works on
 * referrers-API descriptors, which carry the manifest's annotations.
 */
export function referrerBelongsToRun(
  descriptor: { annotations?: Record<string, string> },
  run: { pipelineRun: string; namespace?: string },
): boolean {
  const a = descriptor.annotations ?? {};
  if (a[C.ANNOTATION_PIPELINERUN] !== run.pipelineRun) return false;
  const ns = a[C.ANNOTATION_NAMESPACE];
  return ns === undefined || run.namespace === undefined || ns === run.namespace;
}
