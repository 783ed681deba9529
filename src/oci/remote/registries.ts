// One RegistryClient per registry host, shared by every repository on it, so the connection
// pool, the concurrency bound and cached tokens are per registry.
import type { CredentialStore } from '../auth/credentials.js';
import { parseReference, type Reference } from '../reference.js';
import { RegistryClient, type RegistryOptions } from './client.js';
import { RemoteRepository, type RepositoryOptions } from './repository.js';

export interface RegistriesOptions extends Omit<RegistryOptions, 'credentials'> {
  /** Credential stores, in lookup order (see defaultCredentialStores). */
  credentials?: CredentialStore[];
  /**
   * Per-registry overrides, keyed by host[:port] as references spell it, or a function asked once
   * per registry (for flags that match a host with or without its port, or every host).
   */
  hosts?: Record<string, RegistryOptions> | ((registry: string) => RegistryOptions);
  /** Options for every RemoteRepository opened through this pool. */
  repository?: RepositoryOptions;
}

export class Registries {
  private readonly clients = new Map<string, RegistryClient>();
  private readonly repositories = new Map<string, RemoteRepository>();

  constructor(private readonly options: RegistriesOptions = {}) {}

  client(registry: string): RegistryClient {
    let c = this.clients.get(registry);
    if (!c) {
      const { hosts: _hosts, repository: _repository, ...defaults } = this.options;
      const hosts = this.options.hosts;
      const own = typeof hosts === 'function' ? hosts(registry) : hosts?.[registry];
      c = new RegistryClient(registry, { ...defaults, ...own });
      this.clients.set(registry, c);
    }
    return c;
  }

  /** The repository a reference points into (its tag/digest are ignored here). */
  repository(
    reference: string | Pick<Reference, 'registry' | 'repository'>,
    options?: RepositoryOptions,
  ): RemoteRepository {
    const ref = typeof reference === 'string' ? parseReference(reference) : reference;
    const key = `${ref.registry}/${ref.repository}`;
    let repo = options ? undefined : this.repositories.get(key);
    if (!repo) {
      repo = new RemoteRepository(this.client(ref.registry), ref.repository, {
        ...this.options.repository,
        ...options,
      });
      if (!options) this.repositories.set(key, repo);
    }
    return repo;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
    this.repositories.clear();
  }
}
