import { ClusterError, type ClusterErrorCode } from '../cluster/errors.js';
import { OciError, type OciErrorCode } from '../oci/errors.js';
import { parseDuration } from '../units/duration.js';
import { ExitCode, type ErrorKind, type ExitCodeName } from './exit-codes.js';

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

// The one mapping from typed errors to exit codes. Records over the code unions, so a new code
// does not compile until it is given a kind.
const OCI_KINDS: Record<OciErrorCode, ErrorKind> = {
  BLOB_UNKNOWN: 'notFound',
  BLOB_UPLOAD_INVALID: 'internal',
  BLOB_UPLOAD_UNKNOWN: 'internal',
  DIGEST_INVALID: 'integrity',
  MANIFEST_BLOB_UNKNOWN: 'integrity',
  MANIFEST_INVALID: 'integrity',
  MANIFEST_UNKNOWN: 'notFound',
  NAME_INVALID: 'usage',
  NAME_UNKNOWN: 'notFound',
  SIZE_INVALID: 'integrity',
  UNAUTHORIZED: 'forbidden',
  DENIED: 'forbidden',
  UNSUPPORTED: 'unsupported',
  TOOMANYREQUESTS: 'unreachable',
  INVALID_REFERENCE: 'usage',
  DIGEST_MISMATCH: 'integrity',
  SIZE_MISMATCH: 'integrity',
  TOO_LARGE: 'unsupported',
  // A cap of src/oci/limits.ts (listing too long, answer too large): what the registry offers is
  // beyond what we accept. Its DeadlineError keeps the TIMEOUT code (unreachable).
  LIMIT_EXCEEDED: 'unsupported',
  NOT_FOUND: 'notFound',
  UNREACHABLE: 'unreachable',
  TLS: 'unreachable',
  TIMEOUT: 'unreachable',
  ABORTED: 'internal',
  PROTOCOL: 'internal',
  CONFLICT: 'internal',
  CREDENTIALS: 'usage',
  LAYOUT: 'usage',
  REFERRER_MISMATCH: 'integrity',
  UNAVAILABLE: 'unreachable',
  UNKNOWN: 'internal',
};

const CLUSTER_KINDS: Record<ClusterErrorCode, ErrorKind> = {
  NOT_FOUND: 'notFound',
  FORBIDDEN: 'forbidden',
  UNAUTHORIZED: 'forbidden',
  UNREACHABLE: 'unreachable',
  KUBECONFIG: 'usage',
  INPUT: 'usage',
  API_ERROR: 'internal',
};

/** The kind of any thrown value: typed errors by their code, anything else is internal. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof CliError)
    return error.exit === 'ok' || error.exit === 'findings' || error.exit === 'interrupted'
      ? 'internal'
      : error.exit;
  if (error instanceof OciError) return OCI_KINDS[error.code];
  if (error instanceof ClusterError) return CLUSTER_KINDS[error.code];
  return 'internal';
}

/** A failure as data (tree nodes keep these): the kind, the module's code, and the message. */
export interface TypedFailure {
  kind: ErrorKind;
  /** The module's code (MANIFEST_UNKNOWN, DENIED, FORBIDDEN…), when the error had one. */
  code?: string;
  message: string;
}

export function typedFailure(error: unknown): TypedFailure {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof OciError || error instanceof ClusterError ? error.code : undefined;
  return { kind: errorKind(error), ...(code ? { code } : {}), message };
}

/** Sets a tree node's `error` (text) and `failure` (kind and code) from one typed failure. */
export function failNode(
  node: { error?: string; failure?: { kind: ErrorKind; code?: string } },
  failure: TypedFailure,
): string {
  node.error = failure.message;
  node.failure = { kind: failure.kind, ...(failure.code ? { code: failure.code } : {}) };
  return failure.message;
}

/** Turns any thrown value into a CliError, keeping the original message and hint. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof Error) {
    const hint = error instanceof OciError || error instanceof ClusterError ? error.hint : undefined;
    return new CliError(error.message, errorKind(error), hint, { cause: error });
  }
  return new CliError(String(error), 'internal');
}

/** A duration flag's value in milliseconds; a usage error naming the flag when it is not one. */
export function durationOption(
  flag: string,
  value: string | undefined,
  example = 'for example 90s, 10m, 1h30m',
): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new CliError(`${flag} ${JSON.stringify(value)} is not a duration`, 'usage', example);
  return ms;
}
