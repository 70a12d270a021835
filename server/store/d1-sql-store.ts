import type { SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import type { Db } from '../env.js';
import { D1_SPACE } from '../sync/cursor-space.js';
import type { SqlStore } from './sql-store.js';

const dialect = new SQLiteAsyncDialect();

/** The SqlStore over a D1 database, and the binding it wraps (what per-database memory is keyed on). */
export interface D1SqlStore extends SqlStore {
  /** D1's one change sequence (`sync_meta.seq`). */
  readonly space: 'd1';
  /** The binding the store runs on: a new store per request wraps the same one. */
  readonly d1: D1Database;
}

/**
 * The D1 store: `all` is drizzle's `db.all` (one D1 call), `batch` one `d1.batch` (one D1 call; D1 runs a batch
 * as one transaction, so a throw rolls back all). Drizzle's own db.batch() cannot take raw `sql` queries with
 * parameters (drizzle-orm 0.45: SQLiteRaw has no prepared `stmt`), so a batch's statements are compiled here and
 * handed to the binding directly.
 */
export function d1SqlStore(db: Db): D1SqlStore {
  const d1 = db.$client;
  return {
    space: D1_SPACE,
    d1,
    all: <T>(query: SQL) => db.all<T>(query),
    async batch(queries) {
      if (queries.length === 0) return [];
      const results = await d1.batch<Record<string, unknown>>(
        queries.map((query) => {
          const compiled = dialect.sqlToQuery(query);
          return d1.prepare(compiled.sql).bind(...compiled.params);
        }),
      );
      return results.map((result) => ({ rows: result.results, changes: result.meta.changes }));
    },
  };
}

/**
 * A store, or a drizzle D1 `Db` (what the exported pieces took before the store existed) wrapped as the D1
 * store: so an app's `purgeExpired(drizzle(env.DB, { schema }), …)` keeps working.
 */
export function asSqlStore(source: SqlStore | Db): SqlStore {
  return '$client' in source ? d1SqlStore(source) : source;
}
