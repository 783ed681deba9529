import { describe, expect, it } from 'vitest';
import { digestFromMap, ociLocationFromPurl, repositoryKey } from '../../../src/formats/index.js';
import { normaliseDigest, splitLocationScheme, tryParseReference } from '../../../src/oci/types.js';

const HEX = '6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d';

describe('normaliseDigest', () => {
  it.each([
    [`sha256:${HEX}`, `sha256:${HEX}`],
    [`sha256:${HEX.toUpperCase()}`, `sha256:${HEX}`],
    [HEX, `sha256:${HEX}`],
    [`  sha256:${HEX}\n`, `sha256:${HEX}`],
    [`sha512:${'a'.repeat(128)}`, `sha512:${'a'.repeat(128)}`],
    ['sha1:0123456789abcdef0123456789abcdef01234567', 'sha1:0123456789abcdef0123456789abcdef01234567'],
  ])('%s → %s', (input, out) => expect(normaliseDigest(input)).toBe(out));

  it.each([
    '',
    'sha256:',
    'sha256:abc',
    `sha256:${HEX}0`,
    'md5-not-a-digest',
    `sha256:${'g'.repeat(64)}`,
    'latest',
  ])('rejects %j', (input) => expect(normaliseDigest(input)).toBeUndefined());

  it('reads TEP-0147 digest maps, sha256 first', () => {
    expect(digestFromMap({ sha1: '0123456789abcdef0123456789abcdef01234567', sha256: HEX })).toEqual({
      digest: `sha256:${HEX}`,
    });
    expect(digestFromMap({ sha256: `sha256:${HEX}` })).toEqual({ digest: `sha256:${HEX}` });
    expect(digestFromMap({ sha256: 'nope' })).toEqual({ invalid: 'sha256: nope' });
    expect(digestFromMap({})).toEqual({});
  });
});

describe('locations', () => {
  it('splits oci: and oci:// prefixes', () => {
    expect(splitLocationScheme('oci:quay.io/a/b@sha256:x')).toEqual({
      scheme: 'oci:',
      reference: 'quay.io/a/b@sha256:x',
    });
    expect(splitLocationScheme('oci://quay.io/a/b:t')).toEqual({
      scheme: 'oci://',
      reference: 'quay.io/a/b:t',
    });
    expect(splitLocationScheme('quay.io/a/b')).toEqual({ scheme: 'none', reference: 'quay.io/a/b' });
  });

  it('reads reported references with the one grammar', () => {
    expect(tryParseReference(`registry.local:5000/team/app:v1@sha256:${HEX}`)).toEqual({
      registry: 'registry.local:5000',
      repository: 'team/app',
      tag: 'v1',
      digest: `sha256:${HEX}`,
    });
    expect(tryParseReference('ubuntu')).toEqual({ registry: 'docker.io', repository: 'library/ubuntu' });
    expect(tryParseReference('acme/app:1')).toEqual({
      registry: 'docker.io',
      repository: 'acme/app',
      tag: '1',
    });
    expect(tryParseReference('localhost/app')).toEqual({ registry: 'localhost', repository: 'app' });
    expect(tryParseReference(`oci:quay.io/x/y@sha256:${HEX}`)?.digest).toBe(`sha256:${HEX}`);
  });

  it.each([
    '',
    'pkg:github/a/b',
    'https://example.com/x',
    'Quay.io/UPPER/case',
    'a b',
    'x//y',
    `x@sha256:12`,
  ])('does not take %j for an OCI reference', (s) => expect(tryParseReference(s)).toBeUndefined());

  it('compares repositories without tag, digest or scheme', () => {
    expect(repositoryKey(`oci:quay.io/a/b:t@sha256:${HEX}`)).toBe('quay.io/a/b');
    expect(repositoryKey('docker.io/library/ubuntu:22.04')).toBe(repositoryKey('ubuntu'));
  });

  it('maps purls to OCI locations when they say where', () => {
    expect(ociLocationFromPurl(`pkg:oci/app@sha256%3A${HEX}?repository_url=quay.io/acme/app&tag=v1`)).toEqual(
      {
        location: `quay.io/acme/app:v1@sha256:${HEX}`,
        digest: `sha256:${HEX}`,
      },
    );
    expect(ociLocationFromPurl(`pkg:docker/acme/myapp@sha256:${HEX}`)).toEqual({
      location: `docker.io/acme/myapp@sha256:${HEX}`,
      digest: `sha256:${HEX}`,
    });
    expect(ociLocationFromPurl('pkg:docker/nginx@1.25?repository_url=ghcr.io')).toEqual({
      location: 'ghcr.io/nginx:1.25',
    });
    expect(ociLocationFromPurl(`pkg:oci/app@sha256%3A${HEX}`)).toBeUndefined();
    expect(ociLocationFromPurl('pkg:github/acme/app@v1')).toBeUndefined();
  });
});
