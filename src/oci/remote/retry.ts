// Retry policy: which failures are transient, and how long to wait. Pure, so it is unit-tested
// without a server; the client supplies the clock and the random source.

export interface RetryPolicy {
  /** Retries after the first attempt. Default 5 (as oras). */
  maxRetries: number;
  /** First backoff. Default 250 ms, doubling each time (as oras). */
  baseDelayMs: number;
  /** Cap for one wait, including a server's Retry-After. Default 30 s. */
  maxDelayMs: number;
  /** Give up when the next wait would end later than this after the first attempt. Default 120 s. */
  maxElapsedMs: number;
  /** ± fraction of random jitter on computed backoffs. Default 0.2. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxElapsedMs: 120_000,
  jitter: 0.2,
};

/** Statuses worth retrying: timeouts, rate limits and server errors (not 501, which will not change). */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505)
  );
}

/** Network error codes worth retrying. Refused connections and DNS failures fail fast instead. */
const RETRYABLE_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export function isRetryableError(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_ERRORS.has(code)) return true;
    e = e.cause;
  }
  return false;
}

/** Exponential backoff with ± jitter for attempt `n` (0 = the first retry). */
export function backoffDelay(
  n: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number {
  const raw = policy.baseDelayMs * 2 ** Math.min(n, 30);
  const jittered = raw * (1 + policy.jitter * (2 * random() - 1));
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(jittered)));
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined for anything unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), 86_400) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

export interface RetryDecisionInput {
  /** Retries already made (0 before the first retry). */
  retries: number;
  /** ms since the first attempt started. */
  elapsedMs: number;
  /** The Retry-After header, if the response had one. */
  retryAfter?: string;
  now?: number;
}

/**
 * How long to wait before the next retry, or undefined to give up: out of retries, or the wait
 * would pass the total budget. Retry-After wins over the computed backoff when it is longer.
 */
export function retryDelay(
  input: RetryDecisionInput,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number | undefined {
  if (input.retries >= policy.maxRetries) return undefined;
  let delay = backoffDelay(input.retries, policy, random);
  const after = parseRetryAfter(input.retryAfter, input.now);
  if (after !== undefined) {
    if (after > policy.maxDelayMs) return undefined;
    delay = Math.max(delay, after);
  }
  if (input.elapsedMs + delay > policy.maxElapsedMs) return undefined;
  return delay;
}

/** What one attempt gave: a value (perhaps a transient one, worth another try), or a failure. */
export type AttemptResult<T> =
  | {
      value: T;
      /** Set when the value is a transient answer (a 503, a 429): it is dropped before retrying. */
      transient?: { reason: string; retryAfter?: string; drop: () => unknown };
    }
  | { error: unknown; retryable: boolean; reason: string };

export interface RetryLoopOptions {
  policy: RetryPolicy;
  /** False: one attempt only (a streamed body cannot be resent). */
  enabled: boolean;
  random?: () => number;
  /** Waits between attempts; rejects (with a typed error) when the request is cancelled. */
  sleep: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  now?: () => number;
}

/**
 * The one retry loop: runs `attempt` until it gives a value that is not transient, fails for
 * good, or the policy says stop. When retries run out, a transient value is returned as it is (the
 * caller turns a 503 into an error) and a failure is thrown.
 */
export async function withRetries<T>(
  attempt: () => Promise<AttemptResult<T>>,
  options: RetryLoopOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const started = now();
  for (let retries = 0; ; retries++) {
    const result = await attempt();
    const failed = 'error' in result;
    const again = failed ? result.retryable : result.transient !== undefined;
    if (options.enabled && again) {
      const retryAfter = failed ? undefined : result.transient?.retryAfter;
      const delay = retryDelay(
        { retries, elapsedMs: now() - started, retryAfter },
        options.policy,
        options.random,
      );
      if (delay !== undefined) {
        if (!failed) await result.transient?.drop();
        options.log?.(`retry in ${delay} ms after ${failed ? result.reason : result.transient!.reason}`);
        await options.sleep(delay);
        continue;
      }
    }
    if (failed) throw result.error;
    return result.value;
  }
}
