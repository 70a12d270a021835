import { sql, type SQL } from 'drizzle-orm';
import { utf8ByteLength, type Page } from '../../shared/index.js';
import { encodeCursor, type CursorPosition } from './cursor.js';
import type { CursorSpace } from './cursor-space.js';

/** A row of a page query: the item as JSON text (built by SQLite's json_object) and its keyset position. */
export interface PageRow {
  item: string;
  seq: number;
  k: string;
}

/**
 * The query for one page of a collection: `select` must yield (item, seq, k) rows of it; this keeps the rows
 * past `from` in keyset order, `limit + 1` of them so that toPage can tell whether more wait.
 */
export const pageRowsAfter = (select: SQL, from: CursorPosition, limit: number): SQL =>
  sql`SELECT item, seq, k FROM (${select}) AS page
      WHERE seq > ${from.seq} OR (seq = ${from.seq} AND k > ${from.key})
      ORDER BY seq, k
      LIMIT ${limit + 1}`;

export interface PageOptions {
  /**
   * A UTF-8 byte budget for the page's items, counted on each row's item text (an upper bound of what the item
   * costs in a response). The page ends before the row that would pass it, with `hasMore`; the first row always
   * travels, so a page makes progress whatever one row weighs.
   */
  readonly maxBytes?: number;
  /**
   * The sequence space of `headSeq` and the rows' seqs (the store's `space`), written into the next cursor.
   * Default `d1`: a page read from any other store must pass its space, or its cursors answer 410 on return.
   */
  readonly space?: CursorSpace;
}

/**
 * Turns `limit + 1` rows, ordered by (seq, k), into a page of at most `limit` rows (fewer when a byte budget
 * runs out first). nextCursor is always present. On the last page it moves up to `headSeq`, the change
 * sequence read in the same transaction as the rows: every later commit has a higher seq, so nothing is
 * skipped, and a quiet collection's cursor keeps up with the global sequence instead of falling behind the
 * tombstone purge watermark. Every cursor also carries `headSeq` as its epoch (see DecodedCursor).
 */
export function toPage<T>(
  rows: readonly PageRow[],
  limit: number,
  tag: string,
  from: CursorPosition,
  headSeq: number,
  now: number,
  options: PageOptions = {},
): Page<T> {
  const taken = budgetedCount(rows.slice(0, limit), options.maxBytes);
  const hasMore = rows.length > taken;
  const pageRows = rows.slice(0, taken);
  const last = pageRows[pageRows.length - 1];
  let position = last ? { seq: last.seq, key: last.k } : from;
  if (!hasMore && headSeq > position.seq) position = { seq: headSeq, key: '' };
  return {
    items: pageRows.map((r) => JSON.parse(r.item) as T),
    nextCursor: encodeCursor(tag, position, now, headSeq, options.space),
    hasMore,
    serverTime: now,
  };
}

/** How many leading rows fit the byte budget (at least one). */
function budgetedCount(rows: readonly PageRow[], maxBytes: number | undefined): number {
  if (maxBytes === undefined) return rows.length;
  let bytes = 0;
  for (const [i, row] of rows.entries()) {
    bytes += utf8ByteLength(row.item);
    if (bytes > maxBytes) return Math.max(1, i);
  }
  return rows.length;
}
