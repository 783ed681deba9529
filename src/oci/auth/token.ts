// The distribution token flow: on a Bearer challenge, ask the realm for a token for the scopes a
// request needs (Basic credentials, an identity/refresh token, or anonymously), and cache it per
// scope until shortly before it expires.
import { OciError } from '../errors.js';
import type { Challenge } from './challenge.js';
import type { Credential } from './credentials.js';

export interface TokenResponse {
  token: string;
  /** ms since epoch after which the token must not be used. */
  expiresAt: number;
}

/** Tokens with no `expires_in` live 60 s (distribution's token spec). */
const DEFAULT_EXPIRES_S = 60;
/** Renew this long before expiry, so a token never lapses mid-request. */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * Decodes a token endpoint's JSON. `token` or `access_token` (OAuth2) is accepted; the expiry is
 * taken from `expires_in`, counted from `now` (the issuer's clock may differ from ours).
 */
export function parseTokenResponse(body: string, now: number = Date.now()): TokenResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new OciError('UNAUTHORIZED', 'the token service answered with something that is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new OciError('UNAUTHORIZED', 'the token service answered with something that is not a JSON object');
  }
  const p = parsed as Record<string, unknown>;
  const token =
    typeof p.token === 'string' && p.token
      ? p.token
      : typeof p.access_token === 'string'
        ? p.access_token
        : '';
  if (!token) throw new OciError('UNAUTHORIZED', 'the token service answered without a token');
  let expiresIn =
    typeof p.expires_in === 'number' && Number.isFinite(p.expires_in) && p.expires_in > 0
      ? p.expires_in
      : DEFAULT_EXPIRES_S;
  expiresIn = Math.min(expiresIn, 86_400);
  const lifetime = expiresIn * 1000;
  return { token, expiresAt: now + Math.max(lifetime - EXPIRY_MARGIN_MS, lifetime / 2) };
}

/** Per-scope cache of tokens. */
export class TokenCache {
  private readonly tokens = new Map<string, TokenResponse>();
  private readonly pending = new Map<string, Promise<TokenResponse>>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  /** Fetches once per key even when many requests ask at the same time. */
  async fetch(key: string, fetcher: () => Promise<TokenResponse>): Promise<string> {
    let p = this.pending.get(key);
    if (!p) {
      p = fetcher().finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const t = await p;
    this.tokens.set(key, t);
    return t.token;
  }

  invalidate(key: string): void {
    this.tokens.delete(key);
  }
}

export interface TokenRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/**
 * Builds the request to a Bearer challenge's realm: a refresh-token POST (OAuth2 form) for identity
 * tokens, otherwise a GET with Basic credentials when we have them, else anonymous.
 */
export function buildTokenRequest(
  challenge: Challenge,
  scopes: string[],
  credential: Credential | undefined,
  clientId: string,
): TokenRequest {
  const realm = challenge.params.realm;
  if (!realm)
    throw new OciError(
      'UNAUTHORIZED',
      'the registry asked for a Bearer token without saying where to get it (no realm)',
    );
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new OciError('UNAUTHORIZED', 'the registry named a token realm that is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OciError('UNAUTHORIZED', `the token realm uses ${url.protocol}, not http(s)`);
  }
  const service = challenge.params.service;
  if (credential?.identityToken) {
    const form = new URLSearchParams();
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', credential.identityToken);
    form.set('client_id', clientId);
    if (service) form.set('service', service);
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    return {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    };
  }
  if (service) url.searchParams.set('service', service);
  for (const s of scopes) url.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  if (credential?.username !== undefined || credential?.password !== undefined) {
    headers.authorization = basicAuth(credential.username ?? '', credential.password ?? '');
  }
  return { url, method: 'GET', headers };
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
