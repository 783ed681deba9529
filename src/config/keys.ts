// The storage configuration keys, every spelling in the wild, and the built-in defaults.
// Sources: TEP-0164 final text, TEP-0193, the prototype controller and its later revision
// (formats-research §1.6). docs/storage-config.md is the user-facing version of this file.

export const DEFAULT_STORAGE_CONFIGMAP = 'config-artifact-storage';
export const DEFAULT_TEKTON_NAMESPACE = 'tekton-pipelines';
export const DEFAULT_FEATURE_FLAGS_CONFIGMAP = 'feature-flags';
/** TEP-0085 per-namespace configuration: the namespace ConfigMap must carry this label. */
export const NAMESPACE_CONFIG_LABEL = 'tekton.dev/config-type';
export const NAMESPACE_CONFIG_LABEL_VALUE = 'artifact-storage';
/** The original TEP-0164 label value, with ConfigMap config-result-storage. */
export const LEGACY_NAMESPACE_CONFIG_LABEL_VALUE = 'result-storage';

const ANNOTATION_OCI_REPOSITORY = 'tekton.dev/artifact-storage-oci-repository';
/** Only in the 2026-02-13 revision of TEP-0164. */
const ANNOTATION_BACKEND = 'tekton.dev/artifact-storage-backend';
export const ANNOTATION_STORAGE_PREFIX = 'tekton.dev/artifact-storage-';

export type ConfigLevel = 'pipelinerun' | 'pipeline' | 'namespace' | 'cluster' | 'default';
export const CONFIG_LEVELS: readonly ConfigLevel[] = [
  'pipelinerun',
  'pipeline',
  'namespace',
  'cluster',
  'default',
];

export const BACKENDS = ['oci', 's3', 'gcs', 'azure', 'pvc'] as const;

export interface StorageSettings {
  enabled: boolean;
  backend: string;
  inlineThreshold: number;
  ociRepository: string | undefined;
  ociCredentialsSecret: string | undefined;
  ociAttachReferrers: boolean;
  ociTagPattern: string;
  ociGroupByPipelineRun: boolean;
  insecure: boolean;
}

export type StorageField = keyof StorageSettings;
export type ValueType = 'boolean' | 'string' | 'integer' | 'backend' | 'tag-pattern';

export interface KeySpec {
  field: StorageField;
  /** The name we show (TEP spelling). */
  key: string;
  type: ValueType;
  /** ConfigMap keys accepted, in precedence order when a level sets several with different values. */
  configMapKeys: string[];
  /** PipelineRun/Pipeline annotation keys (only the repository and backend have one). */
  annotationKeys: string[];
  default: StorageSettings[StorageField];
  /** Where the default comes from, for --explain-config. */
  defaultFrom: string;
}

/** Default tag pattern: TEP-0193 and the later implementation's DefaultTagPattern. */
export const DEFAULT_TAG_PATTERN = '{{namespace}}.{{taskrun}}.{{artifact}}';
/** TEP-0164's written default (1 KiB). The later implementation uses 512 with a 1024 ceiling. */
const DEFAULT_INLINE_THRESHOLD = 1024;
/** TEP-0192's ceiling (2 KiB, also the per-Pod inline budget); above it we warn. */
export const MAX_INLINE_THRESHOLD = 2048;

export const KEY_SPECS: readonly KeySpec[] = [
  {
    field: 'enabled',
    key: 'enabled',
    type: 'boolean',
    configMapKeys: ['enabled'],
    annotationKeys: [],
    default: false,
    defaultFrom: 'TEP-0164: external storage disabled',
  },
  {
    field: 'backend',
    key: 'backend',
    type: 'backend',
    configMapKeys: ['backend'],
    annotationKeys: [ANNOTATION_BACKEND],
    default: 'oci',
    defaultFrom: 'TEP-0193: OCI is the only backend in scope',
  },
  {
    field: 'inlineThreshold',
    key: 'inline-threshold',
    type: 'integer',
    configMapKeys: ['inline-threshold'],
    annotationKeys: [],
    default: DEFAULT_INLINE_THRESHOLD,
    defaultFrom: 'TEP-0164: 1024 bytes',
  },
  {
    field: 'ociRepository',
    key: 'oci.repository',
    type: 'string',
    // The controller (prototype and later revision) reads only "oci-repository"; when both are set
    // differently, that spelling is what Tekton used, so it wins.
    configMapKeys: ['oci-repository', 'oci.repository'],
    annotationKeys: [ANNOTATION_OCI_REPOSITORY],
    default: undefined,
    defaultFrom: 'none: required when backend is oci',
  },
  {
    field: 'ociCredentialsSecret',
    key: 'oci.credentialsSecret',
    type: 'string',
    configMapKeys: ['oci.credentialsSecret'],
    annotationKeys: [],
    default: undefined,
    defaultFrom: "none: the ServiceAccount's imagePullSecrets are used",
  },
  {
    field: 'ociAttachReferrers',
    key: 'oci.attachReferrers',
    type: 'boolean',
    configMapKeys: ['oci.attachReferrers'],
    annotationKeys: [],
    default: true,
    defaultFrom: 'TEP-0164/0193: true',
  },
  {
    field: 'ociTagPattern',
    key: 'oci.tagPattern',
    type: 'tag-pattern',
    configMapKeys: ['oci.tagPattern'],
    annotationKeys: [],
    default: DEFAULT_TAG_PATTERN,
    defaultFrom: 'TEP-0193: {{namespace}}.{{taskrun}}.{{artifact}}',
  },
  {
    field: 'ociGroupByPipelineRun',
    key: 'oci.groupByPipelineRun',
    type: 'boolean',
    configMapKeys: ['oci.groupByPipelineRun'],
    annotationKeys: [],
    default: false,
    defaultFrom: 'TEP-0193: false',
  },
  {
    field: 'insecure',
    key: 'insecure',
    type: 'boolean',
    configMapKeys: ['insecure'],
    annotationKeys: [],
    default: false,
    defaultFrom: 'implementation: TLS verified',
  },
];

/** Keys of other backends (TEP-0164): known, not used by us, never "unknown key" warnings. */
export const OTHER_BACKEND_KEY_PREFIXES = ['s3.', 'gcs.', 'azure.', 'pvc.'];
