// A blob's GET read straight off the socket, for the bulk of a pull: one connection per blob,
// the response's bytes read into one reused buffer (net/tls `onread`) and handed to a sink while
// valid, never wrapped in a stream. Through undici every 64 KiB socket read allocated a buffer and
// crossed three streams; measured on 1 GiB over loopback, reading alone cost about 1 s of CPU that
// way against 0.3 s here (bench/README.md). Only the plain case is taken: a 200 with a
// Content-Length and no transfer coding. Anything else (a challenge, a redirect, an error status,
// chunked framing, a failure before the headers end) is declined, and the caller asks again
// through the client's usual path, which knows how to handle it.
import { isIP } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { OciError } from '../errors.js';

/** Bytes read from the socket at once (the reused buffer). */
export const DIRECT_READ_BYTES = 128 * 1024;
/** Status line and headers larger than this are declined. */
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * Buffers of one size, handed back for the next download: V8 frees an ArrayBuffer only when a
 * collection finds its object dead, so buffers dropped after each blob would pile up meanwhile.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(readonly size: number) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  give(buffer: Buffer): void {
    // Held while idle: at most as many as were in use at once.
    this.free.push(buffer);
  }
}

const readBuffers = new BufferPool(DIRECT_READ_BYTES);

/** Where the body goes. */
export interface BodySink {
  /** Given before the first `take`: `resume` reads again after `take` returned false; `fail` ends the request. */
  bind(control: { resume(): void; fail(error: Error): void }): void;
  /** One piece of the body, valid only during the call; false pauses reading until `resume()`. */
  take(chunk: Buffer): boolean;
  /**
   * Where the next read of the body may land (the sink's own memory, so `take` need not copy), or
   * undefined for the connection's read buffer. Asked after every read; the region must stay
   * untouched until a `take` hands it back.
   */
  readInto?(): Buffer | undefined;
}

export interface DirectGetOptions {
  url: URL;
  headers: Record<string, string>;
  /** For TLS: the roots to trust and whether to check the certificate at all. */
  tls?: { ca: string[]; rejectUnauthorized: boolean };
  /** The Content-Length the response must announce. */
  size: number;
  signal?: AbortSignal;
  /** Until the headers are in; past it the request is declined. */
  headersMs: number;
  /** Longest silence while the body arrives. */
  bodyMs: number;
  /** For errors: `GET registry/repository`. */
  what: string;
  context: { registry: string; repository?: string };
}

export type DirectOutcome =
  | { kind: 'done' }
  /** Not the plain case: nothing reached the sink, ask through the usual path. */
  | { kind: 'declined'; reason: string };

/** One GET on a connection of its own. `start` resolves once the whole body reached the sink. */
export class DirectGet {
  private socket?: net.Socket;
  private paused = false;
  private failure?: Error;

  constructor(
    private readonly options: DirectGetOptions,
    private readonly sink: BodySink,
  ) {
    sink.bind({ resume: () => this.resume(), fail: (error) => this.destroy(error) });
  }

  /** Reading again after the sink returned false. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume();
  }

  /** Ends the request with `error` (the sink failed, say). */
  destroy(error: Error): void {
    this.failure = error;
    this.socket?.destroy(error);
  }

  start(): Promise<DirectOutcome> {
    const { url, size, signal } = this.options;
    signal?.throwIfAborted();
    return new Promise<DirectOutcome>((resolve, reject) => {
      let head: Buffer | undefined = Buffer.alloc(0);
      let received = 0;
      let settled = false;
      const timer = setTimeout(() => decline('no response headers in time'), this.options.headersMs);
      const settle = (outcome: DirectOutcome | Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        // Destroyed, the socket reads nothing more into it.
        readBuffers.give(readBuffer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const decline = (reason: string): void => settle({ kind: 'declined', reason });
      // Worded as the usual path words it (endpoint.ts streamError).
      const broke = (reason: string, cause?: unknown): OciError =>
        new OciError(
          'UNREACHABLE',
          `${this.options.what}: the download broke off after ${received} of ${size} bytes (${reason})`,
          { ...this.options.context, ...(cause !== undefined ? { cause } : {}) },
        );
      const onAbort = (): void =>
        settle(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const body = (chunk: Buffer): boolean => {
        const wanted = Math.min(chunk.byteLength, size - received);
        received += wanted;
        // Framing is the Content-Length's: anything after it is not part of the blob.
        let more: boolean;
        try {
          more = this.sink.take(wanted === chunk.byteLength ? chunk : chunk.subarray(0, wanted));
        } catch (error) {
          settle(error instanceof Error ? error : new Error(String(error)));
          return false;
        }
        if (received === size) {
          settle({ kind: 'done' });
          return false;
        }
        if (!more) this.paused = true;
        return more;
      };
      const onRead = (length: number, buffer: Buffer): boolean => {
        if (settled) return false;
        const chunk = buffer.subarray(0, length);
        if (head === undefined) return body(chunk);
        // The head is copied out: the buffer is overwritten by the next read.
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.byteLength > MAX_HEAD_BYTES) decline('response headers too large');
          return true;
        }
        const problem = plainResponse(head.toString('latin1', 0, end), size);
        if (problem) {
          decline(problem);
          return false;
        }
        const rest = head.subarray(end + 4);
        head = undefined;
        clearTimeout(timer);
        socket.setTimeout(this.options.bodyMs, () =>
          settle(
            new OciError('TIMEOUT', `${this.options.what}: no data for ${this.options.bodyMs / 1000} s`, {
              ...this.options.context,
            }),
          ),
        );
        if (size === 0) {
          settle({ kind: 'done' });
          return false;
        }
        return rest.byteLength > 0 ? body(rest) : true;
      };
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const readBuffer = readBuffers.take();
      // Node asks for the next buffer after every read: the body goes straight where the sink keeps it.
      const nextBuffer = (): Buffer =>
        (!settled && head === undefined ? this.sink.readInto?.() : undefined) ?? readBuffer;
      const onread = { buffer: nextBuffer, callback: onRead };
      const socket: net.Socket = this.options.tls
        ? tls.connect({
            host,
            port,
            ...(isIP(host) ? {} : { servername: host }),
            ca: this.options.tls.ca,
            rejectUnauthorized: this.options.tls.rejectUnauthorized,
            ALPNProtocols: ['http/1.1'],
            // Documented for tls.connect as for net.connect; @types/node lists it for net only.
            ...({ onread } as object),
          })
        : net.connect({ host, port, onread });
      this.socket = socket;
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
        const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, 'connection: close'];
        for (const [name, value] of Object.entries(this.options.headers)) lines.push(`${name}: ${value}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
      });
      socket.on('error', (error) => {
        if (error === this.failure) return settle(error);
        // Before the body, the usual path retries and explains; during it, the blob broke off.
        if (head !== undefined) decline(`connection failed: ${error.message}`);
        else settle(broke(error.message, error));
      });
      socket.on('close', () => {
        if (head !== undefined) decline('connection closed before the response headers');
        else settle(broke('the connection closed'));
      });
    });
  }
}

/**
 * Why a response head is not the plain case (undefined when it is): status 200, HTTP/1.x, one
 * Content-Length equal to the blob's size, no Transfer-Encoding.
 */
export function plainResponse(head: string, size: number): string | undefined {
  const [statusLine, ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine ?? '');
  if (!status) return 'not an HTTP/1.1 response';
  if (status[1] !== '200') return `status ${status[1]}`;
  const lengths: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return 'malformed header line';
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'transfer-encoding') return 'transfer coding';
    if (name === 'content-encoding' && value.toLowerCase() !== 'identity') return 'content coding';
    if (name === 'content-length') lengths.push(value);
  }
  if (lengths.length !== 1 || !/^\d+$/.test(lengths[0]!)) return 'no single Content-Length';
  if (Number(lengths[0]) !== size) return `Content-Length ${lengths[0]}, expected ${size}`;
  return undefined;
}
