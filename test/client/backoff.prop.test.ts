import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay } from '../../client/outbox/backoff.js';

describe('backoff', () => {
  it('is full jitter under a capped exponential ceiling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const delay = backoffDelay(DEFAULT_BACKOFF, attempt, () => r);
        const ceiling = Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1));
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(Math.max(1, ceiling));
        expect(delay).toBe(Math.floor(r * ceiling));
      }),
    );
  });

  it('uses Retry-After as a floor, never beyond the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.nat(24 * 3600_000), (attempt, r, retryAfter) => {
        const delay = backoffDelay(DEFAULT_BACKOFF, attempt, () => r, retryAfter);
        expect(delay).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
        expect(delay).toBeGreaterThanOrEqual(Math.min(retryAfter, DEFAULT_BACKOFF.capMs));
      }),
    );
  });

  it('grows from 1 s to the 5 min cap', () => {
    const top = (attempt: number) => backoffDelay(DEFAULT_BACKOFF, attempt, () => 0.999999);
    expect(top(1)).toBe(999);
    expect(top(2)).toBe(1999);
    expect(top(9)).toBe(255_999);
    expect(top(10)).toBe(299_999);
    expect(top(40)).toBe(299_999);
  });
});
