/**
 * The resolver's ContentStore over OCI Targets: one target per repository (a registry
 * repository), or one for everything (an OCI image layout, where content is found by digest).
 */
import type {
  BlobFetcher,
  BlobStatter,
  ManifestFetcher,
  ReferrerLister,
  ReferrersListing,
  TagLister,
} from '../oci/target.js';
import type { Descriptor, FetchedManifest } from '../oci/types.js';
import type { ContentStore } from './ports.js';

/** What the tree reads from a repository, and what pull streams blobs with. */
export type StoreTarget = ManifestFetcher & BlobStatter & ReferrerLister & BlobFetcher & TagLister;

/**
 * Past this many tags a listing is abandoned (and tags are asked for one by one): a repository
 * of a hundred thousand tags is pages of requests that a few lookups per subject beat.
 */
const MAX_LISTED_TAGS = 20_000;

/**
 * Settled manifests kept for a second ask. A run names the same few manifests from several places
 * (status, root walk, subjects), close together; a flood of 100,000 referrers names each once, and
 * keeping every one (bytes, parsed form, descriptor: about 4 KiB each) was most of the walk's heap.
 */
const KEPT_MANIFESTS = 512;

export interface TargetStoreOptions {
  /** Opens (and caches) the target for a repository `registry/name`. */
  targetFor: (repository: string) => StoreTarget;
  /** An OCI layout has no repositories: one target serves every repository. */
  layout?: string;
}

export class TargetStore implements ContentStore {
  private readonly targets = new Map<string, StoreTarget>();
  /**
   * A run names the same manifest from several places (status, root walk, subjects): one request
   * for concurrent asks, and the last KEPT_MANIFESTS settled ones kept (oldest first out).
   */
  private readonly manifests = new Map<string, Promise<FetchedManifest>>();
  private readonly tagLists = new Map<string, Promise<ReadonlySet<string>>>();
  constructor(private readonly options: TargetStoreOptions) {}

  private target(repository: string): StoreTarget {
    const key = this.options.layout ? '' : repository;
    let target = this.targets.get(key);
    if (!target) {
      target = this.options.targetFor(repository);
      this.targets.set(key, target);
    }
    return target;
  }

  /**
   * The target content of `repository` is read from (the layout, for an OCI layout), for callers
   * that stream blobs themselves (pull). The same cached target the resolver uses.
   */
  targetOf(repository: string): StoreTarget {
    return this.target(repository);
  }

  async fetchManifest(repository: string, reference: string): Promise<FetchedManifest> {
    // Only digests are cached: a tag may move while we look.
    if (!reference.startsWith('sha256:') && !reference.startsWith('sha512:'))
      return this.fetchUncached(repository, reference);
    const key = `${this.options.layout ? '' : repository}@${reference}`;
    const kept = this.manifests.get(key);
    if (kept) {
      // Most recently asked last: a Map iterates in insertion order.
      this.manifests.delete(key);
      this.manifests.set(key, kept);
      return kept;
    }
    const pending = this.fetchUncached(repository, reference);
    this.manifests.set(key, pending);
    pending.then(
      () => this.evict(),
      () => {
        if (this.manifests.get(key) === pending) this.manifests.delete(key);
      },
    );
    return pending;
  }

  /** Drops the least recently asked manifests past KEPT_MANIFESTS (in flight ones too: they still answer their callers). */
  private evict(): void {
    for (const key of this.manifests.keys()) {
      if (this.manifests.size <= KEPT_MANIFESTS) return;
      this.manifests.delete(key);
    }
  }

  private async fetchUncached(repository: string, reference: string): Promise<FetchedManifest> {
    return this.target(repository).fetchManifest(reference);
  }

  async blobSize(repository: string, digest: string): Promise<number | undefined> {
    return this.target(repository).blobSize(digest);
  }

  async referrers(repository: string, subject: Descriptor): Promise<Descriptor[]> {
    // Only the identity of the subject matters for the lookup.
    return this.target(repository).referrers({
      mediaType: subject.mediaType,
      digest: subject.digest,
      size: subject.size,
    });
  }

  tagsOf(repository: string): Promise<ReadonlySet<string>> {
    const key = this.options.layout ? '' : repository;
    let pending = this.tagLists.get(key);
    if (!pending) {
      pending = this.listTags(repository);
      this.tagLists.set(key, pending);
    }
    return pending;
  }

  private async listTags(repository: string): Promise<ReadonlySet<string>> {
    const tags = new Set<string>();
    for await (const tag of this.target(repository).tags()) {
      tags.add(tag);
      if (tags.size > MAX_LISTED_TAGS)
        throw new Error(`${repository} has more than ${MAX_LISTED_TAGS} tags: not listed whole`);
    }
    return tags;
  }

  referrersMode(repository: string): ReferrersListing | undefined {
    return this.targets.get(this.options.layout ? '' : repository)?.referrersMode();
  }

  referenceOf(repository: string, digest: string): string {
    // In a layout the repository is the one the status named: printing it keeps references familiar.
    return `${repository}@${digest}`;
  }
}
