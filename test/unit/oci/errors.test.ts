import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OciError, describeRegistryErrors, hasCode, parseRegistryErrors } from '../../../src/oci/errors.js';
import { redactHeaders, redactUrl } from '../../../src/oci/remote/client.js';

describe('registry error bodies', () => {
  it('parses the spec shape', () => {
    const errs = parseRegistryErrors(
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}},{"code":"denied"}]}',
    );
    expect(errs).toEqual([
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'x' } },
      { code: 'DENIED' },
    ]);
    expect(describeRegistryErrors(errs)).toBe('MANIFEST_UNKNOWN: manifest unknown (and 1 more)');
  });
  it('returns [] for anything else, and never throws', () => {
    for (const body of [undefined, '', '404 page not found', '<html>', '{"errors":5}', '[]', 'null']) {
      expect(parseRegistryErrors(body)).toEqual([]);
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ errors: v })),
        ),
        (b) => void parseRegistryErrors(b),
      ),
    );
  });
  it('hasCode narrows', () => {
    const e = new OciError('DENIED', 'no', { registry: 'r', repository: 'a/b' });
    expect(hasCode(e, 'DENIED', 'UNAUTHORIZED')).toBe(true);
    expect(hasCode(new Error('x'), 'DENIED')).toBe(false);
    expect(e.where).toBe('r/a/b');
  });
});

describe('redaction', () => {
  const origin = 'https://reg.example';
  it('keeps registry URLs, strips foreign query strings', () => {
    expect(redactUrl(new URL('https://reg.example/v2/a/blobs/uploads/x?_state=abc'), origin)).toBe(
      'https://reg.example/v2/a/blobs/uploads/x?_state=abc',
    );
    expect(redactUrl(new URL('https://s3.example/bucket/o?X-Amz-Signature=secret'), origin)).toBe(
      'https://s3.example/bucket/o?<redacted>',
    );
  });
  it('redacts credentials and foreign Location query strings', () => {
    expect(
      redactHeaders(
        {
          Authorization: 'Bearer t',
          cookie: 'c',
          location: 'https://s3.example/o?sig=1',
          'www-authenticate': 'Bearer realm="x"',
          multi: ['a', 'b'],
          none: undefined,
        },
        origin,
      ),
    ).toEqual({
      Authorization: '<redacted>',
      cookie: '<redacted>',
      location: 'https://s3.example/o?<redacted>',
      'www-authenticate': 'Bearer realm="x"',
      multi: 'a, b',
    });
  });
});
