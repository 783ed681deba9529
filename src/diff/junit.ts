/**
 * JUnit XML test reports, read and compared, pure. The reader is a small XML tokenizer that
 * knows just enough (elements, attributes, entities, comments, CDATA, processing instructions,
 * a DOCTYPE without an internal subset) to find `<testsuite>` and `<testcase>` and what a case
 * holds (`<failure>`, `<error>`, `<skipped>`); text content is skipped, not kept.
 */
import type { TestChange, TestState } from './model.js';

export interface TestCase {
  id: string;
  state: TestState;
}

export class XmlError extends Error {
  override name = 'XmlError';
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

interface Tag {
  name: string;
  attributes: Record<string, string>;
  selfClosing: boolean;
}

/** Calls `open`/`close` for each element in document order. */
function scanXml(xml: string, open: (tag: Tag) => void, close: (name: string) => void): void {
  let i = 0;
  const need = (from: number, what: string): number => {
    const at = xml.indexOf(what, from);
    if (at < 0) throw new XmlError(`unterminated markup at offset ${from}`);
    return at;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) i = need(lt + 4, '-->') + 3;
    else if (xml.startsWith('<![CDATA[', lt)) i = need(lt + 9, ']]>') + 3;
    else if (xml.startsWith('<?', lt)) i = need(lt + 2, '?>') + 2;
    else if (xml.startsWith('<!', lt)) i = need(lt + 2, '>') + 1;
    else if (xml.startsWith('</', lt)) {
      const gt = need(lt + 2, '>');
      close(xml.slice(lt + 2, gt).trim());
      i = gt + 1;
    } else {
      // A '>' inside a quoted attribute value does not end the tag.
      let j = lt + 1;
      let quote: string | undefined;
      for (; j < xml.length; j++) {
        const c = xml[j];
        if (quote) {
          if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (j >= xml.length) throw new XmlError(`unterminated tag at offset ${lt}`);
      let body = xml.slice(lt + 1, j);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const name = /^[^\s/>]+/.exec(body)?.[0];
      if (!name) throw new XmlError(`malformed tag at offset ${lt}`);
      const attributes: Record<string, string> = {};
      for (const m of body.slice(name.length).matchAll(ATTRIBUTE))
        attributes[m[1] as string] = decode(m[3] ?? m[4] ?? '');
      open({ name, attributes, selfClosing });
      if (selfClosing) close(name);
      i = j + 1;
    }
  }
}

/** The test cases of a JUnit report, or undefined when the XML is not one. */
export function readJUnit(xml: string): TestCase[] | undefined {
  const cases: TestCase[] = [];
  const suites: string[] = [];
  let current: { id: string; state: TestState } | undefined;
  let sawRoot = false;
  const stack: string[] = [];
  scanXml(
    xml,
    (tag) => {
      const local = tag.name.replace(/^.*:/, '');
      if (stack.length === 0) sawRoot = local === 'testsuites' || local === 'testsuite';
      stack.push(tag.name);
      if (local === 'testsuite') suites.push(tag.attributes['name'] ?? '');
      else if (local === 'testcase') {
        const parts = [
          suites.filter((s) => s !== '').join('/'),
          tag.attributes['classname'] ?? '',
          tag.attributes['name'] ?? '',
        ].filter((p) => p !== '');
        current = { id: parts.join(' › '), state: 'passed' };
      } else if (current) {
        if (local === 'failure') current.state = 'failed';
        else if (local === 'error' && current.state !== 'failed') current.state = 'error';
        else if (local === 'skipped' && current.state === 'passed') current.state = 'skipped';
      }
    },
    (name) => {
      stack.pop();
      const local = name.replace(/^.*:/, '');
      if (local === 'testsuite') suites.pop();
      else if (local === 'testcase' && current) {
        cases.push(current);
        current = undefined;
      }
    },
  );
  return sawRoot ? cases : undefined;
}

const FAILING = new Set<TestState>(['failed', 'error']);

function keyed(cases: TestCase[]): Map<string, TestState> {
  // The same id twice (a parameterised test without distinct names) is told apart by order.
  const seen = new Map<string, number>();
  const out = new Map<string, TestState>();
  for (const c of cases) {
    const n = seen.get(c.id) ?? 0;
    seen.set(c.id, n + 1);
    out.set(n === 0 ? c.id : `${c.id} #${n + 1}`, c.state);
  }
  return out;
}

/**
 * Newly failing: not failing in a (passed, skipped), failing in b (failure, error); newly
 * passing the other way round; appeared and disappeared; `changed` for the rest (passed ↔
 * skipped, failure ↔ error). Sorted by id.
 */
export function diffTests(a: TestCase[], b: TestCase[]): TestChange[] {
  const left = keyed(a);
  const right = keyed(b);
  const out: TestChange[] = [];
  for (const id of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const sa = left.get(id);
    const sb = right.get(id);
    if (sa === undefined) out.push({ id, change: 'appeared', b: sb });
    else if (sb === undefined) out.push({ id, change: 'disappeared', a: sa });
    else if (sa !== sb) {
      const change =
        !FAILING.has(sa) && FAILING.has(sb)
          ? 'newly-failing'
          : FAILING.has(sa) && !FAILING.has(sb)
            ? 'newly-passing'
            : 'changed';
      out.push({ id, change, a: sa, b: sb });
    }
  }
  return out;
}
