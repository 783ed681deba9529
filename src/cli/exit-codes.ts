/**
 * Exit codes: the one place they are defined. The README's table is written from this list;
 * scripts depend on them, so a number never changes meaning.
 */
export const ExitCode = {
  /** Success; for validate, the inputs are compatible. */
  ok: 0,
  /** validate: findings at or above --fail-on; show: inconsistencies with --strict. */
  findings: 1,
  /** Usage error or invalid input (flags, references, YAML). */
  usage: 2,
  /** The run, artifact, or registry object does not exist. */
  notFound: 3,
  /** The cluster or registry refused us (401/403). */
  forbidden: 4,
  /** Artifact storage is not configured (no repository to look in). */
  notConfigured: 5,
  /** The cluster or registry could not be reached (DNS, TCP, TLS, timeouts). */
  unreachable: 6,
  /** Content did not match its digest or size, or an archive was hostile. */
  integrity: 7,
  /** The registry lacks what the operation needs (deletion disabled, no referrers support), or answers beyond a cap (LimitError). */
  unsupported: 8,
  /** Anything else: a bug or an unexpected failure. */
  internal: 70,
  /** Stopped by SIGINT or SIGTERM (128 + 2, as shells report Ctrl-C); pull keeps nothing partial. */
  interrupted: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

/** What went wrong, as the exit code says it: the kinds a typed error (and a tree node's error) has. */
export type ErrorKind = Exclude<ExitCodeName, 'ok' | 'findings' | 'interrupted'>;
