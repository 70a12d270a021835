import { compareRegisters, type LwwRegister } from './lww-register.js';

/** A register with its key: the shape of a setting on the wire and in storage. */
export interface LwwEntry<V = unknown> extends LwwRegister<V> {
  readonly key: string;
}

/** Pure map merge: the per-key winner of both maps. Inputs are not modified. */
export function mergeMaps<R extends LwwRegister>(a: ReadonlyMap<string, R>, b: ReadonlyMap<string, R>): Map<string, R> {
  const out = new Map(a);
  for (const [key, incoming] of b) {
    const current = out.get(key);
    if (current === undefined || compareRegisters(incoming, current) > 0) out.set(key, incoming);
  }
  return out;
}

/**
 * Merges incoming entries into `target` in place and returns the incoming entries that won, in the order they
 * were applied: exactly the writes a caller must persist or announce. A key appears once per time it won, so
 * only a batch that names one key twice can repeat it (persisting the list in order still ends right).
 *
 * This is the hot path of a sync (a pull of 100k settings lands here): the common case, distinct stamps, is
 * one Map lookup, one string comparison and one Map write; the canonical-JSON tie-break runs only on equal
 * stamps.
 */
export function mergeEntriesInto<E extends LwwEntry>(target: Map<string, E>, incoming: readonly E[]): E[] {
  const won: E[] = [];
  for (let i = 0; i < incoming.length; i++) {
    const entry = incoming[i] as E;
    const current = target.get(entry.key);
    if (current !== undefined && (entry.hlc < current.hlc || (entry.hlc === current.hlc && compareRegisters(entry, current) <= 0))) {
      continue;
    }
    target.set(entry.key, entry);
    won.push(entry);
  }
  return won;
}
