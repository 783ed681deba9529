// The caps that keep a hostile or broken registry from costing unbounded memory or time, and the
// typed errors that name them. Each cap has a default here and an option that raises it.
import { OciError, type OciErrorCode, type OciErrorOptions } from './errors.js';

/** Bytes of a token endpoint's answer (oras-go caps it at 128 KiB; real tokens are a few KiB). */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** Bytes of one page of a referrers listing: above the 4 MiB manifest cap so one oversized entry does not cost the page. */
export const MAX_REFERRERS_PAGE_BYTES = 16 * 1024 * 1024;
/** Bytes of one page of a tags listing. */
export const MAX_TAGS_PAGE_BYTES = 32 * 1024 * 1024;
/** Pages followed for one tags or referrers listing. */
export const DEFAULT_MAX_PAGES = 10_000;
/** Referrers kept for one subject. */
export const DEFAULT_MAX_REFERRERS = 100_000;
/** Bytes of one referrer's descriptor (as JSON) in a listing; above it the entry is kept without annotations and reported. */
export const DEFAULT_MAX_REFERRER_BYTES = 64 * 1024;
/** One request, every retry and the whole body included: a body sent at a trickle still ends. */
export const DEFAULT_REQUEST_DEADLINE_MS = 30 * 60 * 1000;

/** Which cap was hit, named as the option that raises it. */
export type LimitName =
  | 'maxTokenResponseBytes'
  | 'maxReferrersPageBytes'
  | 'maxTagsPageBytes'
  | 'maxManifestBytes'
  | 'maxPages'
  | 'maxReferrers'
  | 'maxReferrerBytes';

/**
 * A cap we impose was reached. `limit` names the option that raises it and `max` its value; the
 * hint says so. Byte caps keep the `TOO_LARGE` code they always had, counts are `LIMIT_EXCEEDED`.
 */
export class LimitError extends OciError {
  override name = 'LimitError';
  readonly limit: LimitName;
  readonly max: number;

  constructor(
    limit: LimitName,
    max: number,
    message: string,
    options: OciErrorOptions & { code?: Extract<OciErrorCode, 'TOO_LARGE' | 'LIMIT_EXCEEDED'> } = {},
  ) {
    super(options.code ?? (limit.endsWith('Bytes') ? 'TOO_LARGE' : 'LIMIT_EXCEEDED'), message, {
      hint: `This cap (${limit} = ${max}) protects against registries that answer without end; raise ${limit} in the OCI client options if the content is really that large.`,
      ...options,
    });
    this.limit = limit;
    this.max = max;
  }
}

/** A request did not complete within its overall deadline (`timeouts.requestMs`). */
export class DeadlineError extends OciError {
  override name = 'DeadlineError';
  readonly limitMs: number;

  constructor(limitMs: number, message: string, options: OciErrorOptions = {}) {
    super('TIMEOUT', message, {
      hint: `Each request must complete within ${formatMs(limitMs)} (timeouts.requestMs; the CLI's --request-timeout), retries and body included; the registry sent too slowly. Retry, or raise it for very large blobs on slow links.`,
      ...options,
    });
    this.limitMs = limitMs;
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
