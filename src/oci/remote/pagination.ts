// Paginated listings (tags, referrers): `Link: rel="next"` followed on the same origin, with the
// caps that stop a registry that never ends — a page count, a byte cap per page, a link seen
// before, and a page whose content repeats an earlier one under a new link.
import { createHash } from 'node:crypto';
import { OciError } from '../errors.js';
import { LimitError, type LimitName } from '../limits.js';
import type { RegistryResponse } from './client.js';
import type { RepositoryEndpoint } from './endpoint.js';
import { nextLink } from './link.js';
import { readBody } from './transport.js';

export interface PaginateOptions {
  /** For messages: `tags of registry/repo`. */
  what: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  maxPages: number;
  pageBytes: number;
  pageBytesLimit: LimitName;
  /**
   * Looks at each response before its body is read. `false` ends the listing (the callee has
   * dealt with the response); otherwise a non-200 is an error.
   */
  accept?: (res: RegistryResponse, page: number) => Promise<boolean>;
}

/** Yields each page's body, in order. Breaking out of the loop stops fetching. */
export async function* paginate(
  endpoint: RepositoryEndpoint,
  firstPath: string,
  options: PaginateOptions,
): AsyncGenerator<Buffer> {
  const links = new Set<string>();
  const contents = new Map<string, number>();
  let path = firstPath;
  for (let page = 0; ; page++) {
    const req = { method: 'GET' as const, path };
    const res = await endpoint.send({ ...req, headers: options.headers, signal: options.signal });
    if (options.accept && !(await options.accept(res, page))) return;
    if (res.status !== 200) await endpoint.fail(res, req, options.what);
    let body: Buffer;
    try {
      body = await readBody(res, options.pageBytes, `a page of ${options.what}`, options.pageBytesLimit);
    } catch (err) {
      throw endpoint.streamError(err);
    }
    const next = nextLink(res.headers.link);
    if (next) refuseRepeatedContent(endpoint, options.what, body, page, contents);
    yield body;
    if (!next) return;
    path = followLink(endpoint, next, res.url, links, page, options.maxPages);
  }
}

/** A page that says exactly what an earlier one said, under a new link, would go on for ever. */
function refuseRepeatedContent(
  endpoint: RepositoryEndpoint,
  what: string,
  body: Buffer,
  page: number,
  contents: Map<string, number>,
): void {
  const digest = createHash('sha256').update(body).digest('hex');
  const earlier = contents.get(digest);
  if (earlier !== undefined) {
    throw new OciError(
      'PROTOCOL',
      `${what}: pagination does not end (page ${page + 1} repeats page ${earlier + 1} under a new link)`,
      endpoint.ctx({
        hint: 'The registry keeps returning the same page; report it to the registry operator.',
      }),
    );
  }
  contents.set(digest, page);
}

/** Resolves a `Link: rel=next` target, refusing other origins, loops and too many pages. */
function followLink(
  endpoint: RepositoryEndpoint,
  next: string,
  base: URL,
  visited: Set<string>,
  page: number,
  maxPages: number,
): string {
  const url = new URL(next, base);
  if (url.origin !== base.origin) {
    throw new OciError(
      'PROTOCOL',
      `${endpoint.name}: pagination link points to another host (${url.origin})`,
      endpoint.ctx(),
    );
  }
  const key = `${url.pathname}${url.search}`;
  if (visited.has(key)) {
    throw new OciError(
      'PROTOCOL',
      `${endpoint.name}: pagination does not end (page ${page + 1}, ${key})`,
      endpoint.ctx({ hint: 'The registry keeps returning pages; report it to the registry operator.' }),
    );
  }
  if (page + 1 >= maxPages) {
    throw new LimitError(
      'maxPages',
      maxPages,
      `${endpoint.name}: the listing has more than ${maxPages} pages`,
      endpoint.ctx(),
    );
  }
  visited.add(key);
  return key;
}
