/**
 * A read-only OCI distribution server over the storage olareg-layout.ts writes (olareg's own
 * directory format), for the benches whose sizes olareg v0.2.1 cannot serve in useful time:
 * olareg copies a repository's whole index on every request (about 30 ms a request at 100,000
 * manifests, so a plan's 140,000 requests over 70,000 manifests would take over an hour of
 * registry time), and splits a referrers response over 4 MiB into pages by re-encoding the page
 * after every entry added (quadratic: its first listing of 100,000 referrers had not finished
 * after 10 minutes of CPU). This server answers in constant time per request: manifests by tag or
 * digest (only those index.json lists, as olareg), blobs, tags listings paginated with `n` and
 * `last`, and referrers listings in pages of at most 4 MiB (OCI's recommendation, olareg's
 * default) with `Link` headers and the artifactType filter. Every byte served is the stored file.
 * Both tools a bench compares talk to the same server. Run as its own process (its own core):
 * `tsx bench/layout-registry.ts DIR` prints `listening HOST:PORT` on stdout.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';

const PAGE_BYTES = 4 * 1024 * 1024;
const REF_NAME = 'org.opencontainers.image.ref.name';
const REFERRER_SUBJECT = 'org.olareg.referrer.subject';
const INDEX = 'application/vnd.oci.image.index.v1+json';

interface Entry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface Repository {
  dir: string;
  tags: Map<string, Entry>;
  sortedTags: string[];
  manifests: Map<string, Entry>;
  /** Subject digest to its referrers response's entries. */
  referrers: Map<string, Entry[]>;
  /** Pages already encoded, by subject and artifactType filter. */
  pages: Map<string, Buffer[]>;
}

const root = process.argv[2];
if (!root) throw new Error('usage: layout-registry.ts DIR');
const repositories = new Map<string, Repository | undefined>();

function load(name: string): Repository | undefined {
  if (repositories.has(name)) return repositories.get(name);
  const dir = join(root as string, name);
  let repository: Repository | undefined;
  if (existsSync(join(dir, 'index.json'))) {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Entry[] };
    repository = {
      dir,
      tags: new Map(),
      sortedTags: [],
      manifests: new Map(),
      referrers: new Map(),
      pages: new Map(),
    };
    for (const entry of index.manifests) {
      const subject = entry.annotations?.[REFERRER_SUBJECT];
      if (subject) {
        const response = JSON.parse(readFileSync(blobPath(dir, entry.digest), 'utf8')) as {
          manifests: Entry[];
        };
        repository.referrers.set(subject, response.manifests);
        continue;
      }
      const plain = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
      repository.manifests.set(entry.digest, plain);
      const tag = entry.annotations?.[REF_NAME];
      if (tag) repository.tags.set(tag, plain);
    }
    repository.sortedTags = [...repository.tags.keys()].sort();
  }
  repositories.set(name, repository);
  return repository;
}

function blobPath(dir: string, digest: string): string {
  return join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Splits a listing into pages of at most PAGE_BYTES, in one pass. */
function paginate(entries: Entry[]): Buffer[] {
  const pages: Buffer[] = [];
  const head = `{"schemaVersion":2,"mediaType":"${INDEX}","manifests":[`;
  let parts: string[] = [];
  let bytes = head.length + 2;
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    if (parts.length > 0 && bytes + json.length + 1 > PAGE_BYTES) {
      pages.push(Buffer.from(`${head}${parts.join(',')}]}`));
      parts = [];
      bytes = head.length + 2;
    }
    parts.push(json);
    bytes += json.length + 1;
  }
  pages.push(Buffer.from(`${head}${parts.join(',')}]}`));
  return pages;
}

function send(
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-length': String(bytes.byteLength), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

function notFound(res: ServerResponse, code: string): void {
  send(res, 404, JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }), {
    'content-type': 'application/json',
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://registry');
  const path = url.pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, '');
  if (path === '/v2/' || path === '/v2') return send(res, 200, '{}', { 'content-type': 'application/json' });
  const match = /^\/v2\/(.+)\/(manifests|blobs|referrers|tags)\/(.+)$/.exec(path);
  const repository = match ? load(match[1] as string) : undefined;
  if (!match || !repository) return notFound(res, 'NAME_UNKNOWN');
  const [, name, kind, arg] = match as unknown as [string, string, string, string];
  if (kind === 'manifests') {
    const entry = arg.startsWith('sha256:') ? repository.manifests.get(arg) : repository.tags.get(arg);
    if (!entry) return notFound(res, 'MANIFEST_UNKNOWN');
    return send(res, 200, readFileSync(blobPath(repository.dir, entry.digest)), {
      'content-type': entry.mediaType,
      'docker-content-digest': entry.digest,
    });
  }
  if (kind === 'blobs') {
    const file = blobPath(repository.dir, arg);
    if (!/^sha256:[0-9a-f]{64}$/.test(arg) || !existsSync(file)) return notFound(res, 'BLOB_UNKNOWN');
    const size = statSync(file).size;
    res.writeHead(200, {
      'content-length': String(size),
      'content-type': 'application/octet-stream',
      'docker-content-digest': arg,
    });
    if (req.method === 'HEAD') return res.end();
    return void createReadStream(file).pipe(res);
  }
  if (kind === 'tags' && arg === 'list') {
    const n = Number(url.searchParams.get('n') ?? 1000);
    const last = url.searchParams.get('last');
    let start = 0;
    if (last) {
      // The first tag after `last`, by binary search over the sorted tags.
      let lo = 0;
      let hi = repository.sortedTags.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((repository.sortedTags[mid] as string) <= last) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const tags = repository.sortedTags.slice(start, start + n);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (start + n < repository.sortedTags.length && tags.length > 0)
      headers['link'] =
        `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(tags.at(-1) as string)}>; rel="next"`;
    return send(res, 200, JSON.stringify({ name, tags }), headers);
  }
  if (kind === 'referrers') {
    const filter = url.searchParams.get('artifactType') ?? '';
    const key = `${arg} ${filter}`;
    let pages = repository.pages.get(key);
    if (!pages) {
      const all = repository.referrers.get(arg) ?? [];
      pages = paginate(filter ? all.filter((e) => e.artifactType === filter) : all);
      repository.pages.set(key, pages);
    }
    const page = Math.min(Number(url.searchParams.get('page') ?? 0), pages.length - 1);
    const headers: Record<string, string> = { 'content-type': INDEX };
    if (filter) headers['oci-filters-applied'] = 'artifactType';
    if (page + 1 < pages.length) {
      const next = new URLSearchParams(filter ? { artifactType: filter } : {});
      next.set('page', String(page + 1));
      headers['link'] = `</v2/${name}/referrers/${arg}?${next.toString()}>; rel="next"`;
    }
    return send(res, 200, pages[page] as Buffer, headers);
  }
  return notFound(res, 'UNSUPPORTED');
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening 127.0.0.1:${address.port}`);
});
