import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_DRIFT_MS,
  canonicalJson,
  compareRegisters,
  formatHlc,
  mergeRegister,
  validateSetting,
  type JsonValue,
  type Setting,
} from '../../shared/index.js';
import { planMerge, type MergeClock, type MergeEntry, type MergePlan } from '../../server/sync/plan-merge.js';
import { ALL_CASES, BASE_MS, SERVER_NODE, TOO_DEEP, buildCase, expectedSaid, said } from './merge-cases.js';

/**
 * planMerge without D1: every combination judged as the table says on random data, and the laws the route
 * relies on: planning the same batch again over its own result applies nothing, and the stored state a set of
 * merges leaves does not depend on the order of their entries or of the merges themselves (two racing merges
 * end the same whichever commits first).
 */

const NOW = BASE_MS;
const clock = (last: string | null = null): MergeClock => ({ nodeId: SERVER_NODE, last, now: NOW });

/** The batch's writes, as the SQL upsert stores them. */
const applyPlan = (stored: ReadonlyMap<string, Setting>, plan: MergePlan): Map<string, Setting> => {
  const next = new Map(stored);
  for (const w of plan.winners) next.set(w.key, { ...w, updatedAt: NOW });
  return next;
};
/** Stored state as data: registers compare by stamp and canonical value (updatedAt is not part of the order). */
const stateOf = (m: ReadonlyMap<string, Setting>) =>
  [...m.keys()].sort().map((k) => `${k}=${m.get(k)?.hlc}:${canonicalJson(m.get(k)?.value)}`);

// Few keys and few stamps, so that batches collide on keys and registers tie on stamps.
const KEYS = ['theme', 'locale', 'custom.a', 'custom.b', 'custom.c', 'unknown.key', 'appraisal.blindReview'] as const;
const nearStamp = fc
  .record({ ms: fc.integer({ min: -2, max: 1 }), counter: fc.integer({ min: 0, max: 2 }), node: fc.constantFrom('000000000000000a', '000000000000000b') })
  .map((p) => formatHlc({ ...p, ms: NOW + p.ms }));
const stampArb = fc.oneof(
  { weight: 8, arbitrary: nearStamp },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60_000 }).map((d) => formatHlc({ ms: NOW + DEFAULT_MAX_DRIFT_MS + d, counter: 0, node: '000000000000000c' })) },
  { weight: 1, arbitrary: fc.constantFrom('yesterday', '2026-11-25T00:00:00.000Z-0000-XYZ') },
);
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, 'dark', 'light', 'system', 'en', 'fr', true, 1, { a: 1, b: 2 }, { b: 2, a: 1 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constant(TOO_DEEP) },
);
const entryArb: fc.Arbitrary<MergeEntry> = fc.record({ key: fc.constantFrom(...KEYS), value: valueArb, hlc: stampArb });
const batchArb = fc.uniqueArray(entryArb, { selector: (e) => e.key, maxLength: KEYS.length });
const storedArb = fc
  .uniqueArray(fc.record({ key: fc.constantFrom(...KEYS), value: valueArb, hlc: nearStamp }), { selector: (r) => r.key })
  .map((rows) => new Map<string, Setting>(rows.map((r) => [r.key, { ...r, value: (validateSetting('user', r.key, r.value).ok ? r.value : null) as JsonValue | null, updatedAt: 1 }])));

describe('planMerge properties', () => {
  it('judges every combination of stored register, value and stamp as the table says', () => {
    const distinct = fc
      .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
      .filter(([a, b]) => canonicalJson(a) !== canonicalJson(b)) as fc.Arbitrary<[JsonValue, JsonValue]>;
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_CASES),
        fc.record({
          now: fc.integer({ min: BASE_MS - 86_400_000, max: BASE_MS + 86_400_000 }),
          key: fc.stringMatching(/^custom\.[a-zA-Z0-9._:-]{1,20}$/),
          values: distinct,
          withinMs: fc.integer({ min: -3_600_000, max: DEFAULT_MAX_DRIFT_MS }),
          beyondMs: fc.integer({ min: 1, max: 86_400_000 }),
          gapMs: fc.integer({ min: 0, max: 3_600_000 }),
        }),
        ({ stored, entry, outcome }, data) => {
          const c = buildCase(stored, entry, data);
          const plan = planMerge('user', [c.entry], c.stored, c.clock);
          expect(plan.results.map(said)).toEqual([expectedSaid(outcome, data.key, c.current)]);
          expect(plan.winners).toEqual(outcome === 'applied' ? [c.entry] : []);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('writes exactly the applied entries, each beating what is stored, and never moves the clock for a refused stamp', () => {
    fc.assert(
      fc.property(batchArb, storedArb, (entries, stored) => {
        const plan = planMerge('user', entries, stored, clock());
        expect(plan.results.map((r) => r.key)).toEqual(entries.map((e) => e.key));
        expect(plan.winners.map((w) => w.key)).toEqual(plan.results.filter((r) => r.status === 'applied').map((r) => r.key));
        for (const w of plan.winners) {
          const before = stored.get(w.key);
          if (before) expect(compareRegisters(w, before)).toBeGreaterThan(0);
          expect(plan.serverHlc > w.hlc).toBe(true);
        }
        if (plan.results.every((r) => r.status === 'rejected')) expect(plan.serverHlc).toBe(planMerge('user', [], stored, clock()).serverHlc);
      }),
    );
  });

  it('is idempotent: planning the same batch again over its result applies nothing and answers stale or the same rejection', () => {
    fc.assert(
      fc.property(batchArb, storedArb, (entries, stored) => {
        const first = planMerge('user', entries, stored, clock());
        const after = applyPlan(stored, first);
        const again = planMerge('user', entries, after, clock(first.serverHlc));
        expect(again.winners).toEqual([]);
        expect(stateOf(applyPlan(after, again))).toEqual(stateOf(after));
        for (const [i, r] of again.results.entries()) {
          const before = first.results[i];
          if (before?.status === 'rejected') expect([r.status, r.code]).toEqual(['rejected', before.code]);
          else expect(r).toEqual({ key: before?.key, status: 'stale', current: after.get(r.key) });
        }
      }),
    );
  });

  it('is order-independent: shuffled entries leave the same state and the same result per key', () => {
    fc.assert(
      fc.property(
        batchArb.chain((entries) => fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length }))),
        storedArb,
        ([entries, shuffled], stored) => {
          const a = planMerge('user', entries, stored, clock());
          const b = planMerge('user', shuffled, stored, clock());
          expect(stateOf(applyPlan(stored, b))).toEqual(stateOf(applyPlan(stored, a)));
          const byKey = (p: MergePlan) => new Map(p.results.map((r) => [r.key, said(r)]));
          expect(byKey(b)).toEqual(byKey(a));
        },
      ),
    );
  });

  it('leaves the LWW maximum whatever order merges commit in (racing merges end the same)', () => {
    fc.assert(
      fc.property(
        fc.array(batchArb, { minLength: 1, maxLength: 4 }).chain((batches) =>
          fc.tuple(fc.constant(batches), fc.shuffledSubarray(batches, { minLength: batches.length })),
        ),
        storedArb,
        ([batches, reordered], stored) => {
          const run = (order: readonly MergeEntry[][]) => {
            let state: Map<string, Setting> = new Map(stored);
            let last: string | null = null;
            for (const entries of order) {
              const plan = planMerge('user', entries, state, clock(last));
              state = applyPlan(state, plan);
              last = plan.serverHlc;
            }
            return state;
          };
          // The expected end state, from the register order alone: the stored registers and every entry the
          // planner accepts (a valid value and a stamp within the drift limit), merged per key.
          const lww = new Map(stored);
          for (const e of batches.flat()) {
            const accepted = planMerge('user', [e], new Map(), clock()).results[0]?.status === 'applied';
            if (!accepted) continue;
            const held = lww.get(e.key);
            const register = { key: e.key, value: e.value as JsonValue | null, hlc: e.hlc, updatedAt: NOW };
            lww.set(e.key, held ? mergeRegister(register, held) : register);
          }
          expect(stateOf(run(reordered))).toEqual(stateOf(run(batches)));
          expect(stateOf(run(batches))).toEqual(stateOf(lww));
        },
      ),
    );
  });
});
