// Files that are templates, not YAML yet: Helm charts' templates/ and text with Go template or
// Jinja markers ({{ }}, {% %}) outside quoted strings. Their text only becomes a resource once
// rendered, so they are skipped with a note instead of failing the run as YAML errors. Pure.

import path from 'node:path';

const MARKER = /\{\{|\{%/;

/**
 * Whether a template marker stands where YAML would read it as syntax: outside quotes, and not in
 * a block scalar (`script: |`) or a comment. Markers inside strings are ordinary text (a Go
 * template in `docker inspect --format '{{.Id}}'`) and the file is checked as usual.
 */
export function hasTemplateSyntax(text: string): boolean {
  if (!MARKER.test(text)) return false;
  let blockIndent = -1;
  for (const line of text.split(/\r?\n/)) {
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (blockIndent >= 0) {
      if (body === '' || indent > blockIndent) continue;
      blockIndent = -1;
    }
    if (body.startsWith('#')) continue;
    if (unquotedMarker(body)) return true;
    // `key: |`, `- >-`: the lines indented deeper are text.
    if (/(?:^|[:-]\s*)[|>][+-]?\d*\s*(?:#.*)?$/.test(body)) blockIndent = indent;
  }
  return false;
}

function unquotedMarker(line: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) {
        if (quote === "'" && line[i + 1] === "'") i++;
        else quote = undefined;
      } else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '#' && (i === 0 || line[i - 1] === ' ')) return false;
    if ((c === '"' || c === "'") && (i === 0 || /[\s:,[{-]/.test(line[i - 1] ?? ''))) {
      quote = c;
      continue;
    }
    if (c === '{' && (line[i + 1] === '{' || line[i + 1] === '%')) return true;
  }
  return false;
}

/** A file under a Helm chart's templates/ directory (a Chart.yaml beside templates/). */
export function isHelmTemplate(file: string, exists: (p: string) => boolean): boolean {
  const parts = path.normalize(file).split(path.sep);
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] !== 'templates') continue;
    const chart = parts.slice(0, i).join(path.sep);
    if (exists(path.join(chart || '.', 'Chart.yaml'))) return true;
  }
  return false;
}
