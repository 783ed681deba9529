// TA101–TA106: what a Task spec asks of artifact storage, and whether the configuration in force
// for it can give that. Pure.

import type { ResolvedStorageConfig } from '../../config/index.js';
import { storageState } from '../config.js';
import { plainText } from '../resources.js';
import { formatBytes } from '../../units/sizes.js';
import {
  resultDecls,
  taskArtifacts,
  type ArtifactDecl,
  type DeclaredSize,
  type TaskSpecView,
} from '../spec.js';
import type { Path, RawFinding } from '../types.js';

const ARTIFACT_TYPES = ['content', 'reference'];
const STORAGE_HINTS = ['inline', 'external'];

/** What one output needs from storage. `key` identifies it across configurations (see engine). */
export interface StorageNeed {
  key: string;
  path: Path;
  /** 'artifact output "images"', 'external result "IMAGES"'. */
  subject: string;
  kind: 'external' | 'draft-external' | 'sized-content' | 'inline' | 'unbounded';
  bytes?: number;
  /** Where the size was declared, for messages. */
  sizeVia?: string;
}

/** TA106 for artifact and result declarations; sizes of results are checked here too. */
export function checkDeclarations(view: TaskSpecView): RawFinding[] {
  const out: RawFinding[] = [];
  for (const direction of ['input', 'output'] as const) {
    for (const a of taskArtifacts(view, direction)) {
      if (a.name === undefined) {
        out.push({
          ruleId: 'TA106',
          path: a.path,
          message: `${view.label}: artifact ${direction} #${Number(a.path.at(-1)) + 1} has no name`,
          hint: 'every artifact needs a name: it is how steps ($(outputs.<name>.path)) and Pipelines refer to it',
        });
      }
      if (a.type !== undefined && !ARTIFACT_TYPES.includes(plainText(a.type))) {
        out.push({
          ruleId: 'TA106',
          path: [...a.path, 'type'],
          message: `${view.label}: artifact ${direction} ${q(a.name)} has type ${q(a.type)}, expected "content" or "reference" (TEP-0192)`,
          hint: 'content (the default) is stored by Tekton; reference carries only a URI and digest',
        });
      }
      if (a.storage !== undefined && !STORAGE_HINTS.includes(plainText(a.storage))) {
        out.push({
          ruleId: 'TA106',
          path: [...a.path, 'storage'],
          message: `${view.label}: artifact ${direction} ${q(a.name)} has storage ${q(a.storage)}, expected "inline" or "external" (TEP-0164)`,
          hint: 'leave storage unset to let the size decide',
        });
      }
      badSize(view, `artifact ${direction} ${q(a.name)}`, a.size, out);
    }
  }
  for (const r of resultDecls(view)) badSize(view, `result ${q(r.name)}`, r.size, out);
  return out;
}

function badSize(
  view: TaskSpecView,
  subject: string,
  size: DeclaredSize | undefined,
  out: RawFinding[],
): void {
  if (!size || size.bytes !== undefined) return;
  out.push({
    ruleId: 'TA106',
    path: size.path,
    message: `${view.label}: ${subject} declares the size ${JSON.stringify(size.raw)} (${size.via}), which is not a size`,
    hint: 'write bytes (4096) or a quantity (64Ki, 10Mi, 1MB)',
  });
}

export function storageNeeds(view: TaskSpecView, inlineThreshold: number): StorageNeed[] {
  const needs: StorageNeed[] = [];
  for (const a of taskArtifacts(view, 'output')) {
    const need = artifactNeed(a, inlineThreshold);
    if (need) needs.push(need);
  }
  for (const r of resultDecls(view)) {
    if (r.type !== 'external') continue;
    needs.push({
      key: `result:${r.name ?? '?'}`,
      path: [...r.path, 'type'],
      subject: `external result ${q(r.name)}`,
      kind: 'draft-external',
    });
  }
  return needs;
}

function artifactNeed(a: ArtifactDecl, threshold: number): StorageNeed | undefined {
  if (a.name === undefined) return undefined;
  const base = { key: `artifact:${a.name}`, subject: `artifact output ${q(a.name)}` };
  const bytes = a.size?.bytes;
  const sized = bytes !== undefined ? { bytes, sizeVia: a.size?.via ?? '' } : {};
  if (a.storage === 'external') return { ...base, path: [...a.path, 'storage'], kind: 'external', ...sized };
  if (a.type === 'reference') return undefined;
  if (a.storage === 'inline') {
    if (bytes !== undefined && bytes > threshold) {
      return { ...base, path: a.size?.path ?? a.path, kind: 'inline', ...sized };
    }
    return undefined;
  }
  // Content (TEP-0192's default) or TEP-0164 with no hint: inline up to the threshold, external above.
  if (bytes === undefined) return { ...base, path: [...a.path, 'name'], kind: 'unbounded' };
  if (bytes > threshold) return { ...base, path: a.size?.path ?? a.path, kind: 'sized-content', ...sized };
  return undefined;
}

/** Findings for needs under one configuration. Each finding's `key` lets the engine compare configurations. */
export function checkStorageNeeds(
  label: string,
  needs: readonly StorageNeed[],
  resolved: ResolvedStorageConfig,
  namespace: string,
): Array<RawFinding & { key: string }> {
  const out: Array<RawFinding & { key: string }> = [];
  const threshold = resolved.settings.inlineThreshold;
  const state = storageState(resolved, namespace);
  for (const need of needs) {
    const size = need.bytes !== undefined ? formatBytes(need.bytes) : '';
    if (need.kind === 'inline') {
      out.push({
        key: `${need.key}:TA103`,
        ruleId: 'TA103',
        path: need.path,
        message: `${label} declares ${need.subject} with storage: inline and a size of ${size} (${need.sizeVia}), over the inline threshold of ${threshold} bytes: content too large`,
        hint: `drop storage: inline (or set storage: external) so it is stored externally, or keep it under ${threshold} bytes`,
      });
      continue;
    }
    if (state.ok) continue;
    const ruleId = state.reason === 'disabled' ? 'TA101' : 'TA102';
    switch (need.kind) {
      case 'external':
        out.push({
          key: `${need.key}:${ruleId}`,
          ruleId,
          path: need.path,
          message: `${label} declares ${need.subject} with storage: external, but ${state.detail}`,
          hint: state.hint,
        });
        break;
      case 'draft-external':
        out.push({
          key: `${need.key}:${ruleId}`,
          ruleId,
          path: need.path,
          // The first TEP-0164 draft's admission error, then why.
          message: `${label} declares ${need.subject} but external result storage is not configured: ${state.detail}`,
          hint: `${state.hint}; or change the result type to "string"`,
        });
        break;
      case 'sized-content':
        out.push({
          key: `${need.key}:${ruleId}`,
          ruleId,
          path: need.path,
          message: `${label} declares ${need.subject} of ${size} (${need.sizeVia}), over the inline threshold of ${threshold} bytes, so it must be stored externally, but ${state.detail}`,
          hint: state.hint,
        });
        break;
      case 'unbounded':
        out.push({
          key: `${need.key}:TA105`,
          ruleId: 'TA105',
          path: need.path,
          message: `${label} declares content ${need.subject} without a size, and ${state.detail}: content over the inline threshold of ${threshold} bytes will fail the step`,
          hint: `${state.hint}; or declare its size (maxSize, or the annotation tkn-artifacts.tekton.dev/max-size.${need.key.slice('artifact:'.length)}), or make it type: reference`,
        });
        break;
    }
  }
  return out;
}

function q(v: unknown): string {
  return JSON.stringify(v === undefined ? '' : plainText(v));
}
