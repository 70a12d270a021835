import { sql, type SQL } from 'drizzle-orm';
import type { Page, PageQuery } from '../../shared/index.js';
import type { Db } from '../env.js';
import { decodeCursor } from './cursor.js';
import { pageRowsAfter, toPage, type PageRow } from './page.js';
import { readMeta } from './seq.js';
import { runBatch } from '../db/batch.js';

/**
 * Runs one page of a collection. `select` must yield (item, seq, k) rows of the collection; this wraps it in
 * the keyset filter and order (pageRowsAfter), and reads the head of the change sequence in the same batch (one
 * transaction), so the page and the head agree.
 */
export async function runPage<T>(db: Db, tag: string, query: PageQuery, select: SQL, now: number): Promise<Page<T>> {
  const meta = await readMeta(db);
  const from = decodeCursor(query.cursor, tag, { purgedSeq: meta.purgedSeq, now });
  const [head, rows] = await runBatch(db, [
    sql`SELECT value FROM sync_meta WHERE name = 'seq'`,
    pageRowsAfter(select, from, query.limit),
  ]);
  return toPage<T>((rows?.results ?? []) as unknown as PageRow[], query.limit, tag, from, (head?.results[0]?.value as number) ?? 0, now);
}
