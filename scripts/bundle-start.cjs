// dist/bundle/start.cjs (scripts/bundle.mjs writes it from this file, filling in the
// __TKN_*__ constants): what bin/ runs and what the standalone executables run first.
//
// `--version` is answered here, without reading the bundle, in the words src/cli/main.ts uses
// (test/integration/ship compares both with one line). Anything else runs the bundle
// (tkn-artifacts.cjs beside this file, or the executable's embedded asset) compiled with V8's
// code cache for the command being run. Node's own compile cache would hold only the bundle's top
// level, the code compiled before the bundle runs; every function called later (oclif, help,
// the command) would be compiled again at every start, 25 to 30 ms of CPU for `--help`. A cache
// made after the command ran (`script.createCachedData()` at exit) holds those too. It is written
// once per command name, build and Node, beside Node's compile cache, and read back when present;
// NODE_DISABLE_COMPILE_CACHE turns it off as it turns off Node's.
//
// The plain help forms (no arguments, `--help`, `-h`, `help`, `help CMD`, `CMD --help`, `CMD -h`)
// go to help.cjs first (src/help/fast-path.ts): oclif's help text from a model made at build time,
// without loading oclif (which alone costs 20 ms or more). It declines what it does not know,
// and the bundle answers as before.
'use strict';
const argv = process.argv;
/** help.cjs, beside this file or embedded, says whether it answered. */
function answeredHelp(embedded, sea) {
  const words = argv.slice(2);
  if (
    words.length > 2 ||
    !(words.length === 0 || words[0] === 'help' || words.includes('--help') || words.includes('-h'))
  )
    return false;
  if (!embedded) return require('./help.cjs').answerHelp(words);
  // An executable's embedded script requires built-ins only: help.cjs needs nothing else.
  const helpModule = { exports: {} };
  const compiled = new (require('node:vm').Script)(
    `(function (exports, require, module) { ${sea.getAsset('help.cjs', 'utf8')}\n});`,
    { filename: 'help.cjs' },
  );
  compiled.runInThisContext().call(helpModule.exports, helpModule.exports, require, helpModule);
  return helpModule.exports.answerHelp(words);
}
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === 'version')) {
  process.stdout.write(
    `tkn-artifacts ${'__TKN_VERSION__'} (node ${process.version}, ${process.platform}-${process.arch})\n`,
  );
} else {
  const Module = require('node:module');
  const sea = require('node:sea');
  const embedded = sea.isSea();
  // Node's compile cache, for help.cjs and the pieces loaded apart (dist/bundle/*.mjs).
  if (!embedded) Module.enableCompileCache?.();
  if (!answeredHelp(embedded, sea)) runBundle(Module, sea, embedded);
}

function runBundle(Module, sea, embedded) {
  const fs = require('node:fs');
  const path = require('node:path');
  const vm = require('node:vm');
  // What the bundle sees as its own file: in an executable, the executable (as Node's SEA main).
  const filename = embedded ? process.execPath : path.join(__dirname, 'tkn-artifacts.cjs');
  const source = embedded ? sea.getAsset('tkn-artifacts.cjs', 'utf8') : fs.readFileSync(filename, 'utf8');
  let cacheFile;
  let cacheSuffix;
  let cachedData;
  if (!process.env.NODE_DISABLE_COMPILE_CACHE) {
    // One cache per command: each caches the functions its own run compiled. The first word
    // names it when it is a command (or help), so no other word the user typed (a flag's value)
    // becomes a file name or another cache.
    const word = argv.slice(2).find((arg) => !arg.startsWith('-'));
    const command = word && ['__TKN_COMMANDS__'].includes(word) ? word : 'root';
    const dir =
      Module.getCompileCacheDir?.() ||
      process.env.NODE_COMPILE_CACHE ||
      path.join(require('node:os').tmpdir(), 'node-compile-cache');
    cacheSuffix = `-${process.version}-${process.arch}-${embedded ? 'sea' : 'js'}-${command}.v8`;
    cacheFile = path.join(dir, `tkn-artifacts-${'__TKN_BUILD__'}${cacheSuffix}`);
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // No cache yet (or none readable): this run makes one.
    }
  }
  // The wrapper Node puts around a CommonJS file.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  // Node calls the constant below experimental and warns so, on stderr, at the first import() it
  // serves. The warning is about how this file loads the bundle, nothing a user can act on, and
  // output must not depend on the loader: that one warning alone is dropped. (A function in its
  // place would need --experimental-vm-modules.)
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    if (typeof warning === 'string' && warning.startsWith('vm.USE_MAIN_CONTEXT_DEFAULT_LOADER ')) return;
    return Reflect.apply(emitWarning, this, [warning, ...rest]);
  };
  const script = new vm.Script(wrapped, {
    filename,
    cachedData,
    // import() in the bundle (import('tkn-artifacts:NAME'), a few built-ins) goes through Node's
    // loader and the hooks scripts/bundle-runtime.cjs registers, as for a script Node loads itself.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', () => {
      // Written whole under a temporary name, then renamed: a concurrent start reads a whole
      // cache or none. Any failure (read-only disk, no directory) only means no cache.
      const partial = `${cacheFile}.${process.pid}`;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(partial, script.createCachedData());
        fs.renameSync(partial, cacheFile);
        removeOtherBuilds(fs, path, cacheFile, cacheSuffix);
      } catch {
        try {
          fs.rmSync(partial, { force: true });
        } catch {
          // Nothing left to undo.
        }
      }
    });
  }
  const bundle = new Module(filename, module);
  bundle.filename = filename;
  // In an executable the bundle keeps the require Node gives an embedded script (built-ins only).
  const bundleRequire = embedded ? require : Module.createRequire(filename);
  script
    .runInThisContext()
    .call(bundle.exports, bundle.exports, bundleRequire, bundle, filename, path.dirname(filename));
}

/**
 * The caches of this command made by other builds (an upgrade, a rebuild) for the same Node: no
 * start reads them again, and each is 0.7 to 2 MB. Caches of other Node versions are left, since
 * that Node may still run this build.
 */
function removeOtherBuilds(fs, path, cacheFile, suffix) {
  const dir = path.dirname(cacheFile);
  const own = path.basename(cacheFile);
  for (const name of fs.readdirSync(dir)) {
    const build = name.endsWith(suffix) ? name.slice(0, -suffix.length) : '';
    if (name !== own && /^tkn-artifacts-[0-9a-f]{16}$/.test(build)) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}
