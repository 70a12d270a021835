import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { ObjectSpace } from '../../sync/cursor-space.js';
import type { SqlStore, StatementResult } from '../sql-store.js';

// The dialect drizzle-orm/durable-sqlite compiles with: same SQL and parameter order as D1's async one.
const dialect = new SQLiteSyncDialect();

/**
 * A statement compiled with its bound values as D1 binds them, so no service can depend on which store it runs
 * on: `sql.exec` alone binds `true` as the text 'true' (D1: 1). (An `undefined` never reaches a binding: drizzle
 * compiles it to nothing, a syntax error on both stores.)
 */
function compile(query: SQL): { sql: string; params: unknown[] } {
  const compiled = dialect.sqlToQuery(query);
  return { sql: compiled.sql, params: compiled.params.map((value) => (typeof value === 'boolean' ? Number(value) : value)) };
}

/** The SqlStore inside an org object, in that object's own sequence space. */
export interface ObjectSqlStore extends SqlStore {
  readonly space: ObjectSpace;
}

/**
 * The org object's store over its SQLite storage (design section 2). Everything runs synchronously, inside the
 * call; the promises it returns are already settled. That is what lets a write in the object plan and commit
 * without any other event interleaving: awaiting a settled promise only yields to microtasks.
 * - `all`: one `sql.exec`, read to the end (`toArray`): exec runs only a statement's first step at once, so an
 *   error in a later row (a json() guard over several rows) would otherwise go unseen (spike finding 2).
 * - `batch`: one `transactionSync` over all statements. A throw anywhere rolls back every statement and rejects.
 *   Each statement's `changes` is `SELECT changes()` right after it, not the cursor's `rowsWritten` (which also
 *   counts every index entry written); a statement that wrote nothing (a SELECT, which leaves changes() at the
 *   previous write's count) reports 0, as D1 does.
 * - Bound values as D1 binds them (compile above).
 * - An empty batch touches no storage.
 */
export function objectSqlStore(storage: DurableObjectStorage, space: ObjectSpace): ObjectSqlStore {
  const exec = (query: SQL) => {
    const compiled = compile(query);
    return storage.sql.exec(compiled.sql, ...compiled.params);
  };
  const run = (query: SQL): StatementResult => {
    const cursor = exec(query);
    const rows = cursor.toArray();
    const changes = cursor.rowsWritten === 0 ? 0 : storage.sql.exec<{ n: number }>('SELECT changes() AS n').one().n;
    return { rows, changes };
  };
  return {
    space,
    all<T>(query: SQL): Promise<T[]> {
      try {
        return Promise.resolve(exec(query).toArray() as T[]);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    batch(queries) {
      if (queries.length === 0) return Promise.resolve([]);
      try {
        return Promise.resolve(storage.transactionSync(() => queries.map(run)));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
