// Typed errors for everything src/oci does. A command prints `message` and `hint`, and maps
// `code` to an exit code; nothing here ever carries credentials or tokens.

/** Error codes from the distribution spec, as registries send them in `{"errors":[…]}` bodies. */
const REGISTRY_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
] as const;
export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

/** Our own codes, for what the client detects itself. */
export type ClientErrorCode =
  | 'INVALID_REFERENCE'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'TOO_LARGE'
  | 'LIMIT_EXCEEDED'
  | 'NOT_FOUND'
  | 'UNREACHABLE'
  | 'TLS'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'PROTOCOL'
  | 'CONFLICT'
  | 'CREDENTIALS'
  | 'LAYOUT'
  | 'REFERRER_MISMATCH'
  | 'UNAVAILABLE'
  | 'UNKNOWN';

export type OciErrorCode = RegistryErrorCode | ClientErrorCode;

/** One entry of a registry's `{"errors":[…]}` body. */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

export interface OciErrorOptions {
  registry?: string;
  repository?: string;
  status?: number;
  hint?: string;
  /** The request that failed, as `METHOD /v2/...` (never with a query string that could hold a signature). */
  request?: string;
  errors?: RegistryErrorDetail[];
  cause?: unknown;
}

export class OciError extends Error {
  override name = 'OciError';
  readonly code: OciErrorCode;
  readonly registry?: string;
  readonly repository?: string;
  readonly status?: number;
  readonly hint?: string;
  readonly request?: string;
  readonly errors: RegistryErrorDetail[];

  constructor(code: OciErrorCode, message: string, options: OciErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.registry = options.registry;
    this.repository = options.repository;
    this.status = options.status;
    this.hint = options.hint;
    this.request = options.request;
    this.errors = options.errors ?? [];
  }

  /** `registry/repository` when known, for messages. */
  get where(): string | undefined {
    if (this.registry && this.repository) return `${this.registry}/${this.repository}`;
    return this.registry ?? this.repository;
  }
}

/** A reference string that does not follow the grammar; `part` and `position` say where. */
export class InvalidReferenceError extends OciError {
  override name = 'InvalidReferenceError';
  readonly input: string;
  readonly part: 'registry' | 'repository' | 'tag' | 'digest' | 'reference';
  /** 0-based offset into `input` of the offending part. */
  readonly position: number;

  constructor(input: string, part: InvalidReferenceError['part'], position: number, reason: string) {
    super(
      'INVALID_REFERENCE',
      `invalid reference ${JSON.stringify(truncate(input, 300))}: ${reason} (${part} at position ${position})`,
      {
        hint: 'A reference looks like registry.example.com/team/repo:tag or …/repo@sha256:<64 hex>; `oci:` and `oci://` prefixes are accepted.',
      },
    );
    this.input = input;
    this.part = part;
    this.position = position;
  }
}

/** A manifest, index or descriptor whose shape is wrong; `field` is a JSON path such as `layers[2].digest`. */
export class ManifestError extends OciError {
  override name = 'ManifestError';
  readonly field?: string;

  constructor(message: string, options: OciErrorOptions & { field?: string; code?: OciErrorCode } = {}) {
    super(options.code ?? 'MANIFEST_INVALID', message, options);
    this.field = options.field;
  }
}

/** Bytes that do not match the descriptor they were fetched for. */
export class VerificationError extends OciError {
  override name = 'VerificationError';
  readonly expected: { digest: string; size: number };
  readonly actual: { digest?: string; size: number };

  constructor(
    code: 'DIGEST_MISMATCH' | 'SIZE_MISMATCH',
    message: string,
    expected: { digest: string; size: number },
    actual: { digest?: string; size: number },
    options: OciErrorOptions = {},
  ) {
    super(code, message, {
      hint: 'The content was rejected and nothing was kept. The registry, a proxy or the storage behind it returned different bytes than the manifest records; retry, and if it persists report it to the registry operator.',
      ...options,
    });
    this.expected = expected;
    this.actual = actual;
  }
}

const KNOWN = new Set<string>(REGISTRY_ERROR_CODES);

/**
 * Parses a registry error body (`{"errors":[{"code","message","detail"}]}`). Returns [] for anything
 * else: registries also answer with HTML or plain text ("404 page not found").
 */
export function parseRegistryErrors(body: string | Uint8Array | undefined): RegistryErrorDetail[] {
  if (body === undefined) return [];
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || !('errors' in parsed)) return [];
  const errors = parsed.errors;
  if (!Array.isArray(errors)) return [];
  const out: RegistryErrorDetail[] = [];
  for (const e of errors.slice(0, 20)) {
    if (typeof e !== 'object' || e === null) continue;
    const { code, message, detail } = e as Record<string, unknown>;
    if (typeof code !== 'string') continue;
    out.push({
      code: code.toUpperCase(),
      ...(typeof message === 'string' ? { message: truncate(message, 500) } : {}),
      ...(detail !== undefined ? { detail } : {}),
    });
  }
  return out;
}

export function isRegistryErrorCode(code: string): code is RegistryErrorCode {
  return KNOWN.has(code);
}

/** Human text for the first registry error, e.g. `MANIFEST_UNKNOWN: manifest unknown`. */
export function describeRegistryErrors(errors: RegistryErrorDetail[]): string | undefined {
  const first = errors[0];
  if (!first) return undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.code}${first.message ? `: ${first.message}` : ''}${more}`;
}

/** True when `err` is an OciError with one of `codes`. */
export function hasCode(err: unknown, ...codes: OciErrorCode[]): err is OciError {
  return err instanceof OciError && codes.includes(err.code);
}

/**
 * "The store does not have it", whichever target threw: the one test every caller uses (a
 * registry's NAME/MANIFEST/BLOB_UNKNOWN, a layout's NOT_FOUND, a bare 404).
 */
const NOT_FOUND_CODES = new Set<OciErrorCode>([
  'NOT_FOUND',
  'MANIFEST_UNKNOWN',
  'BLOB_UNKNOWN',
  'NAME_UNKNOWN',
]);

export function isNotFound(error: unknown): boolean {
  if (!(error instanceof OciError)) return false;
  return NOT_FOUND_CODES.has(error.code) || (error.status === 404 && !isRegistryErrorCode(error.code));
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
