// TA201–TA206: results that cannot fit through the cluster's result transport. Pure.
//
// With results-from: termination-message (the default), each step's results travel in its
// container's termination message, as the JSON the entrypoint writes:
// [{"key":"StartedAt",…,"type":3},{"key":"NAME","value":"…","type":1}]. Tekton refuses more than
// 4096 bytes (pkg/termination/write.go, MaxContainerTerminationMessageLength), and the kubelet
// cuts every container's message to 12288 / (containers + init containers) bytes
// (pkg/kubelet/status/status_manager.go, normalizeStatus). Tekton's Pod has a container per
// step and sidecar, the `prepare` init container, `place-scripts` when a step or sidecar has a
// script, and `working-dir-initializer` for relative or /workspace/ working dirs
// (pkg/pod/pod.go, workingdir_init.go). With enable-termination-message-compression, Tekton
// compresses the message when that makes it smaller, which content of unknown entropy may not.
// With sidecar-logs, each result may be up to max-result-size, and the TaskRun (where results
// are stored) must stay under the 1.5 MiB object size limit.

import { rawFlag, type ConfigSnapshot } from '../config.js';
import { formatBytes } from '../../units/sizes.js';
import {
  ANNOTATION_IMAGE_COUNT,
  ANNOTATION_MAX_SIZE_PREFIX,
  resultDecls,
  resultsWrittenBy,
  steps,
  type ResultDecl,
  type TaskSpecView,
} from '../spec.js';
import type { RawFinding } from '../types.js';
import { isRecord, list, str } from '../../json/guards.js';

const TERMINATION_MESSAGE_PER_STEP = 4096;
const TERMINATION_MESSAGE_PER_TASKRUN = 12288;
/** etcd's object limit, which Tekton also applies to max-result-size. */
const OBJECT_SIZE_LIMIT = 1572864;
/** `[`, `]` and the StartedAt entry (an RFC 3339 timestamp with nanoseconds) every step writes. */
const STEP_FRAMING = 72;
/** `{"key":"","value":"","type":1},` around each result. */
function entryFraming(name: string): number {
  return 32 + name.length;
}

/** Below this per-result limit an SBOM is not worth trying: SPDX documents of small images are tens of KiB. */
const SBOM_TYPICAL_SIZE = 32 * 1024;
/** A typical image reference (registry/org/name) before its "@sha256:<64 hex>" and a separator. */
const TYPICAL_IMAGE_NAME = 50;
const DIGEST_SUFFIX = '@sha256:'.length + 64;
/** A newline separator is written "\n" (two bytes) in the JSON of a termination message. */
const SEPARATOR = 2;

const SBOM_NAME = /sbom|spdx|cyclonedx/i;
/** Results that name or point at an SBOM rather than hold one (Konflux: SBOM_BLOB_URL). */
const SBOM_POINTER = /(url|uri|digest|ref|reference|path|count|sha|id|blob|image|location|oci)$/i;
/** A description that says the result names the SBOM rather than holds it. */
const POINTER_DESCRIPTION = /\b(url|uri|reference|digest|location|pull ?spec|pointer)\b/i;

/**
 * Whether the steps only ever write a short value into the result (`echo -n "$IMAGE_URL" >
 * $(results.SBOM.path)`, printf of a variable or parameter), never a document (cat, syft, jq…).
 */
function writtenAsPointer(view: TaskSpecView, name: string): boolean {
  let writes = 0;
  for (const step of steps(view)) {
    const script = typeof step.value.script === 'string' ? step.value.script : '';
    for (const line of script.split('\n')) {
      if (!line.includes(`results.${name}.path`) && !line.includes(`results["${name}"].path`)) continue;
      writes++;
      if (!/^\s*(echo|printf)\b[^|]*?(\$\{?[A-Za-z_]|\$\(params\.|"[^"]{0,200}"|'[^']{0,200}')/.test(line))
        return false;
      if (/\$\((cat|syft|jq|curl)\b/.test(line)) return false;
    }
  }
  return writes > 0;
}

/** The Pod Tekton builds for a Task: how many containers share the kubelet's 12288 bytes. */
export interface PodShape {
  containers: number;
  /** "3 steps, the prepare and place-scripts init containers". */
  describe: string;
  /** min(4096, 12288 / containers): what one container's termination message keeps. */
  budget: number;
}

const KUBELET_POD_MESSAGES = 12288;

function podShape(view: TaskSpecView): PodShape {
  const stepList = steps(view);
  const sidecars = list(view.spec.sidecars).filter(isRecord);
  const scripted = [...stepList.map((s) => s.value), ...sidecars].some(
    (c) => typeof c.script === 'string' && c.script !== '',
  );
  const workingDir = stepList.some((s) => {
    const wd = s.value.workingDir;
    return typeof wd === 'string' && wd !== '' && (!wd.startsWith('/') || wd.startsWith('/workspace/'));
  });
  const init = [
    'prepare',
    ...(scripted ? ['place-scripts'] : []),
    ...(workingDir ? ['working-dir-initializer'] : []),
  ];
  const containers = Math.max(1, stepList.length) + sidecars.length + init.length;
  const parts = [
    `${stepList.length} step${stepList.length === 1 ? '' : 's'}`,
    ...(sidecars.length > 0 ? [`${sidecars.length} sidecar${sidecars.length === 1 ? '' : 's'}`] : []),
    `the ${init.join(' and ')} init container${init.length === 1 ? '' : 's'}`,
  ];
  return {
    containers,
    describe: `${containers} containers (${parts.join(', ')})`,
    budget: Math.min(TERMINATION_MESSAGE_PER_STEP, Math.floor(KUBELET_POD_MESSAGES / containers)),
  };
}

export interface ResultLimits {
  mode: 'termination-message' | 'sidecar-logs';
  /** enable-termination-message-compression: sizes are upper bounds, not verdicts. */
  compressed: boolean;
  /** The most one result can hold. */
  perResult(name: string): number;
  /** All results of a TaskRun, framing included. */
  perTaskRun: number;
  /** "results-from: termination-message" or "results-from: sidecar-logs, max-result-size 8192". */
  describe: string;
}

function resultLimits(snapshot: ConfigSnapshot, pod?: PodShape): ResultLimits {
  const flags = snapshot.featureFlags.flags;
  if (flags.resultsFrom === 'sidecar-logs') {
    const max = flags.maxResultSize;
    const from = snapshot.featureFlags.set['max-result-size'] !== undefined ? '' : ', the default';
    return {
      mode: 'sidecar-logs',
      compressed: false,
      perResult: () => max,
      perTaskRun: OBJECT_SIZE_LIMIT,
      describe: `results-from: sidecar-logs with max-result-size ${max} bytes${from}`,
    };
  }
  const budget = pod?.budget ?? TERMINATION_MESSAGE_PER_STEP;
  const compressed = rawFlag(snapshot, 'enable-termination-message-compression', false);
  return {
    mode: 'termination-message',
    compressed,
    perResult: (name) => budget - STEP_FRAMING - entryFraming(name),
    perTaskRun: TERMINATION_MESSAGE_PER_TASKRUN,
    describe: `results-from: termination-message, ${pod ? `${pod.describe} sharing the kubelet's ${KUBELET_POD_MESSAGES} bytes: ${budget} bytes per container` : `${budget} bytes per container`}${compressed ? ', compression on' : ''}`,
  };
}

function sized(r: ResultDecl): r is ResultDecl & { name: string; size: { bytes: number } } {
  return r.name !== undefined && r.size?.bytes !== undefined && r.type !== 'external';
}

/**
 * @param proposed whether the proposed artifact API is served: where it is not, a `maxSize`
 * field is itself an error (TA507) and declares nothing; our annotation still does.
 */
export function checkResults(view: TaskSpecView, snapshot: ConfigSnapshot, proposed = true): RawFinding[] {
  const pod = podShape(view);
  const limits = resultLimits(snapshot, pod);
  // Compressed messages may fit: an estimate, not a verdict.
  const severity = limits.compressed ? { severity: 'warning' as const } : {};
  // Hints never recommend what the target release rejects: artifacts with external storage and
  // maxSize exist only where the proposed artifact API is served.
  const store = proposed
    ? 'store the content as an artifact (with external storage)'
    : 'push the content to a registry (oras push, cosign attach)';
  const out: RawFinding[] = [];
  const results = resultDecls(view).map((r) =>
    proposed || r.size?.via === undefined || r.size.via.startsWith('tkn-artifacts')
      ? r
      : { ...r, size: undefined },
  );
  const declared = results.filter(sized);

  for (const r of declared) {
    const max = limits.perResult(r.name);
    if (r.size.bytes <= max) continue;
    const why =
      limits.mode === 'termination-message'
        ? `with ${limits.describe}, a step's results share its container's termination message, which leaves at most ${max} bytes for ${q(r.name)}${limits.compressed ? ' uncompressed' : ''}`
        : `over the ${max} bytes a result may hold with ${limits.describe}`;
    out.push({
      ruleId: 'TA201',
      ...severity,
      path: r.size.path,
      message: `${view.label} declares result ${q(r.name)} of ${formatBytes(r.size.bytes)} (${r.size.via}); ${why}`,
      hint:
        limits.mode === 'termination-message'
          ? `${store} and return its URI and digest, or switch the cluster to results-from: sidecar-logs with a larger max-result-size`
          : `${store} and return its URI and digest, or raise max-result-size (below 1572864)`,
    });
  }

  if (limits.mode === 'termination-message') {
    const bySize = new Map(declared.map((r) => [r.name, r.size.bytes]));
    for (const step of steps(view)) {
      const written = [...resultsWrittenBy(step)].filter((n) => bySize.has(n));
      if (written.length < 2) continue;
      const total =
        STEP_FRAMING + written.reduce((sum, n) => sum + (bySize.get(n) ?? 0) + entryFraming(n), 0);
      if (total <= pod.budget) continue;
      const parts = written.map((n) => `${q(n)} (${formatBytes(bySize.get(n) ?? 0)})`).join(', ');
      out.push({
        ruleId: 'TA202',
        ...severity,
        path: step.name !== undefined ? [...step.path, 'name'] : step.path,
        message: `step ${q(step.name ?? `#${step.index + 1}`)} of ${view.label} writes results ${parts}: ${total} bytes with Tekton's framing, over the ${pod.budget} bytes its container's termination message keeps (${pod.describe}: min(4096, 12288 / ${pod.containers}))${limits.compressed ? '; compression on, so this holds only if the content does not compress' : ''}`,
        hint: 'write these results from different steps, make them smaller, or use results-from: sidecar-logs',
      });
    }
  }

  // With termination messages the per-container budget above already bounds the Pod's total
  // (containers × budget ≤ 12288); the TaskRun limit matters for sidecar logs.
  if (declared.length > 1 && limits.mode === 'sidecar-logs') {
    const total = declared.reduce((sum, r) => sum + r.size.bytes, 0);
    if (total > limits.perTaskRun) {
      out.push({
        ruleId: 'TA203',
        ...severity,
        path: [...view.path, 'results'],
        at: 'key',
        message: `${view.label} declares results totalling ${formatBytes(total)}, over the ${formatBytes(OBJECT_SIZE_LIMIT)} a TaskRun object can hold (results-from: sidecar-logs stores them in the TaskRun)`,
        hint: store.replace('the content', 'the largest results'),
      });
    }
  }

  for (const r of results) {
    if (r.name === undefined || r.size !== undefined || r.type === 'external') continue;
    const max = limits.perResult(r.name);
    const description = typeof r.entry.description === 'string' ? r.entry.description : '';
    const pointer =
      SBOM_POINTER.test(r.name) || POINTER_DESCRIPTION.test(description) || writtenAsPointer(view, r.name);
    if (SBOM_NAME.test(r.name) && !pointer && max < SBOM_TYPICAL_SIZE) {
      out.push({
        ruleId: 'TA204',
        path: [...r.path, 'name'],
        message: `${view.label}: result ${q(r.name)} looks like an SBOM; SBOMs are tens of KiB to MiBs, and a result holds at most ${max} bytes with ${limits.describe}`,
        hint: `push the SBOM to a registry (${proposed ? 'an artifact with external storage, or cosign attach' : 'cosign attach sbom, oras push'}) and return its URI and digest; if it really is small, declare its size (${proposed ? 'maxSize, or ' : ''}the annotation ${ANNOTATION_MAX_SIZE_PREFIX}${r.name})`,
      });
    }
    if (r.name === 'IMAGES') out.push(...imagesResult(view, r, max, limits));
  }
  return out;
}

/** Chains' IMAGES type hint: one "name@sha256:…" per image, comma- or newline-separated. */
function imagesResult(view: TaskSpecView, r: ResultDecl, max: number, limits: ResultLimits): RawFinding[] {
  const known = imageCount(view);
  const perImage = (known?.averageName ?? TYPICAL_IMAGE_NAME) + DIGEST_SUFFIX + SEPARATOR;
  if (!known) {
    return [
      {
        ruleId: 'TA206',
        path: [...r.path, 'name'],
        message: `${view.label}: result "IMAGES" lists one image reference with its digest per image (about ${perImage} bytes each): about ${Math.floor(max / perImage)} images fit in the ${max} bytes a result holds with ${limits.describe}`,
        hint: `declare the number of images with the annotation ${ANNOTATION_IMAGE_COUNT} to have it checked`,
      },
    ];
  }
  const estimate = known.count * perImage;
  if (estimate <= max) return [];
  return [
    {
      ruleId: 'TA205',
      path: [...r.path, 'name'],
      message: `${view.label}: result "IMAGES" for ${known.count} images (${known.via}) needs about ${formatBytes(estimate)}, over the ${max} bytes a result holds with ${limits.describe}`,
      hint: 'split the images over several TaskRuns (a matrix), use results-from: sidecar-logs, or record the images as artifacts',
    },
  ];
}

function imageCount(view: TaskSpecView): { count: number; via: string; averageName?: number } | undefined {
  for (const source of view.annotationSources) {
    const raw = source.annotations[ANNOTATION_IMAGE_COUNT];
    if (raw !== undefined && /^\d+$/.test(raw.trim())) {
      return { count: Number(raw.trim()), via: `annotation ${ANNOTATION_IMAGE_COUNT}` };
    }
  }
  // A build Task that takes its images as an array parameter with defaults.
  for (const p of list(view.spec.params)) {
    if (!isRecord(p) || !/^images$/i.test(str(p.name) ?? '')) continue;
    const defaults = list(p.default).filter((d): d is string => typeof d === 'string');
    if (defaults.length === 0) continue;
    const averageName = Math.round(defaults.reduce((s, d) => s + d.length, 0) / defaults.length);
    return { count: defaults.length, via: `the defaults of parameter ${q(str(p.name))}`, averageName };
  }
  return undefined;
}

function q(v: unknown): string {
  return JSON.stringify(v ?? '');
}
