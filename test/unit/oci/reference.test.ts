import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatReference,
  isLocalhost,
  isValidTag,
  parseReference,
  referenceForm,
  validateTag,
  type Reference,
} from '../../../src/oci/reference.js';
import { InvalidReferenceError } from '../../../src/oci/errors.js';

const D = `sha256:${'a'.repeat(64)}`;
const D512 = `sha512:${'b'.repeat(128)}`;

describe('parseReference: valid forms', () => {
  const cases: [string, Reference][] = [
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['index.docker.io/alpine:1', { registry: 'docker.io', repository: 'library/alpine', tag: '1' }],
    ['tektoncd/pipeline', { registry: 'docker.io', repository: 'tektoncd/pipeline' }],
    ['ghcr.io/org/app/results:v1', { registry: 'ghcr.io', repository: 'org/app/results', tag: 'v1' }],
    ['localhost/repo', { registry: 'localhost', repository: 'repo' }],
    ['localhost:5000/a/b:t', { registry: 'localhost:5000', repository: 'a/b', tag: 't' }],
    ['127.0.0.1:5000/r@' + D, { registry: '127.0.0.1:5000', repository: 'r', digest: D }],
    ['[::1]:5000/r:tag', { registry: '[::1]:5000', repository: 'r', tag: 'tag' }],
    ['[::1]/r', { registry: '[::1]', repository: 'r' }],
    ['[2001:db8::1]:443/x/y', { registry: '[2001:db8::1]:443', repository: 'x/y' }],
    ['quay.io/a/b:tag@' + D, { registry: 'quay.io', repository: 'a/b', tag: 'tag', digest: D }],
    ['quay.io/a/b@' + D512, { registry: 'quay.io', repository: 'a/b', digest: D512 }],
    ['Registry.Example/r', { registry: 'Registry.Example', repository: 'r' }],
    ['reg.io/a__b/c-d/e--f/g.h/i_j', { registry: 'reg.io', repository: 'a__b/c-d/e--f/g.h/i_j' }],
    ['oci:quay.io/konflux/ta@' + D, { registry: 'quay.io', repository: 'konflux/ta', digest: D }],
    [
      'oci://registry.local:5000/tekton/artifacts:run-1',
      {
        registry: 'registry.local:5000',
        repository: 'tekton/artifacts',
        tag: 'run-1',
      },
    ],
    ['oci:5000/r', { registry: 'oci:5000', repository: 'r' }],
    ['r:_tag', { registry: 'docker.io', repository: 'library/r', tag: '_tag' }],
  ];
  for (const [input, want] of cases) {
    it(input, () => expect(parseReference(input)).toEqual(want));
  }

  it('honours defaultRegistry', () => {
    expect(parseReference('team/app', { defaultRegistry: 'registry.local' })).toEqual({
      registry: 'registry.local',
      repository: 'team/app',
    });
  });

  it('tells the forms apart', () => {
    expect(referenceForm('oci:quay.io/a@' + D)).toBe('oci');
    expect(referenceForm('oci://quay.io/a')).toBe('oci-uri');
    expect(referenceForm('quay.io/a')).toBe('plain');
    expect(referenceForm('oci:5000/a')).toBe('plain');
  });
});

describe('parseReference: invalid references say what and where', () => {
  const cases: [string, InvalidReferenceError['part'], number, RegExp][] = [
    ['', 'reference', 0, /empty/],
    ['oci:', 'reference', 4, /empty/],
    ['Alpine', 'repository', 0, /lowercase/],
    ['quay.io/Team/app', 'repository', 8, /lowercase/],
    ['quay.io/team//app', 'repository', 13, /empty path component/],
    ['quay.io/team/app/', 'repository', 17, /empty path component/],
    ['quay.io/a:', 'tag', 10, /empty/],
    ['quay.io/a:-x', 'tag', 10, /start/],
    ['quay.io/a:' + 'x'.repeat(129), 'tag', 10, /128/],
    ['quay.io/a@sha256:abc', 'digest', 10, /64 hex/],
    ['quay.io/a@sha256:' + 'A'.repeat(64), 'digest', 10, /lowercase/],
    ['quay.io/a@md5:abcd', 'digest', 10, /unsupported algorithm/],
    ['quay.io/a@nonsense', 'digest', 10, /prefix/],
    ['reg.io:99999/a', 'registry', 0, /out of range/],
    ['reg.io:abc/a', 'registry', 0, /not a number/],
    ['[::1/a', 'registry', 0, /missing "]"/],
    ['[zz]:5000/a', 'registry', 0, /not an IPv6/],
    ['-bad.io/a', 'registry', 0, /not a valid host/],
    ['quay.io/a b', 'reference', 9, /whitespace/],
    ['quay.io/a__-b', 'repository', 8, /may only contain/],
    ['quay.io/' + 'a'.repeat(250), 'repository', 8, /255/],
  ];
  for (const [input, part, position, reason] of cases) {
    it(JSON.stringify(input.slice(0, 40)), () => {
      let err: unknown;
      try {
        parseReference(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidReferenceError);
      const e = err as InvalidReferenceError;
      expect(e.code).toBe('INVALID_REFERENCE');
      expect(e.part).toBe(part);
      expect(e.position).toBe(position);
      expect(e.message).toMatch(reason);
      expect(e.hint).toBeTruthy();
    });
  }
});

describe('tags', () => {
  it('validates tags', () => {
    expect(isValidTag('v1.0_rc-1')).toBe(true);
    expect(isValidTag('_x')).toBe(true);
    expect(isValidTag('.x')).toBe(false);
    expect(isValidTag('a'.repeat(128))).toBe(true);
    expect(isValidTag('a'.repeat(129))).toBe(false);
    expect(() => validateTag('a/b')).toThrow(InvalidReferenceError);
  });

  it('knows localhost', () => {
    expect(isLocalhost('localhost')).toBe(true);
    expect(isLocalhost('localhost:5000')).toBe(true);
    expect(isLocalhost('127.0.0.1:5000')).toBe(false);
    expect(isLocalhost('[::1]:5000')).toBe(false);
  });
});

// ---- properties ----------------------------------------------------------------------------------

const alnum = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 6,
});
const sep = fc.constantFrom('.', '_', '__', '-', '--');
const component = fc
  .tuple(alnum, fc.array(fc.tuple(sep, alnum), { maxLength: 2 }))
  .map(([h, t]) => h + t.map(([s, a]) => s + a).join(''));
const repository = fc.array(component, { minLength: 2, maxLength: 4 }).map((c) => c.join('/'));
const hostLabel = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 8,
});
const registry = fc.oneof(
  fc.tuple(hostLabel, hostLabel).map(([a, b]) => `${a}.${b}`),
  fc.tuple(hostLabel, hostLabel, fc.integer({ min: 1, max: 65535 })).map(([a, b, p]) => `${a}.${b}:${p}`),
  fc.constant('localhost'),
  fc.integer({ min: 1, max: 65535 }).map((p) => `localhost:${p}`),
  fc.integer({ min: 1, max: 65535 }).map((p) => `[::1]:${p}`),
  fc.constant('docker.io'),
);
const tagArb = fc
  .tuple(
    fc.constantFrom(...'abcXYZ019_'),
    fc.string({ unit: fc.constantFrom(...'abcXYZ019_.-'), maxLength: 20 }),
  )
  .map(([a, b]) => a + b);
const digestArb = fc.oneof(
  fc
    .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
    .map((h) => `sha256:${h}`),
  fc
    .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 128, maxLength: 128 })
    .map((h) => `sha512:${h}`),
);
const referenceArb: fc.Arbitrary<Reference> = fc
  .record({
    registry,
    repository,
    tag: fc.option(tagArb, { nil: undefined }),
    digest: fc.option(digestArb, { nil: undefined }),
  })
  .map((r) => {
    const out: Reference = { registry: r.registry, repository: r.repository };
    if (r.tag !== undefined) out.tag = r.tag;
    if (r.digest !== undefined) out.digest = r.digest;
    return out;
  });

describe('properties', () => {
  it('parse(format(r)) == r for valid references', () => {
    fc.assert(
      fc.property(referenceArb, (r) => {
        expect(parseReference(formatReference(r))).toEqual(r);
        expect(parseReference(`oci://${formatReference(r)}`)).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('format(parse(s)) is a fixed point', () => {
    fc.assert(
      fc.property(referenceArb, (r) => {
        const s = formatReference(parseReference(formatReference(r)));
        expect(formatReference(parseReference(s))).toBe(s);
      }),
    );
  });

  it('any input either parses or throws InvalidReferenceError', () => {
    const noisy = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom(...'ab:/@[]._-019Asha256oci') }),
      referenceArb.chain((r) =>
        fc
          .tuple(fc.constant(formatReference(r)), fc.nat(), fc.string({ maxLength: 3 }))
          .map(([s, i, ins]) => {
            const at = i % (s.length + 1);
            return s.slice(0, at) + ins + s.slice(at + 1);
          }),
      ),
    );
    fc.assert(
      fc.property(noisy, (s) => {
        try {
          const r = parseReference(s);
          // Whatever parses must format and re-parse to the same thing.
          expect(parseReference(formatReference(r))).toEqual(r);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidReferenceError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
