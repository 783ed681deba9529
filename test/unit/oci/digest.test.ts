import { describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import {
  DigestingStream,
  InvalidDigestError,
  VerifyingStream,
  digestOf,
  isDigest,
  parseDigest,
  verifyBytes,
} from '../../../src/oci/digest.js';
import { VerificationError } from '../../../src/oci/errors.js';

async function run(chunks: Uint8Array[], expected: { digest: string; size: number }): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new VerifyingStream(expected),
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('digest parsing', () => {
  it('accepts sha256 and sha512', () => {
    expect(parseDigest(`sha256:${'0'.repeat(64)}`)).toEqual({ algorithm: 'sha256', hex: '0'.repeat(64) });
    expect(isDigest(`sha512:${'f'.repeat(128)}`)).toBe(true);
  });
  it.each([
    ['sha256:abc', /64 hex/],
    [`sha256:${'G'.repeat(64)}`, /not hex/],
    [`sha256:${'A'.repeat(64)}`, /lowercase/],
    ['md5:abc', /unsupported algorithm/],
    ['nocolon', /prefix/],
    [':', /of the form/],
  ])('rejects %s', (s, re) => {
    expect(() => parseDigest(s)).toThrow(InvalidDigestError);
    expect(() => parseDigest(s)).toThrow(re);
  });
  it('hashes', () => {
    expect(digestOf('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestOf('{}')).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});

describe('VerifyingStream', () => {
  const data = Buffer.from('hello, registry');
  const good = { digest: digestOf(data), size: data.length };

  it('passes matching content through', async () => {
    expect(await run([data.subarray(0, 3), data.subarray(3)], good)).toEqual(data);
  });

  it('errors on short content', async () => {
    const err = await run([data.subarray(0, 5)], good).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).code).toBe('SIZE_MISMATCH');
    expect((err as Error).message).toMatch(/too short/);
  });

  it('errors on trailing data as soon as it arrives', async () => {
    const err = await run([data, Buffer.from('x')], good).catch((e: unknown) => e);
    expect((err as VerificationError).code).toBe('SIZE_MISMATCH');
    expect((err as Error).message).toMatch(/trailing data/);
  });

  it('errors on a digest mismatch', async () => {
    const bad = Buffer.from(data);
    bad[0] = 0x48;
    const err = await run([bad], good).catch((e: unknown) => e);
    expect((err as VerificationError).code).toBe('DIGEST_MISMATCH');
    expect((err as VerificationError).actual.digest).toBe(digestOf(bad));
    expect((err as VerificationError).hint).toMatch(/nothing was kept/);
  });

  it('supports sha512', async () => {
    expect(await run([data], { digest: digestOf(data, 'sha512'), size: data.length })).toEqual(data);
  });

  it('rejects an invalid expected descriptor up front', () => {
    expect(() => new VerifyingStream({ digest: 'sha256:x', size: 1 })).toThrow(InvalidDigestError);
    expect(() => new VerifyingStream({ digest: good.digest, size: -1 })).toThrow(/size/);
  });

  it('verifyBytes agrees with the stream for arbitrary data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), async (a, b) => {
        const expected = { digest: digestOf(a), size: a.length };
        const same = Buffer.from(a).equals(Buffer.from(b));
        const streamOk = await run([b], expected).then(
          () => true,
          () => false,
        );
        let bytesOk = true;
        try {
          verifyBytes(b, expected);
        } catch (e) {
          expect(e).toBeInstanceOf(VerificationError);
          bytesOk = false;
        }
        expect(streamOk).toBe(same);
        expect(bytesOk).toBe(same);
      }),
      { numRuns: 200 },
    );
  });
});

describe('DigestingStream', () => {
  it('computes digest and size', async () => {
    const d = new DigestingStream();
    await pipeline(
      Readable.from([Buffer.from('ab'), Buffer.from('c')]),
      d,
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    expect(d.digest).toBe(digestOf('abc'));
    expect(d.size).toBe(3);
  });
});
