// Bundles the CLI for bin/ and for the standalone executables (scripts/release.mjs):
//
//   dist/bundle/tkn-artifacts.cjs  everything start-up and the commands need, one CommonJS file
//                                  (Node's single executable applications embed it as an asset)
//   dist/bundle/start.cjs          what bin/ and the executables run: answers --version, else runs
//                                  help.cjs for the plain help forms, else the above with V8's
//                                  code cache (scripts/bundle-start.cjs)
//   dist/bundle/help.cjs           the help fast path (src/help/fast-path.ts) with the commands' help
//                                  model, read from oclif's own view of them at build time
//   dist/bundle/kubernetes.mjs     @kubernetes/client-node, loaded only when a cluster is read
//   dist/bundle/ink.mjs            ink and React with the module that draws with them
//                                  (src/pull/progress-view.ts), loaded only for pull's live
//                                  progress on a terminal (static output never goes through ink)
//
//   node scripts/bundle.mjs [--metafile]
//
// Dependencies the commands reach through `await import()` (YAML, the OCI client, tar) are in the
// main file but wrapped by esbuild, so their top-level code runs only when the import runs. The two
// pieces apart are different: client-node is half the size of everything else, and yoga-layout
// (under ink) awaits at its top level, which CommonJS cannot hold. Their imports are left in the
// output as `import('tkn-artifacts:NAME')`, which scripts/bundle-runtime.cjs (the bundle's first
// lines) resolves to the file beside the bundle or, in an executable, to its embedded copy.
//
// The command list is whatever commands/index.ts exports (oclif's explicit strategy), handed to
// src/cli/main.ts's main() by the bundle's entry: a new command needs nothing here.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireBuiltin = createRequire(import.meta.url);
export const bundleDir = join(root, 'dist', 'bundle');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The fields of package.json the CLI reads at run time; the executables have no package.json. */
const packageFields = { name: pkg.name, version: pkg.version, type: pkg.type, oclif: pkg.oclif };

/** The pieces loaded apart: what each exports, and which imports in our code lead to it. */
const pieces = {
  kubernetes: {
    entry: "export * from '@kubernetes/client-node';",
    packages: /^@kubernetes\/client-node$/,
    modules: [],
  },
  ink: {
    entry: "export * from './src/pull/progress-view.ts';",
    packages: /^(ink|react|react-dom|react-reconciler|yoga-layout)(\/|$)/,
    modules: [join(root, 'src/pull/progress-view.ts')],
  },
};
/** The packages each piece holds must not reach the main file (by a static import somewhere). */
const pieceInputs = /node_modules\/(@kubernetes\/client-node|ink|react|react-reconciler|yoga-layout)\//;

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node22.19',
  // TKN_BUNDLE_MINIFY=0 keeps names and lines readable in a CPU profile.
  minify: process.env.TKN_BUNDLE_MINIFY !== '0',
  // Errors are told apart by their class's name (ClusterError sets name from new.target.name,
  // src/cli/errors.ts reads it): minifying must not rename classes and functions.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"' },
};

/**
 * ink connects to React's devtools when DEV=true and react-devtools-core is installed; esbuild
 * hoists that import to the top of the piece, so it stands in for the package, connecting nowhere.
 */
const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({
      path: 'react-devtools-core',
      namespace: 'stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
      loader: 'js',
    }));
  },
};

async function buildPiece(name, { entry }) {
  const outfile = join(bundleDir, `${name}.mjs`);
  const result = await build({
    ...shared,
    stdin: { contents: entry, resolveDir: root, sourcefile: `${name}-entry.mjs`, loader: 'ts' },
    outfile,
    format: 'esm',
    // CommonJS files inside (React, ws) require Node's built-ins; an ES module has no require, and
    // an embedded piece has no file URL to make one from, hence the executable's path.
    banner: {
      js: "import{createRequire as __tkn_cr}from'node:module';const require=__tkn_cr(process.execPath);",
    },
    plugins: [noDevtools],
  });
  return { outfile, metafile: result.metafile };
}

/**
 * Node built-ins that are not in Node's own start-up snapshot, that `--help` and most commands
 * never call, and whose importers use them only inside functions: oclif's parser (readline, for
 * `stdin` flags), its Windows shell probe (child_process), its DEBUG timings (perf_hooks),
 * hashing (crypto, which `--help` never needs), and TLS (only HTTPS registries need it: loading
 * node:tls also starts a thread that parses the system's CA bundle, about 7 MiB of RSS and 30 ms
 * of CPU, for nothing over plain HTTP or from an OCI layout). Loading them costs 10 ms or more of
 * CPU at every start. Each import of one gets a stand-in that loads the built-in at its first use and then
 * answers every property (and key listing) from it, so the code using it sees no difference.
 */
const lazyBuiltins = /^(node:)?(child_process|crypto|perf_hooks|readline|tls)$/;

/**
 * A plugin that replaces `original` with `replacement` in the dependency files `filter` matches,
 * and fails the build when a file no longer has `original` (the package changed under the patch).
 */
function sourcePatchPlugin(name, filter, original, replacement) {
  return {
    name,
    setup(b) {
      b.onLoad({ filter, namespace: 'file' }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes(original)) throw new Error(`${args.path} no longer has: ${original}`);
        return { contents: source.replace(original, replacement), loader: 'js' };
      });
    },
  };
}

/**
 * A module's stand-in that loads it (`load`, an expression) at the first use of any property and
 * then answers every property (and key listing) from it; `names` are its keys as listed before
 * that, so esbuild's interop (which copies an imported module's properties as getters) or a
 * `__esModule` check loads nothing.
 */
function lazyStandIn(load, real) {
  return [
    'let loaded;',
    `const real = () => (loaded ??= ${load});`,
    `const names = ${JSON.stringify(Object.getOwnPropertyNames(real))};`,
    `const esModule = ${JSON.stringify(Boolean(real.__esModule))};`,
    'module.exports = new Proxy({}, {',
    '  get: (_, key) => (key === "__esModule" && !loaded ? esModule : Reflect.get(real(), key)),',
    '  has: (_, key) => Reflect.has(real(), key),',
    '  ownKeys: () => (loaded ? Reflect.ownKeys(loaded) : names),',
    '  getOwnPropertyDescriptor: (_, key) => {',
    '    if (!loaded) return names.includes(key) ? { configurable: true, enumerable: true, get: () => Reflect.get(real(), key) } : undefined;',
    '    const d = Reflect.getOwnPropertyDescriptor(loaded, key);',
    // A proxy may not report a property its (empty) target lacks as non-configurable.
    '    return d && { ...d, configurable: true };',
    '  },',
    '});',
  ].join('\n');
}

function lazyBuiltinsPlugin() {
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter: lazyBuiltins }, (args) =>
        args.namespace === 'lazy-builtin'
          ? undefined
          : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        loader: 'js',
        contents: lazyStandIn(`require('node:${args.path}')`, requireBuiltin(`node:${args.path}`)),
      }));
    },
  };
}

/**
 * undici's HTTP/2 client (which the registry client never enables) reads `node:http2`'s constants
 * when it loads, and loading node:http2 loads node:tls (see lazyBuiltins). Its stand-in answers
 * `constants` from this Node's values, copied at build time (HTTP/2 header names and nghttp2 error
 * codes, fixed by the protocol), and loads the real module for anything else.
 */
function http2ConstantsPlugin() {
  return {
    name: 'http2-constants',
    setup(b) {
      b.onResolve({ filter: /^(node:)?http2$/ }, (args) =>
        args.namespace === 'http2-stand-in' ? undefined : { path: 'http2', namespace: 'http2-stand-in' },
      );
      b.onLoad({ filter: /.*/, namespace: 'http2-stand-in' }, () => ({
        loader: 'js',
        contents: [
          'let loaded;',
          "const real = () => (loaded ??= require('node:http2'));",
          `const constants = Object.freeze(${JSON.stringify(requireBuiltin('node:http2').constants)});`,
          'module.exports = new Proxy({}, {',
          "  get: (_, key) => (key === 'constants' && !loaded ? constants : Reflect.get(real(), key)),",
          "  has: (_, key) => key === 'constants' || Reflect.has(real(), key),",
          '});',
        ].join('\n'),
      }));
    },
  };
}

/**
 * Packages oclif requires at the top of its modules but uses only inside functions our commands
 * seldom or never call: command discovery by glob (tinyglobby, explicit strategy here), plugin
 * patterns (minimatch), templates (ejs, for text with `<%` only), spinners (cli-spinners). Each
 * gets a stand-in (lazyStandIn) that loads the package at its first use; their loading was several
 * milliseconds of every start.
 */
const lazyPackages = /^(tinyglobby|minimatch|ejs|cli-spinners)$/;

function lazyPackagesPlugin() {
  return {
    name: 'lazy-packages',
    setup(b) {
      b.onResolve({ filter: lazyPackages }, (args) =>
        args.namespace === 'lazy-package' || !/node_modules\/@oclif\/core\/lib\//.test(args.importer)
          ? undefined
          : { path: `${args.path}\0${args.importer}`, namespace: 'lazy-package' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => {
        const [name, importer] = args.path.split('\0');
        return {
          resolveDir: dirname(importer),
          loader: 'js',
          contents: lazyStandIn(`require(${JSON.stringify(name)})`, createRequire(importer)(name)),
        };
      });
    },
  };
}

/**
 * oclif asks wsl-utils whether it runs under WSL (for its platform name); wsl-utils and
 * powershell-utils, which it imports, promisify child_process.execFile when they load, which
 * loads child_process (with net and dgram): several milliseconds of every start, for processes
 * they run only on WSL. Promisified at the call instead (the same function: execFile's own
 * promisified form). The build fails if their code no longer reads as expected.
 */
function execFileAtCallPlugin() {
  return sourcePatchPlugin(
    'exec-file-at-call',
    /node_modules\/(wsl-utils|powershell-utils)\/index\.js$/,
    'const execFile = promisify(childProcess.execFile);',
    'const execFile = (...args) => promisify(childProcess.execFile)(...args);',
  );
}

/**
 * oclif's index checks at load that Node satisfies oclif's own engines, reading oclif's
 * package.json beside its lib/, which the bundle does not have: the check always fails quietly,
 * after loading semver (milliseconds). npm checks our engines; the bundle skips it. The build fails
 * if oclif's code no longer reads as expected.
 */
function noEngineCheckPlugin() {
  const original = 'function checkNodeVersion() {';
  return sourcePatchPlugin(
    'no-engine-check',
    /node_modules\/@oclif\/core\/lib\/index\.js$/,
    // Only while the check still reads oclif's package.json beside its lib/.
    `${original}\n    if (process.env.OCLIF_DISABLE_ENGINE_WARNING`,
    `${original}\n    return;\n    if (process.env.OCLIF_DISABLE_ENGINE_WARNING`,
  );
}

/**
 * oclif passes every piece of help text through ejs (for `<%= config.bin %>` in examples), and ejs
 * compiles each string into a new function at every run, code no cache can keep: a few
 * milliseconds for `--help`. Text without `<%` is what ejs would return unchanged, so it is returned
 * as it is. The build fails if oclif's code no longer reads as expected.
 */
function ejsOnlyForTemplatesPlugin() {
  return sourcePatchPlugin(
    'ejs-only-for-templates',
    /node_modules\/@oclif\/core\/lib\/help\/util\.js$/,
    'return ejs_1.default.render(t, context);',
    `return typeof t === 'string' && !t.includes('<%') ? t : ejs_1.default.render(t, context);`,
  );
}

/**
 * string-width (under wrap-ansi, which help wraps every word with) builds emoji-regex's 10 KB
 * expression at every call: most of what rendering `show --help` cost. A printable-ASCII string
 * (help text nearly always) is as wide as it is long, and string-width says so too (no control,
 * combining, wide or emoji characters among them); anything else goes to string-width, loaded then.
 */
function asciiWidthPlugin() {
  return {
    name: 'ascii-width',
    setup(b) {
      b.onResolve({ filter: /^string-width$/ }, (args) =>
        args.namespace === 'ascii-width' ? undefined : { path: args.importer, namespace: 'ascii-width' },
      );
      b.onLoad({ filter: /.*/, namespace: 'ascii-width' }, (args) => ({
        resolveDir: dirname(args.path),
        loader: 'js',
        contents: [
          'let real;',
          'const width = (s) => (typeof s === "string" && /^[\\x20-\\x7e]*$/.test(s) ? s.length : (real ??= require("string-width"))(s));',
          'module.exports = width;',
          'module.exports.default = width;',
        ].join('\n'),
      }));
    },
  };
}

/**
 * oclif sorts each plugin's commands with localeCompare, whose first call sets up ICU's collator:
 * about 8 ms of every start, for ids that are ASCII. They are compared by code unit instead; the
 * build checks that both orders of our command ids agree (bundle() below) and fails if oclif's
 * code no longer reads as expected.
 */
function commandSortPlugin() {
  return sourcePatchPlugin(
    'command-sort',
    /node_modules\/@oclif\/core\/lib\/config\/plugin\.js$/,
    '.sort((a, b) => a.id.localeCompare(b.id));',
    '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));',
  );
}

/**
 * oclif's logger makes a `debug` logger per namespace; loading the debug package (with
 * supports-color, tty and its formatters) costs milliseconds at every start, for output only
 * DEBUG turns on. Its stand-in loads the real package when DEBUG is set (which is when the
 * package itself would enable anything: it reads DEBUG once, when it loads, and nothing of ours
 * or oclif's calls its enable()), and otherwise returns loggers that print nothing. The build fails
 * if oclif's logger no longer uses it as expected.
 */
function debugOnDemandPlugin() {
  const expected = ['const debug = (0, debug_1.default)(namespace);', 'require("debug")'];
  return {
    name: 'debug-on-demand',
    setup(b) {
      b.onResolve({ filter: /^debug$/ }, (args) => {
        if (args.namespace === 'debug-on-demand') return undefined;
        if (!/node_modules\/@oclif\/core\/lib\/logger\.js$/.test(args.importer))
          return {
            errors: [{ text: `debug imported by ${args.importer}: only oclif's logger has a stand-in` }],
          };
        const source = readFileSync(args.importer, 'utf8');
        for (const text of expected)
          if (!source.includes(text))
            return { errors: [{ text: `${args.importer} no longer has: ${text}` }] };
        return { path: args.importer, namespace: 'debug-on-demand' };
      });
      b.onLoad({ filter: /.*/, namespace: 'debug-on-demand' }, (args) => ({
        resolveDir: dirname(args.path),
        loader: 'js',
        contents: [
          'function createDebug(namespace) {',
          '  if (process.env.DEBUG) return require("debug")(namespace);',
          '  const off = () => {};',
          '  off.enabled = false;',
          '  off.namespace = namespace;',
          '  off.extend = (name, delimiter) => createDebug(namespace + (delimiter === undefined ? ":" : delimiter) + name);',
          '  return off;',
          '}',
          'module.exports = createDebug;',
        ].join('\n'),
      }));
    },
  };
}

/** Leaves each piece's imports as `import('tkn-artifacts:NAME')`, resolved at run time. */
function piecesPlugin() {
  return {
    name: 'pieces',
    setup(b) {
      for (const [name, piece] of Object.entries(pieces)) {
        const external = (args) => {
          if (args.kind !== 'dynamic-import') {
            return {
              errors: [
                { text: `${args.path} must be loaded with await import() (it is in the ${name} piece)` },
              ],
            };
          }
          return { path: `tkn-artifacts:${name}`, external: true };
        };
        b.onResolve({ filter: piece.packages }, external);
        if (piece.modules.length) {
          b.onResolve({ filter: /\.js$/ }, (args) => {
            const resolved = join(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
            return piece.modules.includes(resolved) ? external(args) : undefined;
          });
        }
      }
    },
  };
}

/**
 * esbuild leaves a few characters beyond ASCII in regular expressions (ansi-regex's \u009B, "µs").
 * One is enough to make V8 hold the whole 2 MB source as two bytes a character, and decoding it
 * from UTF-8 at every start costs milliseconds; escaped, the source is one-byte. Every character
 * left is inside a string or regular expression literal, where \uXXXX means the same character.
 */
function asciiOnly(file) {
  const source = readFileSync(file, 'utf8');
  const escaped = source.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped !== source) writeFileSync(file, escaped);
}

/** The command names commands/index.ts exports (the keys of COMMANDS), for the loader's cache names. */
function commandNames() {
  const source = readFileSync(join(root, 'commands', 'index.ts'), 'utf8');
  const body = /export const COMMANDS = \{([^}]*)\}/.exec(source)?.[1] ?? '';
  const names = [...body.matchAll(/^\s*([\w-]+):/gm)].map((m) => m[1]);
  if (!names.length) throw new Error('commands/index.ts: no command names found in COMMANDS');
  return names;
}

/**
 * The commands' help model (src/render/help.ts) from oclif's cached commands, as its Help class
 * sees them: the command list is bundled apart (packages left to node_modules) and loaded here.
 */
async function helpModel() {
  const file = join(bundleDir, '.help-model.cjs');
  await build({
    ...shared,
    minify: false,
    metafile: false,
    packages: 'external',
    stdin: {
      contents: [
        "import { COMMANDS } from './commands/index.ts';",
        "import { oclifConfig } from './src/cli/oclif-config.ts';",
        "import { helpModel } from './src/render/help.ts';",
        'export async function model(root, pjson) {',
        '  const config = await oclifConfig(root, pjson, COMMANDS);',
        '  return helpModel(config.commands, pjson);',
        '}',
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'help-model-entry.ts',
      loader: 'ts',
    },
    outfile: file,
    format: 'cjs',
  });
  try {
    // The package.json fields the bundle carries, as main() hands them to oclif.
    return await createRequire(import.meta.url)(file).model(root, JSON.parse(JSON.stringify(packageFields)));
  } finally {
    rmSync(file, { force: true });
  }
}

export async function bundle({ metafile = false } = {}) {
  // commandSortPlugin's condition: our ids (and help, which completion lists) sort the same by code unit.
  const ids = [...commandNames(), 'help'];
  const byLocale = [...ids].sort((a, b) => a.localeCompare(b));
  const byCodeUnit = [...ids].sort();
  if (byLocale.join() !== byCodeUnit.join())
    throw new Error(`command ids sort differently by locale and by code unit: ${byLocale} / ${byCodeUnit}`);
  rmSync(bundleDir, { recursive: true, force: true });
  mkdirSync(bundleDir, { recursive: true });
  const outfile = join(bundleDir, 'tkn-artifacts.cjs');
  const built = await Promise.all([
    ...Object.entries(pieces).map(([name, piece]) => buildPiece(name, piece)),
    build({
      ...shared,
      // The command list goes to main() from here: src/cli does not import commands/ (they import
      // it), and oclif cannot import a file that the executables do not have.
      stdin: {
        contents: [
          "import { COMMANDS } from './commands/index.ts';",
          "import { main } from './src/cli/main.ts';",
          'void main(COMMANDS);',
        ].join('\n'),
        resolveDir: root,
        sourcefile: 'bundle-entry.ts',
        loader: 'ts',
      },
      outfile,
      format: 'cjs',
      banner: { js: readFileSync(join(root, 'scripts/bundle-runtime.cjs'), 'utf8') },
      define: {
        ...shared.define,
        // main.ts reads this instead of package.json when it is defined.
        TKN_ARTIFACTS_PACKAGE: JSON.stringify(packageFields),
        // CommonJS has no import.meta; bundle-runtime.cjs sets this from __filename.
        'import.meta.url': '__tkn_import_meta_url',
      },
      // oclif reads tsconfig files (through typescript) only to run uncompiled TypeScript in
      // development; the bundle runs none, and typescript is no run-time dependency of ours.
      external: ['typescript'],
      plugins: [
        piecesPlugin(),
        lazyBuiltinsPlugin(),
        http2ConstantsPlugin(),
        ejsOnlyForTemplatesPlugin(),
        commandSortPlugin(),
        debugOnDemandPlugin(),
        lazyPackagesPlugin(),
        noEngineCheckPlugin(),
        execFileAtCallPlugin(),
      ],
    }).then((result) => ({ outfile, metafile: result.metafile })),
  ]);
  const main = built.at(-1);
  // After the main file: the model's build writes beside it.
  await build({
    ...shared,
    entryPoints: [join(root, 'src/help/fast-path.ts')],
    outfile: join(bundleDir, 'help.cjs'),
    format: 'cjs',
    plugins: [asciiWidthPlugin()],
    define: {
      ...shared.define,
      TKN_HELP_MODEL: JSON.stringify(await helpModel()),
      TKN_HELP_DIRNAME: JSON.stringify(pkg.oclif.dirname),
    },
  });
  built.push({ outfile: join(bundleDir, 'help.cjs'), metafile: {} });
  asciiOnly(outfile);
  const leaked = Object.keys(main.metafile.inputs).filter((input) => pieceInputs.test(input));
  if (leaked.length) throw new Error(`a piece's packages reached the main bundle: ${leaked.join(', ')}`);
  if (metafile) {
    for (const { outfile: file, metafile: meta } of built)
      writeFileSync(`${file}.meta.json`, JSON.stringify(meta));
  }
  // bin/ and the executables run this first (scripts/bundle-start.cjs says why). The build's
  // hash names its code caches: V8 checks a cache against the source's length, not its content.
  const buildId = createHash('sha256').update(readFileSync(outfile)).digest('hex').slice(0, 16);
  writeFileSync(
    join(bundleDir, 'start.cjs'),
    readFileSync(join(root, 'scripts/bundle-start.cjs'), 'utf8')
      .replace("'__TKN_VERSION__'", JSON.stringify(pkg.version))
      .replace("'__TKN_BUILD__'", JSON.stringify(buildId))
      .replace("['__TKN_COMMANDS__']", JSON.stringify([...commandNames(), 'help'])),
  );
  return built.map(({ outfile: file }) => ({ file, bytes: readFileSync(file).length }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const { file, bytes } of await bundle({ metafile: process.argv.includes('--metafile') })) {
    console.log(`bundle: ${relative(root, file)} ${(bytes / 1024).toFixed(0)} KiB`);
  }
}
