import { canonicalJson } from './canonical-json.js';
import { compareCodePoints } from './compare-code-points.js';

/**
 * A last-writer-wins register: the value written with the highest stamp wins. `value: null` is a delete
 * (a tombstone register), kept so that the delete itself can win against older writes on other replicas.
 */
export interface LwwRegister<V = unknown> {
  readonly value: V | null;
  readonly hlc: string;
}

/**
 * The one total order of registers, used by every merge on both sides:
 * higher stamp first; on equal stamps (two writes cannot share a stamp, so this is corruption or a replayed
 * write) the greater canonical JSON of the value wins, so every replica picks the same one. "Greater" is by
 * code point (= UTF-8 byte order), the order the server's SQL guard compares stored canonical JSON in; stamps
 * are ASCII, where every order agrees.
 * Returns a positive number when `a` wins, negative when `b` wins, 0 when they are the same register.
 */
export function compareRegisters(a: LwwRegister, b: LwwRegister): number {
  if (a.hlc !== b.hlc) return a.hlc > b.hlc ? 1 : -1;
  if (a.value === b.value) return 0;
  const ja = canonicalJson(a.value);
  const jb = canonicalJson(b.value);
  return Math.sign(compareCodePoints(ja, jb));
}

/** Commutative, associative and idempotent: the winner of `a` and `b` (`a` itself when they are equal). */
export function mergeRegister<R extends LwwRegister>(a: R, b: R): R {
  return compareRegisters(a, b) >= 0 ? a : b;
}
