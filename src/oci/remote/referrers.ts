// Listing a subject's referrers: through the OCI 1.1 API when the registry has it (detected once
// per repository), else from the tag schema's fallback index. Every listing is re-filtered by
// artifactType, de-duplicated, and capped: referrers per subject, pages, and bytes per entry — an
// entry too large to keep is listed without its annotations and reported, the others are kept.
import { ManifestError, OciError, hasCode } from '../errors.js';
import { LimitError } from '../limits.js';
import { MediaType, baseMediaType, decodeIndex, type Descriptor } from '../manifest.js';
import type { ReferrersOptions } from '../target.js';
import type { RegistryResponse } from './client.js';
import type { RepositoryEndpoint } from './endpoint.js';
import { readFallbackIndex } from './fallback-index.js';
import { paginate } from './pagination.js';
import { filterByArtifactType } from './referrers-index.js';
import { discard } from './transport.js';
import { MAX_REFERRERS_PAGE_BYTES } from '../limits.js';

export type ReferrersState = 'unknown' | 'supported' | 'unsupported';

export interface ReferrersLimits {
  maxPages: number;
  maxReferrers: number;
  maxReferrerBytes: number;
}

export class ReferrersLister {
  state: ReferrersState;

  constructor(
    private readonly endpoint: RepositoryEndpoint,
    private readonly forced: 'auto' | 'api' | 'tag',
    private readonly limits: ReferrersLimits,
  ) {
    this.state = forced === 'api' ? 'supported' : forced === 'tag' ? 'unsupported' : 'unknown';
  }

  /** How referrers are listed here, once known. */
  mode(): 'api' | 'tag-schema' | undefined {
    return this.state === 'supported' ? 'api' : this.state === 'unsupported' ? 'tag-schema' : undefined;
  }

  async list(subject: string, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    if (this.state !== 'unsupported') {
      const viaApi = await this.fromApi(subject, options);
      if (viaApi) return viaApi;
    }
    const found = await readFallbackIndex(this.endpoint, subject, options);
    const kept = this.collector(subject, options);
    if (found) kept.add(found.index.manifests);
    return kept.list;
  }

  /** Probes the API with `subject` when we do not know yet whether the registry has it. */
  async detectApi(subject: string, signal?: AbortSignal): Promise<boolean> {
    if (this.state === 'unknown') {
      try {
        await this.fromApi(subject, { signal });
      } catch (err) {
        // A subject that is not there yet still tells us nothing; leave it unknown and use the fallback.
        if (!hasCode(err, 'NAME_UNKNOWN')) throw err;
      }
    }
    return this.state === 'supported';
  }

  /** The API listing, or undefined when the registry turns out not to have the API. */
  private async fromApi(digest: string, options: ReferrersOptions): Promise<Descriptor[] | undefined> {
    const ep = this.endpoint;
    const query = options.artifactType ? `?artifactType=${encodeURIComponent(options.artifactType)}` : '';
    const what = `referrers of ${ep.name}@${digest}`;
    let unsupported = false;
    const kept = this.collector(digest, options);
    const pages = paginate(ep, `${ep.path('referrers', digest)}${query}`, {
      what,
      headers: { accept: MediaType.OciIndex },
      signal: options.signal,
      maxPages: this.limits.maxPages,
      pageBytes: MAX_REFERRERS_PAGE_BYTES,
      pageBytesLimit: 'maxReferrersPageBytes',
      accept: async (res, page) => {
        if (page === 0 && !(await this.answersApi(res))) {
          unsupported = true;
          return false;
        }
        return true;
      },
    });
    for await (const body of pages) {
      this.state = 'supported';
      kept.add(this.decodePage(body, what).manifests);
    }
    return unsupported ? this.apiUnsupported() : kept.list;
  }

  /** Whether the first answer is the API's (an OCI index); a 404 that is not NAME_UNKNOWN means no API. */
  private async answersApi(res: RegistryResponse): Promise<boolean> {
    if (res.status === 404) {
      const err = await this.endpoint.toError(res, { method: 'GET', path: res.url.pathname });
      if (err.code === 'NAME_UNKNOWN') throw err;
      return false;
    }
    if (res.status !== 200) return true; // an error: paginate reports it
    const contentType = res.header('content-type');
    if (contentType && baseMediaType(contentType) === MediaType.OciIndex) return true;
    discard(res);
    return false;
  }

  private decodePage(body: Buffer, what: string): { manifests: Descriptor[] } {
    try {
      // Decoded from text: the 4 MiB manifest cap does not apply to a page (its own cap did).
      return decodeIndex(body.toString('utf8'), MediaType.OciIndex);
    } catch (err) {
      if (err instanceof OciError) {
        throw new ManifestError(`${what}: ${err.message}`, {
          ...this.endpoint.ctx(),
          code: err.code,
          field: err instanceof ManifestError ? err.field : undefined,
          cause: err,
        });
      }
      throw err;
    }
  }

  private apiUnsupported(): undefined {
    if (this.forced === 'api') {
      throw new OciError('UNSUPPORTED', `${this.endpoint.registry} has no referrers API`, {
        ...this.endpoint.ctx(),
        hint: 'Use the tag schema fallback (referrers mode "tag" or "auto").',
      });
    }
    this.state = 'unsupported';
    return undefined;
  }

  private collector(subject: string, options: ReferrersOptions): ReferrerCollector {
    return new ReferrerCollector(this.endpoint, subject, options, this.limits);
  }
}

/**
 * Gathers one subject's referrers page by page: filtered (whatever OCI-Filters-Applied says —
 * servers that did not filter are handled, and one that claims to have filtered costs no trust),
 * de-duplicated by digest, and capped.
 */
class ReferrerCollector {
  readonly list: Descriptor[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly endpoint: RepositoryEndpoint,
    private readonly subject: string,
    private readonly options: ReferrersOptions,
    private readonly limits: ReferrersLimits,
  ) {}

  add(page: readonly Descriptor[]): void {
    for (const d of filterByArtifactType(page, this.options.artifactType)) {
      if (this.seen.has(d.digest)) continue;
      this.seen.add(d.digest);
      if (this.list.length >= this.limits.maxReferrers) {
        throw new LimitError(
          'maxReferrers',
          this.limits.maxReferrers,
          `${this.endpoint.name}@${this.subject} has more than ${this.limits.maxReferrers} referrers`,
          this.endpoint.ctx(),
        );
      }
      this.list.push(this.withinBytes(d));
    }
  }

  /** An entry over the byte cap is kept without its annotations and embedded data, and reported. */
  private withinBytes(d: Descriptor): Descriptor {
    const bytes = Buffer.byteLength(JSON.stringify(d));
    if (bytes <= this.limits.maxReferrerBytes) return d;
    const slim: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
    if (d.artifactType !== undefined) slim.artifactType = d.artifactType;
    this.options.onOversized?.(
      slim,
      new LimitError(
        'maxReferrerBytes',
        this.limits.maxReferrerBytes,
        `referrer ${d.digest} of ${this.endpoint.name}@${this.subject} is listed with ${bytes} bytes of descriptor, over the ${this.limits.maxReferrerBytes}-byte limit; its annotations were dropped`,
        this.endpoint.ctx(),
      ),
    );
    return slim;
  }
}
