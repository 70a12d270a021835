import type { SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import type { Db } from '../env.js';

const dialect = new SQLiteAsyncDialect();

/**
 * Runs drizzle `sql` statements as ONE D1 batch (one transaction). Drizzle's own db.batch() cannot take raw
 * `db.run(sql)` / `db.all(sql)` queries with parameters (drizzle-orm 0.45: SQLiteRaw has no prepared `stmt`),
 * so the statements are compiled here and handed to the D1 binding directly.
 */
export async function runBatch<T = Record<string, unknown>>(db: Db, statements: readonly SQL[]): Promise<D1Result<T>[]> {
  if (statements.length === 0) return [];
  const d1 = db.$client;
  return d1.batch<T>(
    statements.map((statement) => {
      const query = dialect.sqlToQuery(statement);
      return d1.prepare(query.sql).bind(...query.params);
    }),
  );
}
