import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import bundle from './migrations.gen.js';

/** The table drizzle's migrator keeps its journal in: present exactly when migrate has run (it is created in the same transaction). */
const MIGRATIONS_TABLE = '__drizzle_migrations';

/**
 * Brings an org object's storage to the current schema (./schema.ts, through migrations.gen.ts): drizzle's
 * durable-sqlite `migrate`, which runs every pending migration in one `transactionSync` (all or none) and skips
 * those already applied, so a second run, or a new instance on the same storage, applies nothing twice.
 *
 * Only for an object that holds (or is about to hold) an org: the constructor migrates an initialized object,
 * createOrg and a move migrate before their first write. An object addressed for an org nobody created never
 * migrates, so it gets no tables.
 */
export async function migrateOrgObject(storage: DurableObjectStorage): Promise<void> {
  await migrate(drizzle(storage), bundle);
}

/**
 * Whether migrateOrgObject ever ran on this storage: reads sqlite_master only, creates nothing. It looks for the
 * migrator's own table, not for "any table": storage can hold tables this schema never made (wrangler dev's
 * miniflare adds `__miniflare_do_name` to every object addressed by name, spike finding 3).
 */
export function isInitialized(storage: DurableObjectStorage): boolean {
  return storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", MIGRATIONS_TABLE).toArray().length > 0;
}
