import type { SQL } from 'drizzle-orm';
import type { CursorSpace } from '../sync/cursor-space.js';

/** What one statement of a batch gave: the rows it returned, and the rows it changed (SQLite's changes()). */
export interface StatementResult {
  /** The rows the statement returned (none for a write without RETURNING). */
  rows: Record<string, unknown>[];
  /** Rows inserted, updated or deleted by the statement; meaningful for writes only. */
  changes: number;
}

/**
 * Where the sync tables live, as the services, commit, the pages, idempotency and the purge see them: drizzle
 * `sql` in, rows out. The SQL is plain SQLite (json_object, json_each, changes(), ON CONFLICT), so one service
 * runs on any store.
 *
 * Rules every implementation keeps (test/server/sql-store.test.ts is the contract):
 * - `batch` is one transaction: the statements run in order, and any statement that throws (a json() guard on a
 *   non-JSON string, a constraint) rolls back every statement of the batch, earlier ones included, and rejects.
 *   This is what makes a commit's effect and its stored response one.
 * - `changes` of a statement is the count of rows it inserted, updated or deleted (not index entries).
 * - An empty batch reaches no database and answers [].
 */
export interface SqlStore {
  /** The sequence space of this store's seqs, for the cursors it issues and accepts. */
  readonly space: CursorSpace;
  /** One statement; its rows. */
  all<T>(query: SQL): Promise<T[]>;
  /** The statements as one transaction; one result per statement, in order. */
  batch(queries: readonly SQL[]): Promise<StatementResult[]>;
}
