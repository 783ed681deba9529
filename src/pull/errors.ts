/**
 * Errors pull raises itself. UnsafeArchiveError is a CliError of kind `integrity` (exit 7), so
 * scripts can tell "hostile or broken content" from a network failure.
 */
import { CliError } from '../cli/errors.js';

/**
 * Content that cannot be written safely: an archive entry or a layer title that would land
 * outside the destination, a link pointing out, a device file, an archive expanding past the
 * limits, or an archive that is not what its media type says. Nothing of it is kept.
 */
export class UnsafeArchiveError extends CliError {
  /** What was being written: `archive <reference>@<digest>`, `layer <digest> of <reference>`, … */
  readonly source: string;
  /** The offending entry name, title or link, as the producer wrote it. */
  readonly entry: string | undefined;
  /** What is wrong with it, for people. */
  readonly reason: string;

  constructor(source: string, entry: string | undefined, reason: string, hint?: string) {
    super(
      entry === undefined
        ? `refusing ${source}: ${reason}`
        : `refusing ${source}: entry ${JSON.stringify(entry)} ${reason}`,
      'integrity',
      hint ??
        'Nothing of it was written. If you trust the producer of this content, --allow-path-traversal lifts the path checks (devices and hard links out stay refused).',
    );
    this.name = 'UnsafeArchiveError';
    this.source = source;
    this.entry = entry;
    this.reason = reason;
  }
}
