import { outboxTables } from '../outbox/outbox-store.js';
import { applyServerRow, shadowedEntities, versionOf } from '../outbox/server-rows.js';
import { entityId } from '../outbox/effects.js';
import { bump } from '../status/counters.js';
import type { EntityKey } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import { classify } from '../transport/classify.js';
import type { HttpClient } from '../transport/http-client.js';
import type { CollectionSpec } from './collections.js';
import type { StepResult } from './step-result.js';
import { purgeOrg, purgeProject, purgeTables } from './purge.js';

export type PullResult = StepResult;

export interface PullDeps {
  readonly db: SyncDatabase;
  readonly http: HttpClient;
  readonly userId: string;
  readonly now: () => number;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

const keyText = (key: EntityKey) => (typeof key === 'string' ? key : key.join('\u0000'));

/**
 * Pulls one collection from its cursor until hasMore is false. Each page is applied with its cursor in ONE
 * transaction (upserts, tombstone deletes, pending ops re-applied over the server rows), so a crash between
 * pages resumes exactly where it stopped. Without a cursor (first pull, or after 410 CURSOR_EXPIRED) it is a
 * full resync: rows the server no longer lists are swept at the end.
 */
export async function pullCollection(deps: PullDeps, spec: CollectionSpec): Promise<PullResult> {
  const { db, http } = deps;
  // Read once: pages in between keep lastSyncedAt as it was; only the last page sets it.
  const state = await db.syncState.get(spec.id);
  let cursor = state?.cursor ?? null;
  // A full resync sweeps the rows this device held before it that the server no longer lists: those are tracked
  // (each listed one struck off), not every key listed, so a pull holds one page at a time whatever the
  // collection's size (a first pull into an empty table tracks nothing).
  const unlisted = cursor === null ? new Map((await spec.localKeys(db)).map((key) => [keyText(key), key])) : null;
  let rows = 0;
  for (let page = 0; ; page++) {
    if (deps.signal?.aborted) return { state: 'aborted' };
    const query = new URLSearchParams({ limit: String(deps.limit ?? 200), ...(cursor ? { cursor } : {}) });
    const outcome = await http.send({ method: 'GET', path: `${spec.path}?${query}`, ...(deps.signal ? { signal: deps.signal } : {}) });
    const result = classify(outcome, 'GET', deps.now());
    if (result.type === 'auth') return { state: 'auth' };
    if (result.type === 'abort') return { state: 'aborted' };
    if (result.type === 'retry' || result.type === 'offline') return recordError(db, spec.id, 'UNAVAILABLE', result.reason);
    if (result.type === 'permanent') {
      if (result.code === 'CURSOR_EXPIRED') {
        // The server purged tombstones this cursor might still need: start over and sweep.
        await db.transaction('rw', db.syncState, db.counters, async () => {
          await db.syncState.put({ collection: spec.id, cursor: null, lastSyncedAt: state?.lastSyncedAt ?? null, lastError: null });
          await bump(db.counters, 'cursorResets');
        });
        return pullCollection(deps, spec);
      }
      if ((result.statusCode === 404 || result.statusCode === 403) && spec.scope) {
        if (spec.scope.kind === 'org') await purgeOrg(db, spec.scope.id);
        else await purgeProject(db, spec.scope.id);
        return { state: 'lost-access' };
      }
      return recordError(db, spec.id, result.code, result.message);
    }
    const parsed = spec.pageSchema.safeParse(result.body);
    if (!parsed.success) return recordError(db, spec.id, 'BAD_PAGE', parsed.error.issues[0]?.message ?? 'malformed page');
    const { items, nextCursor, hasMore, serverTime } = parsed.data;
    const lostScopes: { kind: 'org' | 'project'; id: string }[] = [];
    await db.transaction('rw', [...outboxTables(db), ...purgeTables(db)], async () => {
      // Rows without queued ops (nearly all of them) land in two bulk calls; the few with ops queued go through
      // applyServerRow so their ops are re-applied on top. The table's queued entities come in two key reads,
      // not one get per row of the page.
      const keys = items.map((item) => spec.keyOf(item));
      const shadowed = await shadowedEntities(db, spec.table);
      const puts: Record<string, unknown>[] = [];
      const deletes: EntityKey[] = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i] as Record<string, unknown>;
        const key = keys[i] as EntityKey;
        const alive = item.deletedAt === null;
        unlisted?.delete(keyText(key));
        // A tombstone's version is kept with the shadow: a replayed answer older than it must not revive the row.
        if (shadowed.has(entityId(spec.table, key))) await applyServerRow(db, spec.table, key, alive ? item : null, versionOf(item));
        else if (alive) puts.push(item);
        else deletes.push(key);
        if (!alive && spec.table === 'orgs') lostScopes.push({ kind: 'org', id: key as string });
        if (!alive && spec.table === 'projects') lostScopes.push({ kind: 'project', id: key as string });
        if (!alive && spec.table === 'orgMembers' && item.userId === deps.userId) lostScopes.push({ kind: 'org', id: item.orgId as string });
      }
      const table = db.table(spec.table);
      if (puts.length > 0) await table.bulkPut(puts);
      if (deletes.length > 0) await table.bulkDelete(deletes as never[]);
      if (unlisted && !hasMore) await sweep(db, spec, unlisted.values());
      await db.syncState.put({ collection: spec.id, cursor: nextCursor, lastSyncedAt: hasMore ? (state?.lastSyncedAt ?? null) : serverTime, lastError: null });
      await bump(db.counters, 'rowsPulled', items.length);
      if (!hasMore) await bump(db.counters, 'pulls');
    });
    // A tombstone for an org or project (or for our own membership) takes everything under it along.
    for (const scope of lostScopes) await (scope.kind === 'org' ? purgeOrg(db, scope.id) : purgeProject(db, scope.id));
    // The collection's own scope went with it (our membership of this org ended): the purge removed its cursor
    // and rows, and no later page of it may bring either back.
    if (spec.scope && lostScopes.some((lost) => lost.kind === spec.scope?.kind && lost.id === spec.scope.id)) return { state: 'lost-access' };
    rows += items.length;
    cursor = nextCursor;
    if (!hasMore) return { state: 'done', rows };
  }
}

/** After a full resync: local rows the server did not list are gone, unless ops are pending on them. */
async function sweep(db: SyncDatabase, spec: CollectionSpec, unlisted: Iterable<EntityKey>): Promise<void> {
  // applyServerRow deletes the row, or rebuilds it from the ops queued on it over nothing.
  for (const key of unlisted) await applyServerRow(db, spec.table, key, null);
}

async function recordError(db: SyncDatabase, collection: string, code: string, message: string): Promise<PullResult> {
  const state = await db.syncState.get(collection);
  await db.syncState.put({ collection, cursor: state?.cursor ?? null, lastSyncedAt: state?.lastSyncedAt ?? null, lastError: { code, message } });
  return { state: 'error', code, message };
}
