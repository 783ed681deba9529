/**
 * gc's text output (pure): the plan (what goes, why, with sizes; with -v what stays and why), the
 * report after --apply, and the note on registry-side blob collection. Everything that came from a
 * registry or a cluster is made printable first.
 */
import { shortDigest } from '../render/digest.js';
import { humanSize } from '../units/sizes.js';
import { lineToString, type Line } from '../render/style.js';
import { renderTable } from '../render/table.js';
import type { GcReport } from './apply.js';
import type { GcPlan, PlanGroup } from './plan.js';

/** Control characters (C0, DEL, C1) and bidi controls become visible escapes. */
export function printable(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    const control =
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x200e ||
      code === 0x200f ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069);
    out += control ? `\\u{${code.toString(16)}}` : c;
  }
  return out;
}

function runLabel(g: { kind: string; namespace?: string; name?: string }): string {
  return printable(`${g.kind} ${g.namespace ? `${g.namespace}/` : ''}${g.name ?? '(unnamed)'}`);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export interface TextOptions {
  verbose: boolean;
  colour: boolean;
  /** Full digests instead of 12 hex characters. */
  fullDigests?: boolean;
}

function itemRows(group: PlanGroup, options: TextOptions): string[][] {
  const digest = (d: string): string => (options.fullDigests ? d : shortDigest(d));
  const rows = group.delete.map((item) => [
    'delete',
    digest(item.digest),
    printable(item.name ? `${item.role} ${item.name}` : item.role),
    humanSize(item.size),
    item.tags.length > 0 ? item.tags.join(', ') : '-',
  ]);
  for (const k of group.keep) rows.push(['keep', digest(k.digest), printable(k.reason), '', '']);
  for (const r of group.repair)
    rows.push(['repair', digest(r.subject), `fallback index: drop missing ${digest(r.digest)}`, '', '']);
  return rows;
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `${by}${l}`))
    .join('\n');
}

/** The plan as text, in pieces (one per group), so a large plan is never one string. */
export function* planTextChunks(plan: GcPlan, options: TextOptions & { apply: boolean }): Generator<string> {
  const bold = (t: string): Line => [{ text: t, style: 'bold' }];
  let out: string[] = [];
  const flush = (): string => {
    const chunk = out.length > 0 ? `${out.join('\n')}\n` : '';
    out = [];
    return chunk;
  };
  const mode = options.apply ? 'applying' : 'dry run: nothing is deleted without --apply';
  out.push(lineToString(bold(`gc plan for ${printable(plan.repository)} (${mode})`), options.colour));
  const live = plan.live;
  out.push(
    `Live runs: ${printable(live.source)}${live.exportedAt ? `, exported ${live.exportedAt}` : ''}; namespaces ${live.namespaces.length > 0 ? live.namespaces.map(printable).join(', ') : '(none)'}`,
  );
  out.push(
    `Referrers: ${plan.referrers === 'tag-schema' ? 'sha256-<hex> fallback tags (no referrers API)' : plan.referrers === 'api' ? 'referrers API' : plan.referrers}`,
  );
  for (const w of plan.warnings)
    out.push(lineToString([{ text: `Warning: ${printable(w)}`, style: 'warn' }], options.colour));
  out.push('');
  if (plan.groups.length === 0) out.push('Nothing to delete.');
  for (const g of plan.groups) {
    out.push(
      lineToString(
        [
          { text: runLabel(g), style: 'bold' },
          { text: `  ${printable(g.reasons.join('; '))}`, style: 'warn' },
          { text: `  (${plural(g.delete.length, 'manifest')}, ${humanSize(g.bytes)})`, style: 'muted' },
        ],
        options.colour,
      ),
    );
    out.push(
      indent(renderTable(['ACTION', 'DIGEST', 'WHAT', 'SIZE', 'TAGS'], itemRows(g, options)).trimEnd()),
    );
  }
  if (plan.repair.length > 0) {
    out.push(`Fallback indexes to repair (entries naming missing manifests): ${plan.repair.length}`);
  }
  if (options.verbose) {
    out.push('');
    out.push(lineToString(bold(`Kept (${plan.kept.length}):`), options.colour));
    if (plan.kept.length > 0) {
      const rows = plan.kept.map((k) => [runLabel(k), String(k.manifests), printable(k.reasons.join('; '))]);
      out.push(indent(renderTable(['RUN', 'MANIFESTS', 'WHY'], rows).trimEnd()));
    }
    if (plan.untouchable.length > 0) {
      out.push(lineToString(bold(`Never touched (${plan.untouchable.length}):`), options.colour));
      const rows = plan.untouchable.map((u) => [
        options.fullDigests ? u.digest : shortDigest(u.digest),
        printable(u.tags.join(', ') || '-'),
        printable(u.reason),
      ]);
      out.push(indent(renderTable(['DIGEST', 'TAGS', 'WHY'], rows).trimEnd()));
    }
  }
  out.push('');
  const t = plan.totals;
  out.push(
    `Plan: ${plural(t.runs, 'run')} to remove: ${plural(t.manifests, 'manifest')} and ${plural(t.tags, 'tag')} to delete, ${humanSize(t.bytes)} no longer referenced; ${plural(t.kept, 'run')} kept${options.verbose ? '' : ' (-v says why)'}.`,
  );
  yield flush();
}

/** What to run so the registry reclaims the blobs gc left unreferenced. */
export const BLOB_GC_NOTE = [
  'Blob space is reclaimed by the registry’s own garbage collection:',
  '  distribution: registry garbage-collect --delete-untagged=false /etc/docker/registry/config.yml',
  '                (with the registry stopped or in read-only mode)',
  '  zot:          automatic when storage.gc is true (gcDelay, gcInterval in its config)',
  '  Harbor:       Administration > Clean Up > Garbage Collection (or POST /api/v2.0/system/gc/schedule)',
].join('\n');

export function formatReport(report: GcReport, options: TextOptions): string {
  const out: string[] = [];
  const t = report.totals;
  out.push(
    lineToString(
      [
        {
          text: `Removed ${plural(t.runsRemoved, 'run')}: ${plural(t.manifestsDeleted, 'manifest')} and ${plural(t.tagsDeleted, 'tag')} deleted, ${humanSize(t.bytes)} no longer referenced.`,
          style: 'ok',
        },
      ],
      options.colour,
    ),
  );
  const partial = report.groups.filter((g) => g.status === 'partial' || g.status === 'skipped');
  if (t.runsPartial + t.runsSkipped > 0)
    out.push(`${plural(t.runsPartial, 'run')} partly removed, ${plural(t.runsSkipped, 'run')} skipped:`);
  for (const g of partial) {
    for (const s of g.skipped)
      out.push(
        `  ${runLabel(g)}: ${options.fullDigests ? s.digest : shortDigest(s.digest)} kept: ${printable(s.reason)}`,
      );
  }
  if (t.runsNotStarted > 0) out.push(`${plural(t.runsNotStarted, 'run')} not started.`);
  if (report.stop) {
    out.push(
      lineToString([{ text: `Stopped: ${printable(report.stop.message)}`, style: 'bad' }], options.colour),
    );
    out.push('Run gc again to complete what was planned: what is already gone is skipped.');
  }
  if (t.manifestsDeleted > 0) out.push('', BLOB_GC_NOTE);
  return `${out.join('\n')}\n`;
}
