import { ExitCode, type ExitCodeName } from './exit-codes.js';

/**
 * An error meant for the user: a short message saying what went wrong and where, an optional
 * hint saying what to do, and the exit code scripts can act on.
 */
export class CliError extends Error {
  readonly exit: ExitCodeName;
  readonly hint: string | undefined;
  constructor(message: string, exit: ExitCodeName, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exit = exit;
    this.hint = hint;
  }
  get exitCode(): number {
    return ExitCode[this.exit];
  }
}

/** What the typed errors of src/ modules have in common, read by duck typing to keep modules apart. */
interface TypedError {
  name?: unknown;
  code?: unknown;
  status?: unknown;
  hint?: unknown;
  message: string;
}

const byName: Record<string, ExitCodeName> = {
  InvalidReferenceError: 'usage',
  InputError: 'usage',
  UsageError: 'usage',
  KubeconfigError: 'usage',
  NotFoundError: 'notFound',
  ForbiddenError: 'forbidden',
  UnreachableError: 'unreachable',
  StorageNotConfiguredError: 'notConfigured',
  ManifestError: 'integrity',
  DigestMismatchError: 'integrity',
  SizeMismatchError: 'integrity',
  UnsafeArchiveError: 'integrity',
  // A cap of src/oci/limits.ts (listing too long, answer too large): what the registry offers is
  // beyond what we accept. Its DeadlineError keeps the TIMEOUT code (unreachable).
  LimitError: 'unsupported',
};

const byOciCode: Record<string, ExitCodeName> = {
  NAME_UNKNOWN: 'notFound',
  MANIFEST_UNKNOWN: 'notFound',
  BLOB_UNKNOWN: 'notFound',
  NOT_FOUND: 'notFound',
  DENIED: 'forbidden',
  UNAUTHORIZED: 'forbidden',
  UNSUPPORTED: 'unsupported',
  DIGEST_MISMATCH: 'integrity',
  SIZE_MISMATCH: 'integrity',
  DIGEST_INVALID: 'integrity',
  MANIFEST_INVALID: 'integrity',
  UNREACHABLE: 'unreachable',
  TLS: 'unreachable',
  TIMEOUT: 'unreachable',
  TOOMANYREQUESTS: 'unreachable',
};

/** Turns any thrown value into a CliError, keeping the original message and hint. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof Error) {
    const typed = error as Error & TypedError;
    const hint = typeof typed.hint === 'string' ? typed.hint : undefined;
    const name = typeof typed.name === 'string' ? typed.name : '';
    const code = typeof typed.code === 'string' ? typed.code : '';
    const exit = byName[name] ?? byOciCode[code];
    if (exit) return new CliError(error.message, exit, hint, { cause: error });
    return new CliError(error.message, 'internal', hint, { cause: error });
  }
  return new CliError(String(error), 'internal');
}
