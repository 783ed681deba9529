// RegistryClient: one per registry host. It owns the connection pool and TLS settings, bounds the
// requests in flight, retries transient failures, negotiates auth (Basic and the Bearer token flow),
// and follows redirects by hand so credentials never leave the registry's origin.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { getCACertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
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
import { TokenCache, basicAuth, buildTokenRequest, parseTokenResponse } from '../auth/token.js';
import {
  OciError,
  type OciErrorCode,
  describeRegistryErrors,
  isRegistryErrorCode,
  parseRegistryErrors,
  truncate,
} from '../errors.js';
import { DOCKER_HUB, isLocalhost } from '../reference.js';
import { Limiter } from '../concurrency.js';
import {
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  isRetryableError,
  isRetryableStatus,
  retryDelay,
} from './retry.js';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface RegistryOptions {
  /** Talk HTTP instead of HTTPS. Default: true only for `localhost[:port]` (as oras). */
  plainHttp?: boolean;
  /** Skip TLS verification for this registry (never for hosts it redirects to). */
  insecure?: boolean;
  /** A PEM file of extra CAs, trusted on top of the system and bundled ones. */
  caFile?: string;
  /** Requests in flight at once for this registry. Default 8. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Looked up in order; the first with credentials for the registry wins. */
  credentials?: CredentialStore[];
  userAgent?: string;
  /** Receives one line per request, with Authorization and signed query strings redacted. */
  debug?: (line: string) => void;
  /** Host[:port] to connect to, when it differs from the registry name (docker.io → registry-1.docker.io). */
  endpoint?: string;
  /** Test hooks. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ClientRequest {
  method: HttpMethod;
  /** A path such as `/v2/<name>/manifests/<ref>` (with query), or an absolute URL on the registry (upload locations). */
  path: string;
  headers?: Record<string, string>;
  /** Buffers can be resent on retry or after an auth challenge; streams cannot. */
  body?: Uint8Array | Readable;
  /** The repository, for the token scope and for error messages. */
  repository?: string;
  /** Token scope actions. Default: pull for GET/HEAD, push+pull otherwise. */
  actions?: Action[];
  /** Extra scopes, e.g. pull on the repository a blob is mounted from. */
  extraScopes?: string[];
  signal?: AbortSignal;
  /** Follow 3xx (GET/HEAD only). Default true. */
  followRedirects?: boolean;
  /** Retry on transient failures. Default true when the body is replayable. */
  retry?: boolean;
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Where the final response came from (after redirects). */
  url: URL;
  body: Readable;
  /** First value of a header, lower-case name. */
  header(name: string): string | undefined;
}

const DEFAULT_CONCURRENCY = 8;
const ERROR_BODY_LIMIT = 64 * 1024;
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

let trustedCAs: string[] | undefined;
/** Bundled + system (+ NODE_EXTRA_CA_CERTS) roots: Node alone trusts only the bundled ones. */
function defaultCAs(): string[] {
  if (!trustedCAs) {
    const set = new Set<string>();
    for (const kind of ['default', 'system'] as const) {
      try {
        for (const c of getCACertificates(kind)) set.add(c);
      } catch {
        // Older Node or no system store: the bundled roots remain.
      }
    }
    trustedCAs = [...set];
  }
  return trustedCAs;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** For logs and errors: the path of a URL on the registry, or the origin only for a foreign one (signed URLs). */
export function redactUrl(url: URL, registryOrigin: string): string {
  if (url.origin === registryOrigin) return `${url.origin}${url.pathname}${url.search}`;
  return `${url.origin}${url.pathname}${url.search ? '?<redacted>' : ''}`;
}

/**
 * Headers for a log line: credentials and cookies replaced, and a Location on another origin
 * stripped of its query (presigned object-storage URLs carry signatures there).
 */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
  registryOrigin?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const lower = k.toLowerCase();
    if (lower === 'location' && typeof v === 'string') {
      try {
        out[k] = registryOrigin ? redactUrl(new URL(v, registryOrigin), registryOrigin) : v.split('?')[0]!;
      } catch {
        out[k] = '<unparseable>';
      }
      continue;
    }
    out[k] =
      lower === 'authorization' ||
      lower === 'proxy-authorization' ||
      lower === 'cookie' ||
      lower === 'set-cookie'
        ? '<redacted>'
        : Array.isArray(v)
          ? v.join(', ')
          : v;
  }
  return out;
}

/** Reads a response body up to `limit` bytes; over the limit it stops reading and throws TOO_LARGE. */
export async function readBody(res: RegistryResponse, limit: number, what = 'response'): Promise<Buffer> {
  const declared = Number(res.header('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    res.body.destroy();
    throw new OciError('TOO_LARGE', `${what} is ${declared} bytes, over the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) {
      res.body.destroy();
      throw new OciError('TOO_LARGE', `${what} is over the ${limit}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Drops a response body we do not need (frees the connection and the slot). */
export function discard(res: RegistryResponse): void {
  res.body.on('error', () => undefined);
  res.body.resume();
}

interface NetErrorInfo {
  code: OciErrorCode;
  hint: string;
  retryable: boolean;
}

function classifyNetworkError(err: unknown, plainHttp: boolean, registry: string): NetErrorInfo {
  const codes: string[] = [];
  const messages: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
    codes.push(e.name);
    messages.push(e.message);
    e = e.cause;
  }
  const has = (re: RegExp): boolean => codes.some((c) => re.test(c)) || messages.some((m) => re.test(m));
  if (has(/AbortError|UND_ERR_ABORTED|ABORT_ERR/))
    return { code: 'ABORTED', hint: 'The operation was cancelled.', retryable: false };
  if (
    has(
      /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|wrong version number|HOSTNAME_MISMATCH|certificate/i,
    )
  ) {
    return {
      code: 'TLS',
      hint: plainHttp
        ? `The registry expects TLS; drop --plain-http ${registry}.`
        : `Trust the registry’s CA with --ca-file CA.pem, or (for a test registry only) add --insecure ${registry}; if it speaks plain HTTP, add --plain-http ${registry}.`,
      retryable: false,
    };
  }
  if (has(/TIMEOUT/))
    return {
      code: 'TIMEOUT',
      hint: 'The registry did not answer in time; check the network, or retry.',
      retryable: isRetryableError(err),
    };
  if (has(/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_NONAME/)) {
    return {
      code: 'UNREACHABLE',
      hint: 'Check the registry host and port, and that it is running and reachable from here.',
      retryable: false,
    };
  }
  if (has(/HPE_|UND_ERR_INFO|PARSE/)) {
    return {
      code: 'PROTOCOL',
      hint: plainHttp
        ? `The server did not answer HTTP; if it speaks HTTPS, drop --plain-http ${registry}.`
        : `The server did not answer valid HTTP; if it speaks plain HTTP, add --plain-http ${registry}.`,
      retryable: false,
    };
  }
  return {
    code: 'UNREACHABLE',
    hint: 'The connection failed; retry, and check network and proxies.',
    retryable: isRetryableError(err),
  };
}

const STATUS_CODES: Record<number, OciErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'DENIED',
  404: 'NOT_FOUND',
  405: 'UNSUPPORTED',
  409: 'CONFLICT',
  412: 'CONFLICT',
  413: 'TOO_LARGE',
  416: 'PROTOCOL',
  429: 'TOOMANYREQUESTS',
};

export class RegistryClient {
  /** The registry as references name it (`docker.io`, `localhost:5000`). */
  readonly registry: string;
  readonly plainHttp: boolean;
  /** `http(s)://endpoint`. */
  readonly origin: string;
  readonly limiter: Limiter;
  private readonly options: RegistryOptions;
  private readonly agent: Agent;
  private foreignAgent?: Agent;
  private readonly retryPolicy: RetryPolicy;
  private readonly tokens = new TokenCache();
  /** Learned from the first challenge, so later requests authenticate up front. */
  private scheme?: { kind: 'basic' } | { kind: 'bearer'; challenge: Challenge };
  /** Looked up once per repository: helpers are processes, not something to run per request. */
  private readonly credentials = new Map<
    string,
    Promise<{ credential: Credential; source: string } | undefined>
  >();
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(registry: string, options: RegistryOptions = {}) {
    this.registry = registry;
    this.options = options;
    this.plainHttp = options.plainHttp ?? isLocalhost(registry);
    const endpoint = options.endpoint ?? (registry === DOCKER_HUB ? 'registry-1.docker.io' : registry);
    this.origin = `${this.plainHttp ? 'http' : 'https'}://${endpoint}`;
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.limiter = new Limiter(concurrency);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.sleep = options.sleep ?? defaultSleep;
    // Reading the system trust store costs tens of milliseconds: only HTTPS registries need it
    // (redirects to object storage go through the separate, always-verified foreign agent).
    let ca = this.plainHttp ? [] : defaultCAs();
    if (options.caFile && !this.plainHttp) {
      let pem: string;
      try {
        pem = readFileSync(options.caFile, 'utf8');
      } catch (err) {
        throw new OciError(
          'TLS',
          `cannot read CA file ${options.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
          {
            registry,
            hint: 'Pass a readable PEM file to --ca-file.',
          },
        );
      }
      ca = [...ca, pem];
    }
    const t = options.timeouts ?? {};
    this.agent = new Agent({
      connections: concurrency,
      keepAliveTimeout: 30_000,
      connectTimeout: t.connectMs ?? 30_000,
      headersTimeout: t.headersMs ?? 120_000,
      bodyTimeout: t.bodyMs ?? 300_000,
      connect: this.plainHttp ? {} : { ca, rejectUnauthorized: !options.insecure },
    });
  }

  get concurrency(): number {
    return this.limiter.limit;
  }

  /** An agent for hosts the registry redirects to (object storage): verified TLS, our insecure flag does not apply. */
  private foreign(): Agent {
    const t = this.options.timeouts ?? {};
    this.foreignAgent ??= new Agent({
      connectTimeout: t.connectMs ?? 30_000,
      headersTimeout: t.headersMs ?? 120_000,
      bodyTimeout: t.bodyMs ?? 300_000,
      connect: {
        ca: defaultCAs().concat(this.options.caFile ? [readFileSync(this.options.caFile, 'utf8')] : []),
      },
    });
    return this.foreignAgent;
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.foreignAgent?.close()]);
  }

  private debug(line: string): void {
    this.options.debug?.(line);
  }

  private async lookupCredential(
    repository?: string,
  ): Promise<{ credential: Credential; source: string } | undefined> {
    // auth.json may hold per-namespace entries, so the answer can differ per repository.
    const key = repository ?? '';
    let p = this.credentials.get(key);
    if (!p) {
      p = findCredential(this.options.credentials ?? [], this.registry, repository);
      this.credentials.set(key, p);
      // A failed lookup (helper crashed) is not cached: the next request tries again.
      p.catch(() => this.credentials.delete(key));
    }
    return p;
  }

  private scopesFor(req: ClientRequest): string[] {
    const actions =
      req.actions ?? (req.method === 'GET' || req.method === 'HEAD' ? ['pull'] : ['pull', 'push']);
    const scopes = req.repository ? [repositoryScope(req.repository, actions)] : [];
    return mergeScopes(...scopes, ...(req.extraScopes ?? []));
  }

  /** The Authorization header we can send without a challenge (learned scheme, cached token). */
  private async preemptiveAuth(req: ClientRequest, scopes: string[]): Promise<string | undefined> {
    if (!this.scheme) return undefined;
    if (this.scheme.kind === 'basic') {
      const found = await this.lookupCredential(req.repository);
      if (found?.credential.username !== undefined || found?.credential.password !== undefined) {
        return basicAuth(found.credential.username ?? '', found.credential.password ?? '');
      }
      return undefined;
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
  private async answerChallenge(
    res: RegistryResponse,
    req: ClientRequest,
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
      if (
        !found ||
        isEmptyCredential(found.credential) ||
        (found.credential.username === undefined && found.credential.password === undefined)
      ) {
        return undefined;
      }
      return {
        header: basicAuth(found.credential.username ?? '', found.credential.password ?? ''),
        source: found.source,
      };
    }
    return undefined;
  }

  private async fetchToken(
    challenge: Challenge,
    scopes: string[],
    found: { credential: Credential; source: string } | undefined,
    signal?: AbortSignal,
  ) {
    const request = buildTokenRequest(challenge, scopes, found?.credential, 'tkn-artifacts');
    const sendsSecret = request.headers.authorization !== undefined || request.body !== undefined;
    if (sendsSecret && request.url.protocol === 'http:' && !this.plainHttp) {
      throw new OciError(
        'UNAUTHORIZED',
        `refusing to send credentials to the plain-HTTP token realm ${request.url.origin}`,
        {
          registry: this.registry,
          hint: 'The registry is reached over HTTPS but names an http:// token service; fix the registry’s auth configuration.',
        },
      );
    }
    const origin = request.url.origin;
    const agent = origin === this.origin ? this.agent : this.foreign();
    const started = Date.now();
    for (let retries = 0; ; retries++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await agent.request({
          origin,
          path: `${request.url.pathname}${request.url.search}`,
          method: request.method,
          headers: { ...request.headers, 'user-agent': this.userAgent() },
          body: request.body ?? null,
          signal: signal ?? null,
        });
      } catch (err) {
        const info = classifyNetworkError(err, request.url.protocol === 'http:', request.url.host);
        const delay = info.retryable
          ? retryDelay({ retries, elapsedMs: Date.now() - started }, this.retryPolicy, this.options.random)
          : undefined;
        if (delay !== undefined) {
          await this.sleep(delay, signal);
          continue;
        }
        throw new OciError(info.code, `cannot reach the token service ${origin} for ${this.registry}`, {
          registry: this.registry,
          hint: info.hint,
          cause: err,
        });
      }
      this.debug(`token ${request.method} ${origin}${request.url.pathname} -> ${res.statusCode}`);
      if (isRetryableStatus(res.statusCode)) {
        const delay = retryDelay(
          { retries, elapsedMs: Date.now() - started, retryAfter: firstHeader(res.headers, 'retry-after') },
          this.retryPolicy,
          this.options.random,
        );
        if (delay !== undefined) {
          await res.body.dump();
          await this.sleep(delay, signal);
          continue;
        }
      }
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        const errs = parseRegistryErrors(text);
        const rejected = res.statusCode === 401 || res.statusCode === 403;
        throw new OciError(
          rejected ? 'UNAUTHORIZED' : 'PROTOCOL',
          `the token service ${origin} refused a token for ${scopes.join(' ') || this.registry}: ${res.statusCode}${errs.length ? ` ${describeRegistryErrors(errs)}` : ''}`,
          {
            registry: this.registry,
            status: res.statusCode,
            errors: errs,
            hint: rejected
              ? found
                ? `The credentials from ${found.source} were rejected; log in again (oras login / docker login ${this.registry}) or pass --username/--password.`
                : `Anonymous access was refused; log in (oras login / docker login ${this.registry}) or pass --username/--password.`
              : 'The token service failed; retry later.',
          },
        );
      }
      return parseTokenResponse(text);
    }
  }

  private userAgent(): string {
    return this.options.userAgent ?? 'tkn-artifacts';
  }

  private resolveUrl(path: string): URL {
    const url = new URL(path, this.origin);
    return url;
  }

  /**
   * Sends one request: auth negotiation, redirects, retries. The response holds a concurrency slot
   * until its body is consumed or destroyed.
   */
  async request(req: ClientRequest): Promise<RegistryResponse> {
    const replayable = req.body === undefined || req.body instanceof Uint8Array;
    const canRetry = (req.retry ?? true) && replayable;
    const started = Date.now();
    for (let retries = 0; ; retries++) {
      const release = await this.limiter.acquire(req.signal).catch((err: unknown) => {
        throw this.aborted(req, err);
      });
      let res: RegistryResponse;
      try {
        res = await this.attempt(req, replayable);
      } catch (err) {
        release();
        if (err instanceof OciError) throw err;
        const info: NetErrorInfo = req.signal?.aborted
          ? { code: 'ABORTED', hint: 'The operation was cancelled.', retryable: false }
          : classifyNetworkError(err, this.plainHttp, this.registry);
        if (canRetry && info.retryable) {
          const delay = retryDelay(
            { retries, elapsedMs: Date.now() - started },
            this.retryPolicy,
            this.options.random,
          );
          if (delay !== undefined) {
            this.debug(`retry in ${delay} ms after ${info.code}`);
            await this.pause(delay, req);
            continue;
          }
        }
        throw new OciError(
          info.code,
          `${req.method} ${this.describe(req)}: ${info.code === 'TLS' ? 'TLS handshake failed' : info.code === 'UNREACHABLE' ? 'cannot connect' : info.code.toLowerCase()} (${networkReason(err)})`,
          {
            registry: this.registry,
            repository: req.repository,
            hint: info.hint,
            request: `${req.method} ${stripQuery(req.path)}`,
            cause: err,
          },
        );
      }
      if (canRetry && isRetryableStatus(res.status)) {
        const delay = retryDelay(
          { retries, elapsedMs: Date.now() - started, retryAfter: res.header('retry-after') },
          this.retryPolicy,
          this.options.random,
        );
        if (delay !== undefined) {
          this.debug(`retry in ${delay} ms after HTTP ${res.status}`);
          discard(res);
          release();
          await this.pause(delay, req);
          continue;
        }
      }
      let released = false;
      const once = (): void => {
        if (!released) {
          released = true;
          release();
        }
      };
      res.body.once('close', once);
      res.body.once('end', once);
      res.body.once('error', once);
      if (res.body.destroyed || res.body.readableEnded) once();
      return res;
    }
  }

  private aborted(req: ClientRequest, cause: unknown): OciError {
    return new OciError('ABORTED', `${req.method} ${this.describe(req)}: cancelled`, {
      registry: this.registry,
      repository: req.repository,
      cause,
    });
  }

  /** Backoff wait that turns an abort into our typed error. */
  private async pause(ms: number, req: ClientRequest): Promise<void> {
    try {
      await this.sleep(ms, req.signal);
    } catch (err) {
      throw this.aborted(req, err);
    }
  }

  private describe(req: ClientRequest): string {
    return req.repository ? `${this.registry}/${req.repository}` : this.registry;
  }

  /** One exchange: preemptive auth, one challenge answered, redirects followed. */
  private async attempt(req: ClientRequest, replayable: boolean): Promise<RegistryResponse> {
    const scopes = this.scopesFor(req);
    let auth = await this.preemptiveAuth(req, scopes);
    let res = await this.send(req, auth);
    if (res.status === 401 && replayable && res.url.origin === this.origin) {
      const answer = await this.answerChallenge(res, req, scopes);
      if (answer && answer.header !== auth) {
        discard(res);
        auth = answer.header;
        res = await this.send(req, auth);
        if (res.status === 401)
          (res as RegistryResponse & { credentialSource?: string }).credentialSource = answer.source;
      }
    }
    return res;
  }

  private async send(req: ClientRequest, auth: string | undefined): Promise<RegistryResponse> {
    let url = this.resolveUrl(req.path);
    let method: HttpMethod = req.method;
    let body = req.body;
    const follow = (req.followRedirects ?? true) && (method === 'GET' || method === 'HEAD');
    let foreign = url.origin !== this.origin;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent(), ...req.headers };
      // Credentials go only to the registry's own origin: never across a redirect to another host,
      // port or scheme (presigned object-storage URLs carry their own authorisation).
      if (auth && !foreign) headers.authorization = auth;
      if (body instanceof Uint8Array) headers['content-length'] = String(body.byteLength);
      const t0 = Date.now();
      const r = await (foreign ? this.foreign() : this.agent).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body: body ?? null,
        signal: req.signal ?? null,
      });
      const res: RegistryResponse = {
        status: r.statusCode,
        headers: r.headers,
        url,
        body: r.body,
        header: (name) => firstHeader(r.headers, name),
      };
      if (this.options.debug) {
        this.debug(
          `${method} ${redactUrl(url, this.origin)} -> ${r.statusCode} (${Date.now() - t0} ms) req=${JSON.stringify(redactHeaders(headers, this.origin))} res=${JSON.stringify(redactHeaders(r.headers, this.origin))}`,
        );
      }
      if (!follow || !REDIRECT_STATUSES.has(r.statusCode)) return res;
      const location = res.header('location');
      if (!location) return res;
      discard(res);
      if (hop >= MAX_REDIRECTS) {
        throw new OciError(
          'PROTOCOL',
          `${req.method} ${this.describe(req)}: more than ${MAX_REDIRECTS} redirects`,
          {
            registry: this.registry,
            repository: req.repository,
          },
        );
      }
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new OciError(
          'PROTOCOL',
          `${req.method} ${this.describe(req)}: redirect to unsupported scheme ${next.protocol}`,
          {
            registry: this.registry,
            repository: req.repository,
          },
        );
      }
      if (r.statusCode === 303) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      url = next;
      foreign = foreign || url.origin !== this.origin;
    }
  }

  /**
   * Turns a non-success response into an OciError: the registry's `{"errors":[…]}` code when it
   * sent one, else one derived from the status, with a hint of what to do.
   */
  async toError(
    res: RegistryResponse,
    req: Pick<ClientRequest, 'method' | 'path' | 'repository'>,
    what?: string,
  ): Promise<OciError> {
    let body: Buffer | undefined;
    if (req.method !== 'HEAD') {
      try {
        body = await readBody(res, ERROR_BODY_LIMIT, 'error body');
      } catch {
        body = undefined;
      }
    } else {
      discard(res);
    }
    const errors = parseRegistryErrors(body);
    const first = errors[0]?.code;
    const code: OciErrorCode =
      first && isRegistryErrorCode(first)
        ? first
        : (STATUS_CODES[res.status] ?? (res.status >= 500 ? 'UNAVAILABLE' : 'PROTOCOL'));
    const detail =
      describeRegistryErrors(errors) ??
      (body && body.length > 0 && !/^\s*</.test(body.toString('utf8', 0, 80))
        ? truncate(body.toString('utf8').trim(), 200)
        : undefined);
    const where = what ?? this.describe(req);
    const message = `${req.method} ${where}: ${res.status}${detail ? ` ${detail}` : ''}`;
    const source = (res as RegistryResponse & { credentialSource?: string }).credentialSource;
    return new OciError(code, message, {
      registry: this.registry,
      repository: req.repository,
      status: res.status,
      errors,
      request: `${req.method} ${stripQuery(req.path)}`,
      hint: await this.hintFor(code, req, source),
    });
  }

  private async hintFor(
    code: OciErrorCode,
    req: Pick<ClientRequest, 'method' | 'repository'>,
    source?: string,
  ): Promise<string | undefined> {
    const repo = req.repository ? `${this.registry}/${req.repository}` : this.registry;
    switch (code) {
      case 'UNAUTHORIZED': {
        const found = source ?? (await this.lookupCredential(req.repository).catch(() => undefined))?.source;
        return found
          ? `The credentials from ${found} were rejected by ${this.registry}; log in again (oras login / docker login ${this.registry}) or pass --username/--password.`
          : `${this.registry} needs credentials; log in (oras login / docker login ${this.registry}), pass --username/--password, or point REGISTRY_AUTH_FILE/DOCKER_CONFIG at a config holding them.`;
      }
      case 'DENIED':
        return `The credentials do not allow ${req.method === 'DELETE' ? 'deleting' : req.method === 'GET' || req.method === 'HEAD' ? 'reading' : 'writing'} in ${repo}; ask for access.`;
      case 'NAME_UNKNOWN':
        return `The repository ${repo} does not exist; check the reference.`;
      case 'MANIFEST_UNKNOWN':
        return `No such manifest in ${repo}; check the tag or digest (it may have been deleted or garbage-collected).`;
      case 'BLOB_UNKNOWN':
        return `The blob is missing from ${repo}; it may have been garbage-collected.`;
      case 'TOOMANYREQUESTS':
        return `${this.registry} is rate-limiting us; wait and retry, lower --concurrency, or log in for higher limits.`;
      case 'UNAVAILABLE':
        return `${this.registry} failed on its side; retry later.`;
      default:
        return undefined;
    }
  }
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  try {
    return new URL(p, 'http://x').pathname;
  } catch {
    return p;
  }
}

function networkReason(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 3 && e instanceof Error; i++) {
    const c = (e as { code?: unknown }).code;
    parts.push(typeof c === 'string' ? c : e.message.slice(0, 120));
    e = e.cause;
  }
  return [...new Set(parts)].join(': ') || 'unknown error';
}

/** Wraps bytes as a stream (for callers that need one). */
export function bytesStream(data: Uint8Array): Readable {
  return Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
