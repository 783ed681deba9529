// Where registry credentials come from: an explicit credential, a dockerconfigjson text,
// Docker's config.json (with credsStore/credHelpers), and podman/skopeo auth.json files.
// Nothing here ever puts a secret into an error message or a log line.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OciError } from '../errors.js';
import { runCredentialHelper } from './helper.js';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token realm. */
  identityToken?: string;
  /** A registry access token sent as-is as `Bearer` (Docker's `registrytoken`). */
  registryToken?: string;
}

export interface CredentialStore {
  /** Credentials for `registry` (host[:port]); `repository` lets auth.json's per-namespace entries match. */
  get(registry: string, repository?: string): Promise<Credential | undefined>;
  /** Where the credentials come from, for messages (`~/.docker/config.json`); never the secret. */
  readonly source: string;
}

export function isEmptyCredential(c: Credential | undefined): boolean {
  return !c || (!c.username && !c.password && !c.identityToken && !c.registryToken);
}

/** Docker Hub's credentials live under this legacy key. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** The host[:port] an `auths` key stands for: keys may be URLs (`https://host/v1/`) or `host/namespace`. */
export function normalizeAuthKey(key: string): string {
  let k = key.trim();
  k = k.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (
    k === 'index.docker.io/v1/' ||
    k === 'index.docker.io/v1' ||
    k === 'index.docker.io' ||
    k === 'registry-1.docker.io'
  ) {
    return 'docker.io';
  }
  // Strip a trailing API path such as `/v1/` or `/v2/`.
  k = k.replace(/\/v[12]\/?$/, '').replace(/\/+$/, '');
  return k.startsWith('index.docker.io/') ? `docker.io/${k.slice('index.docker.io/'.length)}` : k;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

function decodeEntry(entry: AuthEntry, source: string, key: string): Credential | undefined {
  const c: Credential = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new OciError(
        'CREDENTIALS',
        `the "auth" entry for ${key} in ${source} is not base64 of "user:password"`,
        {
          hint: `Fix or remove that entry (e.g. log in again with "oras login" or "docker login").`,
        },
      );
    }
    c.username = decoded.slice(0, colon);
    if (colon + 1 < decoded.length) c.password = decoded.slice(colon + 1);
  }
  if (typeof entry.username === 'string' && entry.username !== '') c.username = entry.username;
  if (typeof entry.password === 'string' && entry.password !== '') c.password = entry.password;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '')
    c.identityToken = entry.identitytoken;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '')
    c.registryToken = entry.registrytoken;
  return isEmptyCredential(c) ? undefined : c;
}

/** Candidates from most to least specific: `host/a/b`, `host/a`, `host` (auth.json semantics). */
function lookupKeys(registry: string, repository?: string): string[] {
  const keys: string[] = [];
  if (repository) {
    const parts = repository.split('/');
    for (let n = parts.length; n > 0; n--) keys.push(`${registry}/${parts.slice(0, n).join('/')}`);
  }
  keys.push(registry);
  return keys;
}

function parseConfig(text: string, source: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message can quote the file, i.e. a secret; say only where.
    throw new OciError('CREDENTIALS', `${source} is not valid JSON`, { hint: `Fix or move away ${source}.` });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OciError('CREDENTIALS', `${source} is not a JSON object`, {
      hint: `Fix or move away ${source}.`,
    });
  }
  const p = parsed as Record<string, unknown>;
  const cfg: ConfigFile = {};
  if (typeof p.auths === 'object' && p.auths !== null && !Array.isArray(p.auths)) {
    cfg.auths = {};
    for (const [k, v] of Object.entries(p.auths)) {
      if (typeof v === 'object' && v !== null) cfg.auths[k] = v as AuthEntry;
    }
  }
  if (typeof p.credsStore === 'string' && p.credsStore !== '') cfg.credsStore = p.credsStore;
  if (typeof p.credHelpers === 'object' && p.credHelpers !== null) {
    cfg.credHelpers = {};
    for (const [k, v] of Object.entries(p.credHelpers))
      if (typeof v === 'string' && v) cfg.credHelpers[k] = v;
  }
  return cfg;
}

export interface ConfigStoreOptions {
  /** Whether credsStore/credHelpers may run `docker-credential-<name>`. False for content from a cluster. */
  allowHelpers: boolean;
  /** For tests and callers that need a different environment for helpers. */
  env?: NodeJS.ProcessEnv;
}

/** A store over Docker config.json / auth.json content. */
export class ConfigCredentialStore implements CredentialStore {
  private config?: Promise<ConfigFile | undefined>;

  constructor(
    private readonly load: () => Promise<string | undefined>,
    readonly source: string,
    private readonly options: ConfigStoreOptions,
  ) {}

  private async file(): Promise<ConfigFile | undefined> {
    this.config ??= this.load().then((text) =>
      text === undefined ? undefined : parseConfig(text, this.source),
    );
    return this.config;
  }

  async get(registry: string, repository?: string): Promise<Credential | undefined> {
    const cfg = await this.file();
    if (!cfg) return undefined;
    const host = normalizeAuthKey(registry);
    if (this.options.allowHelpers) {
      const helper =
        cfg.credHelpers?.[registry] ??
        cfg.credHelpers?.[host] ??
        (host === 'docker.io' ? cfg.credHelpers?.[DOCKER_HUB_KEY] : undefined);
      const name = helper ?? cfg.credsStore;
      if (name) {
        const serverUrl = host === 'docker.io' ? DOCKER_HUB_KEY : registry;
        const c = await runCredentialHelper(name, serverUrl, { env: this.options.env });
        if (c) return c;
        // A helper that has nothing falls through to `auths`, which some setups still fill.
        if (helper) return undefined;
      }
    }
    if (!cfg.auths) return undefined;
    const byKey = new Map<string, [string, AuthEntry]>();
    for (const [k, v] of Object.entries(cfg.auths)) {
      const nk = normalizeAuthKey(k);
      // Exact keys win over normalised duplicates (e.g. both `host` and `https://host`).
      if (!byKey.has(nk) || k === nk) byKey.set(nk, [k, v]);
    }
    for (const key of lookupKeys(host, repository)) {
      const hit = byKey.get(key);
      if (hit) {
        const c = decodeEntry(hit[1], this.source, hit[0]);
        if (c) return c;
      }
    }
    return undefined;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OciError('CREDENTIALS', `cannot read ${path}: ${code ?? 'error'}`, { cause: err });
  }
}

/** A Docker config.json (`auths`, `credsStore`, `credHelpers`). */
export function dockerConfigStore(path: string, env: NodeJS.ProcessEnv = process.env): CredentialStore {
  return new ConfigCredentialStore(() => readIfExists(path), path, { allowHelpers: true, env });
}

/** A podman/skopeo/buildah auth.json (same `auths` format, entries may be per namespace). */
export function authFileStore(path: string, env: NodeJS.ProcessEnv = process.env): CredentialStore {
  return new ConfigCredentialStore(() => readIfExists(path), path, { allowHelpers: true, env });
}

/**
 * The decoded `.dockerconfigjson` of a `kubernetes.io/dockerconfigjson` Secret. Helpers are never
 * run for it: the content comes from the cluster, and must not choose programs we execute.
 */
export function dockerConfigJsonStore(json: string, source = 'Secret .dockerconfigjson'): CredentialStore {
  return new ConfigCredentialStore(async () => json, source, { allowHelpers: false });
}

/** Credentials given on the command line, for one registry or all. */
export function staticCredentialStore(credential: Credential, registry?: string): CredentialStore {
  return {
    source: 'command-line flags',
    async get(r: string) {
      if (registry !== undefined && normalizeAuthKey(r) !== normalizeAuthKey(registry)) return undefined;
      return isEmptyCredential(credential) ? undefined : credential;
    },
  };
}

/** The first store that has credentials wins. */
export function chainCredentialStores(stores: CredentialStore[]): CredentialStore {
  return {
    source: stores.map((s) => s.source).join(', '),
    async get(registry: string, repository?: string) {
      for (const s of stores) {
        const c = await s.get(registry, repository);
        if (!isEmptyCredential(c)) return c;
      }
      return undefined;
    },
  };
}

/** Stores that know where a credential came from (for "unauthorized" hints). */
export async function findCredential(
  stores: CredentialStore[],
  registry: string,
  repository?: string,
): Promise<{ credential: Credential; source: string } | undefined> {
  for (const s of stores) {
    const c = await s.get(registry, repository);
    if (c && !isEmptyCredential(c)) return { credential: c, source: s.source };
  }
  return undefined;
}

export interface DefaultStoresOptions {
  /** A credential given explicitly (library callers; no command has such flags); it comes first. */
  explicit?: { credential: Credential; registry?: string };
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/**
 * The lookup order: explicit credentials, `$REGISTRY_AUTH_FILE`, Docker's config
 * (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`), `$XDG_RUNTIME_DIR/containers/auth.json`,
 * `~/.config/containers/auth.json`.
 */
export function defaultCredentialStores(options: DefaultStoresOptions = {}): CredentialStore[] {
  const env = options.env ?? process.env;
  const home = options.home ?? env.HOME ?? homedir();
  const stores: CredentialStore[] = [];
  if (options.explicit)
    stores.push(staticCredentialStore(options.explicit.credential, options.explicit.registry));
  if (env.REGISTRY_AUTH_FILE) stores.push(authFileStore(env.REGISTRY_AUTH_FILE, env));
  const dockerDir = env.DOCKER_CONFIG || join(home, '.docker');
  stores.push(dockerConfigStore(join(dockerDir, 'config.json'), env));
  if (env.XDG_RUNTIME_DIR)
    stores.push(authFileStore(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'), env));
  stores.push(
    authFileStore(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'), env),
  );
  return stores;
}
