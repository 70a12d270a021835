import { compareRegisters, type LwwRegister } from './lww-register.js';

/** A register with its key: the shape of a setting on the wire and in storage. */
export interface LwwEntry<V = unknown> extends LwwRegister<V> {
  readonly key: string;
}

/**
 * Pure map merge: the per-key winner of both maps. Inputs are not modified. The client (mergeIncoming) and the
 * server (planMerge) apply the same per-key rule, compareRegisters, one register at a time against their
 * store; this is its statement over whole maps, where the merge laws are checked.
 */
export function mergeMaps<R extends LwwRegister>(a: ReadonlyMap<string, R>, b: ReadonlyMap<string, R>): Map<string, R> {
  const out = new Map(a);
  for (const [key, incoming] of b) {
    const current = out.get(key);
    if (current === undefined || compareRegisters(incoming, current) > 0) out.set(key, incoming);
  }
  return out;
}
