// Typed errors of the Kubernetes side. Each carries what the user needs to act (which object,
// which identity, which server) and a `hint`; src/cli maps `code` to an exit code and prints
// `message` then `hint`.

export type ClusterErrorCode =
  'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'UNREACHABLE' | 'KUBECONFIG' | 'INPUT' | 'API_ERROR';

export abstract class ClusterError extends Error {
  abstract readonly code: ClusterErrorCode;
  readonly hint: string | undefined;

  protected constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

export interface NotFoundDetails {
  /** Kind as users write it: PipelineRun, TaskRun, Pipeline, ConfigMap, Secret, ServiceAccount. */
  kind: string;
  namespace?: string;
  name: string;
  /** What was looked at, e.g. "cluster https://…", "tekton.dev/v1 and v1beta1", "file run.yaml". */
  tried?: string;
  hint?: string;
}

export class NotFoundError extends ClusterError {
  readonly code = 'NOT_FOUND' as const;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly objectName: string;
  readonly tried: string | undefined;

  constructor(details: NotFoundDetails, options?: { cause?: unknown }) {
    const where = details.namespace ? ` in namespace "${details.namespace}"` : '';
    const tried = details.tried ? ` (looked in ${details.tried})` : '';
    super(
      `${details.kind} "${details.name}" not found${where}${tried}`,
      details.hint ??
        (details.namespace ? 'check the name, and the namespace with -n/--namespace' : undefined),
      options,
    );
    this.kind = details.kind;
    this.namespace = details.namespace;
    this.objectName = details.name;
    this.tried = details.tried;
  }
}

export interface ForbiddenDetails {
  verb: string;
  /** Plural resource, e.g. "pipelineruns". */
  resource: string;
  /** API group; "" for the core group. */
  group: string;
  namespace?: string;
  name?: string;
  /** The identity as the API server reports it, else the kubeconfig user. */
  identity?: string;
  /** The API server's own message. */
  serverMessage?: string;
}

export class ForbiddenError extends ClusterError {
  readonly code = 'FORBIDDEN' as const;
  readonly verb: string;
  readonly resource: string;
  readonly group: string;
  readonly namespace: string | undefined;
  readonly objectName: string | undefined;
  readonly identity: string | undefined;

  constructor(details: ForbiddenDetails, options?: { cause?: unknown }) {
    const qualified = details.group ? `${details.resource}.${details.group}` : details.resource;
    const who = details.identity ? `${details.identity} is` : 'you are';
    const ns = details.namespace ? ` in namespace "${details.namespace}"` : ' (cluster scope)';
    const obj = details.name ? ` "${details.name}"` : '';
    const roleKind = details.namespace ? 'Role' : 'ClusterRole';
    const nsFlag = details.namespace ? ` -n ${details.namespace}` : '';
    super(
      `forbidden: ${who} not allowed to ${details.verb} ${qualified}${obj}${ns}`,
      `ask a cluster admin for RBAC "${details.verb}" on ${qualified}${ns} (a ${roleKind} and binding, ` +
        `e.g. kubectl create ${roleKind.toLowerCase()} tkn-artifacts-reader --verb=get,list --resource=${qualified}${nsFlag})`,
      options,
    );
    this.verb = details.verb;
    this.resource = details.resource;
    this.group = details.group;
    this.namespace = details.namespace;
    this.objectName = details.name;
    this.identity = details.identity;
  }
}

export class UnauthorizedError extends ClusterError {
  readonly code = 'UNAUTHORIZED' as const;
  readonly server: string | undefined;
  readonly user: string | undefined;

  constructor(details: { server?: string; user?: string; context?: string }, options?: { cause?: unknown }) {
    const who = details.user ? `the credentials of user "${details.user}"` : 'the credentials';
    const ctx = details.context ? ` (context "${details.context}")` : '';
    super(
      `the API server${details.server ? ` ${details.server}` : ''} rejected ${who}${ctx}`,
      'log in again or refresh the token in your kubeconfig (kubectl get --raw /version should work)',
      options,
    );
    this.server = details.server;
    this.user = details.user;
  }
}

export class UnreachableError extends ClusterError {
  readonly code = 'UNREACHABLE' as const;
  readonly server: string;
  /** A short cause such as "ECONNREFUSED" or "timed out after 30s". */
  readonly reason: string;

  constructor(server: string, reason: string, hint?: string, options?: { cause?: unknown }) {
    super(
      `cannot reach the Kubernetes API server ${server}: ${reason}`,
      hint ?? 'check that the cluster is running and that --context/--kubeconfig select the right one',
      options,
    );
    this.server = server;
    this.reason = reason;
  }
}

export class KubeconfigError extends ClusterError {
  readonly code = 'KUBECONFIG' as const;
  /** The file(s) involved, if any. */
  readonly files: string[];

  constructor(message: string, files: string[] = [], hint?: string, options?: { cause?: unknown }) {
    super(message, hint ?? 'pass --kubeconfig <file> or set KUBECONFIG', options);
    this.files = files;
  }
}

/** Malformed user input (a --from-file export): points at file, line and column (1-based). */
export class InputError extends ClusterError {
  readonly code = 'INPUT' as const;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The problem without the position prefix. */
  readonly detail: string;

  constructor(
    details: { file: string; line?: number; column?: number; message: string; hint?: string },
    options?: { cause?: unknown },
  ) {
    const pos =
      details.line !== undefined
        ? `:${details.line}${details.column !== undefined ? `:${details.column}` : ''}`
        : '';
    super(`${details.file}${pos}: ${details.message}`, details.hint, options);
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.detail = details.message;
  }
}

/** Any other API server answer (5xx, 429, 409…), with the server's message. */
export class ApiServerError extends ClusterError {
  readonly code = 'API_ERROR' as const;
  readonly status: number;

  constructor(status: number, message: string, hint?: string, options?: { cause?: unknown }) {
    super(`the API server answered ${status}: ${message}`, hint, options);
    this.status = status;
  }
}
