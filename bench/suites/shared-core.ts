import { createMergeableStore, getHlcFunctions } from 'tinybase';
import * as Y from 'yjs';
import { compareRegisters, createHlc, type LwwEntry } from '../../shared/index.js';
import { atLeastGoal, atMostGoal, opsPerSecondSample, pairedBench, timed, type BenchResult } from '../harness.js';

const N = 100_000;
const T0 = Date.UTC(2026, 10, 25);

/**
 * Merge 100k remote settings into a 100k-entry local map. Every implementation gets the same content: the
 * same keys, the remote side written later, so every entry changes (the worst case for a merge).
 */
async function mergeSuite(): Promise<BenchResult[]> {
  const localClock = createHlc({ nodeId: '000000000000000a', now: () => T0 });
  const remoteClock = createHlc({ nodeId: '000000000000000b', now: () => T0 + 1 });
  const local: LwwEntry[] = [];
  const remote: LwwEntry[] = [];
  for (let i = 0; i < N; i++) {
    local.push({ key: `custom.k${i}`, value: i, hlc: localClock.next() });
    remote.push({ key: `custom.k${i}`, value: i + 1, hlc: remoteClock.next() });
  }
  const localMap = new Map(local.map((e) => [e.key, e]));

  const floor = timed(
    () => new Map(localMap),
    (map) => {
      for (const e of remote) map.set(e.key, e);
    },
  );
  // Ours: the per-key rule both sides run against their store (the client's mergeIncoming, the server's
  // planMerge): compareRegisters against the held register, written only when the incoming one wins.
  const ours = timed(
    () => new Map(localMap),
    (map) => {
      for (const e of remote) {
        const held = map.get(e.key);
        if (held === undefined || compareRegisters(e, held) > 0) map.set(e.key, e);
      }
    },
  );

  // Yjs: the same content as Y.Map writes by two clients; the timed part is applying the remote update.
  const localDoc = new Y.Doc();
  localDoc.transact(() => {
    const m = localDoc.getMap('settings');
    for (const e of local) m.set(e.key, e.value);
  });
  const remoteDoc = new Y.Doc();
  remoteDoc.transact(() => {
    const m = remoteDoc.getMap('settings');
    for (const e of remote) m.set(e.key, e.value);
  });
  const localUpdate = Y.encodeStateAsUpdate(localDoc);
  const remoteUpdate = Y.encodeStateAsUpdate(remoteDoc);
  const yjs = timed(
    () => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, localUpdate);
      return doc;
    },
    (doc) => Y.applyUpdate(doc, remoteUpdate),
  );

  // TinyBase: a MergeableStore's values (its flat key-value part, the analogue of a settings map).
  const tbLocal = createMergeableStore('local', () => T0);
  tbLocal.transaction(() => {
    for (const e of local) tbLocal.setValue(e.key, e.value as number);
  });
  const tbRemote = createMergeableStore('remote', () => T0 + 1);
  tbRemote.transaction(() => {
    for (const e of remote) tbRemote.setValue(e.key, e.value as number);
  });
  const tbLocalContent = tbLocal.getMergeableContent();
  const tbRemoteContent = tbRemote.getMergeableContent();
  const tinybase = timed(
    () => createMergeableStore('local', () => T0).setMergeableContent(tbLocalContent),
    (store) => store.applyMergeableChanges(tbRemoteContent),
  );

  // Each row pairs ours with its own baseline, sample by sample (the peers are slow: fewer pairs for them).
  return [
    await pairedBench('merge 100k into 100k: ours vs Map.set floor', 'ms', atMostGoal(3), ours, floor, { warmup: 2, minSamples: 15, maxSamples: 61 }),
    await pairedBench('merge 100k into 100k: ours vs TinyBase applyMergeableChanges', 'ms', atLeastGoal(4), ours, tinybase, { minSamples: 7, maxSamples: 11 }),
    await pairedBench('merge 100k into 100k: ours vs Yjs Y.Map applyUpdate', 'ms', atLeastGoal(8), ours, yjs, { minSamples: 9, maxSamples: 21, budgetMs: 90_000 }),
  ];
}

async function clockSuite(): Promise<BenchResult[]> {
  let wall = T0;
  // The wall clock ticks once every 1000 calls: a realistic burst rate, and it exercises the ms-change path.
  let calls = 0;
  const now = () => (++calls % 1000 === 0 ? ++wall : wall);
  const ours = createHlc({ nodeId: '3f9a1c2b7d4e5f60', now });
  const [getNextHlc, seenHlc] = getHlcFunctions('bench', now);
  // receive(): ours returns the stamp for the receive event; TinyBase splits that into seenHlc + getNextHlc.
  const peer = createHlc({ nodeId: '000000000000000b', now });
  const [peerNext] = getHlcFunctions('peer', now);
  const ourRemotes = Array.from({ length: 1024 }, () => peer.next());
  const theirRemotes = Array.from({ length: 1024 }, () => peerNext());
  let i = 0;
  let j = 0;
  // One batch of each per pair, after a warm-up pair for the JIT.
  return [
    await pairedBench('hlc next(): ours vs TinyBase getNextHlc', 'ops/s', atLeastGoal(1, true), opsPerSecondSample(() => ours.next(), 200_000), opsPerSecondSample(() => getNextHlc(), 200_000), { warmup: 2, minSamples: 9, maxSamples: 41 }),
    await pairedBench(
      'hlc receive(): ours vs TinyBase seenHlc+getNextHlc',
      'ops/s',
      atLeastGoal(1, true),
      opsPerSecondSample(() => ours.receive(ourRemotes[i++ & 1023] as string), 100_000),
      opsPerSecondSample(() => {
        seenHlc(theirRemotes[j++ & 1023] as string);
        return getNextHlc();
      }, 100_000),
      { warmup: 2, minSamples: 9, maxSamples: 41 },
    ),
  ];
}

export async function sharedCoreSuite(): Promise<BenchResult[]> {
  return [...(await mergeSuite()), ...(await clockSuite())];
}
