import { abortAllDurableObjects, env, runInDurableObject } from 'cloudflare:test';
import { getTableName, is, sql } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as d1Schema from '../../server/db/schema.js';
import type { Hub } from '../../server/live/hub.js';
import { isInitialized, migrateOrgObject } from '../../server/store/org-object/migrate-org-object.js';
import bundle from '../../server/store/org-object/migrations.gen.js';
import { objectSqlStore } from '../../server/store/org-object/object-sql-store.js';
import * as objectSchema from '../../server/store/org-object/schema.js';
import { objectSpace } from '../../server/sync/cursor-space.js';
import { BUMP_SEQ, currentSeq, readMeta } from '../../server/sync/seq.js';
import { sqlStoreContract } from './sql-store-contract.js';

/**
 * The org object's storage (issue 19 design, step 5): its schema and migrations, and its SqlStore, inside a real
 * SQLite Durable Object. The objects are this Worker's Hub class (SQLite-backed, `new_sqlite_classes`), whose
 * constructor touches no storage, reached with runInDurableObject under names no org uses (`store-test:…`):
 * the storage is the object's own, whatever class runs in it.
 */

const hubs = (env as unknown as { HUB: DurableObjectNamespace<Hub> }).HUB;

/** Runs `body` inside the object `name` (a fresh stub each time: an abort breaks the old ones). */
const inObject = <R>(name: string, body: (storage: DurableObjectStorage) => R | Promise<R>): Promise<R> =>
  runInDurableObject(hubs.get(hubs.idFromName(`store-test:${name}`)), (_instance, state) => body(state.storage));

const storeOf = (storage: DurableObjectStorage, spaceId: string) => objectSqlStore(storage, objectSpace(spaceId));

const tablesOf = (storage: DurableObjectStorage) =>
  storage.sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .toArray()
    .map((r) => r.name);

const tableNames = (schema: Record<string, unknown>) =>
  (Object.values(schema) as unknown[])
    .filter((value): value is SQLiteTable => is(value, SQLiteTable))
    .map((table) => getTableName(table));

/** The object tables that are D1's own table objects, re-exported (schema.ts): these must match D1 exactly. */
const d1Tables: unknown[] = Object.values(d1Schema);
const sharedTables = (Object.values(objectSchema) as unknown[])
  .filter((value): value is SQLiteTable => is(value, SQLiteTable) && d1Tables.includes(value))
  .map((table) => getTableName(table))
  .sort();

const insertOrg = (id: string) =>
  sql`INSERT INTO orgs (id, name, created_at, updated_at, deleted_at, version, seq) VALUES (${id}, 'Org', 1, 1, NULL, 1, ${currentSeq})`;

sqlStoreContract('org object', (body) => {
  const spaceId = crypto.randomUUID();
  return inObject(`contract:${spaceId}`, (storage) => body(storeOf(storage, spaceId)));
});

describe('migrateOrgObject', () => {
  it('creates every table of the object schema and seeds the counters, in one migrations journal', () =>
    inObject('migrate-fresh', async (storage) => {
      await migrateOrgObject(storage);
      expect(tablesOf(storage)).toEqual(['__drizzle_migrations', ...tableNames(objectSchema)].sort());
      expect(sharedTables).toEqual(['idempotency_keys', 'org_members', 'orgs', 'project_members', 'projects', 'settings', 'sync_meta']);
      expect(storage.sql.exec('SELECT name, value, text FROM sync_meta ORDER BY name').toArray()).toEqual([
        { name: 'purged_seq', value: 0, text: null },
        { name: 'seq', value: 0, text: null },
        { name: 'server_hlc', value: 0, text: null },
      ]);
      expect(storage.sql.exec('SELECT count(*) AS n FROM __drizzle_migrations').one().n).toBe(bundle.journal.entries.length);
    }));

  it('is idempotent: a second run applies nothing, changes no table and keeps the rows', () =>
    inObject('migrate-twice', async (storage) => {
      const schemaSql = () => storage.sql.exec("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").toArray();
      await migrateOrgObject(storage);
      const first = schemaSql();
      await storeOf(storage, 'migrate-twice').batch([BUMP_SEQ, insertOrg('kept')]);
      await migrateOrgObject(storage);
      expect(schemaSql()).toEqual(first);
      expect(storage.sql.exec('SELECT count(*) AS n FROM __drizzle_migrations').one().n).toBe(bundle.journal.entries.length);
      expect(storage.sql.exec('SELECT id, seq FROM orgs').toArray()).toEqual([{ id: 'kept', seq: 1 }]);
      expect(storage.sql.exec("SELECT value FROM sync_meta WHERE name = 'seq'").one().value).toBe(1);
    }));

  it('survives abortAllDurableObjects: a new instance finds the object initialized, its rows there, nothing to apply', async () => {
    await inObject('migrate-abort', async (storage) => {
      await migrateOrgObject(storage);
      await storeOf(storage, 'migrate-abort').batch([BUMP_SEQ, insertOrg('survivor')]);
    });
    await abortAllDurableObjects();
    await inObject('migrate-abort', async (storage) => {
      expect(isInitialized(storage)).toBe(true);
      await migrateOrgObject(storage);
      expect(storage.sql.exec('SELECT count(*) AS n FROM __drizzle_migrations').one().n).toBe(bundle.journal.entries.length);
      expect(await readMeta(storeOf(storage, 'migrate-abort'))).toMatchObject({ seq: 1 });
      expect(storage.sql.exec('SELECT id FROM orgs').toArray()).toEqual([{ id: 'survivor' }]);
    });
  });
});

describe('isInitialized', () => {
  it('is false on a fresh object and creates nothing, not even after a restart; true once migrated', async () => {
    await inObject('never-migrated', (storage) => {
      expect(isInitialized(storage)).toBe(false);
      expect(tablesOf(storage)).toEqual([]);
    });
    await abortAllDurableObjects();
    await inObject('never-migrated', async (storage) => {
      expect(tablesOf(storage)).toEqual([]);
      expect(isInitialized(storage)).toBe(false);
      await migrateOrgObject(storage);
      expect(isInitialized(storage)).toBe(true);
    });
  });

  it('looks for the migrator’s table, not for any table (wrangler dev adds __miniflare_do_name to every object)', () =>
    inObject('foreign-table', (storage) => {
      storage.sql.exec('CREATE TABLE __miniflare_do_name (name TEXT)');
      expect(isInitialized(storage)).toBe(false);
    }));
});

describe('the object store', () => {
  it('is in the object’s space', () =>
    inObject('space', (storage) => {
      const spaceId = crypto.randomUUID();
      expect(storeOf(storage, spaceId).space).toBe(`o:${spaceId}`);
    }));

  it('settles within the call: a batch is written before its promise is awaited, a failing one rejects (never throws)', () =>
    inObject('synchronous', async (storage) => {
      await migrateOrgObject(storage);
      const store = storeOf(storage, 'synchronous');
      const pending = store.batch([BUMP_SEQ, insertOrg('sync')]);
      expect(storage.sql.exec('SELECT id FROM orgs').toArray()).toEqual([{ id: 'sync' }]);
      let read: unknown;
      void store.all(sql`SELECT id FROM orgs`).then((rows) => (read = rows));
      await Promise.resolve();
      expect(read).toEqual([{ id: 'sync' }]);
      expect((await pending).map((r) => r.changes)).toEqual([1, 1]);
      const failing = store.batch([sql`SELECT json('not json')`]);
      await expect(failing).rejects.toThrow(/malformed JSON/);
      await expect(store.all(sql`SELECT * FROM no_such_table`)).rejects.toThrow(/no such table/);
    }));

  it('an empty batch answers [] without touching storage', async () => {
    const untouchable = new Proxy({} as DurableObjectStorage, {
      get: (_target, property) => {
        throw new Error(`storage.${String(property)} touched`);
      },
    });
    expect(await objectSqlStore(untouchable, objectSpace('empty')).batch([])).toEqual([]);
  });

  it('a commit-shaped batch whose json() guard fails rolls back the seq bump and the row; the same batch passing commits both', () =>
    inObject('guard', async (storage) => {
      await migrateOrgObject(storage);
      const store = storeOf(storage, 'guard');
      const commitWith = (guard: string) => [BUMP_SEQ, insertOrg('guarded'), sql`SELECT json(CASE WHEN changes() = 1 AND ${guard} = 'held' THEN '1' ELSE 'claim lost' END)`];
      await expect(store.batch(commitWith('lost'))).rejects.toThrow(/malformed JSON/);
      expect(await readMeta(store)).toMatchObject({ seq: 0 });
      expect(await store.all(sql`SELECT id FROM orgs`)).toEqual([]);
      expect((await store.batch(commitWith('held'))).map((r) => r.changes)).toEqual([1, 1, 0]);
      expect(await readMeta(store)).toMatchObject({ seq: 1 });
      expect(await store.all(sql`SELECT id, seq FROM orgs`)).toEqual([{ id: 'guarded', seq: 1 }]);
    }));

  it('enforces the foreign keys (PRAGMA foreign_keys = 1): a membership of a missing org or user fails its batch', () =>
    inObject('foreign-keys', async (storage) => {
      await migrateOrgObject(storage);
      const store = storeOf(storage, 'foreign-keys');
      expect(await store.all(sql`PRAGMA foreign_keys`)).toEqual([{ foreign_keys: 1 }]);
      const member = (orgId: string, userId: string) =>
        sql`INSERT INTO org_members (org_id, user_id, role, created_at, updated_at, deleted_at, version, seq)
            VALUES (${orgId}, ${userId}, 'owner', 1, 1, NULL, 1, ${currentSeq})`;
      const profile = sql`INSERT INTO user (id, name, email, updated_at) VALUES ('u1', 'Ann', 'ann@example.com', 1)`;
      await expect(store.batch([profile, BUMP_SEQ, member('no-such-org', 'u1')])).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await expect(store.batch([BUMP_SEQ, insertOrg('o1'), member('o1', 'no-such-user')])).rejects.toThrow(/FOREIGN KEY constraint failed/);
      expect(await store.all(sql`SELECT (SELECT count(*) FROM user) AS users, (SELECT count(*) FROM orgs) AS orgs`)).toEqual([{ users: 0, orgs: 0 }]);
      await store.batch([profile, BUMP_SEQ, insertOrg('o1'), member('o1', 'u1')]);
      expect(await store.all(sql`SELECT org_id, user_id, seq FROM org_members`)).toEqual([{ org_id: 'o1', user_id: 'u1', seq: 1 }]);
    }));

  it('keeps the user table a cache: two profiles may hold one email (no UNIQUE), unlike the D1 directory', () =>
    inObject('user-cache', async (storage) => {
      await migrateOrgObject(storage);
      const store = storeOf(storage, 'user-cache');
      await store.batch([
        sql`INSERT INTO user (id, name, email, updated_at) VALUES ('old', 'Ann', 'ann@example.com', 1)`,
        sql`INSERT INTO user (id, name, email, updated_at) VALUES ('new', 'Ann', 'ann@example.com', 2)`,
      ]);
      expect(await store.all(sql`SELECT count(*) AS n FROM user WHERE email = 'ann@example.com'`)).toEqual([{ n: 2 }]);
    }));

  it('object_meta holds one row at most, and an active object always has its space', () =>
    inObject('object-meta', async (storage) => {
      await migrateOrgObject(storage);
      const store = storeOf(storage, 'object-meta');
      const meta = (id: number, state: string, spaceId: string | null) =>
        sql`INSERT INTO object_meta (id, state, space_id, org_id, move_cursor) VALUES (${id}, ${state}, ${spaceId}, 'o1', NULL)`;
      await expect(store.batch([meta(1, 'active', null)])).rejects.toThrow(/CHECK constraint failed: object_meta_active_has_space/);
      await expect(store.batch([meta(1, 'd1', null)])).rejects.toThrow(/CHECK constraint failed: object_meta_state/);
      await store.batch([meta(1, 'moving', null)]);
      await expect(store.batch([meta(2, 'active', 'space')])).rejects.toThrow(/CHECK constraint failed: object_meta_one_row/);
      expect((await store.batch([sql`UPDATE object_meta SET state = 'active', space_id = 'space' WHERE id = 1`]))[0]?.changes).toBe(1);
    }));
});

/** One table's shape as SQLite reports it: columns (by name), indexes with their columns, foreign keys. */
type Exec = (query: string, ...params: string[]) => Promise<Record<string, unknown>[]>;
async function shapeOf(exec: Exec, table: string) {
  // By name, not position: D1 added idempotency_keys.claim with ALTER TABLE (last), the object's migration has it
  // in schema order. No statement depends on column order (every INSERT names its columns, no SELECT *).
  const columns = await exec('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY name', table);
  const indexes = await exec('SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name', table);
  for (const index of indexes) index.columns = (await exec('SELECT name FROM pragma_index_info(?) ORDER BY seqno', String(index.name))).map((c) => c.name);
  const foreignKeys = await exec('SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY "from"', table);
  return { columns, indexes, foreignKeys };
}

describe('the object schema against D1’s (env.DB, migrated by server/migrations)', () => {
  const d1Exec: Exec = async (query, ...params) => (await env.DB.prepare(query).bind(...params).all()).results;

  it('the shared tables have the same columns, indexes and foreign keys in both', () =>
    inObject('drift', async (storage) => {
      await migrateOrgObject(storage);
      const objectExec: Exec = async (query, ...params) => storage.sql.exec(query, ...params).toArray();
      for (const table of sharedTables) {
        const inD1 = await shapeOf(d1Exec, table);
        expect(inD1.columns.length, table).toBeGreaterThan(0);
        expect(await shapeOf(objectExec, table), table).toEqual(inD1);
      }
    }));

  it('the object’s user is a projection of D1’s: each of its columns exists there with the same type', () =>
    inObject('drift-user', async (storage) => {
      await migrateOrgObject(storage);
      const inD1 = new Map((await shapeOf(d1Exec, 'user')).columns.map((c) => [c.name, c.type]));
      const columns = storage.sql.exec<{ name: string; type: string }>('SELECT name, type FROM pragma_table_info(?)', 'user').toArray();
      expect(columns.map((c) => c.name).sort()).toEqual(['email', 'id', 'name', 'updated_at']);
      for (const column of columns) expect(inD1.get(column.name), column.name).toBe(column.type);
    }));
});
