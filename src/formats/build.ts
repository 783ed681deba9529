// Builders for the format we write (TEP-0193 plus our grouping choices; docs/formats.md). Pure:
// they return bytes, descriptors and tags; a writer (push, test fixtures) uploads them.

import { createHash } from 'node:crypto';
import { expandTagPattern } from '../config/tag-pattern.js';
import {
  Annotations,
  EMPTY_JSON,
  MediaType,
  manifestMediaType,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from '../oci/types.js';
import * as C from './constants.js';

export interface BuiltBlob {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

export interface BuiltManifest<M = ImageManifest | ImageIndex> {
  manifest: M;
  /** The exact bytes to push (their sha256 is `descriptor.digest`). */
  bytes: Uint8Array;
  descriptor: Descriptor;
  /** Suggested tag (already sanitised). */
  tag: string;
  /** Blobs to push before the manifest (config, empty blob). File layers are the caller's. */
  blobs: BuiltBlob[];
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

const EMPTY_BYTES = new TextEncoder().encode('{}');
const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: MediaType.OciEmpty,
  digest: EMPTY_JSON.digest,
  size: EMPTY_JSON.size,
  data: 'e30=',
};

function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function finish<M extends ImageManifest | ImageIndex>(
  manifest: M,
  tag: string,
  blobs: BuiltBlob[],
): BuiltManifest<M> {
  const bytes = encode(manifest);
  return {
    manifest,
    bytes,
    descriptor: {
      mediaType: manifestMediaType(manifest),
      digest: sha256Digest(bytes),
      size: bytes.byteLength,
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
      ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
    },
    tag,
    blobs,
  };
}

/** Drops undefined/empty values so annotation maps (and so digests) are deterministic. */
function annotations(entries: Array<[string, string | undefined]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** Descriptor of a manifest as a subject: mediaType, digest and size only. */
function subjectOf(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

export interface RootInput {
  namespace: string;
  pipelineRun: string;
  pipelineRunUid?: string;
  pipeline?: string;
  /** RFC 3339; the PipelineRun's creation time keeps the root reproducible for one run. */
  created: string;
  /** Default: ROOT_TAG_PATTERN "{{namespace}}.{{pipelinerun}}". */
  tagPattern?: string;
}

/**
 * The PipelineRun root: an OCI image index with no children and artifactType
 * application/vnd.tekton.artifact.pipelinerun.v1. Immutable once pushed: TaskRun references point
 * at it as `subject`, so nothing is ever added to it; discovery goes through the referrers API
 * (or the `sha256-<hex>` fallback tag).
 */
export function buildRootManifestJSON(input: RootInput): BuiltManifest<ImageIndex> {
  const manifest: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    artifactType: C.TEKTON_PIPELINERUN_ARTIFACT_TYPE,
    manifests: [],
    annotations: annotations([
      [C.ANNOTATION_PIPELINERUN, input.pipelineRun],
      [C.ANNOTATION_NAMESPACE, input.namespace],
      [C.ANNOTATION_PIPELINE, input.pipeline],
      [C.ANNOTATION_PIPELINERUN_UID, input.pipelineRunUid],
      [C.ANNOTATION_CREATED, input.created],
    ]),
  };
  const tag = expandTagPattern(input.tagPattern ?? C.ROOT_TAG_PATTERN, {
    namespace: input.namespace,
    pipelinerun: input.pipelineRun,
  });
  return finish(manifest, tag, []);
}

export interface TaskRunReferenceInput {
  namespace: string;
  pipelineRun: string;
  taskRun: string;
  taskRunUid?: string;
  /** Pipeline task name. */
  task?: string;
  created: string;
  /** The root's descriptor (from buildRootManifestJSON or resolved from the registry). */
  root: Descriptor;
  /** Default: TASKRUN_REFERENCE_TAG_PATTERN "{{namespace}}.{{pipelinerun}}.{{taskrun}}". */
  tagPattern?: string;
}

/**
 * A TaskRun reference: an image manifest with artifactType
 * application/vnd.tekton.artifact.taskrun.v1, the empty config and one empty layer (OCI 1.1
 * artifact guidance), and `subject` = the PipelineRun root.
 */
export function buildTaskRunReferenceJSON(input: TaskRunReferenceInput): BuiltManifest<ImageManifest> {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: C.TEKTON_TASKRUN_ARTIFACT_TYPE,
    config: { mediaType: MediaType.OciEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size },
    layers: [EMPTY_DESCRIPTOR],
    subject: subjectOf(input.root),
    annotations: annotations([
      [C.ANNOTATION_TASKRUN, input.taskRun],
      [C.ANNOTATION_PIPELINERUN, input.pipelineRun],
      [C.ANNOTATION_NAMESPACE, input.namespace],
      [C.ANNOTATION_TASK, input.task],
      [C.ANNOTATION_TASKRUN_UID, input.taskRunUid],
      [C.ANNOTATION_CREATED, input.created],
    ]),
  };
  const tag = expandTagPattern(input.tagPattern ?? C.TASKRUN_REFERENCE_TAG_PATTERN, {
    namespace: input.namespace,
    pipelinerun: input.pipelineRun,
    taskrun: input.taskRun,
  });
  return finish(manifest, tag, [{ descriptor: { ...EMPTY_DESCRIPTOR }, bytes: EMPTY_BYTES }]);
}

export interface ArtifactFileInput {
  /** org.opencontainers.image.title: the artifact name for single files (TEP), else the file name. */
  title: string;
  digest: string;
  size: number;
  /** Default application/octet-stream; archives get application/vnd.tekton.artifact.tar+gzip. */
  mediaType?: string;
  archive?: 'tar+gzip';
}

export interface ArtifactInput {
  name: string;
  namespace: string;
  taskRun: string;
  pipelineRun?: string;
  /** Pipeline task name. */
  task?: string;
  buildOutput?: boolean;
  created: string;
  /** Content type recorded in the config blob (the declared mediaType, or detected). */
  contentType?: string;
  files: ArtifactFileInput[];
  /** The TaskRun reference (grouped), or the build output (referrer variant). */
  subject?: Descriptor;
  /** Default DEFAULT_ARTIFACT_TAG_PATTERN "{{namespace}}.{{taskrun}}.{{artifact}}". */
  tagPattern?: string;
  /** Extra manifest annotations (e.g. dev.tekton.artifact/git-sha); ours win on conflict. */
  extraAnnotations?: Record<string, string>;
}

/**
 * An artifact manifest per TEP-0164 §"OCI Artifact Format" with TEP-0193's artifactType: the
 * Tekton config blob, one layer per file (one raw file, or one tar+gzip archive with
 * dev.tekton.artifact/archive), the dev.tekton.artifact/* annotations, and an optional subject.
 */
export function buildArtifactManifestJSON(input: ArtifactInput): BuiltManifest<ImageManifest> {
  const config = {
    created: input.created,
    artifact: {
      name: input.name,
      taskrun: input.taskRun,
      ...(input.pipelineRun ? { pipelinerun: input.pipelineRun } : {}),
      namespace: input.namespace,
      buildOutput: input.buildOutput === true,
      ...(input.contentType ? { contentType: input.contentType } : {}),
    },
  };
  const configBytes = encode(config);
  const configDescriptor: Descriptor = {
    mediaType: MediaType.TektonArtifactConfig,
    digest: sha256Digest(configBytes),
    size: configBytes.byteLength,
  };
  const layers: Descriptor[] = input.files.map((f) => ({
    mediaType: f.mediaType ?? (f.archive ? MediaType.TektonArtifactTarGzip : 'application/octet-stream'),
    digest: f.digest,
    size: f.size,
    annotations: annotations([
      [Annotations.Title, f.title],
      [C.ANNOTATION_ARCHIVE, f.archive],
    ]),
  }));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: MediaType.TektonArtifact,
    config: configDescriptor,
    layers: layers.length > 0 ? layers : [EMPTY_DESCRIPTOR],
    ...(input.subject ? { subject: subjectOf(input.subject) } : {}),
    annotations: {
      ...(input.extraAnnotations ?? {}),
      ...annotations([
        [C.ANNOTATION_NAME, input.name],
        [C.ANNOTATION_TASKRUN, input.taskRun],
        [C.ANNOTATION_PIPELINERUN, input.pipelineRun],
        [C.ANNOTATION_NAMESPACE, input.namespace],
        [C.ANNOTATION_TASK, input.task],
        [C.ANNOTATION_BUILD_OUTPUT, input.buildOutput ? 'true' : undefined],
        [C.ANNOTATION_CREATED, input.created],
      ]),
    },
  };
  const tag = expandTagPattern(input.tagPattern ?? C.DEFAULT_ARTIFACT_TAG_PATTERN, {
    namespace: input.namespace,
    ...(input.pipelineRun ? { pipelinerun: input.pipelineRun } : {}),
    taskrun: input.taskRun,
    artifact: input.name,
  });
  const blobs: BuiltBlob[] = [{ descriptor: configDescriptor, bytes: configBytes }];
  if (layers.length === 0) blobs.push({ descriptor: { ...EMPTY_DESCRIPTOR }, bytes: EMPTY_BYTES });
  return finish(manifest, tag, blobs);
}
