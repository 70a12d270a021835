import { createMergeableStore, getHlcFunctions } from 'tinybase';
import * as Y from 'yjs';
import { compareRegisters, createHlc, type LwwEntry } from '../../shared/index.js';
import { atLeast, atMost, opsPerSecond, timeMedian, type BenchResult } from '../harness.js';

const N = 100_000;
const T0 = Date.UTC(2026, 10, 25);

/**
 * Merge 100k remote settings into a 100k-entry local map. Every implementation gets the same content: the
 * same keys, the remote side written later, so every entry changes (the worst case for a merge).
 */
function mergeSuite(): BenchResult[] {
  const localClock = createHlc({ nodeId: '000000000000000a', now: () => T0 });
  const remoteClock = createHlc({ nodeId: '000000000000000b', now: () => T0 + 1 });
  const local: LwwEntry[] = [];
  const remote: LwwEntry[] = [];
  for (let i = 0; i < N; i++) {
    local.push({ key: `custom.k${i}`, value: i, hlc: localClock.next() });
    remote.push({ key: `custom.k${i}`, value: i + 1, hlc: remoteClock.next() });
  }
  const localMap = new Map(local.map((e) => [e.key, e]));

  const floor = timeMedian(
    () => new Map(localMap),
    (map) => {
      for (const e of remote) map.set(e.key, e);
    },
  );
  // Ours: the per-key rule both sides run against their store (the client's mergeIncoming, the server's
  // planMerge): compareRegisters against the held register, written only when the incoming one wins.
  const ours = timeMedian(
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
  const yjs = timeMedian(
    () => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, localUpdate);
      return doc;
    },
    (doc) => Y.applyUpdate(doc, remoteUpdate),
    5,
    1,
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
  const tinybase = timeMedian(
    () => createMergeableStore('local', () => T0).setMergeableContent(tbLocalContent),
    (store) => store.applyMergeableChanges(tbRemoteContent),
    5,
    1,
  );

  return [
    atMost('merge 100k into 100k: ours vs Map.set floor', 'ms', ours, floor, 3),
    atLeast('merge 100k into 100k: ours vs TinyBase applyMergeableChanges', 'ms', ours, tinybase, 4, false),
    atLeast('merge 100k into 100k: ours vs Yjs Y.Map applyUpdate', 'ms', ours, yjs, 8, false),
  ];
}

function clockSuite(): BenchResult[] {
  let wall = T0;
  // The wall clock ticks once every 1000 calls: a realistic burst rate, and it exercises the ms-change path.
  let calls = 0;
  const now = () => (++calls % 1000 === 0 ? ++wall : wall);
  const ours = createHlc({ nodeId: '3f9a1c2b7d4e5f60', now });
  const [getNextHlc, seenHlc] = getHlcFunctions('bench', now);
  const oursNext = opsPerSecond(() => ours.next());
  const theirsNext = opsPerSecond(() => getNextHlc());

  // receive(): ours returns the stamp for the receive event; TinyBase splits that into seenHlc + getNextHlc.
  const peer = createHlc({ nodeId: '000000000000000b', now });
  const [peerNext] = getHlcFunctions('peer', now);
  const ourRemotes = Array.from({ length: 1024 }, () => peer.next());
  const theirRemotes = Array.from({ length: 1024 }, () => peerNext());
  let i = 0;
  let j = 0;
  const oursReceive = opsPerSecond(() => ours.receive(ourRemotes[i++ & 1023] as string), 100_000);
  const theirsReceive = opsPerSecond(() => {
    seenHlc(theirRemotes[j++ & 1023] as string);
    return getNextHlc();
  }, 100_000);
  return [
    atLeast('hlc next(): ours vs TinyBase getNextHlc', 'ops/s', oursNext, theirsNext, 1, true),
    atLeast('hlc receive(): ours vs TinyBase seenHlc+getNextHlc', 'ops/s', oursReceive, theirsReceive, 1, true),
  ];
}

export function sharedCoreSuite(): BenchResult[] {
  return [...mergeSuite(), ...clockSuite()];
}
