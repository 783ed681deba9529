// The import rules of docs/architecture.md, checked on the source: no import cycles between files
// or between modules (the folders of src/, and commands/), static or lazy `import()` alike, and
// src/oci a leaf. Read with the TypeScript compiler's parser, not regular expressions.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of a file (import/export declarations and import() calls), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

/** Module of a file: `src/<folder>` (or the file itself at the top of src/), or `commands`. */
function moduleOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'src' && parts.length > 2) return `src/${parts[1]}`;
  return parts[0] === 'src' ? file : (parts[0] ?? file);
}

/** Strongly connected components with more than one member, or a self-loop (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) connect(node);
  return found;
}

const files = [...sourceFiles('src'), ...sourceFiles('commands')];
const fileGraph = new Map(files.map((file) => [file, new Set(importsOf(file))]));
const moduleGraph = new Map<string, Set<string>>();
for (const [file, targets] of fileGraph) {
  const from = moduleOf(file);
  const edges = moduleGraph.get(from) ?? new Set<string>();
  for (const target of targets) if (moduleOf(target) !== from) edges.add(moduleOf(target));
  moduleGraph.set(from, edges);
}

describe('import rules (docs/architecture.md)', () => {
  it('reads the imports it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(fileGraph.get('commands/show.ts')).toContain('src/show/run.ts');
    expect(
      cycles(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['a'])],
        ]),
      ),
    ).toEqual([['a', 'b']]);
  });

  it('no import cycle between files', () => {
    expect(cycles(fileGraph)).toEqual([]);
  });

  it('no import cycle between modules (src/<folder>, commands)', () => {
    expect(cycles(moduleGraph)).toEqual([]);
  });

  it('src/oci imports nothing outside itself; src/units, src/json, src/text and src/memory are leaves', () => {
    for (const leaf of ['src/oci', 'src/units', 'src/json', 'src/text', 'src/memory']) {
      expect([...(moduleGraph.get(leaf) ?? [])], leaf).toEqual([]);
    }
  });

  it('commands are imported by nothing in src (src never reaches up)', () => {
    const upward = [...fileGraph].filter(
      ([file, targets]) => file.startsWith('src/') && [...targets].some((t) => t.startsWith('commands/')),
    );
    expect(upward.map(([file]) => file)).toEqual([]);
  });
});
