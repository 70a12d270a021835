import fc from 'fast-check';
import { MAX_COUNTER, formatHlc, type HlcParts } from '../../shared/index.js';

/** 2026-11-25T00:00:00Z: the wall clocks of the properties wander around it. */
export const BASE_MS = Date.UTC(2026, 10, 25);

export const nodeIdArb = fc.stringMatching(/^[0-9a-f]{16}$/);

export const hlcPartsArb: fc.Arbitrary<HlcParts> = fc.record({
  // Year 1970 to 9999: the whole encodable range, so the fixed width is tested at both ends.
  ms: fc.oneof(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.integer({ min: BASE_MS - 1000, max: BASE_MS + 1000 })),
  counter: fc.oneof(fc.integer({ min: 0, max: MAX_COUNTER }), fc.constantFrom(0, 1, MAX_COUNTER)),
  node: nodeIdArb,
});

export const hlcArb = hlcPartsArb.map(formatHlc);

/**
 * Wall-clock readings as a broken device would give them: mostly forward, with repeats, backward jumps of up to
 * an hour and the occasional non-number.
 */
export const wallReadingsArb = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }) },
      { weight: 2, arbitrary: fc.integer({ min: -3_600_000, max: -1 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_600_000 }) },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
    ),
    { maxLength: 200 },
  )
  .map((deltas) => {
    let t = BASE_MS;
    return deltas.map((d) => (Number.isNaN(d) ? Number.NaN : (t = Math.max(0, t + d))));
  });

/** A small pool of stamps so that equal stamps (the tie-break path) are common. */
export const pooledHlcArb = fc
  .record({ ms: fc.integer({ min: 0, max: 3 }), counter: fc.integer({ min: 0, max: 2 }), node: fc.constantFrom('000000000000000a', '000000000000000b') })
  .map((p) => formatHlc({ ...p, ms: BASE_MS + p.ms }));

/**
 * Values that differ in ways the tie-break must see: null (tombstones), primitives, and objects whose keys come
 * in different orders (equal canonically, different as written).
 */
export const registerValueArb = fc.oneof(
  fc.constant(null),
  fc.constantFrom('light', 'dark', 1, 2, true, false),
  fc.constantFrom({ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2 }, [1, 2], [2, 1]),
  fc.jsonValue({ maxDepth: 2 }),
);

export const registerArb = fc.record({ value: registerValueArb, hlc: pooledHlcArb });
