import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffJson } from '../../../src/diff/json.js';
import { diffTests, readJUnit, XmlError } from '../../../src/diff/junit.js';
import { diffPackages, purlIdentity, sbomPackages } from '../../../src/diff/sbom.js';
import { diffLines, splitLines, unifiedDiff } from '../../../src/diff/text.js';

describe('diffJson', () => {
  it('reports changes by jq-style path', () => {
    const a = {
      images: [
        { name: 'app', digest: 'sha256:1' },
        { name: 'lib', digest: 'sha256:2' },
      ],
      'odd key': 1,
      gone: true,
    };
    const b = {
      images: [{ name: 'app', digest: 'sha256:1' }, { name: 'lib', digest: 'sha256:3' }, { name: 'new' }],
      'odd key': 1,
      added: null,
    };
    expect(diffJson(a, b).changes).toEqual([
      { path: '.images[1].digest', op: 'changed', a: 'sha256:2', b: 'sha256:3' },
      { path: '.images[2]', op: 'added', b: { name: 'new' } },
      { path: '.gone', op: 'removed', a: true },
      { path: '.added', op: 'added', b: null },
    ]);
    expect(diffJson({ 'a.b': 1 }, { 'a.b': 2 }).changes[0]?.path).toBe('.["a.b"]');
    expect(diffJson(1, 2).changes).toEqual([{ path: '.', op: 'changed', a: 1, b: 2 }]);
  });

  it('lists at most the limit and counts the rest', () => {
    const a = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    const result = diffJson(a, {}, 3);
    expect(result.changes).toHaveLength(3);
    expect(result.more).toBe(7);
  });

  it('is empty for equal values and mirrors when swapped', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(diffJson(a, structuredClone(a)).changes).toEqual([]);
        const swap = diffJson(b, a).changes.map((c) => ({ path: c.path, op: c.op, a: c.b, b: c.a }));
        const forward = diffJson(a, b).changes.map((c) => ({
          path: c.path,
          op: c.op === 'added' ? 'removed' : c.op === 'removed' ? 'added' : 'changed',
          a: c.a,
          b: c.b,
        }));
        expect(new Set(swap.map((c) => JSON.stringify(c)))).toEqual(
          new Set(forward.map((c) => JSON.stringify(c))),
        );
      }),
    );
  });
});

describe('SBOM packages', () => {
  const spdx = (packages: [string, string, string?][]) => ({
    spdxVersion: 'SPDX-2.3',
    packages: packages.map(([name, version, purl]) => ({
      name,
      versionInfo: version,
      ...(purl
        ? {
            externalRefs: [
              { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl },
            ],
          }
        : {}),
    })),
  });
  it('reads SPDX and matches by purl without the version', () => {
    const a =
      sbomPackages(
        spdx([
          ['openssl', '3.0.1', 'pkg:deb/debian/openssl@3.0.1?arch=amd64'],
          ['zlib', '1.3'],
          ['gone', '1'],
        ]),
      ) ?? [];
    const b =
      sbomPackages(
        spdx([
          ['libssl', '3.0.2', 'pkg:deb/debian/openssl@3.0.2?arch=amd64'],
          ['zlib', '1.3'],
          ['new', '2'],
        ]),
      ) ?? [];
    expect(diffPackages(a, b)).toEqual([
      { id: 'gone', name: 'gone', op: 'removed', a: '1' },
      { id: 'new', name: 'new', op: 'added', b: '2' },
      { id: 'pkg:deb/debian/openssl', name: 'openssl', op: 'changed', a: '3.0.1', b: '3.0.2' },
    ]);
  });

  it('reads CycloneDX, nested components included', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      components: [
        {
          name: 'express',
          version: '4.18.2',
          purl: 'pkg:npm/express@4.18.2',
          components: [{ group: 'org.acme', name: 'inner', version: '1' }],
        },
      ],
    };
    expect(sbomPackages(bom)).toEqual([
      { id: 'pkg:npm/express', name: 'express', version: '4.18.2' },
      { id: 'org.acme/inner', name: 'org.acme/inner', version: '1' },
    ]);
    expect(sbomPackages({ hello: 1 })).toBeUndefined();
  });

  it('keeps scoped npm names and subpaths in the identity', () => {
    expect(purlIdentity('pkg:npm/%40angular/core@16.0.0')).toEqual({
      id: 'pkg:npm/%40angular/core',
      version: '16.0.0',
    });
    expect(purlIdentity('pkg:golang/example.com/m@v1.2.3#sub/pkg')).toEqual({
      id: 'pkg:golang/example.com/m#sub/pkg',
      version: 'v1.2.3',
    });
  });

  it('compares several versions of one identity as sets', () => {
    const p = (version: string) => ({ id: 'x', name: 'x', version });
    expect(diffPackages([p('1'), p('2')], [p('2'), p('3')])).toEqual([
      { id: 'x', name: 'x', op: 'removed', a: '1' },
      { id: 'x', name: 'x', op: 'added', b: '3' },
    ]);
  });
});

describe('JUnit', () => {
  const report = (cases: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<!-- generated -->\n<testsuites><testsuite name="app &amp; lib" tests="3">${cases}</testsuite></testsuites>`;
  it('reads cases with their state', () => {
    const tests = readJUnit(
      report(
        '<testcase classname="pkg" name="ok"/><testcase classname="pkg" name="bad"><failure message="a > b"><![CDATA[<boom>]]></failure></testcase><testcase name="err"><error/></testcase><testcase name="skip"><skipped/></testcase>',
      ),
    );
    expect(tests).toEqual([
      { id: 'app & lib › pkg › ok', state: 'passed' },
      { id: 'app & lib › pkg › bad', state: 'failed' },
      { id: 'app & lib › err', state: 'error' },
      { id: 'app & lib › skip', state: 'skipped' },
    ]);
  });

  it('is not a report when the root is something else, and says where XML is broken', () => {
    expect(readJUnit('<html><body/></html>')).toBeUndefined();
    expect(() => readJUnit('<testsuite name="x"><testcase name="a"')).toThrow(XmlError);
  });

  it('reports newly failing, newly passing, appeared and disappeared', () => {
    const a = [
      { id: 'a', state: 'passed' as const },
      { id: 'b', state: 'failed' as const },
      { id: 'gone', state: 'passed' as const },
      { id: 's', state: 'passed' as const },
    ];
    const b = [
      { id: 'a', state: 'failed' as const },
      { id: 'b', state: 'passed' as const },
      { id: 'new', state: 'failed' as const },
      { id: 's', state: 'skipped' as const },
    ];
    expect(diffTests(a, b)).toEqual([
      { id: 'a', change: 'newly-failing', a: 'passed', b: 'failed' },
      { id: 'b', change: 'newly-passing', a: 'failed', b: 'passed' },
      { id: 'gone', change: 'disappeared', a: 'passed' },
      { id: 'new', change: 'appeared', b: 'failed' },
      { id: 's', change: 'changed', a: 'passed', b: 'skipped' },
    ]);
  });
});

describe('unified diff', () => {
  it('prints hunks with context as diff -u does (checked against GNU diff -u)', () => {
    const lines = (n: number, edit: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => edit(i + 1)).join('\n') + '\n';
    const a = lines(30, String);
    const b = lines(30, (i) => (i === 5 ? 'X' : i === 25 ? 'Y' : String(i)));
    const hunk = (from: number, old: string, now: string) => [
      `@@ -${from},7 +${from},7 @@`,
      ...[0, 1, 2].map((k) => ` ${from + k}`),
      `-${old}`,
      `+${now}`,
      ...[4, 5, 6].map((k) => ` ${from + k}`),
    ];
    expect(unifiedDiff('f.txt', a, b)).toBe(
      ['--- a/f.txt', '+++ b/f.txt', ...hunk(2, '5', 'X'), ...hunk(22, '25', 'Y'), ''].join('\n'),
    );
    // Changes closer than twice the context share one hunk.
    const merged = unifiedDiff(
      'f',
      lines(10, String),
      lines(10, (i) => (i === 5 ? 'X' : String(i))) + '11\n',
    );
    expect(merged?.split('\n')[2]).toBe('@@ -2,9 +2,10 @@');
    expect(unifiedDiff('f', 'same\n', 'same\n')).toBe('');
  });

  it('gives up past the edit limit instead of spending quadratic time', () => {
    const a = Array.from({ length: 100 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 100 }, (_, i) => `b${i}`).join('\n');
    expect(unifiedDiff('f', a, b, { maxEdits: 10 })).toBeUndefined();
  });

  it('turns a into b', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('x', 'y', 'z', 'w')),
        fc.array(fc.constantFrom('x', 'y', 'z', 'w')),
        (a, b) => {
          const edits = diffLines(a, b, 1000) ?? [];
          expect(edits.filter((e) => e.op !== '+').map((e) => e.line)).toEqual(a);
          expect(edits.filter((e) => e.op !== '-').map((e) => e.line)).toEqual(b);
        },
      ),
    );
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
  });
});
