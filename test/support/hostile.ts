// Names and messages as a hostile registry or cluster writes them, and the check that none of
// their bytes reaches output raw. Shared by the unit and integration tests of every output path.

/** CSI clear screen, OSC 0 title, OSC 8 link, CR, BEL, C1 CSI, bidi override and isolate, DEL. */
export const HOSTILE = [
  '\u001b[2J',
  '\u001b]0;pwned\u0007',
  '\u001b]8;;http://evil.example\u001b\\link\u001b]8;;\u001b\\',
  'over\rwrite',
  'bell\u0007',
  'c1\u009b31m',
  'rtl\u202etxt.exe',
  'iso\u2066late\u2069',
  'del\u007f',
];

/** What must never reach a terminal raw (a newline is allowed where lines are meant). */
// eslint-disable-next-line no-control-regex -- the point of the check
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Our own colour codes (SGR) taken out, so that only foreign bytes are left to find. */
export function withoutOwnColour(text: string): string {
  // eslint-disable-next-line no-control-regex -- SGR sequences are what we strip
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** The first raw control or bidi character in `text`, with some context, or undefined. */
export function rawControlIn(text: string): string | undefined {
  const match = RAW_CONTROL.exec(text);
  if (!match) return undefined;
  return JSON.stringify(text.slice(Math.max(0, match.index - 40), match.index + 40));
}
