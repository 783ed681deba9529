// The public surface of the OCI client.
export * from './errors.js';
export {
  DEFAULT_MAX_PAGES,
  DEFAULT_MAX_REFERRER_BYTES,
  DEFAULT_MAX_REFERRERS,
  DEFAULT_REQUEST_DEADLINE_MS,
  DeadlineError,
  LimitError,
  MAX_REFERRERS_PAGE_BYTES,
  MAX_TAGS_PAGE_BYTES,
  MAX_TOKEN_RESPONSE_BYTES,
  type LimitName,
} from './limits.js';
export {
  DigestingStream,
  InvalidDigestError,
  VerifyingStream,
  createDigester,
  digestOf,
  digestProblem,
  isDigest,
  parseDigest,
  verifyBytes,
  type DigestAlgorithm,
  type Expected,
  type ParsedDigest,
} from './digest.js';
export {
  DOCKER_HUB,
  formatReference,
  isLocalhost,
  isValidRegistry,
  isValidRepository,
  isValidTag,
  parseReference,
  referenceForm,
  referencePart,
  repositoryName,
  tagProblem,
  validateTag,
  withDigest,
  type ParseReferenceOptions,
  type Reference,
} from './reference.js';
export {
  Annotations,
  EMPTY_JSON,
  MANIFEST_MEDIA_TYPES,
  MAX_MANIFEST_BYTES,
  MediaType,
  baseMediaType,
  checkDescriptor,
  decodeDescriptor,
  decodeIndex,
  decodeManifest,
  effectiveArtifactType,
  embeddedData,
  encodeManifest,
  isImageManifest,
  isIndex,
  isIndexMediaType,
  isManifestMediaType,
  manifestMediaType,
  plainDescriptor,
  referrerDescriptor,
  type Descriptor,
  type FetchedManifest,
  type ImageIndex,
  type ImageManifest,
  type Manifest,
  type Platform,
} from './manifest.js';
export type {
  BlobFetcher,
  BlobStatter,
  Deleter,
  ExistenceChecker,
  Fetcher,
  ManifestFetcher,
  PushOptions,
  Pusher,
  ReadOnlyTarget,
  ReferrerLister,
  ReferrersListing,
  ReferrersOptions,
  RequestOptions,
  Resolver,
  TagLister,
  Tagger,
  TagsOptions,
  Target,
} from './target.js';
export { RegistryClient, redactHeaders, type RegistryOptions } from './remote/client.js';
export {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  parseRetryAfter,
  retryDelay,
  type RetryPolicy,
} from './remote/retry.js';
export { RemoteRepository, type ReferrersMode, type RepositoryOptions } from './remote/repository.js';
export { Registries, type RegistriesOptions } from './remote/registries.js';
export { isReferrersTag, referrersTag } from './remote/referrers-index.js';
export { parseChallenges, type Challenge } from './auth/challenge.js';
export {
  authFileStore,
  chainCredentialStores,
  defaultCredentialStores,
  dockerConfigJsonStore,
  dockerConfigStore,
  staticCredentialStore,
  type Credential,
  type CredentialStore,
  type DefaultStoresOptions,
} from './auth/credentials.js';
export { OciLayout, type OciLayoutOptions } from './layout.js';
export { walk, walkNodes, type WalkNode, type WalkOptions, type WalkRelation } from './walk.js';
