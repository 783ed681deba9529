// Digests: parsing, hashing, and a verifying stream that every byte read from a registry or a layout
// passes through, so content that does not match its descriptor never reaches the caller unflagged.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { OciError, VerificationError, type OciErrorOptions } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
/** The general grammar from the image spec, used to tell "unsupported algorithm" from "garbage". */
export const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

export class InvalidDigestError extends OciError {
  override name = 'InvalidDigestError';
  readonly input: string;
  constructor(input: string, reason: string, options: OciErrorOptions = {}) {
    super('DIGEST_INVALID', `invalid digest ${JSON.stringify(input.slice(0, 200))}: ${reason}`, {
      hint: 'A digest is sha256:<64 lowercase hex> or sha512:<128 lowercase hex>.',
      ...options,
    });
    this.input = input;
  }
}

/** Why `s` is not a supported digest, or undefined when it is one. */
export function digestProblem(s: string): string | undefined {
  const colon = s.indexOf(':');
  if (colon < 0) return 'missing "<algorithm>:" prefix';
  const alg = s.slice(0, colon);
  const hex = s.slice(colon + 1);
  if (alg !== 'sha256' && alg !== 'sha512') {
    if (!DIGEST_GRAMMAR.test(s)) return 'not of the form <algorithm>:<encoded>';
    return `unsupported algorithm "${alg.slice(0, 40)}" (sha256 and sha512 are supported)`;
  }
  const want = HEX_LENGTH[alg];
  if (hex.length !== want) return `${alg} needs ${want} hex characters, got ${hex.length}`;
  if (!/^[0-9a-f]+$/.test(hex)) {
    return /^[0-9a-fA-F]+$/.test(hex) ? 'hex must be lowercase' : 'encoded part is not hex';
  }
  return undefined;
}

export function isDigest(s: string): boolean {
  return digestProblem(s) === undefined;
}

/** Hex lengths of the algorithms producers write (more than the two we can verify). */
const REPORTED_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128, sha1: 40 };

/**
 * A digest as a producer reported it, normalised to `<alg>:<hex>` (lower-case hex), or undefined
 * when it is not one. Lenient where producers are: a bare 64-hex string is sha256 (some Tasks
 * write IMAGE_DIGEST that way), and algorithms we cannot verify are kept, for display.
 */
export function normaliseDigest(value: string): string | undefined {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return `sha256:${v.toLowerCase()}`;
  const m = DIGEST_GRAMMAR.exec(v);
  if (!m) return undefined;
  const alg = m[1] ?? '';
  const enc = m[2] ?? '';
  const len = REPORTED_HEX_LENGTH[alg];
  if (len === undefined) return `${alg}:${enc}`;
  if (enc.length !== len || !/^[0-9a-fA-F]+$/.test(enc)) return undefined;
  return `${alg}:${enc.toLowerCase()}`;
}

export function parseDigest(s: string): ParsedDigest {
  const problem = digestProblem(s);
  if (problem) throw new InvalidDigestError(s, problem);
  const colon = s.indexOf(':');
  return { algorithm: s.slice(0, colon) as DigestAlgorithm, hex: s.slice(colon + 1) };
}

export function createDigester(algorithm: DigestAlgorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

/** The digest of `data`, e.g. `sha256:…`. */
export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export interface Expected {
  digest: string;
  size: number;
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new OciError(
      'SIZE_INVALID',
      `invalid descriptor size ${String(size)}: must be a non-negative integer`,
    );
  }
}

/** Verifies bytes already in memory; throws VerificationError on mismatch. */
export function verifyBytes(data: Uint8Array, expected: Expected, options: OciErrorOptions = {}): void {
  checkSize(expected.size);
  const { algorithm } = parseDigest(expected.digest);
  if (data.byteLength !== expected.size) {
    throw new VerificationError(
      'SIZE_MISMATCH',
      `size mismatch for ${expected.digest}: expected ${expected.size} bytes, got ${data.byteLength}`,
      expected,
      { size: data.byteLength },
      options,
    );
  }
  const actual = digestOf(data, algorithm);
  if (actual !== expected.digest) {
    throw new VerificationError(
      'DIGEST_MISMATCH',
      `digest mismatch: expected ${expected.digest}, got ${actual}`,
      expected,
      { digest: actual, size: data.byteLength },
      options,
    );
  }
}

/**
 * A pass-through stream that counts and hashes what flows through it. It errors as soon as more
 * bytes than expected arrive ("trailing data"), and at the end if there were fewer, or if the digest
 * differs. The consumer must treat the data as untrusted until the stream ends without error — which
 * is why layouts write to a temp file and rename only after `finish`.
 */
export class VerifyingStream extends Transform {
  readonly expected: Expected;
  private readonly hash: Hash;
  private readonly algorithm: DigestAlgorithm;
  private readonly errorOptions: OciErrorOptions;
  private count = 0;

  constructor(expected: Expected, errorOptions: OciErrorOptions = {}) {
    super();
    checkSize(expected.size);
    this.algorithm = parseDigest(expected.digest).algorithm;
    this.expected = expected;
    this.hash = createHash(this.algorithm);
    this.errorOptions = errorOptions;
  }

  /** Bytes seen so far. */
  get bytesSeen(): number {
    return this.count;
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, callback: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.count += buf.byteLength;
    if (this.count > this.expected.size) {
      callback(
        new VerificationError(
          'SIZE_MISMATCH',
          `trailing data for ${this.expected.digest}: expected ${this.expected.size} bytes, got at least ${this.count}`,
          this.expected,
          { size: this.count },
          this.errorOptions,
        ),
      );
      return;
    }
    this.hash.update(buf);
    callback(null, buf);
  }

  override _flush(callback: TransformCallback): void {
    if (this.count !== this.expected.size) {
      callback(
        new VerificationError(
          'SIZE_MISMATCH',
          `content too short for ${this.expected.digest}: expected ${this.expected.size} bytes, got ${this.count}`,
          this.expected,
          { size: this.count },
          this.errorOptions,
        ),
      );
      return;
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected.digest) {
      callback(
        new VerificationError(
          'DIGEST_MISMATCH',
          `digest mismatch: expected ${this.expected.digest}, got ${actual}`,
          this.expected,
          { digest: actual, size: this.count },
          this.errorOptions,
        ),
      );
      return;
    }
    callback();
  }
}

/** A pass-through stream that computes the digest and size of whatever flows through. */
export class DigestingStream extends Transform {
  private readonly hash: Hash;
  private readonly algorithm: DigestAlgorithm;
  private count = 0;
  private result?: string;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    super();
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.byteLength;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = `${this.algorithm}:${this.hash.digest('hex')}`;
    callback();
  }

  /** Available once the stream has ended. */
  get digest(): string | undefined {
    return this.result;
  }

  get size(): number {
    return this.count;
  }
}
