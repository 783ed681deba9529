/**
 * The artifact tree of a run: the data every printer reads, and the versioned document that
 * `-o json` and `-o yaml` emit (docs/output-schema.md describes it). Printers never compute;
 * the resolver never prints.
 */

import type { ErrorKind } from '../cli/exit-codes.js';
import type { CosignSignature } from '../formats/cosign.js';

export const TREE_API_VERSION = 'tkn-artifacts.tekton.dev/v1alpha1';

export type Outcome = 'Succeeded' | 'Failed' | 'Running' | 'Cancelled' | 'Unknown';

/** Where an artifact's content stands after resolution. */
export type ArtifactState =
  /** Content found and its manifest/blob digest verified. */
  | 'present'
  /** The status names a digest the store does not have. */
  | 'dangling'
  /** The value is embedded in the status; nothing is stored outside. */
  | 'inline'
  /** A URI we do not resolve (pkg:, https:, …); shown as it was reported. */
  | 'external'
  /** Resolution failed for another reason (access denied, registry unreachable, malformed). */
  | 'error';

export interface FileEntry {
  /** org.opencontainers.image.title, or undefined for untitled layers. */
  title?: string;
  digest: string;
  size: number;
  mediaType: string;
  /** Set when the layer is an archive that pull extracts. */
  archive?: 'tar+gzip' | 'tar';
  /** An oras directory push (`io.deis.oras.content.unpack`): the archive holds `<title>/…`. */
  directory?: true;
  /**
   * A cosign signature layer: the signature (certificate, chain, bundle) its annotations carry;
   * pull writes each beside the payload, for `cosign verify-blob`.
   */
  cosign?: CosignSignature;
}

export interface ReferrerNode {
  digest: string;
  mediaType: string;
  artifactType: string;
  size: number;
  /** What it is, for people: signature, attestation, sbom, tekton-artifact, … */
  kind: string;
  /**
   * Set when it is stored under a tag instead of being listed as a referrer: cosign's default
   * `sha256-<hex>.sig`, `.att` and `.sbom` (what Tekton Chains writes). `kind` is then cosign's
   * type (signature, attestation, sbom) and `artifactType` the one cosign gives the same content
   * as an OCI 1.1 referrer (the tagged manifest has none).
   */
  tag?: string;
  /**
   * The repository the tag is in, when it is not the subject's: cosign writes to the repository
   * `COSIGN_REPOSITORY` names when that is set (and Chains with it).
   */
  repository?: string;
  annotations?: Record<string, string>;
  files: FileEntry[];
  referrers: ReferrerNode[];
  /** Why the referrer could not be read, for people. */
  error?: string;
  /** The same failure typed: what kind (as exit codes name it) and the module's code. */
  failure?: Failure;
}

/** A failure as data: programs act on `kind` (and `code`), people read the node's `error`. */
export interface Failure {
  kind: ErrorKind;
  /** The module's code when the error had one: MANIFEST_UNKNOWN, DENIED, FORBIDDEN, … */
  code?: string;
}

export interface PlatformNode {
  platform: string;
  digest: string;
  size: number;
  mediaType: string;
  /** The platform manifest's own referrers and cosign attachments (an index's are the artifact's). */
  referrers: ReferrerNode[];
}

export interface ArtifactNode {
  name: string;
  direction: 'output' | 'input';
  /** Every producer format that reported this artifact (the same content may be reported twice). */
  producers: string[];
  /** Where in the run object it was reported, e.g. status.results[IMAGES]. */
  reportedAt: string[];
  /** As reported: oci:…, registry/repo@sha256:…, pkg:…, or undefined when inline only. */
  location?: string;
  /** Canonical reference by digest when the content is in a registry or layout. */
  reference?: string;
  digest?: string;
  digestRefersTo?: 'manifest' | 'blob' | 'unknown';
  size?: number;
  mediaType?: string;
  artifactType?: string;
  buildOutput?: boolean;
  inline?: string;
  state: ArtifactState;
  /** True when the producing TaskRun succeeded and the content is present (or inline). */
  usable: boolean;
  files: FileEntry[];
  platforms: PlatformNode[];
  referrers: ReferrerNode[];
  /** Why state is dangling or error, for people. */
  error?: string;
  /** The same failure typed: what kind (as exit codes name it) and the module's code. */
  failure?: Failure;
}

/**
 * The pipeline task of the one entry a root reference that is no run root gets (an image, an
 * index, an artifact named by reference): its content is shown as an artifact, with no TaskRun.
 */
export const NAMED_CONTENT_TASK = '(named by reference)';

export interface TaskRunNode {
  name: string;
  pipelineTask?: string;
  outcome: Outcome;
  reason?: string;
  artifacts: ArtifactNode[];
}

export type ProblemKind =
  /** The status names content the store lacks. */
  | 'dangling'
  /** The store has content of this run that no status mentions. */
  | 'unreported'
  /** Two reports of the same artifact disagree on its digest. */
  | 'digest-conflict'
  /** The store answered with something else than expected, or failed. */
  | 'fetch-error'
  /** A value in a status could not be read (malformed digest, reference). */
  | 'malformed'
  /** The run should have a root artifact (grouped storage) and none was found where it is tagged. */
  | 'root-not-found';

export interface Problem {
  kind: ProblemKind;
  message: string;
  /** For a fetch-error: what kind of failure (as exit codes name it) and the module's code. */
  failure?: Failure;
  taskRun?: string;
  artifact?: string;
  reference?: string;
}

export interface RunInfo {
  kind: 'PipelineRun' | 'TaskRun' | 'Artifact';
  name: string;
  namespace?: string;
  outcome: Outcome;
  reason?: string;
  /** Where the run was read from: cluster, file, registry (root artifact only). */
  source: string;
}

export interface StorageInfo {
  /** The repository the run's artifacts are stored in, from the storage configuration. */
  repository?: string;
  /** The run's root artifact, when one was found. */
  root?: { reference: string; digest: string; foundBy: string };
  /** How the referrers were listed: the OCI 1.1 API or the sha256-<hex> tag schema. */
  referrers?: 'api' | 'tag-schema' | 'layout';
}

export interface ArtifactTree {
  apiVersion: typeof TREE_API_VERSION;
  kind: 'ArtifactTree';
  run: RunInfo;
  storage: StorageInfo;
  taskRuns: TaskRunNode[];
  /** Content of this run found in the store that no TaskRun status mentions. */
  unreported: ArtifactNode[];
  problems: Problem[];
  /**
   * When RUN names one artifact that is no run's root (a Konflux `oci:<repo>@sha256:<blob>` URI):
   * that artifact, with no TaskRuns around it.
   */
  artifact?: ArtifactNode;
}
