import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { d1SqlStore } from './d1-sql-store.js';
import type { SqlStore } from './sql-store.js';

/**
 * The store a request reads and writes through: the `store` variable (createSyncMiddleware's `context` sets it
 * beside `db`). A context that carries only `db` (an app's own context middleware from before the store, a
 * test's bare context) gets the D1 store over that `db`.
 */
export function requestStore(c: Pick<Context<AppEnv>, 'var'>): SqlStore {
  return (c.var as Partial<AppEnv['Variables']>).store ?? d1SqlStore(c.var.db);
}
