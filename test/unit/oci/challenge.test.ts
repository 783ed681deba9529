import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeScopes, parseChallenges, repositoryScope } from '../../../src/oci/auth/challenge.js';
import { nextLink, parseLinkHeader } from '../../../src/oci/remote/link.js';

describe('WWW-Authenticate', () => {
  it('parses a distribution Bearer challenge', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:samalba/my-app:pull,push',
        },
      },
    ]);
  });

  it('parses Basic, case-insensitively, with spaces and unquoted values', () => {
    expect(parseChallenges('basic  Realm = tkn ,  charset="UTF-8"')).toEqual([
      { scheme: 'basic', params: { realm: 'tkn', charset: 'UTF-8' } },
    ]);
  });

  it('splits several challenges in one header and in several headers', () => {
    const one = parseChallenges(
      'Basic realm="r", Bearer realm="https://t/token",service="s",error="invalid_token"',
    );
    expect(one.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(one[1]!.params).toEqual({ realm: 'https://t/token', service: 's', error: 'invalid_token' });
    const many = parseChallenges(['Basic realm="r"', 'Bearer realm="x"']);
    expect(many.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
  });

  it('unescapes quoted-pairs and keeps commas inside quotes', () => {
    expect(
      parseChallenges('Bearer realm="a\\"b",scope="repository:x:pull,push repository:y:pull"')[0]!.params,
    ).toEqual({
      realm: 'a"b',
      scope: 'repository:x:pull,push repository:y:pull',
    });
  });

  it('parses token68', () => {
    expect(parseChallenges('Negotiate abc123==')).toEqual([
      { scheme: 'negotiate', params: { token68: 'abc123==' } },
    ]);
  });

  it('never throws and terminates on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'Bearer realm=",\\ ab') })),
        (s) => {
          const out = parseChallenges(s);
          expect(Array.isArray(out)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('scopes', () => {
  it('builds and merges', () => {
    expect(repositoryScope('a/b', ['push', 'pull', 'pull'])).toBe('repository:a/b:pull,push');
    expect(
      mergeScopes(
        'repository:a:pull',
        'repository:a:push repository:b:pull',
        undefined,
        'registry:catalog:*',
      ),
    ).toEqual(['registry:catalog:*', 'repository:a:pull,push', 'repository:b:pull']);
    expect(mergeScopes('repository:a:*', 'repository:a:pull')).toEqual(['repository:a:*']);
    expect(mergeScopes('repository:localhost:5000/a:pull')).toEqual(['repository:localhost:5000/a:pull']);
  });
});

describe('Link', () => {
  it('finds rel=next among several links', () => {
    expect(nextLink('</v2/r/tags/list?n=2&last=b>; rel="next"')).toBe('/v2/r/tags/list?n=2&last=b');
    expect(nextLink('<https://x/prev>; rel="prev", <https://x/next?a=1,2>; rel=next')).toBe(
      'https://x/next?a=1,2',
    );
    expect(nextLink('<a>; rel="prev next"')).toBe('a');
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('garbage')).toBeUndefined();
    expect(parseLinkHeader('<a>; title="x, y"; rel=next')).toEqual([
      { uri: 'a', params: { title: 'x, y', rel: 'next' } },
    ]);
  });
  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'<>;,="rel next a') }), (s) => void nextLink(s)),
    );
  });
});
