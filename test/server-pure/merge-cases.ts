import {
  DEFAULT_MAX_DRIFT_MS,
  canonicalJson,
  compareCodePoints,
  formatHlc,
  type JsonValue,
  type Setting,
  type SettingMergeResult,
} from '../../shared/index.js';
import type { MergeClock, MergeEntry } from '../../server/sync/plan-merge.js';

/**
 * One merge entry against one stored register, in every combination the planner must tell apart. The table is
 * the expected outcome as data; the example test runs it on fixed data at the edges (a stamp exactly at the
 * drift limit, an older register one counter below), the property test on random data.
 */
export const STORED_CASES = ['absent', 'older', 'equal-same', 'equal-lower', 'equal-higher', 'newer'] as const;
export type StoredCase = (typeof STORED_CASES)[number];
export const ENTRY_CASES = ['valid, within drift', 'valid, beyond drift', 'invalid, within drift', 'invalid, beyond drift'] as const;
export type EntryCase = (typeof ENTRY_CASES)[number];
type Outcome = 'applied' | 'stale' | 'CLOCK_DRIFT' | 'SETTING_VALUE_INVALID';

/**
 * Validation comes first (an invalid value is refused whatever its stamp), then the drift check (the stamp is
 * not received), then the LWW order: `equal-*` registers share the entry's stamp and the greater canonical
 * JSON wins (`equal-same`: the very same register, which does not apply again). Columns follow ENTRY_CASES.
 */
const V = 'SETTING_VALUE_INVALID';
export const EXPECTED: Record<StoredCase, readonly [Outcome, Outcome, Outcome, Outcome]> = {
  // stored        valid, within  valid, beyond  invalid, within  invalid, beyond
  absent: ['applied', 'CLOCK_DRIFT', V, V],
  older: ['applied', 'CLOCK_DRIFT', V, V],
  'equal-same': ['stale', 'CLOCK_DRIFT', V, V],
  'equal-lower': ['applied', 'CLOCK_DRIFT', V, V],
  'equal-higher': ['stale', 'CLOCK_DRIFT', V, V],
  newer: ['stale', 'CLOCK_DRIFT', V, V],
};

/** Every combination with the outcome the table gives it. */
export const ALL_CASES = STORED_CASES.flatMap((stored) =>
  ENTRY_CASES.map((entry, i) => ({ stored, entry, outcome: EXPECTED[stored][i] as Outcome })),
);

/** The free parts of a case. `values` must differ canonically (the tie cases need an order). */
export interface CaseData {
  readonly now: number;
  readonly key: string;
  readonly values: readonly [JsonValue, JsonValue];
  /** Entry stamp offset from now when within the drift limit: at most DEFAULT_MAX_DRIFT_MS. */
  readonly withinMs: number;
  /** How far past the drift limit a beyond-drift stamp is: at least 1. */
  readonly beyondMs: number;
  /** How far (ms) an older or newer register is from the entry's stamp: 0 means one counter apart. */
  readonly gapMs: number;
}

/** A value past LIMITS.maxJsonDepth: the registry refuses it for any custom key. */
export const TOO_DEEP: unknown = JSON.parse(`${'['.repeat(65)}1${']'.repeat(65)}`);

export const SERVER_NODE = 'feedfeedfeedfeed';
/** 2026-11-25T00:00:00Z: the request times of these tests wander around it. */
export const BASE_MS = Date.UTC(2026, 10, 25);

export function buildCase(stored: StoredCase, entryCase: EntryCase, d: CaseData) {
  const [lo, hi] = [...d.values].sort((a, b) => compareCodePoints(canonicalJson(a), canonicalJson(b))) as [JsonValue, JsonValue];
  const ms = entryCase.endsWith('within drift') ? d.now + d.withinMs : d.now + DEFAULT_MAX_DRIFT_MS + d.beyondMs;
  const hlc = formatHlc({ ms, counter: 1, node: 'aaaaaaaaaaaaaaaa' });
  // The entry's valid value: above the stored one in `equal-lower`, below it in `equal-higher`.
  const valid = stored === 'equal-higher' ? lo : hi;
  const entry: MergeEntry = { key: d.key, value: entryCase.startsWith('valid') ? valid : TOO_DEEP, hlc };
  const register = (value: JsonValue, stamp: string): Setting => ({ key: d.key, value, hlc: stamp, updatedAt: d.now - 1 });
  const storedRegister: Record<StoredCase, Setting | undefined> = {
    absent: undefined,
    older: register(lo, formatHlc({ ms: ms - d.gapMs, counter: 0, node: 'bbbbbbbbbbbbbbbb' })),
    'equal-same': register(valid, hlc),
    'equal-lower': register(lo, hlc),
    'equal-higher': register(hi, hlc),
    newer: register(lo, formatHlc({ ms: ms + d.gapMs, counter: 2, node: 'bbbbbbbbbbbbbbbb' })),
  };
  const current = storedRegister[stored];
  const clock: MergeClock = { nodeId: SERVER_NODE, last: formatHlc({ ms: d.now - 1000, counter: 0, node: SERVER_NODE }), now: d.now };
  return { entry, stored: new Map(current ? [[d.key, current]] : []), current, clock };
}

/** What a result says, without its human message (the wording is not part of the contract). */
export const said = (r: SettingMergeResult) => ({ key: r.key, status: r.status, code: r.code, current: r.current });

/** What the table expects planMerge to say for a case. */
export function expectedSaid(outcome: Outcome, key: string, current: Setting | undefined): ReturnType<typeof said> {
  if (outcome === 'applied') return { key, status: 'applied', code: undefined, current: undefined };
  if (outcome === 'stale') return { key, status: 'stale', code: undefined, current };
  return { key, status: 'rejected', code: outcome, current: undefined };
}
