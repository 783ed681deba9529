/**
 * The one sanitiser for text that came from outside (registries, clusters, files) on its way to
 * a terminal or a file name. Anyone who can push to a registry or write a TaskRun's status can
 * put escape sequences in a name: `ESC[2J` clears the screen, OSC 0 retitles the window, OSC 8
 * plants links, `\r` overwrites a line, U+202E reverses what follows. Human output shows such
 * characters escaped, visibly (`\x1b`, `\u202e`), never raw; JSON and YAML keep the data but
 * write these characters as escapes; file names holding them are refused (pull/paths.ts).
 */

/**
 * C0 controls, DEL, C1 controls (U+0080–U+009F: 0x9B is a one-byte CSI on some terminals), the
 * bidirectional overrides, embeddings, isolates and marks, and the Unicode line separators.
 * Built from escapes in a string, so the source holds no control character itself.
 */
const CLASS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[${CLASS}]`, 'g');
/** As UNSAFE, but `\n` is kept (sanitizeLines). */
const UNSAFE_BUT_NEWLINE = new RegExp(`(?!\\n)[${CLASS}]`, 'g');
/** The same set, for a test without the global flag's lastIndex state. */
const UNSAFE_ONE = new RegExp(`[${CLASS}]`);

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** How one unsafe character is shown: `\n`, `\r`, `\t`, `\x1b`, `\u202e`. */
function escapeCharacter(character: string): string {
  const named = NAMED[character];
  if (named) return named;
  const code = character.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of human output: every unsafe character escaped, newlines included. */
export function sanitize(text: string): string {
  return UNSAFE_ONE.test(text) ? text.replace(UNSAFE, escapeCharacter) : text;
}

/** A message that may span lines (errors, hints): as sanitize, but `\n` stays a line break. */
export function sanitizeLines(text: string): string {
  return UNSAFE_ONE.test(text) ? text.replace(UNSAFE_BUT_NEWLINE, escapeCharacter) : text;
}

/** Whether text holds anything sanitize would escape. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE_ONE.test(text);
}

/**
 * Why a name from outside cannot be a file or directory name, or undefined when it can: pull
 * refuses such names (as oras refuses traversal) rather than rewriting them into names the
 * producer did not mean.
 */
export function unsafeNameProblem(name: string): string | undefined {
  const found = UNSAFE_ONE.exec(name);
  if (!found) return undefined;
  return `contains the control or bidirectional character ${escapeCharacter(found[0])}`;
}

/**
 * JSON for scripts: the data kept whole, but C1 controls, DEL and bidi characters (which
 * JSON.stringify leaves raw) written as \u escapes, so `cat`ting the document is safe too. Only
 * string contents can hold these characters, so the replacement never touches structure.
 */
export function escapeJsonText(json: string): string {
  return UNSAFE_ONE.test(json)
    ? json.replace(UNSAFE_BUT_NEWLINE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}
