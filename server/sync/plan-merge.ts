import * as z from 'zod/mini';
import {
  ClockDriftError,
  LIMITS,
  compareRegisters,
  createHlc,
  jsonByteLength,
  settingEntrySchema,
  validateSetting,
  type Setting,
  type SettingEntry,
  type SettingMergeResult,
  type SettingScope,
  type SettingsMergeRequest,
} from '../../shared/index.js';

/*
 * Lives in server/, not shared/: it is the Worker's answer to a merge (drift judged against the server's wall
 * clock, the response's `current` budget), which no client code computes; the client only applies answers.
 * It is pure (no D1, no ambient time), so it is property-tested in Node (test/server-pure/).
 */

/** An entry as the request envelope lets it through: key and stamp still unchecked, the value unknown. */
export type MergeEntry = SettingsMergeRequest['entries'][number];

/** The server clock as one merge sees it: set once per request and passed in. */
export interface MergeClock {
  /** This isolate's node id (16 hex digits). */
  readonly nodeId: string;
  /** The persisted server stamp (sync_meta.server_hlc): the clock resumes above it. Null before any write. */
  readonly last: string | null;
  /** The request's wall time, ms. A stamp more than the drift limit past it is refused. */
  readonly now: number;
}

export interface MergePlan {
  /** One result per entry, in request order. */
  readonly results: readonly SettingMergeResult[];
  /** The registers to write, one per applied entry (values as validated). */
  readonly winners: readonly SettingEntry[];
  /** The clock after receiving every accepted stamp: persisted with the write and answered as serverHlc. */
  readonly serverHlc: string;
}

/** A merge entry's key and stamp; its value goes to validateSetting, never through a recursive schema. */
const entryStampSchema = z.pick(settingEntrySchema, { key: true, hlc: true });

/**
 * Plans a settings merge over the registers stored for the entries' keys (read by the caller under the
 * legacy-row rule, readStoredValue). Each entry is judged on its own, so one bad entry never sinks the rest:
 *
 *   entry ──key or stamp malformed──────────────▶ rejected VALIDATION_FAILED
 *         ──value refused by the registry────────▶ rejected SETTING_KEY_UNKNOWN | SETTING_VALUE_*
 *         ──stamp past now + drift limit─────────▶ rejected CLOCK_DRIFT (the clock does not move)
 *         ──nothing stored, or it beats stored──▶ applied: a winner to write
 *         ──stored beats it or is the same──────▶ stale, with `current` = stored while the budget lasts
 *
 * "Beats" is compareRegisters, the order the client and the SQL upsert guard use. A stale result carries the
 * stored register until LIMITS.maxMergeCurrentBytes of them (in request order) are spent; past it the client
 * learns the winner from `changes` or a later pull (see settingMergeResultSchema).
 *
 * Keys must be unique: the request envelope refuses a merge that names a key twice, so one here is a bug.
 */
export function planMerge(
  scope: SettingScope,
  entries: readonly MergeEntry[],
  stored: ReadonlyMap<string, Setting>,
  clock: MergeClock,
): MergePlan {
  if (new Set(entries.map((e) => e.key)).size !== entries.length) throw new TypeError('planMerge: a key appears twice');
  const hlc = createHlc({ nodeId: clock.nodeId, last: clock.last, now: () => clock.now });
  const winners: SettingEntry[] = [];
  let currentBytes = 0;
  const results = entries.map((raw): SettingMergeResult => {
    const parsed = entryStampSchema.safeParse(raw);
    if (!parsed.success) {
      return { key: String(raw.key), status: 'rejected', code: 'VALIDATION_FAILED', message: parsed.error.issues[0]?.message ?? 'invalid entry' };
    }
    const { key, hlc: stamp } = parsed.data;
    // The value is checked by the registry alone (iteratively, depth and size first): per-entry SETTING_* codes.
    const check = validateSetting(scope, key, raw.value);
    if (!check.ok) return { key, status: 'rejected', code: check.code, message: check.message };
    try {
      hlc.receive(stamp);
    } catch (error) {
      if (!(error instanceof ClockDriftError)) throw error;
      return { key, status: 'rejected', code: 'CLOCK_DRIFT', message: error.message };
    }
    const entry: SettingEntry = { key, value: check.value, hlc: stamp };
    const current = stored.get(key);
    if (current === undefined || compareRegisters(entry, current) > 0) {
      winners.push(entry);
      return { key, status: 'applied' };
    }
    const size = jsonByteLength(current);
    if (currentBytes + size > LIMITS.maxMergeCurrentBytes) return { key, status: 'stale' };
    currentBytes += size;
    return { key, status: 'stale', current };
  });
  return { results, winners, serverHlc: hlc.last() };
}
