import { sql } from 'drizzle-orm';
import type { SqlStore } from '../store/sql-store.js';

/**
 * The change sequence. Every write batch starts with BUMP_SEQ and stamps the rows it writes with `currentSeq`,
 * read back inside the same batch. D1 runs a batch as one transaction and transactions one at a time, so seq
 * order is commit order: a pull that has seen seq N can never later meet a commit with seq <= N.
 */
export const BUMP_SEQ = sql`UPDATE sync_meta SET value = value + 1 WHERE name = 'seq'`;
export const currentSeq = sql`(SELECT value FROM sync_meta WHERE name = 'seq')`;

export async function readMeta(store: SqlStore): Promise<{ seq: number; purgedSeq: number; serverHlc: string | null }> {
  const rows = await store.all<{ name: string; value: number; text: string | null }>(sql`SELECT name, value, text FROM sync_meta`);
  const byName = new Map(rows.map((r) => [r.name, r]));
  return {
    seq: byName.get('seq')?.value ?? 0,
    purgedSeq: byName.get('purged_seq')?.value ?? 0,
    serverHlc: byName.get('server_hlc')?.text ?? null,
  };
}
