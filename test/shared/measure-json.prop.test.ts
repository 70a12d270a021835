import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measureJson } from '../../shared/index.js';

/** Depth the obvious recursive way (fine for the small values fast-check makes). */
const depthOf = (v: unknown): number =>
  v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf)) : 0;

const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

describe('measureJson properties', () => {
  it('measures JSON exactly: UTF-8 bytes of JSON.stringify, and nesting depth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(measureJson(value, { maxDepth: 64 })).toEqual({ ok: true, bytes: utf8(value), depth: depthOf(value) });
      }),
    );
  });

  it('refuses exactly the values past either limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(8), fc.nat(400), (value, maxDepth, maxBytes) => {
        const result = measureJson(value, { maxDepth, maxBytes });
        const tooDeep = depthOf(value) > maxDepth;
        const tooLarge = utf8(value) > maxBytes;
        expect(result.ok).toBe(!tooDeep && !tooLarge);
        // Which limit a value breaking both reports depends on the walk order; one breaking one names it.
        if (tooDeep && !tooLarge) expect(result).toMatchObject({ problem: 'too-deep' });
        if (tooLarge && !tooDeep) expect(result).toMatchObject({ problem: 'too-large' });
      }),
    );
  });
});
