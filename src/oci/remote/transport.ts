// The HTTP layer under RegistryClient: connection pools and TLS settings, one exchange with
// redirects followed by hand (credentials never leave the registry's origin), and the helpers that
// read, drop and redact what comes back. No auth and no retries here: those sit above it.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { getCACertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { Agent, agentRequest } from './http-agent.js';
import { OciError } from '../errors.js';
import { LimitError, type LimitName } from '../limits.js';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Where the final response came from (after redirects). */
  url: URL;
  body: Readable;
  /** First value of a header, lower-case name. */
  header(name: string): string | undefined;
}

/** What one exchange needs to know about the request. */
export interface Exchange {
  method: HttpMethod;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array | Readable;
  signal?: AbortSignal;
  followRedirects?: boolean;
  /** For error messages: `registry/repository`. */
  where: string;
  repository?: string;
}

export interface TransportOptions {
  plainHttp: boolean;
  insecure?: boolean;
  caFile?: string;
  connections: number;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  userAgent?: string;
  debug?: (line: string) => void;
}

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

export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
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

/**
 * Reads a body up to `limit` bytes; over the limit it stops reading and throws TOO_LARGE (a
 * LimitError naming `limitName` when given), so a lying server never costs more than the cap.
 */
export async function readCapped(
  body: Readable,
  declaredLength: string | undefined,
  limit: number,
  what: string,
  limitName?: LimitName,
): Promise<Buffer> {
  const tooLarge = (size?: number): OciError => {
    const message =
      size === undefined
        ? `${what} is over the ${limit}-byte limit`
        : `${what} is ${size} bytes, over the ${limit}-byte limit`;
    return limitName ? new LimitError(limitName, limit, message) : new OciError('TOO_LARGE', message);
  };
  const declared = Number(declaredLength);
  if (declaredLength !== undefined && Number.isFinite(declared) && declared > limit) {
    body.destroy();
    throw tooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += b.byteLength;
    if (total > limit) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Reads a response body up to `limit` bytes; over the limit it stops reading and throws TOO_LARGE. */
export function readBody(
  res: RegistryResponse,
  limit: number,
  what = 'response',
  limitName?: LimitName,
): Promise<Buffer> {
  return readCapped(res.body, res.header('content-length'), limit, what, limitName);
}

/** Drops a response body we do not need (frees the connection and the slot). */
export function discard(res: RegistryResponse): void {
  res.body.on('error', () => undefined);
  res.body.resume();
}

function readCaFile(caFile: string, registry: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new OciError(
      'TLS',
      `cannot read CA file ${caFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        registry,
        hint: 'Pass a readable PEM file to --ca-file.',
      },
    );
  }
}

/** One registry's connections: its own pool, and a verified-TLS pool for hosts it redirects to. */
export class Transport {
  /** `http(s)://endpoint`. */
  readonly origin: string;
  private readonly agent: Agent;
  private foreignAgent?: Agent;
  /** Roots trusted on the registry's own origin (empty over plain HTTP). */
  private readonly ca: string[];

  constructor(
    readonly registry: string,
    endpoint: string,
    private readonly options: TransportOptions,
  ) {
    this.origin = `${options.plainHttp ? 'http' : 'https'}://${endpoint}`;
    // Reading the system trust store costs tens of milliseconds: only HTTPS registries need it
    // (redirects to object storage go through the separate, always-verified foreign agent).
    let ca = options.plainHttp ? [] : defaultCAs();
    if (options.caFile && !options.plainHttp) ca = [...ca, readCaFile(options.caFile, registry)];
    this.ca = ca;
    this.agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      ...this.timeouts(),
      connect: options.plainHttp ? {} : { ca, rejectUnauthorized: !options.insecure },
    });
  }

  private timeouts(): { connectTimeout: number; headersTimeout: number; bodyTimeout: number } {
    const t = this.options.timeouts ?? {};
    return {
      connectTimeout: t.connectMs ?? 30_000,
      headersTimeout: t.headersMs ?? 120_000,
      bodyTimeout: t.bodyMs ?? 300_000,
    };
  }

  /**
   * What a direct GET on the registry's own origin needs (direct.ts): the same TLS settings and
   * timeouts as the pool, the user agent, and the log.
   */
  directSettings(): {
    tls?: { ca: string[]; rejectUnauthorized: boolean };
    headersMs: number;
    bodyMs: number;
    userAgent: string;
    debug?: (line: string) => void;
  } {
    const { headersTimeout, bodyTimeout } = this.timeouts();
    return {
      ...(this.options.plainHttp ? {} : { tls: { ca: this.ca, rejectUnauthorized: !this.options.insecure } }),
      headersMs: headersTimeout,
      bodyMs: bodyTimeout,
      userAgent: this.userAgent,
      ...(this.options.debug ? { debug: this.options.debug } : {}),
    };
  }

  /** The pool for `origin`: ours, or the foreign one (verified TLS; our insecure flag does not apply). */
  agentFor(origin: string): Agent {
    return origin === this.origin ? this.agent : this.foreign();
  }

  private foreign(): Agent {
    this.foreignAgent ??= new Agent({
      ...this.timeouts(),
      connect: {
        ca: defaultCAs().concat(this.options.caFile ? [readCaFile(this.options.caFile, this.registry)] : []),
      },
    });
    return this.foreignAgent;
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.foreignAgent?.close()]);
  }

  get userAgent(): string {
    return this.options.userAgent ?? 'tkn-artifacts';
  }

  /** One request to any origin, no redirects (the token flow uses it). */
  raw(
    url: URL,
    request: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>,
  ): Promise<Dispatcher.ResponseData> {
    return agentRequest(this.agentFor(url.origin), {
      ...request,
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      headers: { ...(request.headers as Record<string, string>), 'user-agent': this.userAgent },
    });
  }

  /** One exchange with `auth` on the registry's origin only; 3xx followed for GET/HEAD. */
  async send(req: Exchange, auth: string | undefined): Promise<RegistryResponse> {
    let url = new URL(req.path, this.origin);
    let method: HttpMethod = req.method;
    let body = req.body;
    const follow = (req.followRedirects ?? true) && (method === 'GET' || method === 'HEAD');
    let foreign = url.origin !== this.origin;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      // Credentials go only to the registry's own origin: never across a redirect to another host,
      // port or scheme (presigned object-storage URLs carry their own authorisation).
      if (auth && !foreign) headers.authorization = auth;
      if (body instanceof Uint8Array) headers['content-length'] = String(body.byteLength);
      const t0 = Date.now();
      const r = await agentRequest(foreign ? this.foreign() : this.agent, {
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
        this.options.debug(
          `${method} ${redactUrl(url, this.origin)} -> ${r.statusCode} (${Date.now() - t0} ms) req=${JSON.stringify(redactHeaders(headers, this.origin))} res=${JSON.stringify(redactHeaders(r.headers, this.origin))}`,
        );
      }
      if (!follow || !REDIRECT_STATUSES.has(r.statusCode)) return res;
      const location = res.header('location');
      if (!location) return res;
      discard(res);
      const next = this.redirectTarget(req, hop, location, url);
      if (r.statusCode === 303) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      url = next;
      foreign = foreign || url.origin !== this.origin;
    }
  }

  private redirectTarget(req: Exchange, hop: number, location: string, from: URL): URL {
    const context = { registry: this.registry, repository: req.repository };
    if (hop >= MAX_REDIRECTS)
      throw new OciError(
        'PROTOCOL',
        `${req.method} ${req.where}: more than ${MAX_REDIRECTS} redirects`,
        context,
      );
    const next = new URL(location, from);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new OciError(
        'PROTOCOL',
        `${req.method} ${req.where}: redirect to unsupported scheme ${next.protocol}`,
        context,
      );
    }
    return next;
  }
}
