// Reading what the user named: files, directories (recursively, *.yaml and *.yml), and `-` for
// standard input. The I/O edge of validate's inputs; parsing is yaml.ts.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../cluster/errors.js';

export interface InputText {
  /** As shown in findings: the path as given (joined under a directory), or "stdin". */
  file: string;
  text: string;
  /** Where the input lives when it is no local file (a cluster object's API URL), for SARIF. */
  uri?: string;
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * A leading byte-order mark is not text: editors do not count it as a column, so it is dropped
 * before parsing, or every position on line 1 would be one column off.
 */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * File bytes as text. YAML (and sigs.k8s.io/yaml, so kubectl) reads UTF-16 that starts with a
 * byte-order mark; anything else is read as UTF-8. The mark itself is dropped.
 */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // Node has no utf16be decoder for Buffers: swap each pair of bytes (a trailing odd byte is dropped).
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    return swapped.swap16().toString('utf16le');
  }
  return stripBom(bytes.toString('utf8'));
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

/** YAML files under a directory, sorted so output is stable; hidden entries are skipped. */
function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    // Symbolic links to files are followed; to directories they are not (no cycles).
    else if ((entry.isFile() || (entry.isSymbolicLink() && isFile(full))) && YAML_FILE.test(entry.name))
      out.push(full);
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export interface ReadOptions {
  /** --exclude: globs (path.matchesGlob) matched against each file's path as shown. */
  exclude?: readonly string[];
  /** Receives the files left out by exclude. */
  excluded?: string[];
}

export async function readInputs(
  paths: readonly string[],
  readStdin: () => Promise<string>,
  options: ReadOptions = {},
): Promise<InputText[]> {
  const out: InputText[] = [];
  const exclude = options.exclude ?? [];
  const isExcluded = (file: string): boolean => {
    const shown = file.split(path.sep).join('/');
    const hit = exclude.some(
      (g) => path.matchesGlob(shown, g) || path.matchesGlob(shown.replace(/^\.\//, ''), g),
    );
    if (hit) options.excluded?.push(file);
    return hit;
  };
  const seen = new Set<string>();
  let stdinUsed = false;
  const read = (file: string): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    try {
      out.push({ file, text: decodeText(readFileSync(file)) });
    } catch (err) {
      throw new InputError({ file, message: `cannot read: ${(err as Error).message}` }, { cause: err });
    }
  };
  for (const p of paths) {
    if (p === '-') {
      if (stdinUsed) throw new InputError({ file: 'stdin', message: '"-" (standard input) is given twice' });
      stdinUsed = true;
      out.push({ file: 'stdin', text: stripBom(await readStdin()) });
      continue;
    }
    let stat;
    try {
      stat = statSync(p);
    } catch (err) {
      const code = errorCode(err);
      throw new InputError(
        {
          file: p,
          message: code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${(err as Error).message}`,
        },
        { cause: err },
      );
    }
    if (stat.isDirectory()) {
      const files: string[] = [];
      walk(p, files);
      if (files.length === 0) {
        throw new InputError({
          file: p,
          message: 'the directory has no *.yaml or *.yml files',
          hint: 'name the files to check',
        });
      }
      const kept = files.filter((f) => !isExcluded(f));
      for (const f of kept) read(f);
    } else if (!isExcluded(p)) read(p);
  }
  return out;
}

export async function readProcessStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new InputError({
      file: 'stdin',
      message: 'standard input is a terminal',
      hint: 'pipe YAML in, e.g. kubectl get tasks -o yaml | tkn artifacts validate -',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return decodeText(Buffer.concat(chunks));
}
