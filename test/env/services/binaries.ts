// Where the test environment's binaries are: built by scripts/provision-test-env.sh into a cache
// outside the repo, plus distribution and htpasswd from Debian.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const CRDS_FILE = path.join(REPO_ROOT, 'test/env/crds/tekton-crds.yaml');
export const DISTRIBUTION_BIN = '/usr/bin/docker-registry';

/** Where scripts/provision-test-env.sh puts its binaries (same rule as the script). */
export function cacheDir(): string {
  return (
    process.env.TKN_TEST_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tkn-artifacts-test-env')
  );
}

export interface Binaries {
  olareg: string;
  oras: string;
  regctl: string;
  /** Writes cosign's tag-stored .sig/.att/.sbom and OCI 1.1 referrer signatures. */
  cosign: string;
  /** Writes images and indexes, a producer independent of oras. */
  crane: string;
  etcd: string;
  kubeApiserver: string;
  /** Only a client: the completion tests run it as users do. */
  kubectl: string;
  /** kubectl's plugin manager, its manifest checker, and tkn: the ship tests install through them. */
  krew: string;
  validateKrewManifest: string;
  tkn: string;
  distribution: string;
  htpasswd: string;
}

/** Locates every binary, failing with one message that lists all the missing ones. */
export function findBinaries(): Binaries {
  const bin = path.join(cacheDir(), 'bin');
  const bins: Binaries = {
    olareg: path.join(bin, 'olareg'),
    oras: path.join(bin, 'oras'),
    regctl: path.join(bin, 'regctl'),
    cosign: path.join(bin, 'cosign'),
    crane: path.join(bin, 'crane'),
    etcd: path.join(bin, 'etcd'),
    kubeApiserver: path.join(bin, 'kube-apiserver'),
    kubectl: path.join(bin, 'kubectl'),
    krew: path.join(bin, 'krew'),
    validateKrewManifest: path.join(bin, 'validate-krew-manifest'),
    tkn: path.join(bin, 'tkn'),
    distribution: DISTRIBUTION_BIN,
    htpasswd: '/usr/bin/htpasswd',
  };
  const missing = (Object.values(bins) as string[]).filter((b) => !existsSync(b));
  if (missing.length > 0) {
    throw new Error(
      `test env: missing binaries:\n  ${missing.join('\n  ')}\n` +
        `Run \`bash scripts/provision-test-env.sh\` first (it builds them into ${bin}).`,
    );
  }
  return bins;
}
