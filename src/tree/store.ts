/**
 * The resolver's ContentStore over OCI Targets: one target per repository (a registry
 * repository), or one for everything (an OCI image layout, where content is found by digest).
 */
import type { ReadOnlyTarget } from '../oci/target.js';
import type { ContentStore, FetchedManifest, StoreDescriptor } from './ports.js';

/** A target that can also say a blob's size, and how it lists referrers (both implementations can). */
export type StoreTarget = ReadOnlyTarget & {
  blobSize(digest: string): Promise<number | undefined>;
  referrersCapability?: 'supported' | 'unsupported' | 'unknown';
};

export interface TargetStoreOptions {
  /** Opens (and caches) the target for a repository `registry/name`. */
  targetFor: (repository: string) => StoreTarget;
  /** An OCI layout has no repositories: one target serves every repository. */
  layout?: string;
}

/** How a target lists referrers, once it knows (a RemoteRepository learns it on first use). */
function modeOf(target: StoreTarget): 'api' | 'tag-schema' | undefined {
  if (target.referrersCapability === 'supported') return 'api';
  if (target.referrersCapability === 'unsupported') return 'tag-schema';
  return undefined;
}

export class TargetStore implements ContentStore {
  private readonly targets = new Map<string, StoreTarget>();
  /** A run names the same manifest from several places (status, root walk, subjects): fetch it once. */
  private readonly manifests = new Map<string, Promise<FetchedManifest>>();
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
    let pending = this.manifests.get(key);
    if (!pending) {
      pending = this.fetchUncached(repository, reference);
      this.manifests.set(key, pending);
      pending.catch(() => this.manifests.delete(key));
    }
    return pending;
  }

  private async fetchUncached(repository: string, reference: string): Promise<FetchedManifest> {
    const fetched = await this.target(repository).fetchManifest(reference);
    return { descriptor: fetched.descriptor, manifest: fetched.manifest };
  }

  async blobSize(repository: string, digest: string): Promise<number | undefined> {
    return this.target(repository).blobSize(digest);
  }

  async referrers(repository: string, subject: StoreDescriptor): Promise<StoreDescriptor[]> {
    // Only the identity of the subject matters for the lookup.
    return this.target(repository).referrers({
      mediaType: subject.mediaType,
      digest: subject.digest,
      size: subject.size,
    });
  }

  referrersMode(repository: string): 'api' | 'tag-schema' | 'layout' | undefined {
    if (this.options.layout) return 'layout';
    const target = this.targets.get(repository);
    return target ? modeOf(target) : undefined;
  }

  referenceOf(repository: string, digest: string): string {
    // In a layout the repository is the one the status named: printing it keeps references familiar.
    return `${repository}@${digest}`;
  }
}
