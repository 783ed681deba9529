// TA201–TA206: results that cannot fit through the cluster's result transport. Pure.
//
// With results-from: termination-message (the default), each step's results travel in its
// container's termination message: 4096 bytes per container and 12288 per Pod (TEP-0086), as
// the JSON the entrypoint writes: [{"key":"StartedAt",…,"type":3},{"key":"NAME","value":"…","type":1}].
// With sidecar-logs, each result may be up to max-result-size, and the TaskRun (where results
// are stored) must stay under the 1.5 MiB object size limit.

import type { ConfigSnapshot } from '../config.js';
import { formatBytes } from '../../units/sizes.js';
import {
  ANNOTATION_IMAGE_COUNT,
  resultDecls,
  resultsWrittenBy,
  steps,
  type ResultDecl,
  type TaskSpecView,
} from '../spec.js';
import type { RawFinding } from '../types.js';
import { isRecord, list, str } from '../../json/guards.js';

export const TERMINATION_MESSAGE_PER_STEP = 4096;
export const TERMINATION_MESSAGE_PER_TASKRUN = 12288;
/** etcd's object limit, which Tekton also applies to max-result-size. */
export const OBJECT_SIZE_LIMIT = 1572864;
/** `[`, `]` and the StartedAt entry (an RFC 3339 timestamp with nanoseconds) every step writes. */
export const STEP_FRAMING = 72;
/** `{"key":"","value":"","type":1},` around each result. */
export function entryFraming(name: string): number {
  return 32 + name.length;
}

/** Below this per-result limit an SBOM is not worth trying: SPDX documents of small images are tens of KiB. */
export const SBOM_TYPICAL_SIZE = 32 * 1024;
/** A typical image reference (registry/org/name) before its "@sha256:<64 hex>" and a separator. */
const TYPICAL_IMAGE_NAME = 50;
const DIGEST_SUFFIX = '@sha256:'.length + 64;
/** A newline separator is written "\n" (two bytes) in the JSON of a termination message. */
const SEPARATOR = 2;

const SBOM_NAME = /sbom|spdx|cyclonedx/i;
/** Results that name or point at an SBOM rather than hold one (Konflux: SBOM_BLOB_URL). */
const SBOM_POINTER = /(url|uri|digest|ref|reference|path|count|sha|id|blob)$/i;

export interface ResultLimits {
  mode: 'termination-message' | 'sidecar-logs';
  /** The most one result can hold. */
  perResult(name: string): number;
  /** All results of a TaskRun, framing included. */
  perTaskRun: number;
  /** "results-from: termination-message" or "results-from: sidecar-logs, max-result-size 8192". */
  describe: string;
}

export function resultLimits(snapshot: ConfigSnapshot): ResultLimits {
  const flags = snapshot.featureFlags.flags;
  if (flags.resultsFrom === 'sidecar-logs') {
    const max = flags.maxResultSize;
    const from = snapshot.featureFlags.set['max-result-size'] !== undefined ? '' : ', the default';
    return {
      mode: 'sidecar-logs',
      perResult: () => max,
      perTaskRun: OBJECT_SIZE_LIMIT,
      describe: `results-from: sidecar-logs with max-result-size ${max} bytes${from}`,
    };
  }
  return {
    mode: 'termination-message',
    perResult: (name) => TERMINATION_MESSAGE_PER_STEP - STEP_FRAMING - entryFraming(name),
    perTaskRun: TERMINATION_MESSAGE_PER_TASKRUN,
    describe: 'results-from: termination-message',
  };
}

function sized(r: ResultDecl): r is ResultDecl & { name: string; size: { bytes: number } } {
  return r.name !== undefined && r.size?.bytes !== undefined && r.type !== 'external';
}

export function checkResults(view: TaskSpecView, limits: ResultLimits): RawFinding[] {
  const out: RawFinding[] = [];
  const results = resultDecls(view);
  const declared = results.filter(sized);

  for (const r of declared) {
    const max = limits.perResult(r.name);
    if (r.size.bytes <= max) continue;
    const why =
      limits.mode === 'termination-message'
        ? `with ${limits.describe}, a step's results share one ${TERMINATION_MESSAGE_PER_STEP}-byte termination message, which leaves at most ${max} bytes for ${q(r.name)}`
        : `over the ${max} bytes a result may hold with ${limits.describe}`;
    out.push({
      ruleId: 'TA201',
      path: r.size.path,
      message: `${view.label} declares result ${q(r.name)} of ${formatBytes(r.size.bytes)} (${r.size.via}); ${why}`,
      hint:
        limits.mode === 'termination-message'
          ? 'store the content as an artifact (with external storage) and return its URI and digest, or switch the cluster to results-from: sidecar-logs with a larger max-result-size'
          : 'store the content as an artifact (with external storage), or raise max-result-size (below 1572864)',
    });
  }

  if (limits.mode === 'termination-message') {
    const bySize = new Map(declared.map((r) => [r.name, r.size.bytes]));
    for (const step of steps(view)) {
      const written = [...resultsWrittenBy(step)].filter((n) => bySize.has(n));
      if (written.length < 2) continue;
      const total =
        STEP_FRAMING + written.reduce((sum, n) => sum + (bySize.get(n) ?? 0) + entryFraming(n), 0);
      if (total <= TERMINATION_MESSAGE_PER_STEP) continue;
      const parts = written.map((n) => `${q(n)} (${formatBytes(bySize.get(n) ?? 0)})`).join(', ');
      out.push({
        ruleId: 'TA202',
        path: step.name !== undefined ? [...step.path, 'name'] : step.path,
        message: `step ${q(step.name ?? `#${step.index + 1}`)} of ${view.label} writes results ${parts}: ${total} bytes with Tekton's framing, over the ${TERMINATION_MESSAGE_PER_STEP}-byte termination message of a container`,
        hint: 'write these results from different steps, make them smaller, or use results-from: sidecar-logs',
      });
    }
  }

  if (declared.length > 1) {
    const stepCount = Math.max(1, steps(view).length);
    const total =
      limits.mode === 'termination-message'
        ? declared.reduce((sum, r) => sum + r.size.bytes + entryFraming(r.name), STEP_FRAMING * stepCount)
        : declared.reduce((sum, r) => sum + r.size.bytes, 0);
    if (total > limits.perTaskRun) {
      const what =
        limits.mode === 'termination-message'
          ? `the ${TERMINATION_MESSAGE_PER_TASKRUN} bytes of termination messages a TaskRun's Pod can return`
          : `the ${formatBytes(OBJECT_SIZE_LIMIT)} a TaskRun object can hold`;
      out.push({
        ruleId: 'TA203',
        path: [...view.path, 'results'],
        at: 'key',
        message: `${view.label} declares results totalling ${formatBytes(total)}${limits.mode === 'termination-message' ? " with Tekton's framing" : ''}, over ${what}`,
        hint:
          limits.mode === 'termination-message'
            ? 'move the largest results to artifacts with external storage, or use results-from: sidecar-logs'
            : 'move the largest results to artifacts with external storage',
      });
    }
  }

  for (const r of results) {
    if (r.name === undefined || r.size !== undefined || r.type === 'external') continue;
    const max = limits.perResult(r.name);
    if (SBOM_NAME.test(r.name) && !SBOM_POINTER.test(r.name) && max < SBOM_TYPICAL_SIZE) {
      out.push({
        ruleId: 'TA204',
        path: [...r.path, 'name'],
        message: `${view.label}: result ${q(r.name)} looks like an SBOM; SBOMs are tens of KiB to MiBs, and a result holds at most ${max} bytes with ${limits.describe}`,
        hint: 'push the SBOM to a registry (an artifact with external storage, or cosign attach) and return its URI and digest; declare maxSize if it really is small',
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
