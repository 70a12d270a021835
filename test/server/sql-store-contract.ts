import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { SqlStore } from '../../server/store/sql-store.js';

/**
 * Runs `body` against a store of the implementation under test. A runner, not a factory: a Durable Object's
 * store is only usable inside the object (runInDurableObject), so the cases run where the store lives.
 */
export type WithStore = (body: (store: SqlStore) => Promise<void>) => Promise<void>;

const TABLE = sql`sql_store_contract`;
const createTable = sql`CREATE TABLE IF NOT EXISTS sql_store_contract (id TEXT PRIMARY KEY, grp TEXT NOT NULL, n INTEGER NOT NULL, note TEXT)`;
// An index on the updated column: a row update then also writes index entries, which `changes` must not count.
const createIndex = sql`CREATE INDEX IF NOT EXISTS sql_store_contract_n ON sql_store_contract (grp, n)`;

/** Fresh ids per case, so cases share the table without seeing each other's rows. */
const group = () => crypto.randomUUID();

const countIn = async (store: SqlStore, grp: string) =>
  (await store.all<{ n: number }>(sql`SELECT COUNT(*) AS n FROM ${TABLE} WHERE grp = ${grp}`))[0]?.n;

/**
 * The SqlStore contract (server/store/sql-store.ts): what commit, the pages, idempotency and the purge rely on.
 * One suite, run against each implementation (DESIGN section 8): test/server/sql-store.test.ts for D1.
 */
export function sqlStoreContract(name: string, withStore: WithStore): void {
  describe(`SqlStore contract: ${name}`, () => {
    const run = (body: (store: SqlStore) => Promise<void>) =>
      withStore(async (store) => {
        await store.batch([createTable, createIndex]);
        await body(store);
      });

    it('names its sequence space', () =>
      run(async (store) => {
        expect(typeof store.space).toBe('string');
        expect(store.space.length).toBeGreaterThan(0);
      }));

    it('all answers the rows of a query, with its bound values (text, integer, null) as they went in', () =>
      run(async (store) => {
        const g = group();
        await store.batch([sql`INSERT INTO ${TABLE} (id, grp, n, note) VALUES (${`${g}-a`}, ${g}, ${7}, ${null}), (${`${g}-b`}, ${g}, ${-3}, ${"it's"})`]);
        const rows = await store.all<{ id: string; n: number; note: string | null }>(sql`SELECT id, n, note FROM ${TABLE} WHERE grp = ${g} ORDER BY id`);
        expect(rows).toEqual([
          { id: `${g}-a`, n: 7, note: null },
          { id: `${g}-b`, n: -3, note: "it's" },
        ]);
        expect(await store.all(sql`SELECT id FROM ${TABLE} WHERE grp = ${group()}`)).toEqual([]);
      }));

    it('binds a boolean as D1 does, as 1 or 0 (DO SQLite on its own would bind the text \'true\')', () =>
      run(async (store) => {
        expect(await store.all(sql`SELECT ${true} = 1 AS yes, ${false} = 0 AS no, typeof(${true}) IN ('integer', 'real') AS numeric`)).toEqual([
          { yes: 1, no: 1, numeric: 1 },
        ]);
      }));

    it('refuses an undefined value (a bug, not a NULL: drizzle compiles it to nothing) in all and in batch; the batch writes nothing', () =>
      run(async (store) => {
        const g = group();
        await expect(store.all(sql`SELECT ${undefined} AS v`)).rejects.toThrow();
        await expect(
          store.batch([sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${g}, ${g}, 1)`, sql`UPDATE ${TABLE} SET note = ${undefined} WHERE id = ${g}`]),
        ).rejects.toThrow();
        expect(await countIn(store, g)).toBe(0);
      }));

    it('all runs a write too (the idempotency record is settled that way), answering no rows', () =>
      run(async (store) => {
        const g = group();
        expect(await store.all(sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${g}, ${g}, 1)`)).toEqual([]);
        expect(await store.all(sql`UPDATE ${TABLE} SET n = 2 WHERE id = ${g}`)).toEqual([]);
        expect(await store.all<{ n: number }>(sql`SELECT n FROM ${TABLE} WHERE id = ${g}`)).toEqual([{ n: 2 }]);
      }));

    it('batch answers one result per statement, in order; later statements see the earlier ones’ writes', () =>
      run(async (store) => {
        const g = group();
        const results = await store.batch([
          sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-1`}, ${g}, 1), (${`${g}-2`}, ${g}, 2), (${`${g}-3`}, ${g}, 3)`,
          sql`SELECT COUNT(*) AS n FROM ${TABLE} WHERE grp = ${g}`,
          sql`DELETE FROM ${TABLE} WHERE id = ${`${g}-3`}`,
          sql`SELECT id FROM ${TABLE} WHERE grp = ${g} ORDER BY id`,
        ]);
        expect(results).toHaveLength(4);
        expect(results[0]?.changes).toBe(3);
        expect(results[1]?.rows).toEqual([{ n: 3 }]);
        expect(results[2]?.changes).toBe(1);
        expect(results[3]?.rows).toEqual([{ id: `${g}-1` }, { id: `${g}-2` }]);
      }));

    it('changes counts the rows an UPDATE changed (0 when its guard matched none), not index entries', () =>
      run(async (store) => {
        const g = group();
        await store.batch([sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-1`}, ${g}, 1), (${`${g}-2`}, ${g}, 1), (${`${g}-3`}, ${g}, 2)`]);
        const [two, none] = await store.batch([
          sql`UPDATE ${TABLE} SET n = n + 10, note = 'bumped' WHERE grp = ${g} AND n = 1`,
          sql`UPDATE ${TABLE} SET n = 0 WHERE grp = ${g} AND n = 99`,
        ]);
        expect(two?.changes).toBe(2);
        expect(none?.changes).toBe(0);
      }));

    it('a read reports 0 changes, also right after a write in the same batch (changes() is not reset by a SELECT)', () =>
      run(async (store) => {
        const g = group();
        const [write, count, sorted] = await store.batch([
          sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-1`}, ${g}, 2), (${`${g}-2`}, ${g}, 1)`,
          sql`SELECT COUNT(*) AS n FROM ${TABLE} WHERE grp = ${g}`,
          // ORDER BY an unindexed column: SQLite sorts in a temporary b-tree, which is no write either.
          sql`SELECT id FROM ${TABLE} WHERE grp = ${g} ORDER BY note, id`,
        ]);
        expect([write?.changes, count?.changes, sorted?.changes]).toEqual([2, 0, 0]);
      }));

    it('changes() inside a statement reads the statement before it in the batch (commit’s guarded response)', () =>
      run(async (store) => {
        const g = group();
        await store.batch([sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-guarded`}, ${g}, 1), (${`${g}-flag`}, ${g}, 0)`]);
        const guardedThen = (version: number) => [
          sql`UPDATE ${TABLE} SET n = n + 1 WHERE id = ${`${g}-guarded`} AND n = ${version}`,
          sql`UPDATE ${TABLE} SET n = n + 1 WHERE id = ${`${g}-flag`} AND changes() > 0`,
        ];
        const [stale, skipped] = await store.batch(guardedThen(5));
        expect([stale?.changes, skipped?.changes]).toEqual([0, 0]);
        const [fresh, followed] = await store.batch(guardedThen(1));
        expect([fresh?.changes, followed?.changes]).toEqual([1, 1]);
        expect(await store.all(sql`SELECT id, n FROM ${TABLE} WHERE grp = ${g} ORDER BY id`)).toEqual([
          { id: `${g}-flag`, n: 1 },
          { id: `${g}-guarded`, n: 2 },
        ]);
      }));

    it('batch is all or nothing: a failing json() guard rolls back the statements before it, and rejects', () =>
      run(async (store) => {
        const g = group();
        await store.batch([sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-kept`}, ${g}, 1)`]);
        await expect(
          store.batch([
            sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-new`}, ${g}, 1)`,
            sql`UPDATE ${TABLE} SET n = 50 WHERE id = ${`${g}-kept`}`,
            sql`SELECT json(CASE WHEN 1 = 0 THEN '1' ELSE 'claim lost' END)`,
            sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-after`}, ${g}, 1)`,
          ]),
        ).rejects.toThrow();
        expect(await store.all(sql`SELECT id, n FROM ${TABLE} WHERE grp = ${g}`)).toEqual([{ id: `${g}-kept`, n: 1 }]);
      }));

    it('a passing json() guard lets the batch commit', () =>
      run(async (store) => {
        const g = group();
        const results = await store.batch([
          sql`SELECT json(CASE WHEN 1 = 1 THEN '1' ELSE 'claim lost' END)`,
          sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${g}, ${g}, 1)`,
        ]);
        expect(results[1]?.changes).toBe(1);
        expect(await countIn(store, g)).toBe(1);
      }));

    it('batch is all or nothing on a constraint failure too, and the store takes the next batch', () =>
      run(async (store) => {
        const g = group();
        await expect(
          store.batch([
            sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-1`}, ${g}, 1)`,
            sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-1`}, ${g}, 2)`,
          ]),
        ).rejects.toThrow();
        expect(await countIn(store, g)).toBe(0);
        await store.batch([sql`INSERT INTO ${TABLE} (id, grp, n) VALUES (${`${g}-1`}, ${g}, 3)`]);
        expect(await store.all(sql`SELECT n FROM ${TABLE} WHERE grp = ${g}`)).toEqual([{ n: 3 }]);
      }));

    it('an empty batch answers no results', () =>
      run(async (store) => {
        expect(await store.batch([])).toEqual([]);
      }));
  });
}
