import { describe, expect, it } from 'vitest';
import { TokenCache, basicAuth, buildTokenRequest, parseTokenResponse } from '../../../src/oci/auth/token.js';
import { OciError } from '../../../src/oci/errors.js';
import { Limiter, KeyedMutex, mapConcurrent } from '../../../src/oci/concurrency.js';

describe('token responses', () => {
  it('accepts token or access_token, default 60 s, renewed early', () => {
    expect(parseTokenResponse('{"token":"t","expires_in":300}', 0)).toEqual({
      token: 't',
      expiresAt: 290_000,
    });
    expect(parseTokenResponse('{"access_token":"a"}', 0)).toEqual({ token: 'a', expiresAt: 50_000 });
    expect(parseTokenResponse('{"token":"t","expires_in":10}', 0).expiresAt).toBe(5000);
  });
  it.each(['', 'nope', '[]', '{}', '{"token":""}', '{"token":5}'])('rejects %j', (body) => {
    expect(() => parseTokenResponse(body)).toThrow(OciError);
  });
});

describe('token requests', () => {
  const challenge = { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } };
  it('GETs with Basic credentials and repeated scopes', () => {
    const r = buildTokenRequest(
      challenge,
      ['repository:a:pull', 'repository:b:pull'],
      { username: 'u', password: 'p' },
      'c',
    );
    expect(r.method).toBe('GET');
    expect(r.url.toString()).toBe(
      'https://auth.example/token?service=reg&scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull',
    );
    expect(r.headers.authorization).toBe(basicAuth('u', 'p'));
  });
  it('GETs anonymously without credentials', () => {
    expect(buildTokenRequest(challenge, [], undefined, 'c').headers).toEqual({});
  });
  it('POSTs a refresh_token grant for identity tokens', () => {
    const r = buildTokenRequest(challenge, ['repository:a:pull'], { identityToken: 'rt' }, 'tkn');
    expect(r.method).toBe('POST');
    expect(new URLSearchParams(r.body)).toEqual(
      new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'rt',
        client_id: 'tkn',
        service: 'reg',
        scope: 'repository:a:pull',
      }),
    );
  });
  it('refuses a missing or non-http realm', () => {
    expect(() => buildTokenRequest({ scheme: 'bearer', params: {} }, [], undefined, 'c')).toThrow(/no realm/);
    expect(() =>
      buildTokenRequest({ scheme: 'bearer', params: { realm: 'file:///etc/passwd' } }, [], undefined, 'c'),
    ).toThrow(/http/);
  });
});

describe('TokenCache', () => {
  it('caches per scope until expiry and fetches once for concurrent callers', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TokenCache(() => now);
    const fetcher = async () => {
      calls++;
      return { token: `t${calls}`, expiresAt: now + 1000 };
    };
    const [a, b] = await Promise.all([cache.fetch('s', fetcher), cache.fetch('s', fetcher)]);
    expect([a, b, calls]).toEqual(['t1', 't1', 1]);
    expect(cache.get('s')).toBe('t1');
    expect(cache.get('other')).toBeUndefined();
    now = 1000;
    expect(cache.get('s')).toBeUndefined();
  });
});

describe('Limiter', () => {
  it('bounds concurrency and keeps order in mapConcurrent', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const out = await mapConcurrent([1, 2, 3, 4, 5, 6], 6, (n) =>
      limiter.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return n * 2;
      }),
    );
    expect(out).toEqual([2, 4, 6, 8, 10, 12]);
    expect(peak).toBe(2);
    expect(limiter.inFlight).toBe(0);
  });
  it('gives up a queued slot on abort', async () => {
    const limiter = new Limiter(1);
    const release = await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire(ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    release();
    expect(limiter.inFlight).toBe(0);
  });
  it('KeyedMutex serialises per key', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((x) =>
        m.run('k', async () => {
          log.push(`start ${x}`);
          await new Promise((r) => setTimeout(r, 2));
          log.push(`end ${x}`);
        }),
      ),
    );
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
