import { deliverDirectory, deliveryPending } from './directory-outbox.js';
import { migrateOrgObject } from './migrate-org-object.js';
import { heldOrgOf, objectSeq } from './object-state.js';

/** What a move did: `moved` (copied now), `already` (the object held the org), `not_found` (no such org in D1). */
export interface MoveResult {
  readonly result: 'moved' | 'already' | 'not_found';
  /** Rows copied per table (a move that copied nothing: empty). */
  readonly copied: Record<string, number>;
}

type Row = Record<string, unknown>;

/** The org's rows in D1, read as one batch (one transaction: one consistent snapshot). */
function readsOf(orgId: string, now: number): [string, string, unknown[]][] {
  return [
    ['orgs', 'SELECT * FROM orgs WHERE id = ?', [orgId]],
    ['user', 'SELECT id, name, email, updated_at FROM user WHERE id IN (SELECT user_id FROM org_members WHERE org_id = ?)', [orgId]],
    ['org_members', 'SELECT * FROM org_members WHERE org_id = ?', [orgId]],
    ['projects', 'SELECT * FROM projects WHERE org_id = ?', [orgId]],
    ['project_members', 'SELECT * FROM project_members WHERE org_id = ?', [orgId]],
    ['settings', "SELECT * FROM settings WHERE scope = 'org' AND scope_id = ?", [orgId]],
    ['idempotency_keys', "SELECT * FROM idempotency_keys WHERE org_id = ? AND state = 'done' AND expires_at > ?", [orgId, now]],
  ];
}

/**
 * Moves one org from D1 into this (its) object (design section 5), run inside the object:
 *
 *   d1 ──fence: orgs.storage = 'moving'──▶ moving ──copy: D1 snapshot → one transactionSync──▶ active here
 *      ──deliver: orgs.storage = 'object' in D1 (and every head moved)──▶ object
 *
 * While `moving`, the Worker serves the org's reads from D1 (no write can land there: routing refuses writes,
 * and a write routed just before the fence fails its commit's fence check) and answers writes "retry". The
 * copy takes every row of the org, its members' profiles and its members' unexpired idempotency records (a
 * write answered before the move and retried after replays here), and continues D1's sequence and server clock.
 * Every head moves, so every member's next pass pulls each collection; their cursors are D1's (another sequence
 * space): 410, a full resync, nothing lost and nothing twice.
 *
 * Run again at any point it stopped, it finishes: the fence is a no-op once set, an object that holds the org
 * only delivers what is queued, and a copy that did not commit left nothing.
 *
 * Limit: the copy is one transaction, so an org's D1 rows must fit the object's memory (about 128 MB); the D1
 * rows stay in place (unread) until a later purge removes them.
 */
export async function moveOrgIn(storage: DurableObjectStorage, d1: D1Database, orgId: string, now: number): Promise<MoveResult> {
  if (heldOrgOf(storage)?.orgId === orgId) {
    if (deliveryPending(storage)) await deliverDirectory(storage, d1, orgId);
    return { result: 'already', copied: {} };
  }
  const [, where] = await d1.batch<{ storage: string }>([
    d1.prepare("UPDATE orgs SET storage = 'moving' WHERE id = ? AND storage = 'd1'").bind(orgId),
    d1.prepare('SELECT storage FROM orgs WHERE id = ?').bind(orgId),
  ]);
  const location = where?.results[0]?.storage;
  if (location === undefined) return { result: 'not_found', copied: {} };
  if (location !== 'moving') throw new Error(`org ${orgId} is '${location}' in D1 but its object does not hold it`);

  const reads = readsOf(orgId, now);
  const results = await d1.batch<Row>([
    ...reads.map(([, query, params]) => d1.prepare(query).bind(...params)),
    d1.prepare("SELECT name, value, text FROM sync_meta WHERE name IN ('seq', 'server_hlc')"),
  ]);
  const meta = new Map((results[reads.length]?.results ?? []).map((row) => [row.name as string, row]));
  const seq = Number(meta.get('seq')?.value ?? 0);
  const serverHlc = (meta.get('server_hlc')?.text as string | null | undefined) ?? null;

  await migrateOrgObject(storage);
  const copied: Record<string, number> = {};
  const spaceId = crypto.randomUUID();
  storage.transactionSync(() => {
    reads.forEach(([table], i) => {
      const rows = results[i]?.results ?? [];
      copied[table] = rows.length;
      for (const row of rows) {
        const columns = Object.keys(row);
        storage.sql.exec(
          `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
          ...columns.map((column) => row[column] as SqlStorageValue),
        );
      }
    });
    // The object's sequence and clock go on from D1's, so no position or stamp it issues is below one it copied.
    storage.sql.exec("UPDATE sync_meta SET value = ? WHERE name = 'seq'", seq);
    storage.sql.exec("UPDATE sync_meta SET text = ? WHERE name = 'server_hlc'", serverHlc);
    storage.sql.exec("INSERT INTO object_meta (id, state, space_id, org_id, move_cursor) VALUES (1, 'active', ?, ?, NULL)", spaceId, orgId);
    // One write at the next seq: every head moves to it, and the directory delivery (queued here) flips D1.
    storage.sql.exec("UPDATE sync_meta SET value = value + 1 WHERE name = 'seq'");
    storage.sql.exec(
      `UPDATE orgs SET members_head = ?1, projects_head = ?1, settings_head = ?1, project_members_head = ?1,
         storage = 'd1', object_seq = 0, object_heads = NULL WHERE id = ?2`, // the directory's columns: unused here
      objectSeq(storage),
      orgId,
    );
    storage.sql.exec(
      'INSERT INTO outbox (seq, entries, created_at, attempts) VALUES (?, ?, ?, 0)',
      objectSeq(storage),
      JSON.stringify([`moved:${orgId}`]),
      now,
    );
  });
  await deliverDirectory(storage, d1, orgId);
  return { result: 'moved', copied };
}
