// One repository's view of its registry client: its paths, its requests, and errors that carry
// the registry and repository. Shared by the repository's reading, listing and upload code.
import { OciError, type OciErrorOptions } from '../errors.js';
import type { ClientRequest, RegistryClient, RegistryResponse } from './client.js';

export type RepositoryPathKind = 'manifests' | 'blobs' | 'tags' | 'referrers';

export class RepositoryEndpoint {
  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
  ) {}

  get registry(): string {
    return this.client.registry;
  }

  /** `registry/repository`. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  ctx(extra: OciErrorOptions = {}): OciErrorOptions {
    return { registry: this.registry, repository: this.repository, ...extra };
  }

  path(kind: RepositoryPathKind, ref = ''): string {
    const base = `/v2/${this.repository}`;
    if (kind === 'tags') return `${base}/tags/list`;
    return `${base}/${kind}/${ref}`;
  }

  send(req: Omit<ClientRequest, 'repository'>): Promise<RegistryResponse> {
    return this.client.request({ ...req, repository: this.repository });
  }

  toError(
    res: RegistryResponse,
    req: Pick<ClientRequest, 'method' | 'path'>,
    what?: string,
  ): Promise<OciError> {
    return this.client.toError(res, { ...req, repository: this.repository }, what);
  }

  async fail(
    res: RegistryResponse,
    req: Pick<ClientRequest, 'method' | 'path'>,
    what?: string,
  ): Promise<never> {
    throw await this.toError(res, req, what);
  }

  /** A broken-off response body as our error (a typed one passes through: a deadline, a cap). */
  streamError(err: unknown): OciError {
    if (err instanceof OciError) return err;
    const code = (err as { code?: unknown })?.code;
    return new OciError(
      code === 'UND_ERR_BODY_TIMEOUT'
        ? 'TIMEOUT'
        : code === 'UND_ERR_ABORTED' || (err as Error)?.name === 'AbortError'
          ? 'ABORTED'
          : 'UNREACHABLE',
      `${this.name}: the download broke off (${typeof code === 'string' ? code : ((err as Error)?.message ?? 'error')})`,
      this.ctx({ cause: err, hint: 'Retry; nothing partial was kept.' }),
    );
  }
}
