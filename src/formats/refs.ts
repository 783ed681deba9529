// What the formats module finds in a run: artifact references and warnings about malformed values.

export type Producer =
  'tep0164' | 'tep0147' | 'prototype' | 'konflux-trusted-artifact' | 'stepaction' | 'chains-type-hint';

/**
 * What a digest identifies in the registry: a manifest (`repo@digest` resolves), a blob (Konflux
 * and StepAction `oci:` URIs carry the tarball layer's digest), or unknown (TEP-0164 StorageRef
 * digests equal to the content digest, generic artifacts): the tree tries manifest, then blob.
 */
export type DigestRefersTo = 'manifest' | 'blob' | 'unknown';

export interface RefOwner {
  kind: 'TaskRun' | 'PipelineRun';
  name: string;
  namespace?: string;
  pipelineTaskName?: string;
}

export interface ArtifactRef {
  /** Artifact or result name (TEP-0147 artifact name, result name, or derived: "IMAGE" for IMAGE_URL). */
  name: string;
  /** The first producer that reported it. */
  producer: Producer;
  /** Every producer that reported the same location+digest (deduplicated). */
  producers: Producer[];
  /** Where in the object, e.g. "status.artifacts.outputs[0].values[1]". */
  path: string;
  /** Every path it was found at (first = `path`). */
  paths: string[];
  /** Other names the same artifact was reported under. */
  aliases?: string[];
  direction: 'output' | 'input';
  /** As written: "oci:quay.io/x/y@sha256:…", "registry/repo:tag", "oci://…". */
  location?: string;
  /** "<alg>:<hex>" */
  digest?: string;
  digestRefersTo: DigestRefersTo;
  size?: number;
  inline?: string;
  mediaType?: string;
  buildOutput?: boolean;
  /** Non-OCI URIs (pkg:github/…, git URLs) kept as written; also the TEP-0147 uri next to a ref. */
  uri?: string;
  /** TEP-0164 StorageRef backend (oci, s3, gcs, azure, pvc). */
  backend?: string;
  /** The step whose status carried it (status.steps[].outputs / results). */
  step?: string;
  owner: RefOwner;
  /** For PipelineRun-level refs: the TaskRun refs that are the same artifact. */
  sameAs?: Array<{ taskRun: string; path: string }>;
}

export interface FormatWarning {
  path: string;
  message: string;
  producer?: Producer;
  /** The offending value, shortened. */
  value?: string;
  owner?: RefOwner;
}

export interface Extraction {
  refs: ArtifactRef[];
  warnings: FormatWarning[];
}
