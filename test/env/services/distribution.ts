// CNCF distribution 2.8 (Debian's docker-registry): no referrers API, deletes enabled, and
// optionally htpasswd Basic auth or a config of the caller's (token auth, deletes disabled).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Binaries } from './binaries.js';
import { cleanEnv, freePort, run, spawnService, stopSpawned } from './process.js';
import { waitRegistry, type RegistryService } from './registry.js';

async function distributionVersion(bins: Binaries): Promise<string> {
  // "/usr/bin/docker-registry github.com/docker/distribution 2.8.2+ds1"
  const out = (await run(bins.distribution, ['--version'])).trim();
  return out.split(/\s+/).at(-1) ?? out;
}

export async function startDistribution(
  runDir: string,
  bins: Binaries,
  opts: {
    name: string;
    basicAuth?: { username: string; password: string };
    /** Appended to the config as it is: another `auth:` (token auth, see token-auth.ts), for one. */
    extraConfig?: string;
    /** Default true. */
    deleteEnabled?: boolean;
  },
): Promise<RegistryService> {
  const dir = path.join(runDir, opts.name);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.basicAuth) {
    // distribution only accepts bcrypt entries in htpasswd files.
    const line = await run(bins.htpasswd, ['-iBn', opts.basicAuth.username], {
      input: `${opts.basicAuth.password}\n`,
    });
    const htpasswdFile = path.join(dir, 'htpasswd');
    writeFileSync(htpasswdFile, `${line.trim()}\n`, { mode: 0o600 });
    auth = `auth:\n  htpasswd:\n    realm: tkn-artifacts-test\n    path: ${htpasswdFile}\n`;
  }
  const configFile = path.join(dir, 'config.yml');
  writeFileSync(
    configFile,
    `version: 0.1
log:
  level: info
  fields:
    service: ${opts.name}
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: ${opts.deleteEnabled ?? true}
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${host}
  headers:
    X-Content-Type-Options: [nosniff]
${auth}${opts.extraConfig ?? ''}`,
  );
  const command = [bins.distribution, 'serve', configFile];
  const logFile = path.join(runDir, 'logs', `${opts.name}.log`);
  const s = spawnService(opts.name, command, logFile, { env: cleanEnv() });
  await waitRegistry(s, host, opts.basicAuth ? [401] : opts.extraConfig ? [200, 401] : [200]);
  const version = await distributionVersion(bins);
  return { name: opts.name, version, host, address: host, command, logFile, stop: () => stopSpawned(s) };
}

/** A random password for the Basic-auth registry. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
