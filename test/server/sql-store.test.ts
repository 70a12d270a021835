import { env } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/d1';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as schema from '../../server/db/schema.js';
import type { Db } from '../../server/env.js';
import { asSqlStore, d1SqlStore } from '../../server/store/d1-sql-store.js';
import { sqlStoreContract } from './sql-store-contract.js';

const db = () => drizzle(env.DB, { schema }) as Db;

sqlStoreContract('d1', async (body) => body(d1SqlStore(db())));

describe('the D1 store', () => {
  it("is in the 'd1' space and wraps the database's binding", () => {
    const store = d1SqlStore(db());
    expect(store.space).toBe('d1');
    expect(store.d1).toBe(env.DB);
  });

  it('asSqlStore wraps a drizzle Db and passes a store through', async () => {
    const store = d1SqlStore(db());
    expect(asSqlStore(store)).toBe(store);
    const wrapped = asSqlStore(db());
    expect(wrapped.space).toBe('d1');
    expect(await wrapped.all<{ one: number }>(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });
});
