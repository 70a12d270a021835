import { sql, type SQL } from 'drizzle-orm';
import {
  LIMITS,
  SETTING_KEY_PATTERN,
  canonicalJson,
  createHlc,
  createNodeId,
  validateSetting,
  type Page,
  type PageQuery,
  type Setting,
  type SettingEntry,
  type SettingMergeResult,
  type SettingScope,
  type SettingsMergeRequest,
  type SettingsMergeResponse,
} from '../../shared/index.js';
import type { Db } from '../env.js';
import { asSqlStore } from '../store/d1-sql-store.js';
import type { SqlStore } from '../store/sql-store.js';
import { HttpError } from '../http/http-error.js';
import { log as jsonLines, type LogSink } from '../http/log.js';
import { BOTTOM_HLC, SETTING_STORED_ITEM, readStoredStamp, readStoredValue, settingBody } from '../db/row-json.js';
import type { Mutation } from '../sync/commit.js';
import { orgScope, userScope, type LiveEffect } from '../live/notify.js';
import type { Planned } from '../sync/commit-planned.js';
import { decodeCursor } from '../sync/cursor.js';
import { pageRowsAfter, toPage, type PageRow } from '../sync/page.js';
import { planMerge } from '../sync/plan-merge.js';
import { HEADS_OF, moveHeads } from '../sync/org-heads.js';
import { runPage } from '../sync/run-page.js';
import { currentSeq, readMeta } from '../sync/seq.js';

/** D1 allows 100 bound parameters a statement; an upserted register binds 6. */
const ROWS_PER_UPSERT = 16;

export interface SettingsScope {
  scope: SettingScope;
  scopeId: string;
}

const tagOf = (s: SettingsScope) => `settings:${s.scope}:${s.scopeId}`;

/** A settings row as read: the value still as its stored text. Every read turns it into a Setting here. */
type StoredRow = { key: string; value: string | null; hlc: string; updatedAt: number };
const toSetting = (r: StoredRow): Setting => {
  const hlc = readStoredStamp(r.hlc);
  return hlc === null ? { key: r.key, value: null, hlc: BOTTOM_HLC, updatedAt: r.updatedAt } : { key: r.key, value: readStoredValue(r.value), hlc, updatedAt: r.updatedAt };
};
/** The stored stamps among `rows` that are not stamps (they read as BOTTOM_HLC): a winner may replace them. */
const unreadableStamps = (rows: readonly StoredRow[]): unknown[] => rows.filter((r) => readStoredStamp(r.hlc) === null).map((r) => r.hlc);

/** A scope's registers as page rows (item, seq, k): the stored value text travels inside the item. */
const settingRows = (scope: SettingsScope) =>
  sql`SELECT ${SETTING_STORED_ITEM} AS item, s.seq AS seq, s.key AS k FROM settings s
      WHERE s.scope = ${scope.scope} AND s.scope_id = ${scope.scopeId}`;

export async function listSettings(store: SqlStore, scope: SettingsScope, query: PageQuery, now: number): Promise<Page<Setting>> {
  const page = await runPage<StoredRow>(store, tagOf(scope), query, settingRows(scope), now);
  return { ...page, items: page.items.map(toSetting) };
}

/**
 * Upserts registers, chunked to D1's parameter limit, and moves an org scope's settings head. Values are stored as canonical JSON text ('null' for a
 * delete), so the SQL guard can break a stamp tie the way compareRegisters does, and a concurrent newer write
 * that landed between our read and our batch is never overwritten.
 */
function upserts(scope: SettingsScope, entries: readonly SettingEntry[], now: number, unreadable: readonly unknown[] = []): SQL[] {
  // A stored stamp that is not one compares as nothing: the plan judged the entry against BOTTOM_HLC, and the
  // guard follows it for exactly those stamps (the plan's `holds` proves the row is still the one it read).
  const overUnreadable = unreadable.length > 0 ? sql` OR settings.hlc IN (SELECT value FROM json_each(${JSON.stringify(unreadable)}))` : sql``;
  const statements: SQL[] = [];
  for (let i = 0; i < entries.length; i += ROWS_PER_UPSERT) {
    const rows = entries
      .slice(i, i + ROWS_PER_UPSERT)
      .map((e) => sql`(${scope.scope}, ${scope.scopeId}, ${e.key}, ${canonicalJson(e.value)}, ${e.hlc}, ${now}, ${currentSeq})`);
    statements.push(sql`INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq) VALUES ${sql.join(rows, sql`, `)}
      ON CONFLICT (scope, scope_id, key) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
        updated_at = excluded.updated_at, seq = excluded.seq
      WHERE excluded.hlc > settings.hlc OR (excluded.hlc = settings.hlc AND excluded.value > settings.value)${overUnreadable}`);
  }
  // An org's registers changed (a merge that writes nothing moves no head): its settings head moves with them.
  if (scope.scope === 'org' && statements.length > 0) statements.push(moveHeads(scope.scopeId, HEADS_OF.orgSettings));
  return statements;
}

/** The hub a settings write pokes: the org's, or the user's own. */
const liveOf = (scope: SettingsScope): LiveEffect => ({ pokes: [scope.scope === 'org' ? orgScope(scope.scopeId) : userScope(scope.scopeId)] });

const advanceServerHlc = (stamp: string) =>
  sql`UPDATE sync_meta SET text = ${stamp} WHERE name = 'server_hlc' AND (text IS NULL OR text < ${stamp})`;

/** The stored registers of some keys, one statement whatever their count (the keys travel as one JSON array). */
const keysIn = (keys: readonly string[]) => sql`key IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`;
const selectRegisters = (scope: SettingsScope, keys: readonly string[]) =>
  sql`SELECT key, value, hlc, updated_at AS updatedAt FROM settings
      WHERE scope = ${scope.scope} AND scope_id = ${scope.scopeId} AND ${keysIn(keys)}`;
const registerMap = (rows: readonly StoredRow[]) => new Map(rows.map((r) => [r.key, toSetting(r)]));

/** A merge planned over what it read: its per-entry results, and the write that commits it while that holds. */
export interface PlannedMerge extends Planned {
  readonly results: readonly SettingMergeResult[];
}

/**
 * PATCH merge, one attempt (commitPlanned runs it again when a concurrent write to one of its keys commits
 * between its read and its batch). Reads in one batch (one transaction) the head of the change sequence, the
 * stored registers of the entries' keys and the changes since the client's cursor; plans with planMerge; and
 * describes the write: the winners upserted, the server clock advanced, the response stored, all only while no
 * register the plan judged has changed since the read. So every `applied` and `stale` (with its `current`) is
 * what the batch leaves stored.
 *
 * The changes are read before the write, and the returned cursor is their position (toPage, within
 * LIMITS.maxMergeChangesBytes): this merge's own writes, and any later commit, have a higher seq and come past it.
 *
 * `nodeId` is the server clock's node id: the sync server passes its instance's (one per instance, so concurrent
 * instances stamping in the same millisecond still issue distinct stamps); without one, a fresh one per call.
 * A drizzle `Db` is read as the D1 store (asSqlStore).
 */
export async function prepareMerge(
  source: SqlStore | Db,
  scope: SettingsScope,
  input: SettingsMergeRequest,
  now: number,
  nodeId: string = createNodeId(),
): Promise<PlannedMerge> {
  const store = asSqlStore(source);
  const meta = await readMeta(store);
  const tag = tagOf(scope);
  const from = decodeCursor(input.cursor, tag, { purgedSeq: meta.purgedSeq, now }, store.space);
  const [head, registers, changed] = await store.batch([
    sql`SELECT ${currentSeq} AS value`,
    // Only keys that can be valid: the rest are rejected unread, and junk never reaches SQLite.
    selectRegisters(scope, input.entries.map((e) => e.key).filter((k) => SETTING_KEY_PATTERN.test(k))),
    pageRowsAfter(settingRows(scope), from, LIMITS.maxPageLimit),
  ]);
  const headSeq = (head?.rows[0]?.value as number | undefined) ?? 0;
  const storedRows = (registers?.rows ?? []) as unknown as StoredRow[];
  const stored = registerMap(storedRows);
  const plan = planMerge(scope.scope, input.entries, stored, { nodeId, last: meta.serverHlc, now });
  const changes = toPage<StoredRow>((changed?.rows ?? []) as unknown as PageRow[], LIMITS.maxPageLimit, tag, from, headSeq, now, {
    maxBytes: LIMITS.maxMergeChangesBytes,
    space: store.space,
  });
  const response: SettingsMergeResponse = {
    results: [...plan.results],
    changes: changes.items.map(toSetting),
    cursor: changes.nextCursor,
    hasMore: changes.hasMore,
    serverHlc: plan.serverHlc,
    serverTime: now,
  };
  const judged = plan.results.filter((r) => r.status !== 'rejected').map((r) => r.key);
  return {
    results: plan.results,
    mutation: {
      status: 200,
      effect: [...upserts(scope, plan.winners, now, unreadableStamps(storedRows)), advanceServerHlc(plan.serverHlc)],
      // A merge that writes no register moves nothing a client pulls: no poke.
      ...(plan.winners.length > 0 ? { live: liveOf(scope) } : {}),
      body: sql`${JSON.stringify(response)}`,
    },
    // Every commit after the read has a higher seq: a judged register with one is a write the plan did not see.
    holds: sql`NOT EXISTS (SELECT 1 FROM settings WHERE scope = ${scope.scope} AND scope_id = ${scope.scopeId}
                           AND seq > ${headSeq} AND ${keysIn(judged)})`,
  };
}

/** One log line per entry a merge did not apply (DESIGN section 4, observability): never the value. */
export function logUnapplied(scope: SettingsScope, results: readonly SettingMergeResult[], log: LogSink = jsonLines): void {
  for (const r of results) {
    if (r.status !== 'applied') log({ msg: 'settings entry not applied', scope: scope.scope, key: r.key, status: r.status, code: r.code });
  }
}

/**
 * PUT: a plain client sends a value; the server stamps it. The clock resumes above both its persisted state and
 * the stored register (no drift check: both are ours), so the write wins as a plain PUT should. `nodeId` as in
 * prepareMerge.
 */
export async function putSetting(
  store: SqlStore,
  scope: SettingsScope,
  key: string,
  value: unknown,
  now: number,
  nodeId: string = createNodeId(),
): Promise<Mutation> {
  const check = validateSetting(scope.scope, key, value);
  if (!check.ok) throw new HttpError('VALIDATION_FAILED', check.message, { code: check.code });
  const meta = await readMeta(store);
  const storedRows = await store.all<StoredRow>(selectRegisters(scope, [key]));
  const stored = registerMap(storedRows).get(key);
  const last = [meta.serverHlc, stored?.hlc].filter((s): s is string => s != null).sort().pop() ?? null;
  const stamp = createHlc({ nodeId, last }).next();
  return {
    status: 200,
    effect: [...upserts(scope, [{ key, value: check.value, hlc: stamp }], now, unreadableStamps(storedRows)), advanceServerHlc(stamp)],
    live: liveOf(scope),
    body: settingBody(scope.scope, scope.scopeId, key),
  };
}
