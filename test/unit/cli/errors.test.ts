import { describe, expect, it } from 'vitest';
import { errorKind, toCliError, typedFailure, CliError } from '../../../src/cli/errors.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import {
  ApiServerError,
  InputError,
  KubeconfigError,
  NotFoundError,
  UnauthorizedError,
  UnreachableError,
} from '../../../src/cluster/errors.js';
import { InvalidDigestError } from '../../../src/oci/digest.js';
import { InvalidReferenceError, ManifestError, OciError } from '../../../src/oci/errors.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';

describe('exit codes from typed errors (one mapping)', () => {
  it.each([
    [new OciError('MANIFEST_UNKNOWN', 'no such manifest'), 'notFound'],
    [new OciError('NAME_UNKNOWN', 'no such repository'), 'notFound'],
    [new OciError('DENIED', 'denied'), 'forbidden'],
    [new OciError('UNAUTHORIZED', 'who are you'), 'forbidden'],
    [new OciError('UNSUPPORTED', 'no deletes'), 'unsupported'],
    [new OciError('TIMEOUT', 'slow'), 'unreachable'],
    [new OciError('TOOMANYREQUESTS', 'slow down'), 'unreachable'],
    [new OciError('DIGEST_MISMATCH', 'lied'), 'integrity'],
    [new InvalidReferenceError('Foo//bar', 'repository', 0, 'empty path component'), 'usage'],
    [new InvalidDigestError('sha256:12', 'too short'), 'integrity'],
    [new ManifestError('layers is not a list'), 'integrity'],
    [new NotFoundError({ kind: 'PipelineRun', name: 'x', namespace: 'ci' }), 'notFound'],
    [new UnreachableError('https://127.0.0.1:1', 'ECONNREFUSED'), 'unreachable'],
    [new KubeconfigError('no kubeconfig'), 'usage'],
    [new InputError({ file: 'run.yaml', message: 'not YAML' }), 'usage'],
    [new ApiServerError(500, 'boom'), 'internal'],
    [new UnsafeArchiveError('archive x', '../etc/passwd', 'leaves the destination'), 'integrity'],
    [new CliError('bad flag', 'usage'), 'usage'],
    [new Error('a bug'), 'internal'],
    ['a string', 'internal'],
  ] as const)('%s → %s', (error, kind) => {
    expect(errorKind(error)).toBe(kind);
    expect(toCliError(error).exitCode).toBe(ExitCode[kind]);
  });

  it('keeps the message and hint, and records the code of a failure as data', () => {
    const error = new OciError('DENIED', 'reading ci/app denied', { hint: 'ask for access' });
    const cli = toCliError(error);
    expect(cli.message).toBe('reading ci/app denied');
    expect(cli.hint).toBe('ask for access');
    expect(typedFailure(error)).toEqual({
      kind: 'forbidden',
      code: 'DENIED',
      message: 'reading ci/app denied',
    });
    expect(typedFailure(new Error('x'))).toEqual({ kind: 'internal', message: 'x' });
  });

  it('an unauthorized cluster is forbidden (exit 4), not internal', () => {
    expect(errorKind(new UnauthorizedError({ server: 'https://k8s' }))).toBe('forbidden');
  });
});
