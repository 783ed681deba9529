import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBytes, humanSize, parseSize } from '../../../src/units/sizes.js';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

describe('humanSize', () => {
  it('prints whole multiples of a unit as whole numbers, zeros kept', () => {
    expect(humanSize(102400)).toBe('100 KiB');
    expect(humanSize(200 * 1024 ** 2)).toBe('200 MiB');
    expect(humanSize(10 * 1024)).toBe('10 KiB');
    expect(humanSize(1000 * 1024 ** 3)).toBe('1000 GiB');
  });

  it('any whole count of any unit prints as that count and unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1023 }), fc.integer({ min: 0, max: 4 }), (count, unit) => {
        expect(humanSize(count * 1024 ** (unit + 1))).toBe(`${count} ${UNITS[unit]}`);
      }),
    );
  });

  it('reads back (parseSize) within half a percent of the bytes, at most three significant digits', () => {
    // parseSize's grammar stops at TiB (no one writes PiB limits): counts that print in TiB.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1023 * 1024 ** 4 }), (bytes) => {
        const shown = humanSize(bytes);
        expect(shown).toMatch(/^\d+(\.\d*[1-9])? (B|KiB|MiB|GiB|TiB|PiB)$/);
        const number = shown.split(' ')[0] ?? '';
        if (bytes >= 1024) expect(number.replace('.', '').replace(/^0+/, '').length).toBeLessThanOrEqual(4);
        const back = parseSize(shown);
        expect(back).toBeDefined();
        expect(Math.abs((back ?? 0) - bytes)).toBeLessThanOrEqual(Math.max(1, bytes * 0.005));
      }),
    );
  });
});

describe('humanSize against byte counts', () => {
  /** The number and unit humanSize printed, as bytes. */
  const value = (shown: string) => {
    const [number, unit] = shown.split(' ');
    return Number(number) * (unit === 'B' ? 1 : 1024 ** (UNITS.indexOf(unit ?? '') + 1));
  };

  it('picks the largest unit the count reaches, and never shows 1024 of a unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        const shown = humanSize(bytes);
        const [number, unit] = shown.split(' ');
        const n = Number(number);
        if (unit === 'B') expect(n).toBe(bytes);
        else {
          expect(n).toBeGreaterThanOrEqual(1);
          if (unit !== 'PiB') expect(n).toBeLessThan(1024);
        }
        // Within rounding to three significant digits (half a unit of the last digit shown).
        expect(Math.abs(value(shown) - bytes)).toBeLessThanOrEqual(Math.max(0.5, bytes * 0.005));
      }),
    );
  });

  it('is monotonic: more bytes never print as less', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (bytes, more) => {
          expect(value(humanSize(bytes + more))).toBeGreaterThanOrEqual(value(humanSize(bytes)));
        },
      ),
    );
  });

  it('the edges of each unit', () => {
    expect(humanSize(1024 ** 2 - 1)).toBe('1 MiB');
    expect(humanSize(1024 ** 3 - 1)).toBe('1 GiB');
    expect(humanSize(1023.4 * 1024)).toBe('1023 KiB');
    expect(humanSize(99.996 * 1024)).toBe('100 KiB');
    expect(humanSize(9.999 * 1024)).toBe('10 KiB');
    expect(humanSize(102_400)).toBe('100 KiB');
    expect(humanSize(200 * 1024 ** 2)).toBe('200 MiB');
    expect(humanSize(1024 ** 6)).toBe('1024 PiB');
  });
});

describe('formatBytes', () => {
  it('always says the exact count; the rounded form from 10 KiB', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        const shown = formatBytes(bytes);
        expect(shown.endsWith(`${bytes} bytes`) || shown.endsWith(`${bytes} bytes)`)).toBe(true);
        expect(shown.includes('(')).toBe(bytes >= 10 * 1024);
      }),
    );
  });
});
