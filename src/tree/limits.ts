/**
 * The cap on one resolution's referrer walk: the tree holds every node it walks, so a registry
 * that attaches a hundred thousand referrers (to one subject or spread over many) would cost
 * memory in proportion. Past the cap the walk stops with an error that names it and the flag
 * that raises it (exit 8, as the OCI client's caps). The per-subject and per-listing caps are the
 * OCI client's (src/oci/limits.ts).
 */

import { CliError } from '../cli/errors.js';

/** Referrer nodes one resolution walks at most (`--max-nodes`). */
export const DEFAULT_MAX_NODES = 100_000;

export class WalkLimitError extends CliError {
  constructor(
    readonly max: number,
    where: string,
  ) {
    super(
      `the referrers walk of ${where} passed ${max} nodes (--max-nodes), so it stopped`,
      'unsupported',
      'Raise the cap with --max-nodes N if the run really has that many referrers.',
    );
    this.name = 'WalkLimitError';
  }
}
