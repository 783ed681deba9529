import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
} from '../../../src/oci/remote/retry.js';

describe('retry policy', () => {
  it('retries 408, 429 and 5xx except 501/505', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 599]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [200, 201, 400, 401, 403, 404, 405, 412, 501, 505])
      expect(isRetryableStatus(s)).toBe(false);
  });

  it('retries connection resets and timeouts, not refusals', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(isRetryableError(err('ECONNRESET'))).toBe(true);
    expect(isRetryableError(new Error('wrapped', { cause: err('UND_ERR_SOCKET') }))).toBe(true);
    expect(isRetryableError(err('ECONNREFUSED'))).toBe(false);
    expect(isRetryableError(err('ENOTFOUND'))).toBe(false);
    expect(isRetryableError('nope')).toBe(false);
  });

  it('doubles from 250 ms with ±20% jitter, capped', () => {
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(250);
    expect(backoffDelay(3, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(2000);
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 0)).toBe(200);
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 1)).toBe(300);
    expect(backoffDelay(40, DEFAULT_RETRY_POLICY, () => 1)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
    fc.assert(
      fc.property(fc.nat(50), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const d = backoffDelay(n, DEFAULT_RETRY_POLICY, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxDelayMs);
      }),
    );
  });

  it('parses Retry-After seconds and dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('honours Retry-After when longer than the backoff', () => {
    expect(retryDelay({ retries: 0, elapsedMs: 0, retryAfter: '2' }, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(
      2000,
    );
    expect(retryDelay({ retries: 0, elapsedMs: 0, retryAfter: '0' }, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(
      250,
    );
  });

  it('gives up after maxRetries, past the time budget, or on an excessive Retry-After', () => {
    const p = DEFAULT_RETRY_POLICY;
    expect(retryDelay({ retries: p.maxRetries, elapsedMs: 0 }, p)).toBeUndefined();
    expect(retryDelay({ retries: 0, elapsedMs: p.maxElapsedMs - 10 }, p, () => 0.5)).toBeUndefined();
    expect(retryDelay({ retries: 0, elapsedMs: 0, retryAfter: '3600' }, p)).toBeUndefined();
    // The whole schedule fits in the budget.
    let elapsed = 0;
    let n = 0;
    for (;;) {
      const d = retryDelay({ retries: n, elapsedMs: elapsed }, p, () => 1);
      if (d === undefined) break;
      elapsed += d;
      n++;
    }
    expect(n).toBe(p.maxRetries);
    expect(elapsed).toBeLessThanOrEqual(p.maxElapsedMs);
  });
});
