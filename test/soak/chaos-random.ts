/**
 * The chaos run's seeded randomness: mulberry32 (a 32-bit state, good enough for test choices and small
 * enough to read). Every stream is derived from the run's seed, so a seed replays the same choices; timing on
 * a busy machine still varies, which is what the run is for.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  (): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `{ a: 3, b: 1 }` gives a three times as often as b. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** An RFC 9562 version 4 uuid drawn from this stream (ids and idempotency keys replay with the seed). */
  uuid(): string;
}

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  const next = (() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  next.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  next.chance = (p) => next() < p;
  next.pick = (items) => {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(next() * items.length)] as (typeof items)[number];
  };
  next.weighted = (weights) => {
    const entries = Object.entries(weights) as [keyof typeof weights & string, number][];
    let roll = next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1]![0];
  };
  next.uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((Math.floor(next() * 4) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  return next;
}

/** A child stream for one part of the run (engine i's actions, its network, …): independent of the others. */
export function derive(seed: number, ...path: number[]): Rng {
  let h = seed >>> 0;
  for (const p of path) h = Math.imul(h ^ (p + 0x9e3779b9), 0x85ebca6b) >>> 0;
  return mulberry32(h ^ (h >>> 13));
}
