/**
 * diff's printers: the human view (summary first, colour only when asked for by the caller, who
 * knows whether stdout is a terminal), --name-only and --stat as git prints them, and the JSON
 * and YAML documents. Everything that came from a registry or a cluster is made printable first.
 */
import { renderDocument } from '../render/document.js';
import { linesToString, type Line, type Segment, type Style } from '../render/style.js';
import { shortDigest } from '../render/digest.js';
import { humanSize } from '../units/sizes.js';
import type { ArtifactDiff, ContentDiff, DiffReport, DiffSide, TaskDiff } from './model.js';
import { summaryLine } from './summary.js';

export type DiffFormat = 'text' | 'json' | 'yaml' | 'name-only' | 'stat';

export interface RenderOptions {
  color: boolean;
  columns?: number;
}

/**
 * Control characters (C0, DEL, C1) and bidirectional overrides escaped, so a name from a
 * registry cannot move the cursor, recolour the terminal or reorder what is shown.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0) as number;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const CHANGE_STYLE: Record<'A' | 'D' | 'C', Style> = { A: 'ok', D: 'bad', C: 'warn' };
const STATUS_LETTER: Record<ArtifactDiff['status'], 'A' | 'D' | 'C' | ' '> = {
  added: 'A',
  removed: 'D',
  changed: 'C',
  unchanged: ' ',
};

function artifactLabel(artifact: Pick<ArtifactDiff, 'task' | 'index' | 'name'>): string {
  const task = artifact.index === undefined ? artifact.task : `${artifact.task}[${artifact.index}]`;
  return printable(`${task}/${artifact.name}`);
}

function taskLabel(task: TaskDiff): string {
  return printable(task.index === undefined ? task.task : `${task.task}[${task.index}]`);
}

function sideText(side: DiffSide): string {
  const what = side.kind === 'Artifact' ? side.name : `${side.kind.toLowerCase()}/${side.name}`;
  return printable(`${what} (${side.source}${side.pipeline ? `, pipeline ${side.pipeline}` : ''})`);
}

function value(v: unknown): string {
  const text = v === undefined ? '(none)' : JSON.stringify(v);
  return printable(text.length > 72 ? `${text.slice(0, 69)}…` : text);
}

function sizeOf(side: ContentDiff['a']): string {
  if (!side) return '';
  if (side.type === 'symlink') return `→ ${printable(side.linkTarget ?? '')}`;
  if (side.type === 'directory') return side.mode ?? '';
  return [side.size !== undefined ? humanSize(side.size) : '', side.mode ?? ''].filter(Boolean).join(' ');
}

/** What one content entry amounts to, for --stat and the heading of a changed artifact. */
function contentStat(entry: ContentDiff): string {
  const counts = (items: { length: number } | undefined, what: string) =>
    items && items.length > 0 ? `${items.length} ${what}` : '';
  const parts: string[] = [];
  if (entry.files) {
    const by = (c: string) =>
      entry.files?.filter((f) => f.change === c && f.kind !== 'directory').length ?? 0;
    parts.push(
      [
        by('A') ? `${by('A')} added` : '',
        by('D') ? `${by('D')} removed` : '',
        by('C') ? `${by('C')} changed` : '',
      ]
        .filter(Boolean)
        .join(', ') || 'directories only',
    );
  }
  if (entry.tests) {
    const failing = entry.tests.filter((t) => t.change === 'newly-failing').length;
    const passing = entry.tests.filter((t) => t.change === 'newly-passing').length;
    const other = entry.tests.length - failing - passing;
    parts.push(
      [
        failing ? `${failing} newly failing` : '',
        passing ? `${passing} newly passing` : '',
        other ? `${other} other` : '',
      ]
        .filter(Boolean)
        .join(', ') || 'no test changes',
    );
  }
  if (entry.packages)
    parts.push(
      counts(entry.packages, entry.packages.length === 1 ? 'package' : 'packages') || 'same packages',
    );
  if (entry.json)
    parts.push(counts(entry.json, entry.json.length === 1 ? 'change' : 'changes') || 'same values');
  if (entry.skipped) parts.push(`skipped: ${entry.skipped}`);
  const sides = entry.change === 'C' ? `${sizeOf(entry.a)} → ${sizeOf(entry.b)}` : sizeOf(entry.a ?? entry.b);
  return `${entry.kind}${parts.length > 0 ? `: ${parts.join('; ')}` : ` ${sides}`}`;
}

function contentLines(entry: ContentDiff, indent: string): Line[] {
  const lines: Line[] = [];
  lines.push([
    { text: indent },
    { text: entry.change, style: CHANGE_STYLE[entry.change] },
    { text: `  ${printable(entry.path)}  ` },
    { text: contentStat(entry), style: 'muted' },
  ]);
  const deeper = `${indent}     `;
  for (const file of entry.files ?? []) lines.push(...contentLines(file, deeper));
  for (const change of entry.json ?? []) {
    const text =
      change.op === 'changed'
        ? `${value(change.a)} → ${value(change.b)}`
        : change.op === 'added'
          ? value(change.b)
          : value(change.a);
    const mark = change.op === 'added' ? '+' : change.op === 'removed' ? '-' : '~';
    lines.push([
      { text: deeper },
      { text: mark, style: change.op === 'added' ? 'ok' : change.op === 'removed' ? 'bad' : 'warn' },
      { text: ` ${printable(change.path)}  ${text}` },
    ]);
  }
  for (const p of entry.packages ?? []) {
    const mark = p.op === 'added' ? '+' : p.op === 'removed' ? '-' : '~';
    const versions = p.op === 'changed' ? `${p.a} → ${p.b}` : (p.a ?? p.b ?? '');
    lines.push([
      { text: deeper },
      { text: mark, style: p.op === 'added' ? 'ok' : p.op === 'removed' ? 'bad' : 'warn' },
      { text: ` ${printable(p.id)}  ${printable(versions)}` },
    ]);
  }
  for (const t of entry.tests ?? []) {
    const style: Style = t.change === 'newly-failing' ? 'bad' : t.change === 'newly-passing' ? 'ok' : 'warn';
    const states = t.a && t.b ? ` (${t.a} → ${t.b})` : t.a ? ` (was ${t.a})` : ` (${t.b})`;
    lines.push([{ text: deeper }, { text: t.change, style }, { text: `  ${printable(t.id)}${states}` }]);
  }
  if (entry.unified)
    for (const line of entry.unified.replace(/\n$/, '').split('\n')) {
      const style: Style | undefined = line.startsWith('+')
        ? 'ok'
        : line.startsWith('-')
          ? 'bad'
          : line.startsWith('@@')
            ? 'accent'
            : undefined;
      const segment: Segment = { text: printable(line) };
      if (style) segment.style = style;
      lines.push([{ text: deeper }, segment]);
    }
  return lines;
}

function humanLines(report: DiffReport): Line[] {
  const lines: Line[] = [];
  lines.push([{ text: `a: ${sideText(report.a)}`, style: 'dim' }]);
  lines.push([{ text: `b: ${sideText(report.b)}`, style: 'dim' }]);
  lines.push([{ text: summaryLine(report.summary), style: 'bold' }]);
  const tasks = report.tasks.filter((t) => t.status !== 'matched' || t.outcomeChanged);
  if (tasks.length > 0) {
    lines.push([], [{ text: 'Tasks', style: 'bold' }]);
    const width = Math.max(...tasks.map((t) => taskLabel(t).length));
    for (const task of tasks) {
      const change =
        task.status === 'added'
          ? `added (${task.b?.outcome ?? ''})`
          : task.status === 'removed'
            ? `removed (was ${task.a?.outcome ?? ''})`
            : `${task.a?.outcome ?? ''} → ${task.b?.outcome ?? ''}${task.b?.reason ? ` (${printable(task.b.reason)})` : ''}`;
      const style: Style =
        task.b?.outcome === 'Failed' ? 'bad' : task.b?.outcome === 'Succeeded' ? 'ok' : 'warn';
      lines.push([{ text: `  ${taskLabel(task).padEnd(width)}  ` }, { text: change, style }]);
    }
  }
  const artifacts = report.artifacts.filter((a) => a.status !== 'unchanged');
  if (artifacts.length > 0) {
    lines.push([], [{ text: 'Artifacts', style: 'bold' }]);
    const width = Math.max(...artifacts.map((a) => artifactLabel(a).length));
    for (const artifact of artifacts) {
      const letter = STATUS_LETTER[artifact.status] as 'A' | 'D' | 'C';
      const side = artifact.b ?? artifact.a;
      const detail =
        artifact.status === 'changed'
          ? (artifact.note ??
            (artifact.a?.inline !== undefined && artifact.b?.inline !== undefined
              ? `${value(artifact.a.inline)} → ${value(artifact.b.inline)}`
              : `${shortDigest(artifact.a?.digest)} → ${shortDigest(artifact.b?.digest)}`))
          : side?.inline !== undefined
            ? value(side.inline)
            : shortDigest(side?.digest);
      lines.push([
        { text: '  ' },
        { text: letter, style: CHANGE_STYLE[letter] },
        { text: `  ${artifactLabel(artifact).padEnd(width)}  ` },
        { text: printable(detail), style: 'muted' },
      ]);
      for (const entry of artifact.content ?? []) lines.push(...contentLines(entry, '       '));
    }
  }
  const unchanged = report.summary.artifacts.unchanged;
  if (unchanged > 0)
    lines.push([], [{ text: `${unchanged} artifact${unchanged === 1 ? '' : 's'} unchanged`, style: 'dim' }]);
  return lines;
}

function nameOnly(report: DiffReport): string {
  const out: string[] = [];
  for (const artifact of report.artifacts) {
    if (artifact.status === 'unchanged') continue;
    const label = artifactLabel(artifact);
    out.push(label);
    const walk = (entries: ContentDiff[] | undefined, prefix: string) => {
      for (const entry of entries ?? []) {
        if (entry.files) walk(entry.files, `${prefix}/${printable(entry.path)}`);
        else if (entry.kind !== 'directory') out.push(`${prefix}/${printable(entry.path)}`);
      }
    };
    walk(artifact.content, label);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

function stat(report: DiffReport): string {
  const rows: [string, string][] = [];
  for (const artifact of report.artifacts) {
    if (artifact.status === 'unchanged') continue;
    const what =
      artifact.status === 'changed'
        ? (artifact.content ?? []).map(contentStat).join('; ') || (artifact.note ?? 'changed')
        : artifact.status;
    rows.push([artifactLabel(artifact), printable(what)]);
  }
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return `${rows.map(([label, what]) => ` ${label.padEnd(width)} | ${what}\n`).join('')} ${summaryLine(report.summary)}\n`;
}

export async function renderDiff(
  report: DiffReport,
  format: DiffFormat,
  options: RenderOptions,
): Promise<string> {
  switch (format) {
    case 'json':
    case 'yaml':
      return renderDocument(report, format);
    case 'name-only':
      return nameOnly(report);
    case 'stat':
      return stat(report);
    case 'text':
      return linesToString(humanLines(report), options.color);
  }
}
