// `when` CEL as Tekton's webhook checks it (pkg/apis/pipeline/v1/when_validation.go): it compiles
// the expression with cel-go in an environment that declares no variables, before Tekton's
// $(…) variables are substituted. So a syntax error, and any bare identifier (`params.foo`,
// `$(params.x)` unquoted), is rejected; quoted variables ('$(params.x)' == 'a') pass. We parse
// and type-check with @marcbachmann/cel-js, and report undeclared identifiers as cel-go does.

import { check, parse, type ASTNode } from '@marcbachmann/cel-js';

/** Identifiers cel-go's standard environment declares: the type names. */
const DECLARED = new Set([
  'int',
  'uint',
  'double',
  'string',
  'bytes',
  'bool',
  'list',
  'map',
  'type',
  'null_type',
  'dyn',
]);
/** Macros whose first argument binds a variable in the second (all, exists, map…). */
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Why the expression does not compile, or undefined when it does. */
export function checkCel(expression: string): string | undefined {
  const typed = check(expression);
  if (!typed.valid) return firstLine(typed.error?.message ?? 'invalid');
  let ast: ASTNode;
  try {
    ast = parse(expression).ast;
  } catch (err) {
    return firstLine((err as Error).message);
  }
  const free = undeclared(ast, new Set());
  return free ? `undeclared reference to '${free}'` : undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

function isNode(v: unknown): v is ASTNode {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { op?: unknown }).op === 'string'
  );
}

function undeclared(node: unknown, bound: ReadonlySet<string>): string | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const hit = undeclared(n, bound);
      if (hit) return hit;
    }
    return undefined;
  }
  if (!isNode(node)) return undefined;
  const { op } = node;
  const args = (node as { args: unknown }).args;
  if (op === 'id') {
    const name = String(args);
    return bound.has(name) || DECLARED.has(name) ? undefined : name;
  }
  if (op === 'rcall' && Array.isArray(args) && MACROS.has(String(args[0]))) {
    const [, target, macroArgs] = args as [string, unknown, unknown[]];
    const first = Array.isArray(macroArgs) ? macroArgs[0] : undefined;
    const inner = new Set(bound);
    if (isNode(first) && first.op === 'id') inner.add(String((first as { args: unknown }).args));
    return undeclared(target, bound) ?? undeclared(Array.isArray(macroArgs) ? macroArgs.slice(1) : [], inner);
  }
  // Member names (x.foo's "foo"), function names and literals are strings, not nodes.
  return undeclared(args, bound);
}
