// The shape of the data scripts/tekton-api writes (api-data.ts): facts read from Tekton's Go
// source at one release. Field types are strings:
//   string | bool | int | float | any        JSON scalars (any: no constraint)
//   []T, map[string]T                        arrays and string-keyed maps
//   v1.Step, pod.Template                    a Tekton struct or named type in this data
//   ext:corev1.EnvVar                        a Kubernetes type this data does not expand

export interface ApiField {
  /** JSON name ("" for an embedded struct whose fields are inlined). */
  name: string;
  /** Go field name. */
  go: string;
  type: string;
  inline?: boolean;
}

export interface ApiStruct {
  fields: ApiField[];
  /** file:line in tektoncd/pipeline. */
  file: string;
}

export interface ApiNamed {
  type: string;
  /** Constants declared with the type. */
  values?: string[];
  /** The type has its own UnmarshalJSON. */
  custom?: boolean;
  file: string;
}

export interface ApiGate {
  version: string;
  /** Go struct whose field is gated; "*" any struct with that field; "" not tied to a field. */
  owner: string;
  field: string;
  kind: 'alpha' | 'beta' | 'flag' | 'disallowed';
  /** Tekton's feature name, or for kind flag the Go name of the per-feature flag (EnableParamEnum). */
  feature: string;
  condition: string;
  function: string;
  /** Every if condition around the check, outermost first. */
  enclosing: string[];
  source: string;
}

export interface ApiFeatureFlag {
  key: string;
  stability: string;
  default: boolean;
  deprecated?: boolean;
  source: string;
}

export interface ApiMissing {
  version: string;
  function: string;
  field: string;
  source: string;
}

export interface TektonApiData {
  release: string;
  commit: string;
  generator: string;
  /** Per API version: kind → its Go struct. A kind absent here is not served by the release. */
  roots: Record<string, Record<string, string>>;
  structs: Record<string, Record<string, ApiStruct>>;
  named: Record<string, Record<string, ApiNamed>>;
  gates: ApiGate[];
  featureFlags: ApiFeatureFlag[];
  /** ErrMissingField calls of the validation code. */
  missing: ApiMissing[];
  /** ErrDisallowedFields calls: fields the webhook rejects. */
  disallowed: ApiGate[];
  /** enable-api-fields when the ConfigMap does not set it. */
  apiFieldsDefault: string;
  /** The k8s.io/api module core/v1 types were read from ("api@v0.35.7"); absent: not expanded. */
  k8sApi?: string;
}
