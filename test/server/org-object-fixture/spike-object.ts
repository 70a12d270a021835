import { DurableObject } from 'cloudflare:workers';
import { count, eq, sql } from 'drizzle-orm';
import { drizzle, type DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { isolateMarker } from './isolate-marker.js';
import bundle from './migrations.gen.js';
import * as schema from './schema.js';
import { items, meta } from './schema.js';

/**
 * The issue-19 spike object (design section 8 step 1), kept for the regression tests that pin the platform
 * facts the per-org Durable Object storage relies on: test/server/org-object-storage.test.ts (under
 * vitest-pool-workers, bound as SPIKE_OBJECT through test/server/workers-main.ts) and
 * test/client/org-object-durability.integration.test.ts (under wrangler dev, through ./worker.ts). Never deployed.
 *
 * Its shape is the one the design gives the org object: drizzle `drizzle-orm/durable-sqlite` on sqlite-core
 * tables, drizzle-kit's migrations bundle with the SQL inlined (migrations.gen.ts) run by `migrate` in the
 * constructor under `blockConcurrencyWhile`, every write one `ctx.storage.transactionSync` with no await inside,
 * results returned as data.
 */

/** What an RPC answers: data, because RPC keeps only `name` and `message` of a thrown error (see the tests). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** The thrown error's own properties, as a service would set them (HttpError: status, code, details). */
export class SpikeError extends Error {
  override name = 'SpikeError';
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

function fail(error: unknown, code: string): Result<never> {
  return { ok: false, error: { code, message: error instanceof Error ? error.message : String(error) } };
}

/** Busy work that cannot be optimised away: keeps a transaction open long enough for a kill to land inside. */
function spin(iterations: number): number {
  let h = 0;
  for (let i = 0; i < iterations; i++) h = (Math.imul(h, 31) + i) | 0;
  return h;
}

export class SpikeObject extends DurableObject {
  readonly db: DrizzleSqliteDODatabase<typeof schema>;
  /** How many times this instance's constructor ran migrate (1 per instance; a restart constructs anew). */
  private migrateRuns = 0;
  private alarms = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.db = drizzle(ctx.storage, { schema });
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(this.db, bundle);
      this.migrateRuns++;
    });
  }

  /** The schema as the constructor left it: every table in sqlite_master, applied migrations, the seq row. */
  describe(): { tables: string[]; migrations: number; seq: number | undefined; migrateRuns: number } {
    const tables = this.db
      .all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .map((r) => r.name);
    const migrations = this.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM __drizzle_migrations`)?.n ?? 0;
    const seq = this.db.select({ seq: meta.seq }).from(meta).where(eq(meta.id, 1)).get()?.seq;
    return { tables, migrations, seq, migrateRuns: this.migrateRuns };
  }

  /**
   * Inserts `ids` (drizzle's sync `.run()`), bumps the seq, then optionally fails in the middle of the same
   * `transactionSync`: `json` runs `SELECT json('x')` (the D1 batches' guard), `constraint` inserts the first id
   * again (PRIMARY KEY violation). Returns data either way.
   */
  writeItems(ids: string[], failWith?: 'json' | 'constraint'): Result<{ seq: number }> {
    try {
      return {
        ok: true,
        value: this.ctx.storage.transactionSync(() => {
          for (const [i, id] of ids.entries()) {
            this.db.insert(items).values({ id, batch: 'write-items' }).run();
            if (i === 0 && failWith === 'json') this.db.all(sql`SELECT json('x')`);
            if (i === 0 && failWith === 'constraint') this.db.insert(items).values({ id, batch: 'again' }).run();
          }
          this.db.update(meta).set({ seq: sql`${meta.seq} + 1` }).where(eq(meta.id, 1)).run();
          return { seq: this.db.select({ seq: meta.seq }).from(meta).where(eq(meta.id, 1)).get()!.seq };
        }),
      };
    } catch (error) {
      return fail(error, failWith === 'constraint' ? 'CONSTRAINT' : 'GUARD');
    }
  }

  itemIds(): string[] {
    return this.db.select({ id: items.id }).from(items).orderBy(items.id).all().map((r) => r.id);
  }

  /**
   * One transactionSync as commit's are: a seq bump, a guarded UPDATE (`n = expect`), then what `changes()` says
   * right after it and after an unrelated SELECT; with `guard`, the D1 batches' json() guard on `changes()`
   * (0 rows → the transaction throws, so the earlier seq bump rolls back); last, a statement guarded inline by
   * `AND changes() > 0` (moveHeads' afterGuard form).
   */
  guardedUpdate(
    id: string,
    expect: number,
    guard: boolean,
  ): Result<{ changes: number; changesAfterSelect: number; seqBumpedInline: boolean; seq: number }> {
    const seqNow = () => this.db.select({ seq: meta.seq }).from(meta).where(eq(meta.id, 1)).get()!.seq;
    try {
      return {
        ok: true,
        value: this.ctx.storage.transactionSync(() => {
          this.db.update(meta).set({ seq: sql`${meta.seq} + 1` }).where(eq(meta.id, 1)).run();
          this.db.run(sql`UPDATE items SET n = n + 1 WHERE id = ${id} AND n = ${expect}`);
          const changes = this.db.get<{ n: number }>(sql`SELECT changes() AS n`)!.n;
          this.db.all(sql`SELECT count(*) FROM items`);
          const changesAfterSelect = this.db.get<{ n: number }>(sql`SELECT changes() AS n`)!.n;
          if (guard) this.db.all(sql`SELECT json(CASE WHEN changes() > 0 THEN '1' ELSE 'guard failed' END)`);
          const before = seqNow();
          this.db.run(sql`UPDATE meta SET seq = seq + 1 WHERE id = 1 AND changes() > 0`);
          const seq = seqNow();
          return { changes, changesAfterSelect, seqBumpedInline: seq === before + 1, seq };
        }),
      };
    } catch (error) {
      return fail(error, 'GUARD');
    }
  }

  seq(): number {
    return this.db.select({ seq: meta.seq }).from(meta).where(eq(meta.id, 1)).get()!.seq;
  }

  /** `rowsWritten` against `changes()` for an UPDATE of the indexed `batch` column (one row). */
  updateRowsWritten(id: string): { rowsWritten: number; changes: number } {
    return this.ctx.storage.transactionSync(() => {
      const cursor = this.ctx.storage.sql.exec('UPDATE items SET batch = ? WHERE id = ?', 'rows-written-updated', id);
      cursor.toArray();
      const changes = this.ctx.storage.sql.exec<{ n: number }>('SELECT changes() AS n').one().n;
      return { rowsWritten: cursor.rowsWritten, changes };
    });
  }

  /** How many rows an INSERT reports through `rowsWritten` on a table with one secondary index. */
  insertRowsWritten(id: string): { rowsWritten: number; changes: number } {
    return this.ctx.storage.transactionSync(() => {
      const cursor = this.ctx.storage.sql.exec('INSERT INTO items (id, batch) VALUES (?, ?)', id, 'rows-written');
      cursor.toArray();
      const changes = this.ctx.storage.sql.exec<{ n: number }>('SELECT changes() AS n').one().n;
      return { rowsWritten: cursor.rowsWritten, changes };
    });
  }

  /**
   * When `sql.exec` runs its statement: an INSERT whose cursor is never read, a failing SELECT whose error is in
   * its first row, and one whose error is only in its second row (drizzle's `.run()` never reads the cursor).
   */
  execLaziness(id: string): { insertWithoutReading: boolean; firstRowErrorAtExec: boolean; secondRowErrorAtExec: boolean; secondRowErrorOnRead: boolean } {
    this.ctx.storage.sql.exec('INSERT INTO items (id, batch) VALUES (?, ?)', id, 'lazy');
    const insertWithoutReading = this.ctx.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM items WHERE id = ?', id).one().n === 1;
    let firstRowErrorAtExec = false;
    try {
      this.ctx.storage.sql.exec("SELECT json('x')");
    } catch {
      firstRowErrorAtExec = true;
    }
    let secondRowErrorAtExec = false;
    let secondRowErrorOnRead = false;
    let cursor: SqlStorageCursor<Record<string, SqlStorageValue>> | undefined;
    try {
      cursor = this.ctx.storage.sql.exec("SELECT json(v) AS j FROM (SELECT '1' AS v UNION ALL SELECT 'x')");
    } catch {
      secondRowErrorAtExec = true;
    }
    if (cursor) {
      try {
        cursor.toArray();
      } catch {
        secondRowErrorOnRead = true;
      }
    }
    return { insertWithoutReading, firstRowErrorAtExec, secondRowErrorAtExec, secondRowErrorOnRead };
  }

  /** Throws an error carrying own properties, as a service's HttpError does. */
  throwRich(): void {
    throw new SpikeError('org moved', 'RATE_LIMITED', 429, { retryAfter: 1 });
  }

  /** A write, then `setAlarm` right after its transactionSync (the design's outbox pattern). */
  async writeThenAlarm(id: string, delayMs: number): Promise<{ alarm: number | null }> {
    this.ctx.storage.transactionSync(() => {
      this.db.insert(items).values({ id, batch: 'alarm' }).run();
    });
    await this.ctx.storage.setAlarm(Date.now() + delayMs);
    return { alarm: await this.ctx.storage.getAlarm() };
  }

  /**
   * `setAlarm` called (not awaited: transactionSync takes no promise) inside a transactionSync that then commits
   * or throws: does the alarm commit and roll back with the rows?
   */
  async alarmInsideTransaction(id: string, at: number, commit: boolean): Promise<{ threw: string | null; alarm: number | null; rowKept: boolean }> {
    let threw: string | null = null;
    try {
      this.ctx.storage.transactionSync(() => {
        this.db.insert(items).values({ id, batch: 'alarm-in-transaction' }).run();
        void this.ctx.storage.setAlarm(at);
        if (!commit) throw new Error('roll back');
      });
    } catch (error) {
      threw = error instanceof Error ? error.message : String(error);
    }
    const rowKept = this.db.select({ n: count() }).from(items).where(eq(items.id, id)).get()!.n === 1;
    return { threw, alarm: await this.ctx.storage.getAlarm(), rowKept };
  }

  async getAlarm(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  async deleteAlarm(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
  }

  override async alarm(): Promise<void> {
    this.alarms++;
    this.ctx.storage.transactionSync(() => {
      this.db.insert(items).values({ id: `alarm-ran-${this.alarms}`, batch: 'alarm-ran' }).run();
    });
  }

  /** `PRAGMA foreign_keys` as the object sees it, and whether an orphan child row is refused. */
  foreignKeys(): { pragma: unknown; orphanInsert: string } {
    const pragma = this.ctx.storage.sql.exec('PRAGMA foreign_keys').toArray()[0];
    let orphanInsert = 'accepted';
    try {
      this.ctx.storage.transactionSync(() => {
        this.ctx.storage.sql.exec('INSERT INTO item_notes (id, item_id, body) VALUES (1, ?, ?)', 'no-such-item', 'orphan');
      });
    } catch (error) {
      orphanInsert = error instanceof Error ? error.message : String(error);
    }
    this.ctx.storage.sql.exec('DELETE FROM item_notes');
    return { pragma, orphanInsert };
  }

  /** `n` single-row transactions, bare `sql.exec` (the floor the design's bench compares against). */
  benchInserts(prefix: string, n: number): number {
    for (let i = 0; i < n; i++) {
      this.ctx.storage.transactionSync(() => {
        this.ctx.storage.sql.exec('INSERT INTO items (id, batch) VALUES (?, ?)', `${prefix}-${i}`, 'bench');
      });
    }
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM items WHERE batch = ?', 'bench').one().n;
  }

  /** The same through drizzle's query builder (sync `.run()`), for the cost of drizzle over bare exec. */
  benchDrizzleInserts(prefix: string, n: number): number {
    for (let i = 0; i < n; i++) {
      this.db.transaction((tx) => {
        tx.insert(items).values({ id: `${prefix}-drizzle-${i}`, batch: 'bench-drizzle' }).run();
      });
    }
    return this.db.select({ n: count() }).from(items).where(eq(items.batch, 'bench-drizzle')).get()!.n;
  }

  /**
   * The same through the design's object SqlStore path: a drizzle `sql` template compiled by SQLiteSyncDialect's
   * `sqlToQuery`, then bare `sql.exec` (no query builder).
   */
  benchDialectInserts(prefix: string, n: number): number {
    const dialect = new SQLiteSyncDialect();
    for (let i = 0; i < n; i++) {
      this.ctx.storage.transactionSync(() => {
        const q = dialect.sqlToQuery(sql`INSERT INTO items (id, batch) VALUES (${`${prefix}-dialect-${i}`}, ${'bench-dialect'})`);
        this.ctx.storage.sql.exec(q.sql, ...q.params);
      });
    }
    return this.db.select({ n: count() }).from(items).where(eq(items.batch, 'bench-dialect')).get()!.n;
  }

  ping(): number {
    return 1;
  }

  /** The module-level marker as this object's isolate sees it (compared with the Worker's). */
  isolateMarker(): string {
    return isolateMarker();
  }

  /**
   * The durability write: two rows `<k>:a` and `<k>:b` in one transactionSync, busy work between them so that a
   * SIGKILL can land inside the transaction, and the seq bump.
   */
  writePair(k: string, spinIterations: number): Result<{ seq: number }> {
    try {
      return {
        ok: true,
        value: this.ctx.storage.transactionSync(() => {
          this.db.insert(items).values({ id: `${k}:a`, batch: k }).run();
          const h = spin(spinIterations);
          this.db.insert(items).values({ id: `${k}:b`, batch: k, n: h & 1 }).run();
          this.db.update(meta).set({ seq: sql`${meta.seq} + 1` }).where(eq(meta.id, 1)).run();
          return { seq: this.db.select({ seq: meta.seq }).from(meta).where(eq(meta.id, 1)).get()!.seq };
        }),
      };
    } catch (error) {
      return fail(error, 'WRITE_FAILED');
    }
  }

  /** Every durability write's rows, grouped: `{ batch, rows }`. */
  pairs(): { batch: string; rows: number }[] {
    return this.db.all<{ batch: string; rows: number }>(sql`SELECT batch, count(*) AS rows FROM items GROUP BY batch ORDER BY batch`);
  }
}

/**
 * An object that never runs a migration: its constructor touches no storage, and `read()` only reads. Used to
 * see whether an object that never wrote leaves anything in storage (a request for a random org id must not).
 */
export class SpikeBareObject extends DurableObject {
  /** Only reads: the tables in sqlite_master (none of its own, ever). */
  read(): string[] {
    return this.ctx.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .toArray()
      .map((r) => r.name);
  }

  ping(): number {
    return 1;
  }
}
