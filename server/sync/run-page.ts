import { sql, type SQL } from 'drizzle-orm';
import type { Page, PageQuery } from '../../shared/index.js';
import type { Db } from '../env.js';
import { asSqlStore } from '../store/d1-sql-store.js';
import type { SqlStore } from '../store/sql-store.js';
import { decodeCursor } from './cursor.js';
import { pageRowsAfter, toPage, type PageRow } from './page.js';
import { readMeta } from './seq.js';
import { HttpError } from '../http/http-error.js';

/**
 * When a collection's visible set depends on the caller's own rows (their role, their memberships), a change of
 * those rows voids older cursors: rows that became visible sit behind the cursor, and rows that stopped being
 * visible must not come back as tombstones to someone who never saw them. `seq` is a SQL scalar: the seq of the
 * caller's latest such change. A cursor before it is 410 CURSOR_EXPIRED with `message` (the client resyncs
 * the collection from scratch, which returns exactly what is visible).
 */
export interface CursorExpiry {
  readonly seq: SQL;
  readonly message: string;
}

/**
 * Runs one page of a collection. `select` must yield (item, seq, k) rows of the collection; this wraps it in
 * the keyset filter and order (pageRowsAfter), and reads the head of the change sequence (and `expiry`'s seq)
 * in the same batch (one transaction), so the page, the head and the visibility check all agree. A drizzle `Db`
 * is read as the D1 store (asSqlStore).
 */
export async function runPage<T>(source: SqlStore | Db, tag: string, query: PageQuery, select: SQL, now: number, expiry?: CursorExpiry): Promise<Page<T>> {
  const store = asSqlStore(source);
  const meta = await readMeta(store);
  const from = decodeCursor(query.cursor, tag, { purgedSeq: meta.purgedSeq, now }, store.space);
  const [head, rows, expired] = await store.batch([
    sql`SELECT value FROM sync_meta WHERE name = 'seq'`,
    pageRowsAfter(select, from, query.limit),
    ...(expiry && query.cursor !== undefined ? [sql`SELECT COALESCE((${expiry.seq}), 0) AS value`] : []),
  ]);
  if (expiry && ((expired?.rows[0]?.value as number | undefined) ?? 0) > from.epoch) {
    throw new HttpError('CURSOR_EXPIRED', expiry.message);
  }
  return toPage<T>((rows?.rows ?? []) as unknown as PageRow[], query.limit, tag, from, (head?.rows[0]?.value as number) ?? 0, now, {
    space: store.space,
  });
}
