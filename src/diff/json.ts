/**
 * A structural diff of two JSON values by path (`.images[1].digest`), pure: objects by key,
 * arrays by index, everything else by value. At most `limit` changes are listed; the caller says
 * how many more there were.
 */
import type { JsonChange } from './model.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function keyPath(base: string, key: string): string {
  return IDENTIFIER.test(key) ? `${base}.${key}` : `${base === '' ? '.' : base}[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface JsonDiff {
  changes: JsonChange[];
  /** Changes found past the limit, not listed. */
  more: number;
}

export function diffJson(a: unknown, b: unknown, limit = 1000): JsonDiff {
  const result: JsonDiff = { changes: [], more: 0 };
  const push = (change: JsonChange) => {
    if (result.changes.length < limit) result.changes.push(change);
    else result.more++;
  };
  const walk = (path: string, x: unknown, y: unknown): void => {
    if (isObject(x) && isObject(y)) {
      for (const key of Object.keys(x)) {
        const p = keyPath(path, key);
        if (!Object.hasOwn(y, key)) push({ path: p, op: 'removed', a: x[key] });
        else walk(p, x[key], y[key]);
      }
      for (const key of Object.keys(y))
        if (!Object.hasOwn(x, key)) push({ path: keyPath(path, key), op: 'added', b: y[key] });
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      const base = path === '' ? '.' : path;
      const common = Math.min(x.length, y.length);
      for (let i = 0; i < common; i++) walk(`${base}[${i}]`, x[i], y[i]);
      for (let i = common; i < x.length; i++) push({ path: `${base}[${i}]`, op: 'removed', a: x[i] });
      for (let i = common; i < y.length; i++) push({ path: `${base}[${i}]`, op: 'added', b: y[i] });
      return;
    }
    if (!Object.is(x, y) && !(x === null && y === null))
      push({ path: path === '' ? '.' : path, op: 'changed', a: x, b: y });
  };
  walk('', a, b);
  return result;
}

/** The value parsed, or undefined when the text is not JSON (objects and arrays only). */
export function parseJsonDocument(text: string): unknown {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
