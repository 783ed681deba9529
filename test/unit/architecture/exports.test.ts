// Dead exports (docs/architecture.md, "Exports"): every symbol exported from src/** has a user in
// another file. The product (src/, commands/) counts as a user always; a test counts only when
// what it tests runs in the product, i.e. the declaring file uses the symbol itself (a part
// exported to be tested alone). What stays without a user (src/oci's public API, the vocabulary,
// ...) is listed, with why, in exports-allowed.txt. Resolved with the TypeScript type checker, so re-exports, namespace
// imports (`C.X`) and destructured `await import()` count as the uses they are.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');
const allowListFile = join(import.meta.dirname, 'exports-allowed.txt');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

type Role = 'product' | 'test' | 'api';
const roleOf = (file: string): Role => (file.startsWith('test/') ? 'test' : 'product');

const files = [...sourceFiles('src'), ...sourceFiles('commands'), ...sourceFiles('test')];
const program = ts.createProgram(
  files.map((f) => join(root, f)),
  {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    jsx: ts.JsxEmit.ReactJSX,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
);
const checker = program.getTypeChecker();
const repoPath = (sf: ts.SourceFile): string => relative(root, sf.fileName);

/** Every export symbol (alias or declaration) a use reaches, following re-exports to the end. */
function reached(symbol: ts.Symbol): ts.Symbol[] {
  const chain = [symbol];
  let current = symbol;
  while (current.flags & ts.SymbolFlags.Alias) {
    const next = checker.getImmediateAliasedSymbol(current);
    if (!next || chain.includes(next)) break;
    chain.push(next);
    current = next;
  }
  return chain;
}

/** Symbol → the roles of the files (other than its own) that use it; and uses in its own file. */
const usedBy = new Map<ts.Symbol, Set<Role>>();
const usedAtHome = new Set<ts.Symbol>();

function declaringFile(symbol: ts.Symbol): string | undefined {
  const decl = symbol.declarations?.[0];
  return decl ? repoPath(decl.getSourceFile()) : undefined;
}

function markUse(symbol: ts.Symbol | undefined, file: string): void {
  if (!symbol) return;
  for (const s of reached(symbol)) {
    const home = declaringFile(s);
    if (home === file) {
      usedAtHome.add(s);
      continue;
    }
    const roles = usedBy.get(s) ?? new Set<Role>();
    roles.add(roleOf(file));
    usedBy.set(s, roles);
  }
}

/** `export { a } from './x.js'`: a re-export is not a use; importing through it is. */
function inReExport(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isExportDeclaration(n)) return n.moduleSpecifier !== undefined;
  }
  return false;
}

for (const file of files) {
  const sf = program.getSourceFile(join(root, file));
  if (!sf) throw new Error(`not in the program: ${file}`);
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !inReExport(node)) {
      const symbol = checker.getSymbolAtLocation(node);
      // A declaration's own name is not a use of it.
      const declares = symbol?.declarations?.some((d) => ts.getNameOfDeclaration(d) === node);
      if (!declares) markUse(symbol, file);
    }
    // `const { a, b: c } = await import('./x.js')`: the property names are the module's exports.
    if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const name = node.propertyName ?? node.name;
      if (ts.isIdentifier(name)) {
        const type = checker.getTypeAtLocation(node.parent);
        markUse(type.getProperty(name.text), file);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

interface Export {
  id: string;
  symbol: ts.Symbol;
}

function exportsOf(file: string): Export[] {
  const sf = program.getSourceFile(join(root, file));
  const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) return [];
  return (
    checker
      .getExportsOfModule(moduleSymbol)
      // `export * from` hands on the original symbol: it is checked in the file that declares it.
      .filter((symbol) => symbol.flags & ts.SymbolFlags.Alias || declaringFile(symbol) === file)
      .map((symbol) => ({ id: `${file}#${symbol.name}`, symbol }))
  );
}

const TYPE_ONLY = ts.SymbolFlags.Type & ~ts.SymbolFlags.Value;

function isLive(e: Export): boolean {
  const roles = usedBy.get(e.symbol);
  if (roles?.has('product') || roles?.has('api')) return true;
  const isReExport = (e.symbol.flags & ts.SymbolFlags.Alias) !== 0;
  // A type written in an exported signature is part of that signature's API: it counts as used
  // when its own file uses it. A re-export exists only to be imported, so it gets no such credit.
  if (!isReExport && (e.symbol.flags & TYPE_ONLY) !== 0 && usedAtHome.has(e.symbol)) return true;
  // A test is a user when it tests code the product runs: the declaring file uses it itself.
  return roles?.has('test') === true && (isReExport || usedAtHome.has(e.symbol));
}

function readAllowList(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of readFileSync(allowListFile, 'utf8').split('\n')) {
    const text = line.replace(/#(?![A-Za-z_$]).*$/, '').trim();
    if (text === '') continue;
    entries.set(text.split(/\s+/)[0] ?? text, line);
  }
  return entries;
}

const srcExports = sourceFiles('src').flatMap(exportsOf);
const allowed = readAllowList();
// An allowed re-export (src/oci/index.ts#parseReference) is a user of what it re-exports.
for (const e of srcExports) {
  if (!allowed.has(e.id)) continue;
  for (const s of reached(e.symbol).slice(1)) {
    const roles = usedBy.get(s) ?? new Set<Role>();
    roles.add('api');
    usedBy.set(s, roles);
  }
}

describe('exports (docs/architecture.md)', () => {
  it('reads the uses it checks', () => {
    const byId = new Map(srcExports.map((e) => [e.id, e]));
    expect(srcExports.length).toBeGreaterThan(300);
    // A named import, a re-export through src/oci/types.ts, a destructured await import().
    expect(isLive(byId.get('src/oci/digest.ts#digestOf')!)).toBe(true);
    expect(usedBy.get(byId.get('src/oci/types.ts#digestOf')!.symbol)?.has('product')).toBe(true);
    expect(usedBy.get(byId.get('src/cluster/file-source.ts#FileSource')!.symbol)?.has('product')).toBe(true);
    // A namespace import (`import * as C`), used as C.Name.
    expect(usedBy.get(byId.get('src/formats/constants.ts#ANNOTATION_CREATED')!.symbol)?.has('product')).toBe(
      true,
    );
  });

  it('every export of src/ has a user, or is in the allow-list', () => {
    const dead = srcExports.filter((e) => !isLive(e) && !allowed.has(e.id)).map((e) => e.id);
    expect(dead).toEqual([]);
  });

  it('the allow-list names only exports that exist', () => {
    const ids = new Set(srcExports.map((e) => e.id));
    const stale = [...allowed.keys()].filter((id) => !ids.has(id));
    expect(stale).toEqual([]);
  });
});
