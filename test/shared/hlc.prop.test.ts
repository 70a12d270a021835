import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockDriftError, HlcRangeError, MAX_HLC_MS, compareHlc, createHlc, formatHlc, hlcSchema, parseHlc } from '../../shared/index.js';
import { BASE_MS, hlcArb, hlcPartsArb, nodeIdArb, wallReadingsArb } from './arbitraries.js';

/** A wall clock that replays the given readings, then stays at the last one. */
function replay(readings: readonly number[]): () => number {
  let i = 0;
  let last = BASE_MS;
  return () => {
    if (i < readings.length) last = readings[i++] as number;
    return last;
  };
}

/** Every stamp at the last millisecond with the counter at its maximum: the clock can go no further. */
const LAST_STAMP_PREFIX = '9999-12-31T23:59:59.999Z-ffff';

const tupleCompare = (a: { ms: number; counter: number; node: string }, b: typeof a): number =>
  a.ms !== b.ms ? Math.sign(a.ms - b.ms) : a.counter !== b.counter ? Math.sign(a.counter - b.counter) : a.node < b.node ? -1 : a.node > b.node ? 1 : 0;

/** Local events and remote stamps interleaved; remotes may be behind, equal, ahead or drifted. */
const eventsArb = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'next' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('receive' as const),
        offsetMs: fc.integer({ min: -600_000, max: 600_000 }),
        counter: fc.integer({ min: 0, max: 0xffff }),
        node: nodeIdArb,
      }),
    },
  ),
  { maxLength: 150 },
);

describe('hlc properties', () => {
  it('is strictly monotonic under any wall-clock readings, backward jumps and broken readings included', () => {
    fc.assert(
      fc.property(wallReadingsArb, eventsArb, nodeIdArb, (readings, events, nodeId) => {
        const now = replay(readings);
        const hlc = createHlc({ nodeId, now, maxDriftMs: 300_000 });
        let previous = hlc.last();
        for (const event of events) {
          let stamp: string;
          if (event.kind === 'next') stamp = hlc.next();
          else {
            const remote = formatHlc({ ms: Math.max(0, BASE_MS + event.offsetMs), counter: event.counter, node: event.node });
            try {
              stamp = hlc.receive(remote);
            } catch (error) {
              if (!(error instanceof ClockDriftError)) throw error;
              continue;
            }
          }
          expect(stamp > previous).toBe(true);
          expect(hlc.last()).toBe(stamp);
          previous = stamp;
        }
      }),
    );
  });

  it('receive returns a stamp greater than both the local state and the remote', () => {
    // Remotes are either anywhere in the encodable range or within 2 ms of the local state, so that equal
    // milliseconds (where only the counters decide) are common.
    const remoteArb = fc.oneof(
      hlcArb.map((stamp) => () => stamp),
      fc
        .record({ dMs: fc.integer({ min: -2, max: 2 }), counter: fc.integer({ min: 0, max: 0xffff }), node: nodeIdArb })
        .map(({ dMs, counter, node }) => (local: string) => formatHlc({ ms: Math.min(MAX_HLC_MS, Math.max(0, parseHlc(local).ms + dMs)), counter, node })),
    );
    fc.assert(
      fc.property(wallReadingsArb, fc.array(remoteArb, { minLength: 1, maxLength: 30 }), nodeIdArb, (readings, remotes, nodeId) => {
        // An unlimited drift window: this property is about ordering, drift has its own.
        const hlc = createHlc({ nodeId, now: replay(readings), maxDriftMs: Number.POSITIVE_INFINITY });
        for (const makeRemote of remotes) {
          const before = hlc.last();
          const remote = makeRemote(before);
          if (remote >= LAST_STAMP_PREFIX || before >= LAST_STAMP_PREFIX) {
            // Nothing is greater than the last encodable stamp: refused, and the clock stays put.
            expect(() => hlc.receive(remote)).toThrow(HlcRangeError);
            expect(hlc.last()).toBe(before);
            continue;
          }
          const after = hlc.receive(remote);
          expect(after > before).toBe(true);
          expect(after > remote).toBe(true);
          expect(parseHlc(after).node).toBe(nodeId);
        }
      }),
    );
  });

  it('refuses a drifted remote and leaves the clock exactly as it was', () => {
    fc.assert(
      fc.property(
        wallReadingsArb.map((readings) => readings.filter(Number.isFinite)),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.integer({ min: 0, max: 0xffff }),
        nodeIdArb,
        (readings, maxDriftMs, beyond, counter, nodeId) => {
          let wall = BASE_MS;
          const playback = replay(readings);
          const hlc = createHlc({ nodeId, now: () => wall, maxDriftMs });
          for (let i = 0; i < 5; i++) {
            wall = playback();
            hlc.next();
          }
          const before = hlc.last();
          const remote = formatHlc({ ms: wall + maxDriftMs + beyond, counter, node: 'ffffffffffffffff' });
          expect(() => hlc.receive(remote)).toThrow(ClockDriftError);
          expect(hlc.last()).toBe(before);
          // And the next local stamp is not dragged towards the refused remote.
          expect(parseHlc(hlc.next()).ms).toBeLessThanOrEqual(Math.max(parseHlc(before).ms + 1, wall));
        },
      ),
    );
  });

  it('orders stamps as strings exactly as (ms, counter, node) tuples', () => {
    fc.assert(
      fc.property(hlcPartsArb, hlcPartsArb, (a, b) => {
        expect(compareHlc(formatHlc(a), formatHlc(b))).toBe(tupleCompare(a, b));
      }),
    );
  });

  it('round-trips parse and format', () => {
    fc.assert(
      fc.property(hlcPartsArb, (parts) => {
        const stamp = formatHlc(parts);
        expect(stamp).toHaveLength(46);
        expect(hlcSchema.safeParse(stamp).success).toBe(true);
        expect(parseHlc(stamp)).toEqual(parts);
        expect(formatHlc(parseHlc(stamp))).toBe(stamp);
      }),
    );
  });

  it('two nodes on one wall clock never issue equal stamps, whatever they exchange', () => {
    fc.assert(
      fc.property(
        wallReadingsArb,
        fc.uniqueArray(nodeIdArb, { minLength: 2, maxLength: 2 }),
        fc.array(fc.constantFrom('a', 'b', 'a->b', 'b->a'), { maxLength: 200 }),
        (readings, [idA, idB], steps) => {
          const now = replay(readings);
          const a = createHlc({ nodeId: idA as string, now, maxDriftMs: Number.POSITIVE_INFINITY });
          const b = createHlc({ nodeId: idB as string, now, maxDriftMs: Number.POSITIVE_INFINITY });
          const issued = new Set<string>();
          let count = 0;
          const record = (stamp: string) => {
            issued.add(stamp);
            count++;
          };
          for (const step of steps) {
            if (step === 'a') record(a.next());
            else if (step === 'b') record(b.next());
            else if (step === 'a->b') record(b.receive(a.last()));
            else record(a.receive(b.last()));
          }
          expect(issued.size).toBe(count);
        },
      ),
    );
  });

  it('after resuming from a persisted stamp never issues one at or below it', () => {
    fc.assert(
      fc.property(hlcArb, wallReadingsArb, nodeIdArb, (persisted, readings, nodeId) => {
        const hlc = createHlc({ nodeId, now: replay(readings), last: persisted });
        if (persisted >= LAST_STAMP_PREFIX) expect(() => hlc.next()).toThrow(HlcRangeError);
        else expect(hlc.next() > persisted).toBe(true);
      }),
    );
  });
});
