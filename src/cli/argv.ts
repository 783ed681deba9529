/**
 * The command-line habits users bring from cobra-based CLIs (kubectl, tkn, oras), applied to the
 * words before oclif parses them: `-h`, `help CMD`, "did you mean" for a misspelt command, and
 * `--plain-http`/`--insecure` given bare (oras's booleans) as well as with a host. Pure.
 */

import { EVERY_HOST } from '../oci/reference.js';

/** Flags that take a host, or stand alone for every host (oras's `--plain-http`, `--insecure`). */
const HOST_FLAGS = new Set(['--plain-http', '--insecure']);

/**
 * Looks like a registry host (`host[:port]`, `[::1]:5000`), not a run name or a reference: a dot, a
 * port or `localhost`, and no path. A word after a bare flag is taken as its host only then.
 */
export function looksLikeHost(word: string): boolean {
  if (word.startsWith('-') || word.includes('/') || word.includes('@')) return false;
  if (word === 'localhost' || word.startsWith('[')) return true;
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(word) && (word.includes('.') || word.includes(':'));
}

/**
 * Rewrites cobra habits into what oclif understands:
 * - `help` and `help CMD` become `--help` and `CMD --help`;
 * - `-h` anywhere before `--` becomes `--help`;
 * - `--plain-http` / `--insecure` without a host become `--plain-http=*` / `--insecure=*`.
 * A misspelt command is left to oclif, whose "not found" main.ts answers with suggestCommands.
 */
export function normalizeArgv(argv: string[]): string[] {
  let words = [...argv];
  if (words[0] === 'help') words = words.length > 1 ? [...words.slice(1), '--help'] : ['--help'];
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') {
      out.push(...words.slice(i));
      break;
    }
    if (word === '-h') {
      out.push('--help');
      continue;
    }
    if (HOST_FLAGS.has(word)) {
      const next = words[i + 1];
      if (next !== undefined && looksLikeHost(next)) {
        out.push(`${word}=${next}`);
        i++;
      } else {
        out.push(`${word}=${EVERY_HOST}`);
      }
      continue;
    }
    out.push(word);
  }
  return out;
}

/** Commands within edit distance 2 of the typed word (cobra's default), or having it as a prefix. */
export function suggestCommands(typed: string, commands: readonly string[]): string[] {
  const word = typed.toLowerCase();
  return commands
    .map((command) => ({ command, distance: editDistance(word, command) }))
    .filter(({ command, distance }) => distance <= 2 || command.startsWith(word))
    .sort((a, b) => a.distance - b.distance || a.command.localeCompare(b.command))
    .map(({ command }) => command);
}

/** Levenshtein distance, with a transposition counting as one edit ("shwo" is one from "show"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** cobra's wording for an unknown command, with our exit code for usage errors. */
export function unknownCommandMessage(command: string, suggestions: string[], bin: string): string {
  const lines = [`Error: unknown command "${command}" for "${bin}"`];
  if (suggestions.length > 0) lines.push('', 'Did you mean this?', ...suggestions.map((s) => `\t${s}`));
  lines.push('', `Run '${bin} --help' for usage.`, '');
  return lines.join('\n');
}
