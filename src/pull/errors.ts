/**
 * Errors pull raises itself. The class names matter: src/cli/errors.ts maps `UnsafeArchiveError`
 * to exit code 7 (integrity) by name, so scripts can tell "hostile or broken content" from a
 * network failure.
 */

import { hasUnsafeCharacters, sanitize } from '../render/sanitize.js';

/**
 * Content that cannot be written safely: an archive entry or a layer title that would land
 * outside the destination, a link pointing out, a device file, an archive expanding past the
 * limits, or an archive that is not what its media type says. Nothing of it is kept.
 */
export class UnsafeArchiveError extends Error {
  override name = 'UnsafeArchiveError';
  /** What was being written: `archive <reference>@<digest>`, `layer <digest> of <reference>`, … */
  readonly source: string;
  /** The offending entry name, title or link, as the producer wrote it. */
  readonly entry: string | undefined;
  /** What is wrong with it, for people. */
  readonly reason: string;
  readonly hint: string;

  constructor(source: string, entry: string | undefined, reason: string, hint?: string) {
    super(
      entry === undefined
        ? `refusing ${source}: ${reason}`
        : `refusing ${source}: entry "${sanitize(entry)}" ${reason}`,
    );
    this.source = source;
    this.entry = entry;
    this.reason = reason;
    this.hint =
      hint ??
      (entry !== undefined && hasUnsafeCharacters(entry)
        ? 'Nothing of it was written. Names holding control or bidirectional characters are refused whatever the flags (a terminal would act on them); fix the name where it is produced.'
        : undefined) ??
      'Nothing of it was written. If you trust the producer of this content, --allow-path-traversal lifts the path checks (devices and hard links out stay refused).';
  }
}
