import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, compareCodePoints, compareRegisters, mergeMaps, mergeRegister, type LwwRegister } from '../../shared/index.js';
import { registerArb } from './arbitraries.js';

/** Registers are compared as data: two registers with canonically equal values and equal stamps are the same. */
const same = (a: LwwRegister, b: LwwRegister) => a.hlc === b.hlc && canonicalJson(a.value) === canonicalJson(b.value);
const mapText = (m: ReadonlyMap<string, LwwRegister>) =>
  [...m.keys()].sort().map((k) => `${k}=${m.get(k)?.hlc}:${canonicalJson(m.get(k)?.value)}`).join('|');

const mapArb = fc
  .dictionary(fc.constantFrom('theme', 'locale', 'custom.a', 'custom.b', 'custom.c'), registerArb, { maxKeys: 5 })
  .map((d) => new Map(Object.entries(d)));

describe('lww register laws', () => {
  it('is commutative', () => {
    fc.assert(fc.property(registerArb, registerArb, (a, b) => {
      expect(same(mergeRegister(a, b), mergeRegister(b, a))).toBe(true);
    }));
  });
  it('is associative', () => {
    fc.assert(
      fc.property(registerArb, registerArb, registerArb, (a, b, c) => {
        expect(same(mergeRegister(mergeRegister(a, b), c), mergeRegister(a, mergeRegister(b, c)))).toBe(true);
      }),
    );
  });
  it('is idempotent', () => {
    fc.assert(fc.property(registerArb, (a) => {
      expect(mergeRegister(a, a)).toBe(a);
    }));
  });
  it('returns one of its inputs, never something new', () => {
    fc.assert(
      fc.property(registerArb, registerArb, (a, b) => {
        const m = mergeRegister(a, b);
        expect(m === a || m === b).toBe(true);
      }),
    );
  });
});

describe('lww map laws', () => {
  it('is commutative', () => {
    fc.assert(fc.property(mapArb, mapArb, (a, b) => {
      expect(mapText(mergeMaps(a, b))).toBe(mapText(mergeMaps(b, a)));
    }));
  });
  it('is associative', () => {
    fc.assert(
      fc.property(mapArb, mapArb, mapArb, (a, b, c) => {
        expect(mapText(mergeMaps(mergeMaps(a, b), c))).toBe(mapText(mergeMaps(a, mergeMaps(b, c))));
      }),
    );
  });
  it('is idempotent', () => {
    fc.assert(fc.property(mapArb, (a) => {
      expect(mapText(mergeMaps(a, a))).toBe(mapText(a));
    }));
  });
});

/** Byte-wise comparison of UTF-8 encodings: SQLite's BINARY collation, the server's SQL tie guard. */
const utf8Order = (a: string, b: string) => {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return Math.sign((x[i] as number) - (y[i] as number));
  return Math.sign(x.length - y.length);
};

/** Any code point, with the ones around the UTF-16/UTF-8 disagreement (U+D7FF, U+E000..U+FFFF, astral) common. */
const codePointArb = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom('\uD7FF', '\uE000', '\uFFFD', '\uFFFF', '\u{10000}', '😀', '\u{10FFFF}', 'a', '"', '\\'),
);
const fullUnicodeArb = fc.string({ unit: codePointArb, maxLength: 8 });

describe('tie-break order', () => {
  it('orders strings by code point, which is the order of their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fullUnicodeArb, fullUnicodeArb, (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(utf8Order(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('breaks an equal-stamp tie the way the SQL guard does: by the UTF-8 bytes of the canonical JSON', () => {
    const valueArb = fc.oneof(fullUnicodeArb, fc.dictionary(fullUnicodeArb, fullUnicodeArb, { maxKeys: 3 }), fc.array(fullUnicodeArb, { maxLength: 3 }));
    fc.assert(
      fc.property(valueArb, valueArb, (x, y) => {
        const hlc = '2026-11-25T11:33:52.123Z-0000-3f9a1c2b7d4e5f60';
        expect(compareRegisters({ value: x, hlc }, { value: y, hlc })).toBe(utf8Order(canonicalJson(x), canonicalJson(y)));
      }),
      { numRuns: 1000 },
    );
  });
});
