// Docker credential helpers: `docker-credential-<name> get`, server URL on stdin, JSON on stdout.
import { spawn } from 'node:child_process';
import { OciError } from '../errors.js';

export interface HelperOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const NOT_FOUND = /credentials not found|not found in native keychain|no credentials/i;

/**
 * Runs the helper; undefined when it has no credentials for `serverUrl`. Errors never include its
 * stdout (which holds the secret).
 */
/** What a helper answers (a Credential of ./credentials.ts; declared here so the two files do not import each other). */
export interface HelperCredential {
  username?: string;
  password?: string;
  identityToken?: string;
}

export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<HelperCredential | undefined> {
  // The name comes from a config file; keep it to a bare program name.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new OciError('CREDENTIALS', `invalid credential helper name ${JSON.stringify(name.slice(0, 60))}`, {
      hint: 'credsStore/credHelpers values name a docker-credential-<name> program on PATH.',
    });
  }
  const program = `docker-credential-${name}`;
  const { code, stdout, stderr, spawnError } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    spawnError?: NodeJS.ErrnoException;
  }>((resolve) => {
    const child = spawn(program, ['get'], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 30_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout: '', stderr: '', spawnError: e }),
    );
    child.on('close', (c) =>
      resolve({
        code: c,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => undefined); // the helper may exit before reading stdin
    child.stdin.end(serverUrl);
  });
  if (spawnError) {
    throw new OciError(
      'CREDENTIALS',
      `cannot run credential helper ${program}: ${spawnError.code === 'ENOENT' ? 'not found on PATH' : (spawnError.code ?? 'error')}`,
      { hint: `Install ${program}, or remove "${name}" from credsStore/credHelpers in your Docker config.` },
    );
  }
  if (code !== 0) {
    if (NOT_FOUND.test(stdout) || NOT_FOUND.test(stderr)) return undefined;
    const firstLine = (stderr.split('\n').find((l) => l.trim()) ?? '').slice(0, 200);
    throw new OciError(
      'CREDENTIALS',
      `credential helper ${program} failed (exit ${code ?? 'signal'})${firstLine ? `: ${firstLine}` : ''}`,
      {
        hint: `Check that ${program} works: echo <registry> | ${program} get`,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new OciError('CREDENTIALS', `credential helper ${program} printed something that is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new OciError(
      'CREDENTIALS',
      `credential helper ${program} printed something that is not a JSON object`,
    );
  }
  const { Username, Secret } = parsed as { Username?: unknown; Secret?: unknown };
  if (typeof Secret !== 'string' || Secret === '') return undefined;
  // Docker's convention: the user name `<token>` marks an identity (refresh) token.
  if (Username === '<token>') return { identityToken: Secret };
  return { username: typeof Username === 'string' ? Username : '', password: Secret };
}
