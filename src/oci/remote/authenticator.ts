// Auth negotiation for one registry, apart from the transport: which credentials apply to a
// repository, the scheme learned from the first challenge (Basic or Bearer), and the distribution
// token flow (asking the realm for a token per scope set, cached until shortly before expiry).
import type { Dispatcher } from 'undici';
import {
  type Action,
  type Challenge,
  mergeScopes,
  parseChallenges,
  repositoryScope,
} from '../auth/challenge.js';
import {
  type Credential,
  type CredentialStore,
  findCredential,
  isEmptyCredential,
} from '../auth/credentials.js';
import {
  TokenCache,
  basicAuth,
  buildTokenRequest,
  parseTokenResponse,
  type TokenRequest,
  type TokenResponse,
} from '../auth/token.js';
import { OciError, describeRegistryErrors, parseRegistryErrors } from '../errors.js';
import { MAX_TOKEN_RESPONSE_BYTES } from '../limits.js';
import { classifyNetworkError, tokenRefusedHint } from './failures.js';
import { type RetryPolicy, isRetryableStatus, withRetries } from './retry.js';
import { type RegistryResponse, type Transport, firstHeader, readCapped } from './transport.js';

export interface FoundCredential {
  credential: Credential;
  source: string;
}

/** What a request tells the authenticator: the repository and actions decide the token scope. */
export interface AuthRequest {
  method: string;
  repository?: string;
  actions?: Action[];
  extraScopes?: string[];
  signal?: AbortSignal;
}

export interface AuthenticatorOptions {
  registry: string;
  plainHttp: boolean;
  transport: Transport;
  credentials: CredentialStore[];
  retry: RetryPolicy;
  random?: () => number;
  /** Backoff wait; rejects with a typed error when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  debug?: (line: string) => void;
}

/** An error body from the token service is read this far at most (it only feeds a message). */
const TOKEN_ERROR_BODY_LIMIT = 64 * 1024;

export class Authenticator {
  private readonly tokens = new TokenCache();
  /** Learned from the first challenge, so later requests authenticate up front. */
  private scheme?: { kind: 'basic' } | { kind: 'bearer'; challenge: Challenge };
  /** Looked up once per repository: helpers are processes, not something to run per request. */
  private readonly found = new Map<string, Promise<FoundCredential | undefined>>();

  constructor(private readonly options: AuthenticatorOptions) {}

  private get registry(): string {
    return this.options.registry;
  }

  async lookupCredential(repository?: string): Promise<FoundCredential | undefined> {
    // auth.json may hold per-namespace entries, so the answer can differ per repository.
    const key = repository ?? '';
    let p = this.found.get(key);
    if (!p) {
      p = findCredential(this.options.credentials, this.registry, repository);
      this.found.set(key, p);
      // A failed lookup (helper crashed) is not cached: the next request tries again.
      p.catch(() => this.found.delete(key));
    }
    return p;
  }

  scopesFor(req: AuthRequest): string[] {
    const actions =
      req.actions ?? (req.method === 'GET' || req.method === 'HEAD' ? ['pull'] : ['pull', 'push']);
    const scopes = req.repository ? [repositoryScope(req.repository, actions)] : [];
    return mergeScopes(...scopes, ...(req.extraScopes ?? []));
  }

  /** The Authorization header we can send without a challenge (learned scheme, cached token). */
  async preemptive(req: AuthRequest, scopes: string[]): Promise<string | undefined> {
    if (!this.scheme) return undefined;
    if (this.scheme.kind === 'basic') {
      const found = await this.lookupCredential(req.repository);
      return found ? basicHeader(found.credential) : undefined;
    }
    const key = scopes.join(' ');
    const token = this.tokens.get(key);
    if (token) return `Bearer ${token}`;
    // The realm is known: fetch a token for these scopes now rather than after another 401 (this
    // also lets a streamed upload, which cannot be resent, go out authorised the first time).
    const found = await this.lookupCredential(req.repository);
    if (found?.credential.registryToken) return `Bearer ${found.credential.registryToken}`;
    const challenge = this.scheme.challenge;
    const fresh = await this.tokens.fetch(key, () => this.fetchToken(challenge, scopes, found, req.signal));
    return `Bearer ${fresh}`;
  }

  /** Answers a 401's challenge; undefined when we have nothing to offer. */
  async answer(
    res: RegistryResponse,
    req: AuthRequest,
    scopes: string[],
  ): Promise<{ header: string; source: string } | undefined> {
    const challenges = parseChallenges(res.headers['www-authenticate']);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const found = await this.lookupCredential(req.repository);
    if (bearer) {
      this.scheme = { kind: 'bearer', challenge: bearer };
      if (found?.credential.registryToken)
        return { header: `Bearer ${found.credential.registryToken}`, source: found.source };
      const all = mergeScopes(...scopes, bearer.params.scope);
      const key = scopes.join(' ');
      this.tokens.invalidate(key);
      const token = await this.tokens.fetch(key, () => this.fetchToken(bearer, all, found, req.signal));
      return { header: `Bearer ${token}`, source: found?.source ?? 'anonymous' };
    }
    if (basic) {
      this.scheme = { kind: 'basic' };
      const header =
        found && !isEmptyCredential(found.credential) ? basicHeader(found.credential) : undefined;
      return header ? { header, source: found!.source } : undefined;
    }
    return undefined;
  }

  private async fetchToken(
    challenge: Challenge,
    scopes: string[],
    found: FoundCredential | undefined,
    signal?: AbortSignal,
  ): Promise<TokenResponse> {
    const request = buildTokenRequest(challenge, scopes, found?.credential, 'tkn-artifacts');
    const sendsSecret = request.headers.authorization !== undefined || request.body !== undefined;
    if (sendsSecret && request.url.protocol === 'http:' && !this.options.plainHttp) {
      throw new OciError(
        'UNAUTHORIZED',
        `refusing to send credentials to the plain-HTTP token realm ${request.url.origin}`,
        {
          registry: this.registry,
          hint: 'The registry is reached over HTTPS but names an http:// token service; fix the registry’s auth configuration.',
        },
      );
    }
    const res = await this.sendTokenRequest(request, signal);
    return this.readTokenAnswer(res, request.url.origin, scopes, found);
  }

  /** The token request, through the one retry loop (token services fail transiently too). */
  private sendTokenRequest(request: TokenRequest, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    const origin = request.url.origin;
    return withRetries<Dispatcher.ResponseData>(
      async () => {
        let r: Dispatcher.ResponseData;
        try {
          r = await this.options.transport.raw(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body ?? null,
            signal: signal ?? null,
          });
        } catch (err) {
          const info = classifyNetworkError(err, request.url.protocol === 'http:');
          const error = new OciError(
            info.code,
            `cannot reach the token service ${origin} for ${this.registry}`,
            {
              registry: this.registry,
              hint: info.hint,
              cause: err,
            },
          );
          return { error, retryable: info.retryable, reason: info.code };
        }
        this.options.debug?.(`token ${request.method} ${origin}${request.url.pathname} -> ${r.statusCode}`);
        if (!isRetryableStatus(r.statusCode)) return { value: r };
        const retryAfter = firstHeader(r.headers, 'retry-after');
        return {
          value: r,
          transient: { reason: `HTTP ${r.statusCode}`, retryAfter, drop: () => r.body.dump() },
        };
      },
      {
        policy: this.options.retry,
        enabled: true,
        random: this.options.random,
        sleep: (ms) => this.options.sleep(ms, signal),
      },
    );
  }

  /** The token from a 200 (its body read under the cap), or an error saying why there is none. */
  private async readTokenAnswer(
    res: Dispatcher.ResponseData,
    origin: string,
    scopes: string[],
    found: FoundCredential | undefined,
  ): Promise<TokenResponse> {
    const length = firstHeader(res.headers, 'content-length');
    if (res.statusCode !== 200) {
      const text = await readCapped(res.body, length, TOKEN_ERROR_BODY_LIMIT, 'token error').catch(
        () => undefined,
      );
      const errs = parseRegistryErrors(text);
      const rejected = res.statusCode === 401 || res.statusCode === 403;
      throw new OciError(
        rejected ? 'UNAUTHORIZED' : 'PROTOCOL',
        `the token service ${origin} refused a token for ${scopes.join(' ') || this.registry}: ${res.statusCode}${errs.length ? ` ${describeRegistryErrors(errs)}` : ''}`,
        {
          registry: this.registry,
          status: res.statusCode,
          errors: errs,
          hint: tokenRefusedHint(this.registry, rejected, found?.source),
        },
      );
    }
    const body = await readCapped(
      res.body,
      length,
      MAX_TOKEN_RESPONSE_BYTES,
      `the token service's answer (${origin}) for ${this.registry}`,
      'maxTokenResponseBytes',
    );
    return parseTokenResponse(body.toString('utf8'));
  }
}

function basicHeader(c: Credential): string | undefined {
  if (c.username === undefined && c.password === undefined) return undefined;
  return basicAuth(c.username ?? '', c.password ?? '');
}
