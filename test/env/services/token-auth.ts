// A token service for distribution's `auth: token`, in the test process: it checks Basic
// credentials or an identity (refresh) token and signs ES256 JWTs with a certificate the registry
// trusts. Started by the tests that need it, beside a distribution (distribution.ts, extraConfig).
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { json, startServer, type TestServer } from '../../support/http-server.js';

export interface TokenIssuer {
  server: TestServer;
  certFile: string;
  issuer: string;
  service: string;
  /** Scopes asked for, per token request, and whether Basic credentials came along. */
  issued: { scopes: string[]; user?: string }[];
  expiresIn: number;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token service: checks Basic credentials (or anonymous), grants the actions asked for to the
 * known user (pull only to anonymous), signs an ES256 JWT with a self-signed certificate the
 * registry trusts through `rootcertbundle` (the x5c header carries it).
 */
export async function startTokenIssuer(dir: string, users: Record<string, string>): Promise<TokenIssuer> {
  mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=tkn-artifacts-test-token-issuer',
    ],
    { stdio: 'ignore' },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = Buffer.from(
    readFileSync(certFile, 'utf8')
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const t: TokenIssuer = {
    server: await startServer(),
    certFile,
    issuer: 'tkn-test-issuer',
    service: 'tkn-test-registry',
    issued: [],
    expiresIn: 300,
  };
  t.server.handler = (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant: identity tokens are `refresh-<user>`.
      const form = new URLSearchParams(body.toString());
      const rt = form.get('refresh_token') ?? '';
      if (
        form.get('grant_type') !== 'refresh_token' ||
        !rt.startsWith('refresh-') ||
        !(rt.slice(8) in users)
      ) {
        return json(res, 401, { details: 'bad refresh token' });
      }
      user = rt.slice(8);
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      url.searchParams.set('service', form.get('service') ?? '');
    } else if (auth) {
      const [u, p] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      if (!u || users[u] !== p) return json(res, 401, { details: 'bad credentials' });
      user = u;
    }
    t.issued.push({ scopes, user });
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop()!.split(',');
      return { type, name: rest.join(':'), actions: user ? actions : actions.filter((a) => a === 'pull') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: t.issuer,
      sub: user ?? '',
      aud: url.searchParams.get('service'),
      exp: now + t.expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    json(res, 200, {
      token: `${input}.${b64url(sig)}`,
      expires_in: t.expiresIn,
      issued_at: new Date().toISOString(),
    });
  };
  return t;
}
