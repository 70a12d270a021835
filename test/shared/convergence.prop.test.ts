import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockDriftError, canonicalJson, compareRegisters, createHlc, type Hlc, type LwwEntry } from '../../shared/index.js';
import { BASE_MS } from './arbitraries.js';

/**
 * Replicas that only ever talk through a lossy, reordering, duplicating network converge: once every
 * replica's state has reached every other, all hold the same map, and it is the per-key write with the
 * greatest stamp (computed here independently of the merge code).
 */
interface Replica {
  readonly hlc: Hlc;
  readonly state: Map<string, LwwEntry>;
}

type Action =
  | { t: 'write'; r: number; key: string; value: unknown }
  | { t: 'send'; from: number; to: number }
  | { t: 'deliver'; pick: number; duplicate: boolean }
  | { t: 'drop'; pick: number }
  | { t: 'tick'; ms: number };

const KEYS = ['theme', 'locale', 'custom.a', 'custom.b', 'custom.c', 'custom.d'];

const actionArb = (replicas: number): fc.Arbitrary<Action> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('write' as const),
        r: fc.nat(replicas - 1),
        key: fc.constantFrom(...KEYS),
        value: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
      }),
    },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('send' as const), from: fc.nat(replicas - 1), to: fc.nat(replicas - 1) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('deliver' as const), pick: fc.nat(), duplicate: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('drop' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 120_000 }) }) },
  );

const scenarioArb = fc.integer({ min: 3, max: 6 }).chain((n) =>
  fc.record({
    // Wall-clock skew per replica: most within a few minutes, some far off (they see drift errors).
    skews: fc.array(fc.oneof(fc.integer({ min: -120_000, max: 120_000 }), fc.constantFrom(3_600_000, -86_400_000)), {
      minLength: n,
      maxLength: n,
    }),
    actions: fc.array(actionArb(n), { maxLength: 120 }),
    finalOrderSeed: fc.nat(),
  }),
);

/** Per key, the incoming entry replaces the held one only if compareRegisters says it wins: the rule both sides run. */
function mergeInto(state: Map<string, LwwEntry>, entries: readonly LwwEntry[]): void {
  for (const e of entries) {
    const held = state.get(e.key);
    if (held === undefined || compareRegisters(e, held) > 0) state.set(e.key, e);
  }
}

function deliver(to: Replica, message: readonly LwwEntry[]): void {
  mergeInto(to.state, message);
  // A replica advances its clock past what it has seen, unless the sender is too far ahead (the merge has
  // still happened: refusing the clock update must never refuse the data).
  let top: string | undefined;
  for (const e of message) if (top === undefined || e.hlc > top) top = e.hlc;
  if (top === undefined) return;
  try {
    to.hlc.receive(top);
  } catch (error) {
    if (!(error instanceof ClockDriftError)) throw error;
  }
}

describe('settings convergence', () => {
  it('3-6 replicas converge to the per-key maximum through a lossy, reordering, duplicating network', () => {
    fc.assert(
      fc.property(scenarioArb, ({ skews, actions, finalOrderSeed }) => {
        let now = BASE_MS;
        const replicas: Replica[] = skews.map((skew, i) => ({
          hlc: createHlc({ nodeId: i.toString(16).padStart(16, '0'), now: () => now + skew }),
          state: new Map(),
        }));
        const network: { to: number; entries: LwwEntry[] }[] = [];
        const written: LwwEntry[] = [];

        for (const a of actions) {
          if (a.t === 'write') {
            const replica = replicas[a.r] as Replica;
            const entry = { key: a.key, value: a.value, hlc: replica.hlc.next() };
            written.push(entry);
            mergeInto(replica.state, [entry]);
          } else if (a.t === 'send') {
            network.push({ to: a.to, entries: [...(replicas[a.from] as Replica).state.values()] });
          } else if (a.t === 'deliver' && network.length > 0) {
            const i = a.pick % network.length;
            const message = network[i] as (typeof network)[number];
            if (!a.duplicate) network.splice(i, 1);
            deliver(replicas[message.to] as Replica, message.entries);
          } else if (a.t === 'drop' && network.length > 0) {
            network.splice(a.pick % network.length, 1);
          } else if (a.t === 'tick') {
            now += a.ms;
          }
        }

        // Anti-entropy round: every replica's state reaches every other, in a scrambled order.
        const snapshots = replicas.map((r) => [...r.state.values()]);
        const final: { to: number; from: number }[] = [];
        replicas.forEach((_, to) => snapshots.forEach((__, from) => from !== to && final.push({ to, from })));
        let seed = finalOrderSeed;
        for (let i = final.length - 1; i > 0; i--) {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          const j = seed % (i + 1);
          [final[i], final[j]] = [final[j] as (typeof final)[number], final[i] as (typeof final)[number]];
        }
        for (const { to, from } of final) deliver(replicas[to] as Replica, snapshots[from] as LwwEntry[]);

        // The oracle: for each key, the write with the greatest stamp (stamps are unique across nodes).
        const expected = new Map<string, LwwEntry>();
        for (const w of written) {
          const current = expected.get(w.key);
          if (current === undefined || w.hlc > current.hlc) expected.set(w.key, w);
        }
        const text = (m: Map<string, LwwEntry>) =>
          [...m.keys()].sort().map((k) => `${k}:${m.get(k)?.hlc}:${canonicalJson(m.get(k)?.value)}`).join('\n');
        for (const r of replicas) expect(text(r.state)).toBe(text(expected));
      }),
      { numRuns: 300 },
    );
  });
});
