// What went wrong, in our terms: network errors classified (retry or not, what to tell the user),
// registry responses turned into codes, and the hint that goes with each code.
import type { OciErrorCode } from '../errors.js';
import { isRetryableError } from './retry.js';

export interface NetErrorInfo {
  code: OciErrorCode;
  hint: string;
  retryable: boolean;
}

export const CANCELLED: NetErrorInfo = {
  code: 'ABORTED',
  hint: 'The operation was cancelled.',
  retryable: false,
};

export function classifyNetworkError(err: unknown, plainHttp: boolean): NetErrorInfo {
  const codes: string[] = [];
  const messages: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
    codes.push(e.name);
    messages.push(e.message);
    e = e.cause;
  }
  const has = (re: RegExp): boolean => codes.some((c) => re.test(c)) || messages.some((m) => re.test(m));
  if (has(/AbortError|UND_ERR_ABORTED|ABORT_ERR/)) return CANCELLED;
  if (
    has(
      /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|wrong version number|HOSTNAME_MISMATCH|certificate/i,
    )
  ) {
    return {
      code: 'TLS',
      hint: plainHttp
        ? 'The registry expects TLS; drop --plain-http.'
        : 'Trust the registry’s CA with --ca-file, or (for a test registry only) use --insecure; if it speaks plain HTTP, use --plain-http.',
      retryable: false,
    };
  }
  if (has(/TIMEOUT/))
    return {
      code: 'TIMEOUT',
      hint: 'The registry did not answer in time; check the network, or retry.',
      retryable: isRetryableError(err),
    };
  if (has(/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_NONAME/)) {
    return {
      code: 'UNREACHABLE',
      hint: 'Check the registry host and port, and that it is running and reachable from here.',
      retryable: false,
    };
  }
  if (has(/HPE_|UND_ERR_INFO|PARSE/)) {
    return {
      code: 'PROTOCOL',
      hint: plainHttp
        ? 'The server did not answer HTTP; if it speaks HTTPS, drop --plain-http.'
        : 'The server did not answer valid HTTP.',
      retryable: false,
    };
  }
  return {
    code: 'UNREACHABLE',
    hint: 'The connection failed; retry, and check network and proxies.',
    retryable: isRetryableError(err),
  };
}

/** What a failed connection says, short: the error codes along the cause chain. */
export function networkReason(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 3 && e instanceof Error; i++) {
    const c = (e as { code?: unknown }).code;
    parts.push(typeof c === 'string' ? c : e.message.slice(0, 120));
    e = e.cause;
  }
  return [...new Set(parts)].join(': ') || 'unknown error';
}

/** A request path without its query (which may hold a signature), for errors. */
export function stripQuery(path: string): string {
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  try {
    return new URL(p, 'http://x').pathname;
  } catch {
    return p;
  }
}

const STATUS_CODES: Record<number, OciErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'DENIED',
  404: 'NOT_FOUND',
  405: 'UNSUPPORTED',
  409: 'CONFLICT',
  412: 'CONFLICT',
  413: 'TOO_LARGE',
  416: 'PROTOCOL',
  429: 'TOOMANYREQUESTS',
};

/** The code for a status when the registry sent no error body of its own. */
export function codeForStatus(status: number): OciErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'PROTOCOL');
}

export interface HintContext {
  registry: string;
  method: string;
  repository?: string;
  /** Where the credentials that were rejected came from, if any. */
  credentialSource?: string;
}

/** What the user can do about `code`. */
export function hintFor(code: OciErrorCode, c: HintContext): string | undefined {
  const repo = c.repository ? `${c.registry}/${c.repository}` : c.registry;
  switch (code) {
    case 'UNAUTHORIZED':
      return c.credentialSource
        ? `The credentials from ${c.credentialSource} were rejected by ${c.registry}; log in again (docker login / oras login ${c.registry}), or pass --registry-config with a config that holds valid ones.`
        : `${c.registry} needs credentials; log in (docker login / oras login ${c.registry}, or a credential helper), or pass --registry-config with a config that holds them.`;
    case 'DENIED':
      return `The credentials do not allow ${c.method === 'DELETE' ? 'deleting' : c.method === 'GET' || c.method === 'HEAD' ? 'reading' : 'writing'} in ${repo}; ask for access.`;
    case 'NAME_UNKNOWN':
      return `The repository ${repo} does not exist; check the reference.`;
    case 'MANIFEST_UNKNOWN':
      return `No such manifest in ${repo}; check the tag or digest (it may have been deleted or garbage-collected).`;
    case 'BLOB_UNKNOWN':
      return `The blob is missing from ${repo}; it may have been garbage-collected.`;
    case 'TOOMANYREQUESTS':
      return `${c.registry} is rate-limiting us; wait and retry, lower --concurrency, or log in for higher limits.`;
    case 'UNAVAILABLE':
      return `${c.registry} failed on its side; retry later.`;
    default:
      return undefined;
  }
}

/** The hint for a token service that refused us. */
export function tokenRefusedHint(registry: string, rejected: boolean, source: string | undefined): string {
  if (!rejected) return 'The token service failed; retry later.';
  return source
    ? `The credentials from ${source} were rejected; log in again (docker login / oras login ${registry}), or pass --registry-config with a config that holds valid ones.`
    : `Anonymous access was refused; log in (docker login / oras login ${registry}, or a credential helper), or pass --registry-config with a config that holds credentials.`;
}
