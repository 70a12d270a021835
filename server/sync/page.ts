import type { Page } from '../../shared/index.js';
import { encodeCursor, type CursorPosition } from './cursor.js';

/** A row of a page query: the item as JSON text (built by SQLite's json_object) and its keyset position. */
export interface PageRow {
  item: string;
  seq: number;
  k: string;
}

/**
 * Turns `limit + 1` rows, ordered by (seq, k), into a page. nextCursor is always present. On the last page it
 * moves up to `headSeq`, the change sequence read in the same transaction as the rows: every later commit has
 * a higher seq, so nothing is skipped, and a quiet collection's cursor keeps up with the global sequence
 * instead of falling behind the tombstone purge watermark.
 */
export function toPage<T>(
  rows: readonly PageRow[],
  limit: number,
  tag: string,
  from: CursorPosition,
  headSeq: number,
  now: number,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  let position = last ? { seq: last.seq, key: last.k } : from;
  if (!hasMore && headSeq > position.seq) position = { seq: headSeq, key: '' };
  return {
    items: pageRows.map((r) => JSON.parse(r.item) as T),
    nextCursor: encodeCursor(tag, position, now),
    hasMore,
    serverTime: now,
  };
}
