import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkEntryPath,
  checkHardlinkTarget,
  checkSegmentName,
  checkSymlinkTarget,
  isWithin,
} from '../../../src/pull/paths.js';

const ROOT = '/dest/root';
const inside = (resolved: string) => resolved === ROOT || resolved.startsWith(`${ROOT}/`);

describe('checkEntryPath', () => {
  it.each([
    ['a.txt', ['a.txt']],
    ['dir/b.txt', ['dir', 'b.txt']],
    ['./dir//c.txt', ['dir', 'c.txt']],
    ['a/../b', ['b']],
    ['a/b/../../c', ['c']],
    ['dir/', ['dir']],
    ['.', []],
    ['...', ['...']],
    ['..a/b..', ['..a', 'b..']],
    ['back\\..\\slash', ['back\\..\\slash']],
  ])('accepts %j as %j', (name, segments) => {
    expect(checkEntryPath(name)).toEqual({ ok: true, segments });
  });

  it.each([
    ['', /empty/],
    ['/etc/passwd', /absolute/],
    ['//etc/passwd', /absolute/],
    ['..', /climbs out/],
    ['../x', /climbs out/],
    ['../../etc/passwd', /climbs out/],
    ['a/../../b', /climbs out/],
    ['./../x', /climbs out/],
    ['a/b/../../../x', /climbs out/],
    ['nul\0byte', /NUL/],
    [`${'x'.repeat(256)}/y`, /longer than 255/],
  ])('refuses %j', (name, reason) => {
    const result = checkEntryPath(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('never accepts a path that resolves outside the root (property)', () => {
    const part = fc.oneof(
      fc.constantFrom('..', '.', '', 'a', 'b', '...', '..a', '/', '//'),
      fc.string({ maxLength: 4 }),
    );
    const name = fc.array(part, { maxLength: 8 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(fc.oneof(name, fc.string({ maxLength: 24 })), (candidate) => {
        const result = checkEntryPath(candidate);
        if (!result.ok) return;
        // Node's own resolution agrees, and stays inside.
        expect(inside(posix.resolve(ROOT, candidate))).toBe(true);
        expect(posix.resolve(ROOT, ...result.segments)).toBe(posix.resolve(ROOT, candidate));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('checkSymlinkTarget', () => {
  it.each([
    [['link'], 'target', ['target']],
    [['dir', 'link'], '../sibling', ['sibling']],
    [['a', 'b', 'link'], '../../c', ['c']],
    [['dir', 'link'], '.', ['dir']],
  ])('accepts %j -> %j', (link, target, segments) => {
    expect(checkSymlinkTarget(link, target)).toEqual({ ok: true, segments });
  });

  it.each([
    [['link'], '/etc', /absolute/],
    [['link'], '..', /outside/],
    [['dir', 'link'], '../..', /outside/],
    [['dir', 'link'], '../../etc/passwd', /outside/],
    [['link'], '', /empty/],
  ])('refuses %j -> %j', (link, target, reason) => {
    const result = checkSymlinkTarget(link, target);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('never accepts a link that resolves outside the root, lexically (property)', () => {
    const segment = fc.constantFrom('a', 'b', 'c');
    const part = fc.constantFrom('..', '.', '', 'a', 'b', 'x');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(part, { maxLength: 6 }),
        fc.boolean(),
        (link, parts, absolute) => {
          const target = (absolute ? '/' : '') + parts.join('/');
          const result = checkSymlinkTarget(link, target);
          if (!result.ok) return;
          const from = posix.join(ROOT, ...link.slice(0, -1));
          expect(inside(posix.resolve(from, target))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('checkHardlinkTarget', () => {
  it('reads the target from the archive root and needs a file inside', () => {
    expect(checkHardlinkTarget('dir/file')).toEqual({ ok: true, segments: ['dir', 'file'] });
    expect(checkHardlinkTarget('/etc/passwd').ok).toBe(false);
    expect(checkHardlinkTarget('../outside').ok).toBe(false);
    expect(checkHardlinkTarget('.').ok).toBe(false);
  });
});

describe('checkSegmentName', () => {
  it('takes one path segment as written', () => {
    expect(checkSegmentName('junit')).toBeUndefined();
    expect(checkSegmentName('IMAGES[1]')).toBeUndefined();
    expect(checkSegmentName('.hidden')).toBeUndefined();
    expect(checkSegmentName('')).toMatch(/empty/);
    expect(checkSegmentName('..')).toMatch(/\.\./);
    expect(checkSegmentName('.')).toBeDefined();
    expect(checkSegmentName('a/b')).toMatch(/'\/'/);
    expect(checkSegmentName('../../etc')).toBeDefined();
    expect(checkSegmentName('x'.repeat(256))).toMatch(/255/);
  });
});

describe('isWithin', () => {
  it('compares normalised relative paths', () => {
    expect(isWithin('a/b', 'a/b')).toBe(true);
    expect(isWithin('a/b', 'a/b/c')).toBe(true);
    expect(isWithin('a/b', 'a/bc')).toBe(false);
    expect(isWithin('.', 'a')).toBe(true);
    expect(isWithin('.', '../a')).toBe(false);
  });
});
