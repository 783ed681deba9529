/**
 * Where each selected file goes on disk, and how (written as it is, or extracted). Pure: the
 * layout and every name check happen here, before a byte is fetched, so a hostile title fails
 * the pull before anything is written.
 *
 * Layout, relative to the output directory:
 *   <task>/<artifact>/<title>      a raw layer, under its org.opencontainers.image.title
 *   <task>/<artifact>/             the one archive of a single-archive artifact, extracted
 *   <task>/<artifact>/<stem>/      an archive among several layers, extracted (title minus .tar.gz)
 *   <task>/<artifact>/<dir>/       an oras directory layer among several: its <dir>/… entries, as oras pull
 *   <task>/<artifact>/<artifact>   an inline value, or an untitled blob (Konflux) with --raw
 * A single artifact pulled by reference has neither level: its files land in the output directory
 * itself, as `oras pull -o DIR` writes them (a lone archive extracted into DIR, as Konflux's
 * use-oci.sh does with `tar -C DIR`).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { CosignSignature } from '../formats/cosign.js';
import type { ArtifactNode, FileEntry, Outcome } from '../tree/model.js';
import { UnsafeArchiveError } from './errors.js';
import {
  MARKER_FILE,
  alwaysRefused,
  checkEntryPath,
  checkSegmentName,
  isWithin,
  joinSegments,
} from './paths.js';
import { isArtifactProblem, problemOf, type PullProblem } from './problems.js';
import type { Candidate, SkippedArtifact } from './select.js';

export interface PlanOptions {
  /** Keep archives as they are instead of extracting them. */
  raw: boolean;
  /** Let titles leave the artifact's directory (a producer the user trusts). */
  allowPathTraversal: boolean;
}

export type PlannedSource =
  | { kind: 'blob'; repository: string; descriptor: { mediaType: string; digest: string; size: number } }
  | { kind: 'inline'; bytes: Buffer };

export interface PlannedFile {
  task?: string;
  artifact: string;
  /** The artifact's reference (`repository@digest`), for messages and the report. */
  reference?: string;
  usable: boolean;
  /** The producing TaskRun's outcome, when one is known. */
  outcome?: Outcome;
  source: PlannedSource;
  digest: string;
  size: number;
  mediaType: string;
  title?: string;
  /** `file`: written as it is; `extract`: an archive unpacked into the directory `path`. */
  action: 'file' | 'extract';
  archive?: 'tar+gzip' | 'tar';
  /**
   * For an oras directory layer extracted into `path` = `<artifact>/<dir>`: the archive's entries
   * are `<dir>/…`, and only what lies below `<dir>/` is extracted (with it taken off).
   */
  prefix?: string;
  /**
   * Relative to the output directory, POSIX. Only with --allow-path-traversal can it start with
   * `../` or be absolute.
   */
  path: string;
  /** The artifact's own directory (relative; `.` for a single artifact), where its files go. */
  artifactDir: string;
}

/** What every file of one artifact carries. */
type PlannedBase = Pick<
  PlannedFile,
  'task' | 'artifact' | 'reference' | 'usable' | 'outcome' | 'artifactDir'
>;

export interface Plan {
  files: PlannedFile[];
  skipped: SkippedArtifact[];
  /** Artifacts refused while planning (a name that cannot be a path): nothing of them is fetched. */
  failed: PullProblem[];
  firstError?: unknown;
}

/** Konflux trusted artifacts and the StepActions push tar.gz blobs and hand out `oci:<repo>@<blob>`. */
function isTarballBlob(node: ArtifactNode): boolean {
  if (node.digestRefersTo !== 'blob') return false;
  if (node.producers.includes('konflux-trusted-artifact') || node.producers.includes('stepaction'))
    return true;
  const location = node.location ?? '';
  return location.startsWith('oci:') && !location.startsWith('oci://');
}

/** The archive kind of a file, for pull: what the tree says, plus the producers' conventions. */
export function archiveOf(
  node: ArtifactNode,
  file: FileEntry,
  files: number,
): 'tar+gzip' | 'tar' | undefined {
  if (file.archive) return file.archive;
  if (isTarballBlob(node)) return 'tar+gzip';
  // The prototype controller always pushed one untitled tar.gz layer per output.
  if (node.producers.includes('prototype') && files === 1 && file.title === undefined) return 'tar+gzip';
  return undefined;
}

/**
 * An oras directory layer (`oras push ref ./dir`): tar+gzip holding `<dir>/…`, marked by oras's
 * unpack annotation (the tree carries it as `directory`).
 */
export function isOrasDirectory(file: FileEntry): boolean {
  return file.archive === 'tar+gzip' && file.directory === true && file.title !== undefined;
}

/** A path inside an artifact's directory (`.`: the output directory itself). */
function inArtifactDir(artifactDir: string, name: string): string {
  return artifactDir === '.' ? name : `${artifactDir}/${name}`;
}

function stripArchiveExtension(title: string): string {
  return title.replace(/\.(tar\.gz|tgz|tar)$/i, '') || title;
}

function repositoryOf(reference: string): string {
  const at = reference.lastIndexOf('@');
  return at > 0 ? reference.slice(0, at) : reference;
}

/** Digest of an inline value as written (UTF-8), so re-runs can compare like any file. */
function inlineDigest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Plans one artifact. Throws UnsafeArchiveError when a name or title would leave the destination
 * (or two layers would write the same path): refused before anything is fetched.
 */
export function planArtifact(candidate: Candidate, options: PlanOptions): Plan {
  const { node, task } = candidate;
  const where = node.reference ?? node.location ?? `${task ? `${task}/` : ''}${node.name}`;
  for (const [what, name] of [
    ['task', task],
    ['artifact', node.name],
  ] as const) {
    if (name === undefined) continue;
    const problem = checkSegmentName(name);
    if (problem)
      throw new UnsafeArchiveError(
        `${what} name of ${where}`,
        name,
        `${problem}: it cannot be a directory name`,
        'Names come from the TaskRun status or the registry, and pull writes no directory under a name it refuses (whatever the flags); nothing of this artifact was written. Fix the name where it is produced.',
      );
  }
  // A single artifact (pulled by reference) goes where oras pull puts it: the output directory.
  const artifactDir = task === undefined ? '.' : `${task}/${node.name}`;
  const base: PlannedBase = {
    ...(task !== undefined ? { task } : {}),
    artifact: node.name,
    ...(node.reference !== undefined ? { reference: node.reference } : {}),
    usable: node.usable,
    ...(candidate.outcome !== undefined ? { outcome: candidate.outcome } : {}),
    artifactDir,
  };
  const plan: Plan = { files: [], skipped: [], failed: [] };

  if (node.state === 'inline') {
    const bytes = Buffer.from(node.inline ?? '', 'utf8');
    plan.files.push({
      ...base,
      source: { kind: 'inline', bytes },
      digest: inlineDigest(bytes),
      size: bytes.byteLength,
      mediaType: node.mediaType ?? 'text/plain',
      action: 'file',
      path: inArtifactDir(artifactDir, node.name),
    });
    return plan;
  }

  const repository = repositoryOf(node.reference ?? '');
  const blobAddressed = node.digestRefersTo === 'blob';
  const usable = node.files.filter((file) => {
    if (file.title !== undefined || blobAddressed || archiveOf(node, file, node.files.length)) return true;
    plan.skipped.push({
      ...(task !== undefined ? { task } : {}),
      artifact: node.name,
      state: 'untitled',
      reason: `layer ${file.digest} has no title (org.opencontainers.image.title); like oras pull, untitled layers are skipped`,
      ...(node.reference !== undefined ? { reference: node.reference } : {}),
      digest: file.digest,
    });
    return false;
  });
  if (usable.length === 0 && node.files.length > 0) {
    // Every layer untitled: almost always a container image, which pull is not for.
    plan.skipped = [
      {
        ...(task !== undefined ? { task } : {}),
        artifact: node.name,
        state: 'untitled',
        reason:
          'no layer has a title: a container image? Pull images with a container tool (oras copy, crane, skopeo)',
        ...(node.reference !== undefined ? { reference: node.reference } : {}),
      },
    ];
    return plan;
  }

  for (const file of usable)
    plan.files.push(
      ...planLayer({ node, file, layers: usable.length, where, repository, artifactDir, base }, options),
    );
  checkOverlaps(plan.files, where);
  return plan;
}

/** One layer of an artifact: where it lands and how, with what cosign's annotations add beside it. */
function planLayer(
  layer: {
    node: ArtifactNode;
    file: FileEntry;
    /** How many layers of the artifact pull writes. */
    layers: number;
    where: string;
    repository: string;
    artifactDir: string;
    base: PlannedBase;
  },
  options: PlanOptions,
): PlannedFile[] {
  const { node, file, where, repository, artifactDir, base } = layer;
  const archive = archiveOf(node, file, layer.layers);
  const extract = archive !== undefined && !options.raw;
  // Alone, the layer is extracted into the artifact's directory, where its <dir>/… lands as
  // oras pull puts it; among others, into <dir> itself, taking <dir>/ off its entries.
  const orasDirectory = extract && layer.layers > 1 && isOrasDirectory(file);
  let name: string;
  if (orasDirectory) name = file.title as string;
  else if (extract) name = layer.layers === 1 ? '.' : stripArchiveExtension(file.title ?? node.name);
  else name = file.title ?? (archive === 'tar+gzip' ? `${node.name}.tar.gz` : node.name);
  const source = `layer ${file.digest} of ${where}`;
  let path: string;
  let prefix: string | undefined;
  const check = name === '.' ? { ok: true as const, segments: [] } : checkEntryPath(name);
  if (check.ok) {
    if (orasDirectory) prefix = joinSegments(check.segments);
    if (check.segments.length === 0 && !extract)
      throw new UnsafeArchiveError(source, name, 'names the artifact directory itself, not a file in it');
    if (check.segments.length === 1 && check.segments[0] === MARKER_FILE)
      throw new UnsafeArchiveError(
        source,
        name,
        `is ${MARKER_FILE}, the name pull keeps for its marker file`,
      );
    path =
      check.segments.length === 0 ? artifactDir : inArtifactDir(artifactDir, joinSegments(check.segments));
  } else if (options.allowPathTraversal && !alwaysRefused(name)) {
    // Trusted producer: the title is taken as written, relative to the artifact's directory.
    path = name.startsWith('/') ? posix.normalize(name) : posix.normalize(inArtifactDir(artifactDir, name));
  } else {
    throw new UnsafeArchiveError(source, name, check.reason);
  }
  const planned: PlannedFile = {
    ...base,
    source: {
      kind: 'blob',
      repository,
      descriptor: { mediaType: file.mediaType, digest: file.digest, size: file.size },
    },
    digest: file.digest,
    size: file.size,
    mediaType: file.mediaType,
    ...(file.title !== undefined ? { title: file.title } : {}),
    action: extract ? 'extract' : 'file',
    ...(archive !== undefined ? { archive } : {}),
    ...(prefix !== undefined && prefix !== '.' ? { prefix } : {}),
    path,
  };
  return file.cosign && !extract ? [planned, ...cosignCompanions(file.cosign, path, base)] : [planned];
}

/**
 * A cosign signature's payload is the layer; the signature, and for keyless signing the
 * certificate, chain and Rekor bundle, are the layer's annotations. Each is written beside the
 * payload under the names `cosign sign --output-*` users pass, so that
 * `cosign verify-blob --signature P.sig [--certificate P.pem] P` checks what was pulled.
 */
function cosignCompanions(cosign: CosignSignature, path: string, base: PlannedBase): PlannedFile[] {
  const parts: [suffix: string, text: string | undefined, mediaType: string][] = [
    ['.sig', cosign.signature, 'text/plain'],
    ['.pem', cosign.certificate, 'application/x-pem-file'],
    ['.chain.pem', cosign.chain, 'application/x-pem-file'],
    ['.bundle', cosign.bundle, 'application/json'],
  ];
  return parts.flatMap(([suffix, text, mediaType]) => {
    if (text === undefined) return [];
    const bytes = Buffer.from(text, 'utf8');
    return [
      {
        ...base,
        source: { kind: 'inline', bytes },
        digest: inlineDigest(bytes),
        size: bytes.byteLength,
        mediaType,
        action: 'file',
        path: `${path}${suffix}`,
      },
    ];
  });
}

/** Two layers writing the same path, or one inside the other's extracted directory, is refused. */
function checkOverlaps(files: PlannedFile[], where: string): void {
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const a = files[i] as PlannedFile;
      const b = files[j] as PlannedFile;
      if (a.path === b.path || isWithin(a.path, b.path) || isWithin(b.path, a.path)) {
        throw new UnsafeArchiveError(
          `layers ${a.digest} and ${b.digest} of ${where}`,
          b.title ?? b.path,
          `would be written over ${a.title ?? a.path}: two layers of one artifact claim the same path`,
          'Nothing was written. Pull with --raw to keep the layers as they are, or fix the producer.',
        );
      }
    }
  }
}

/** Plans every selected artifact; an unsafe name refuses its artifact, not the others. */
export function planPull(candidates: Candidate[], options: PlanOptions): Plan {
  const plan: Plan = { files: [], skipped: [], failed: [] };
  for (const candidate of candidates) {
    let one: Plan;
    try {
      one = planArtifact(candidate, options);
    } catch (error) {
      if (!isArtifactProblem(error)) throw error;
      const { task, node } = candidate;
      plan.failed.push(
        problemOf(
          {
            ...(task !== undefined ? { task } : {}),
            artifact: node.name,
            ...(node.reference !== undefined ? { reference: node.reference } : {}),
          },
          error,
        ),
      );
      // The first refusal's error, for a pull that has nothing else to do (it is thrown whole).
      plan.firstError ??= error;
      continue;
    }
    plan.files.push(...one.files);
    plan.skipped.push(...one.skipped);
  }
  return plan;
}
