import { sql, type SQL } from 'drizzle-orm';
import {
  ClockDriftError,
  LIMITS,
  canonicalJson,
  compareRegisters,
  createHlc,
  createNodeId,
  jsonByteLength,
  settingEntrySchema,
  utf8ByteLength,
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
import { HttpError } from '../http/http-error.js';
import { log } from '../http/log.js';
import { runBatch } from '../db/batch.js';
import { SETTING_STORED_ITEM, readStoredValue, settingBody } from '../db/row-json.js';
import type { Mutation } from '../sync/commit.js';
import { decodeCursor, encodeCursor } from '../sync/cursor.js';
import { runPage } from '../sync/run-page.js';
import { currentSeq, readMeta } from '../sync/seq.js';

/**
 * One node id per isolate: concurrent isolates stamping in the same millisecond still issue distinct stamps.
 * Made on first use: workerd forbids random values in global scope.
 */
let serverNode: string | undefined;
const serverNodeId = () => (serverNode ??= createNodeId());
/** D1 allows 100 bound parameters a statement; an upserted register binds 6. */
const ROWS_PER_UPSERT = 16;
const KEYS_PER_SELECT = 90;
/** A merge entry's key and stamp; its value goes to validateSetting, never through a recursive schema. */
const entryStampSchema = settingEntrySchema.pick({ key: true, hlc: true });

export interface SettingsScope {
  scope: SettingScope;
  scopeId: string;
}

const tagOf = (s: SettingsScope) => `settings:${s.scope}:${s.scopeId}`;

/** A settings row as read: the value still as its stored text. Every read turns it into a Setting here. */
type StoredRow = { key: string; value: string | null; hlc: string; updatedAt: number };
const toSetting = (r: StoredRow): Setting => ({ key: r.key, value: readStoredValue(r.value), hlc: r.hlc, updatedAt: r.updatedAt });

export async function listSettings(db: Db, scope: SettingsScope, query: PageQuery): Promise<Page<Setting>> {
  const page = await runPage<StoredRow>(
    db,
    tagOf(scope),
    query,
    sql`SELECT ${SETTING_STORED_ITEM} AS item, s.seq AS seq, s.key AS k FROM settings s
        WHERE s.scope = ${scope.scope} AND s.scope_id = ${scope.scopeId}`,
  );
  return { ...page, items: page.items.map(toSetting) };
}

/**
 * Upserts registers, chunked to D1's parameter limit. Values are stored as canonical JSON text ('null' for a
 * delete), so the SQL guard can break a stamp tie the way compareRegisters does, and a concurrent newer write
 * that landed between our read and our batch is never overwritten.
 */
function upserts(scope: SettingsScope, entries: readonly SettingEntry[], now: number): SQL[] {
  const statements: SQL[] = [];
  for (let i = 0; i < entries.length; i += ROWS_PER_UPSERT) {
    const rows = entries
      .slice(i, i + ROWS_PER_UPSERT)
      .map((e) => sql`(${scope.scope}, ${scope.scopeId}, ${e.key}, ${canonicalJson(e.value)}, ${e.hlc}, ${now}, ${currentSeq})`);
    statements.push(sql`INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq) VALUES ${sql.join(rows, sql`, `)}
      ON CONFLICT (scope, scope_id, key) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
        updated_at = excluded.updated_at, seq = excluded.seq
      WHERE excluded.hlc > settings.hlc OR (excluded.hlc = settings.hlc AND excluded.value > settings.value)`);
  }
  return statements;
}

const advanceServerHlc = (stamp: string) =>
  sql`UPDATE sync_meta SET text = ${stamp} WHERE name = 'server_hlc' AND (text IS NULL OR text < ${stamp})`;

async function readRegisters(db: Db, scope: SettingsScope, keys: readonly string[]): Promise<Map<string, Setting>> {
  const out = new Map<string, Setting>();
  if (keys.length === 0) return out;
  const selects = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_SELECT) {
    const chunk = keys.slice(i, i + KEYS_PER_SELECT);
    selects.push(sql`SELECT key, value, hlc, updated_at AS updatedAt FROM settings
      WHERE scope = ${scope.scope} AND scope_id = ${scope.scopeId} AND key IN (${sql.join(chunk.map((k) => sql`${k}`), sql`, `)})`);
  }
  for (const result of await runBatch<StoredRow>(db, selects)) for (const r of result.results) out.set(r.key, toSetting(r));
  return out;
}

/**
 * PATCH merge: validate each entry on its own (one bad entry never sinks the rest), refuse stamps beyond the
 * drift limit without moving the server clock, keep per key the LWW winner with the same compareRegisters the
 * client runs, write the winners in one batch, and answer with every entry changed since the client's cursor.
 *
 * The changes are read before the write, and the returned cursor is their position: a write that commits
 * between our read and our batch has a higher seq, so the client's next merge or pull still sees it.
 */
export async function mergeSettings(
  db: Db,
  scope: SettingsScope,
  input: SettingsMergeRequest,
): Promise<{ response: SettingsMergeResponse; mutation: (body: string) => Mutation }> {
  const now = Date.now();
  const meta = await readMeta(db);
  const tag = tagOf(scope);
  const from = decodeCursor(input.cursor, tag, { purgedSeq: meta.purgedSeq, now });
  const hlc = createHlc({ nodeId: serverNodeId(), last: meta.serverHlc });

  const results: SettingMergeResult[] = new Array(input.entries.length);
  const candidates = new Map<string, { entry: SettingEntry; index: number }>();
  input.entries.forEach((raw, index) => {
    const parsed = entryStampSchema.safeParse(raw);
    if (!parsed.success) {
      results[index] = { key: String(raw.key), status: 'rejected', code: 'VALIDATION_FAILED', message: parsed.error.issues[0]?.message ?? 'invalid entry' };
      return;
    }
    const entry = parsed.data;
    // The value is checked by the registry alone (iteratively, depth and size first): per-entry SETTING_* codes.
    const check = validateSetting(scope.scope, entry.key, raw.value);
    if (!check.ok) {
      results[index] = { key: entry.key, status: 'rejected', code: check.code, message: check.message };
      return;
    }
    try {
      hlc.receive(entry.hlc);
    } catch (error) {
      if (!(error instanceof ClockDriftError)) throw error;
      results[index] = { key: entry.key, status: 'rejected', code: 'CLOCK_DRIFT', message: error.message };
      return;
    }
    // Keys are unique in a request (the envelope refuses duplicates), so each key has one candidate.
    candidates.set(entry.key, { entry: { ...entry, value: check.value }, index });
  });

  const current = await readRegisters(db, scope, [...candidates.keys()]);
  const winners: SettingEntry[] = [];
  let currentBytes = 0;
  for (const { entry, index } of candidates.values()) {
    const stored = current.get(entry.key);
    if (stored === undefined || compareRegisters(entry, stored) > 0) {
      winners.push(entry);
      results[index] = { key: entry.key, status: 'applied' };
      continue;
    }
    // Stale: the stored register beat it. It rides along as `current` while the budget lasts; past it the
    // client learns the winner from `changes` or its next pull (see settingMergeResultSchema).
    const size = jsonByteLength(stored);
    const fits = currentBytes + size <= LIMITS.maxMergeCurrentBytes;
    if (fits) currentBytes += size;
    results[index] = fits ? { key: entry.key, status: 'stale', current: stored } : { key: entry.key, status: 'stale' };
  }
  for (const r of results) {
    if (r.status !== 'applied') log({ msg: 'settings entry not applied', scope: scope.scope, key: r.key, status: r.status, code: r.code });
  }

  const [head, changed] = await runBatch(db, [
    sql`SELECT value FROM sync_meta WHERE name = 'seq'`,
    sql`SELECT key, value, hlc, updated_at AS updatedAt, seq FROM settings
        WHERE scope = ${scope.scope} AND scope_id = ${scope.scopeId}
          AND (seq > ${from.seq} OR (seq = ${from.seq} AND key > ${from.key}))
        ORDER BY seq, key LIMIT ${LIMITS.maxPageLimit + 1}`,
  ]);
  const changeRows = (changed?.results ?? []) as unknown as (StoredRow & { seq: number })[];
  const changes: Setting[] = [];
  let bytes = 0;
  let position = from;
  let hasMore = false;
  for (const row of changeRows) {
    // UTF-8 bytes of the stored text (what the response carries, at most) plus the key, stamp and field names.
    const size = utf8ByteLength(row.value ?? 'null') + row.key.length + 96;
    if (changes.length === LIMITS.maxPageLimit || bytes + size > LIMITS.maxMergeChangesBytes) {
      hasMore = true;
      break;
    }
    changes.push(toSetting(row));
    bytes += size;
    position = { seq: row.seq, key: row.key };
  }
  // Everything up to the head read with these rows has been returned: resume from the head (see toPage).
  const headSeq = (head?.results[0]?.value as number | undefined) ?? 0;
  if (!hasMore && headSeq > position.seq) position = { seq: headSeq, key: '' };

  const response: SettingsMergeResponse = {
    results,
    changes,
    cursor: encodeCursor(tag, position, now),
    hasMore,
    serverHlc: hlc.last(),
    serverTime: now,
  };
  return {
    response,
    mutation: (body) => ({
      status: 200,
      effect: [...upserts(scope, winners, now), advanceServerHlc(hlc.last())],
      body: sql`${body}`,
    }),
  };
}

/**
 * PUT: a plain client sends a value; the server stamps it. The clock resumes above both its persisted state and
 * the stored register (no drift check: both are ours), so the write wins as a plain PUT should.
 */
export async function putSetting(db: Db, scope: SettingsScope, key: string, value: unknown): Promise<Mutation> {
  const check = validateSetting(scope.scope, key, value);
  if (!check.ok) throw new HttpError('VALIDATION_FAILED', check.message, { code: check.code });
  const now = Date.now();
  const meta = await readMeta(db);
  const stored = (await readRegisters(db, scope, [key])).get(key);
  const last = [meta.serverHlc, stored?.hlc].filter((s): s is string => s != null).sort().pop() ?? null;
  const stamp = createHlc({ nodeId: serverNodeId(), last }).next();
  return {
    status: 200,
    effect: [...upserts(scope, [{ key, value: check.value, hlc: stamp }], now), advanceServerHlc(stamp)],
    body: settingBody(scope.scope, scope.scopeId, key),
  };
}
