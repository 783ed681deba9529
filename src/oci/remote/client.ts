// RegistryClient: one per registry host. It bounds the requests in flight, gives every request an
// overall deadline, runs the one retry loop, and turns failures into typed errors. What it
// composes: the transport (connection pools, TLS, redirects by hand: transport.ts), auth
// negotiation and the token flow (authenticator.ts), the retry policy (retry.ts), and the
// classification of failures with their hints (failures.ts).
import type { Readable } from 'node:stream';
import type { Action } from '../auth/challenge.js';
import type { CredentialStore } from '../auth/credentials.js';
import {
  OciError,
  type OciErrorCode,
  describeRegistryErrors,
  isRegistryErrorCode,
  parseRegistryErrors,
  truncate,
} from '../errors.js';
import { DEFAULT_REQUEST_DEADLINE_MS, DeadlineError } from '../limits.js';
import { DOCKER_HUB, isLocalhost } from '../reference.js';
import { Limiter } from '../concurrency.js';
import { Authenticator } from './authenticator.js';
import {
  CANCELLED,
  type NetErrorInfo,
  classifyNetworkError,
  codeForStatus,
  hintFor,
  networkReason,
  stripQuery,
} from './failures.js';
import {
  type AttemptResult,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  isRetryableStatus,
  withRetries,
} from './retry.js';
import { abortReason } from '../abort.js';
import {
  type HttpMethod,
  type RegistryResponse,
  Transport,
  discard,
  readBody,
  redactUrl,
} from './transport.js';
import { type BodySink, DirectGet, type DirectOutcome } from './direct.js';

export { redactHeaders, redactUrl, type RegistryResponse } from './transport.js';

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
  /**
   * `requestMs` is the overall deadline of one request — every retry and the whole body included —
   * so a body sent at a trickle still ends (default 30 min; 0 or Infinity for none). The others
   * are undici's per-phase timeouts; `bodyMs` is an idle timeout between body chunks. `until` is
   * a time (ms since the epoch) by which every request must have ended, whatever `requestMs`
   * leaves: a whole command's deadline (the CLI's --timeout).
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; requestMs?: number; until?: number };
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

const DEFAULT_CONCURRENCY = 8;
const ERROR_BODY_LIMIT = 64 * 1024;

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortReason(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Set on a 401 answered with credentials, so the error can say whose were rejected. */
type Answered = RegistryResponse & { credentialSource?: string };

/**
 * The overall deadline of one request. Until the response arrives it aborts the request; after,
 * it destroys the body with the DeadlineError itself, so readers see the typed error, not an abort.
 */
class Deadline {
  readonly signal: AbortSignal | undefined;
  expired = false;
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private body?: Readable;
  private outer?: { signal: AbortSignal; listener: () => void };

  constructor(
    private readonly limitMs: number,
    private readonly error: () => DeadlineError,
    outer: AbortSignal | undefined,
  ) {
    if (!(limitMs > 0 && Number.isFinite(limitMs))) {
      this.signal = outer;
      return;
    }
    this.signal = this.controller.signal;
    // The command's signal is forwarded by a listener removed in clear(), not AbortSignal.any: every
    // AbortSignal.any leaves WeakRefs and finalization cells on the long-lived signal until a full
    // GC runs their cleanup (measured: 17 MiB live after 90,000 requests of a gc plan).
    if (outer?.aborted) this.controller.abort(outer.reason);
    else if (outer) {
      const listener = (): void => this.controller.abort(outer.reason);
      outer.addEventListener('abort', listener, { once: true });
      this.outer = { signal: outer, listener };
    }
    this.timer = setTimeout(() => this.expire(), limitMs);
    this.timer.unref();
  }

  private expire(): void {
    this.expired = true;
    if (this.body) this.body.destroy(this.error());
    else this.controller.abort(this.error());
  }

  /** From now on an expiry ends this body. */
  watch(body: Readable): void {
    this.body = body;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.outer?.signal.removeEventListener('abort', this.outer.listener);
    this.outer = undefined;
  }

  /** The error to throw for a failure: ours when the deadline caused it. */
  explain(err: unknown): unknown {
    return this.expired && this.limitMs > 0 ? this.error() : err;
  }
}

export class RegistryClient {
  /** The registry as references name it (`docker.io`, `localhost:5000`). */
  readonly registry: string;
  readonly plainHttp: boolean;
  /** `http(s)://endpoint`. */
  readonly origin: string;
  readonly limiter: Limiter;
  private readonly options: RegistryOptions;
  private readonly transport: Transport;
  private readonly auth: Authenticator;
  private readonly retryPolicy: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(registry: string, options: RegistryOptions = {}) {
    this.registry = registry;
    this.options = options;
    this.plainHttp = options.plainHttp ?? isLocalhost(registry);
    const endpoint = options.endpoint ?? (registry === DOCKER_HUB ? 'registry-1.docker.io' : registry);
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.limiter = new Limiter(concurrency);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.sleep = options.sleep ?? defaultSleep;
    this.transport = new Transport(registry, endpoint, {
      plainHttp: this.plainHttp,
      insecure: options.insecure,
      caFile: options.caFile,
      connections: concurrency,
      timeouts: options.timeouts,
      userAgent: options.userAgent,
      debug: options.debug,
    });
    this.origin = this.transport.origin;
    this.auth = new Authenticator({
      registry,
      plainHttp: this.plainHttp,
      transport: this.transport,
      credentials: options.credentials ?? [],
      retry: this.retryPolicy,
      random: options.random,
      sleep: (ms, signal) => this.sleepOrAbort(ms, signal, () => `token for ${registry}`),
      debug: options.debug,
    });
  }

  get concurrency(): number {
    return this.limiter.limit;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /**
   * Sends one request: auth negotiation, redirects, retries, all within the request's deadline.
   * The response holds a concurrency slot until its body is consumed or destroyed.
   */
  async request(req: ClientRequest): Promise<RegistryResponse> {
    const replayable = req.body === undefined || req.body instanceof Uint8Array;
    const deadline = this.deadline(req);
    const call: ClientRequest = { ...req, signal: deadline.signal };
    let answer: { res: RegistryResponse; release: () => void };
    try {
      answer = await withRetries(() => this.attemptOnce(call, replayable), {
        policy: this.retryPolicy,
        enabled: (req.retry ?? true) && replayable,
        random: this.options.random,
        sleep: (ms) => this.sleepOrAbort(ms, call.signal, () => `${req.method} ${this.describe(req)}`, req),
        log: (line) => this.options.debug?.(line),
      });
    } catch (err) {
      deadline.clear();
      throw deadline.explain(err);
    }
    const { res, release } = answer;
    deadline.watch(res.body);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      deadline.clear();
      release();
    };
    res.body.once('close', finish);
    res.body.once('end', finish);
    res.body.once('error', finish);
    if (res.body.destroyed || res.body.readableEnded) finish();
    return res;
  }

  /** The overall deadline of one request: the request's own, or what is left of the command's. */
  private deadline(req: ClientRequest): Deadline {
    const requestMs = this.options.timeouts?.requestMs ?? DEFAULT_REQUEST_DEADLINE_MS;
    const until = this.options.timeouts?.until;
    // What is left of the command's deadline, when that ends first (never 0: 0 means no deadline).
    const leftMs = until === undefined ? undefined : Math.max(1, until - Date.now());
    const byCommand =
      leftMs !== undefined && (!(requestMs > 0 && requestMs < Infinity) || leftMs < requestMs);
    const limitMs = byCommand ? leftMs : requestMs;
    return new Deadline(
      limitMs,
      () => (byCommand ? this.commandDeadlineError(req) : this.deadlineError(req, limitMs)),
      req.signal,
    );
  }

  /**
   * A blob's GET read straight off the socket into `sink` (direct.ts), in a concurrency slot and
   * within the request deadline, with the credentials the client would send up front. Declined
   * when the response is not the plain case (a challenge, a redirect, an error): the caller then
   * asks through request(), which handles those.
   */
  async direct(
    req: Pick<ClientRequest, 'path' | 'repository' | 'signal'>,
    size: number,
    sink: BodySink,
  ): Promise<DirectOutcome> {
    const get: ClientRequest = { ...req, method: 'GET' };
    const deadline = this.deadline(get);
    let release: (() => void) | undefined;
    try {
      release = await this.limiter.acquire(deadline.signal).catch((err: unknown) => {
        throw this.aborted(get, err);
      });
      let auth: string | undefined;
      try {
        auth = await this.auth.preemptive(get, this.auth.scopesFor(get));
      } catch {
        return { kind: 'declined', reason: 'no credentials up front' };
      }
      const settings = this.transport.directSettings();
      const url = new URL(req.path, this.origin);
      const headers: Record<string, string> = { 'user-agent': settings.userAgent };
      if (auth) headers['authorization'] = auth;
      const started = Date.now();
      const outcome = await new DirectGet(
        {
          url,
          headers,
          ...(settings.tls ? { tls: settings.tls } : {}),
          size,
          ...(deadline.signal ? { signal: deadline.signal } : {}),
          headersMs: settings.headersMs,
          bodyMs: settings.bodyMs,
          what: `GET ${this.describe(get)}`,
          context: { registry: this.registry, ...(req.repository ? { repository: req.repository } : {}) },
        },
        sink,
      ).start();
      settings.debug?.(
        `GET ${redactUrl(url, this.origin)} -> direct ${outcome.kind === 'done' ? `${size} bytes` : `declined: ${outcome.reason}`} (${Date.now() - started} ms)`,
      );
      return outcome;
    } catch (err) {
      if (err instanceof OciError) throw deadline.explain(err);
      if (req.signal?.aborted || deadline.expired) throw deadline.explain(this.aborted(get, err));
      throw err;
    } finally {
      deadline.clear();
      release?.();
    }
  }

  /** One attempt holding a slot: a response (transient or not), or a failure saying whether to retry. */
  private async attemptOnce(
    req: ClientRequest,
    replayable: boolean,
  ): Promise<AttemptResult<{ res: RegistryResponse; release: () => void }>> {
    const release = await this.limiter.acquire(req.signal).catch((err: unknown) => {
      throw this.aborted(req, err);
    });
    let res: RegistryResponse;
    try {
      res = await this.exchange(req, replayable);
    } catch (err) {
      release();
      if (err instanceof OciError) return { error: err, retryable: false, reason: err.code };
      const info = req.signal?.aborted ? CANCELLED : classifyNetworkError(err, this.plainHttp, this.registry);
      return { error: this.networkError(req, info, err), retryable: info.retryable, reason: info.code };
    }
    const value = { res, release };
    if (!isRetryableStatus(res.status)) return { value };
    const drop = (): void => {
      discard(res);
      release();
    };
    return {
      value,
      transient: { reason: `HTTP ${res.status}`, retryAfter: res.header('retry-after'), drop },
    };
  }

  /** One exchange: preemptive auth, one challenge answered, redirects followed. */
  private async exchange(req: ClientRequest, replayable: boolean): Promise<RegistryResponse> {
    const scopes = this.auth.scopesFor(req);
    const exchange = { ...req, where: this.describe(req) };
    let auth = await this.auth.preemptive(req, scopes);
    let res: Answered = await this.transport.send(exchange, auth);
    if (res.status === 401 && replayable && res.url.origin === this.origin) {
      const answer = await this.auth.answer(res, req, scopes);
      if (answer && answer.header !== auth) {
        discard(res);
        auth = answer.header;
        res = await this.transport.send(exchange, auth);
        if (res.status === 401) res.credentialSource = answer.source;
      }
    }
    return res;
  }

  private networkError(req: ClientRequest, info: NetErrorInfo, err: unknown): OciError {
    const what =
      info.code === 'TLS'
        ? 'TLS handshake failed'
        : info.code === 'UNREACHABLE'
          ? 'cannot connect'
          : info.code.toLowerCase();
    return new OciError(info.code, `${req.method} ${this.describe(req)}: ${what} (${networkReason(err)})`, {
      registry: this.registry,
      repository: req.repository,
      hint: info.hint,
      request: `${req.method} ${stripQuery(req.path)}`,
      cause: err,
    });
  }

  private commandDeadlineError(req: ClientRequest): DeadlineError {
    const until = this.options.timeouts?.until ?? Date.now();
    return new DeadlineError(
      0,
      `${req.method} ${this.describe(req)}: stopped at the overall deadline (timeouts.until; the CLI's --timeout)`,
      {
        registry: this.registry,
        repository: req.repository,
        request: `${req.method} ${stripQuery(req.path)}`,
        hint: `The deadline passed at ${new Date(until).toISOString()}; raise --timeout, or leave it out for none.`,
      },
    );
  }

  private deadlineError(req: ClientRequest, limitMs: number): DeadlineError {
    return new DeadlineError(
      limitMs,
      `${req.method} ${this.describe(req)}: not complete within the ${limitMs / 1000} s request deadline`,
      {
        registry: this.registry,
        repository: req.repository,
        request: `${req.method} ${stripQuery(req.path)}`,
      },
    );
  }

  private aborted(
    req: Pick<ClientRequest, 'method' | 'repository'>,
    cause: unknown,
    what?: string,
  ): OciError {
    return new OciError('ABORTED', `${what ?? `${req.method} ${this.describe(req)}`}: cancelled`, {
      registry: this.registry,
      repository: req.repository,
      cause,
    });
  }

  /** Backoff wait that turns an abort into our typed error. */
  private async sleepOrAbort(
    ms: number,
    signal: AbortSignal | undefined,
    what: () => string,
    req?: ClientRequest,
  ): Promise<void> {
    try {
      await this.sleep(ms, signal);
    } catch (err) {
      if (err instanceof OciError) throw err;
      throw this.aborted(req ?? { method: 'GET' }, err, what());
    }
  }

  private describe(req: Pick<ClientRequest, 'repository'>): string {
    return req.repository ? `${this.registry}/${req.repository}` : this.registry;
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
      body = await readBody(res, ERROR_BODY_LIMIT, 'error body').catch(() => undefined);
    } else {
      discard(res);
    }
    const errors = parseRegistryErrors(body);
    const first = errors[0]?.code;
    const code: OciErrorCode = first && isRegistryErrorCode(first) ? first : codeForStatus(res.status);
    const detail =
      describeRegistryErrors(errors) ??
      (body && body.length > 0 && !/^\s*</.test(body.toString('utf8', 0, 80))
        ? truncate(body.toString('utf8').trim(), 200)
        : undefined);
    const message = `${req.method} ${what ?? this.describe(req)}: ${res.status}${detail ? ` ${detail}` : ''}`;
    let credentialSource = (res as Answered).credentialSource;
    if (code === 'UNAUTHORIZED' && !credentialSource)
      credentialSource = (await this.auth.lookupCredential(req.repository).catch(() => undefined))?.source;
    return new OciError(code, message, {
      registry: this.registry,
      repository: req.repository,
      status: res.status,
      errors,
      request: `${req.method} ${stripQuery(req.path)}`,
      hint: hintFor(code, {
        registry: this.registry,
        method: req.method,
        repository: req.repository,
        credentialSource,
      }),
    });
  }
}
