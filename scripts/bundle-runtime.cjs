// The first lines of dist/bundle/tkn-artifacts.cjs (scripts/bundle.mjs puts them there); they run
// at every start, so they only register and do the work when a piece is first imported.
// CommonJS has no import.meta.url; the bundle's code reads this instead (an executable's own path).
var __tkn_import_meta_url = require('node:url').pathToFileURL(__filename).href;
// `import('tkn-artifacts:NAME')` (the pieces loaded apart): dist/bundle/NAME.mjs beside this file,
// or in a standalone executable the asset NAME.mjs embedded in it.
require('node:module').registerHooks({
  resolve(specifier, context, next) {
    if (!specifier.startsWith('tkn-artifacts:')) return next(specifier, context);
    const name = specifier.slice('tkn-artifacts:'.length);
    if (require('node:sea').isSea()) return { url: specifier, format: 'module', shortCircuit: true };
    const file = require('node:path').join(__dirname, `${name}.mjs`);
    return { url: require('node:url').pathToFileURL(file).href, shortCircuit: true };
  },
  load(url, context, next) {
    if (!url.startsWith('tkn-artifacts:')) return next(url, context);
    const asset = `${url.slice('tkn-artifacts:'.length)}.mjs`;
    return { format: 'module', source: require('node:sea').getAsset(asset, 'utf8'), shortCircuit: true };
  },
});
