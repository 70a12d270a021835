import { drizzle } from 'drizzle-orm/d1';
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../env.js';
import { BUMP_SEQ, currentSeq } from '../../sync/seq.js';
import { d1SqlStore } from '../d1-sql-store.js';
import type { OrgWriteOp } from '../org-ops.js';
import { objectSeq } from './object-state.js';

/**
 * The directory outbox of an org's object (design section 4). D1 keeps, for every org in an object, a copy of
 * its `orgs` row and its `org_members` rows: the directory, which says whose orgs are where (`GET /orgs` reads
 * it first). The object is the authority; a write that changes what the directory holds queues an outbox row
 * in its own transaction, and a delivery copies the org's rows to D1:
 *
 *   write ──commit (+ outbox row)──▶ queued ──deliver: D1 batch (rows newer than D1's)──▶ delete rows ≤ seq
 *                                      ▲ failed or died before the delete: the alarm delivers again ──┘
 *
 * Exactly once in effect: each D1 row carries the object seq it was delivered at (`object_seq`) and a
 * delivery applies a row only over an older one, so a delivery repeated (the object died before deleting its
 * outbox rows) or overtaken by a newer one changes nothing; a row's D1 `seq` (its position in the directory,
 * which the orgs list pages by) moves only when its content changed. Until a delivery lands, the object's own
 * membership table decides every access to the org: the directory only says which objects to ask.
 */

/**
 * What a write op queues: every write does, because every write may move the org's change heads, which the
 * directory's org row carries (GET /orgs brings an org back to its members when a head moves, so their clients
 * pull only what changed). The entries name what it changed, for the logs.
 */
export function deliveryEntries(op: OrgWriteOp, orgId: string): string[] {
  switch (op.op) {
    case 'updateOrg':
      return [`org:${orgId}`];
    case 'addOrgMember':
      return [`member:${op.target?.id ?? op.input.userId ?? ''}`];
    case 'updateOrgMember':
    case 'removeOrgMember':
      return [`member:${op.userId}`];
    default:
      return ['heads'];
  }
}

/**
 * How long a delivery waits for more writes to go with it (ms): a busy org's writes share one D1 batch, so
 * the directory costs D1 about one call per this interval per busy org, not one per write. It is also how
 * long a member's org list can lag a change inside the org, and its live poke (sent once delivered).
 */
export const DELIVERY_DELAY_MS = 250;

/** The statement that queues a delivery, inside the write's commit (its seq is the write's). */
export function queueDelivery(entries: readonly string[], now: number): SQL {
  return sql`INSERT INTO outbox (seq, entries, created_at, attempts, last_error) VALUES (${currentSeq}, ${JSON.stringify(entries)}, ${now}, 0, NULL)
             ON CONFLICT (seq) DO UPDATE SET entries = excluded.entries`;
}

/** Whether a delivery is queued. */
export function deliveryPending(storage: DurableObjectStorage): boolean {
  return storage.sql.exec('SELECT 1 FROM outbox LIMIT 1').toArray().length > 0;
}

type OrgRow = {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  version: number;
  /** The object's change heads, JSON: { members, projects, settings, projectMembers }. */
  heads: string;
};
type MemberRow = { userId: string; role: string; createdAt: number; updatedAt: number; deletedAt: number | null; version: number };

/**
 * Delivers the queued rows: reads the org's rows and the object's seq (synchronously, one consistent snapshot),
 * writes them to D1 in one batch, then deletes the outbox rows up to that seq. Returns how many outbox rows it
 * settled (0: nothing queued). Throws when D1 fails: the rows stay queued, counted in `attempts`.
 */
export async function deliverDirectory(storage: DurableObjectStorage, d1: D1Database, orgId: string): Promise<number> {
  const queued = storage.sql.exec<{ n: number; upTo: number | null }>('SELECT COUNT(*) AS n, MAX(seq) AS upTo FROM outbox').one();
  if (queued.n === 0 || queued.upTo === null) return 0;
  const at = objectSeq(storage);
  const org = storage.sql
    .exec<OrgRow>(
      `SELECT id, name, created_at, updated_at, deleted_at, version, json_object('members', members_head, 'projects', projects_head,
         'settings', settings_head, 'projectMembers', project_members_head) AS heads FROM orgs WHERE id = ?`,
      orgId,
    )
    .toArray()[0];
  const members = storage.sql
    .exec<MemberRow>(
      `SELECT user_id AS userId, role, created_at AS createdAt, updated_at AS updatedAt, deleted_at AS deletedAt, version
       FROM org_members WHERE org_id = ?`,
      orgId,
    )
    .toArray();
  try {
    if (org) await d1SqlStore(drizzle(d1) as unknown as Db).batch(directoryUpserts(org, members, at));
  } catch (error) {
    storage.sql.exec('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq <= ?', String((error as Error).message ?? error), queued.upTo);
    throw error;
  }
  storage.sql.exec('DELETE FROM outbox WHERE seq <= ?', queued.upTo);
  return queued.n;
}

/**
 * The D1 batch of one delivery at object seq `at`: the org row and every member row, each applied only over an
 * older delivery, its directory position (`seq`) moved only when what it says changed; and each of the org's
 * heads moved to this batch's seq when the object's head for it moved since the last delivery.
 */
function directoryUpserts(org: OrgRow, members: readonly MemberRow[], at: number): SQL[] {
  const orgChanged = sql`(orgs.name IS NOT excluded.name OR orgs.deleted_at IS NOT excluded.deleted_at OR orgs.version IS NOT excluded.version OR orgs.storage <> 'object')`;
  const head = (column: string, name: string) =>
    sql`${sql.raw(column)} = CASE WHEN (excluded.object_heads ->> ${name}) > COALESCE(orgs.object_heads ->> ${name}, -1) THEN excluded.seq ELSE orgs.${sql.raw(column)} END`;
  const memberChanged = sql`(org_members.role IS NOT excluded.role OR org_members.deleted_at IS NOT excluded.deleted_at OR org_members.version IS NOT excluded.version)`;
  return [
    BUMP_SEQ,
    sql`INSERT INTO orgs (id, name, created_at, updated_at, deleted_at, version, seq, storage, object_seq, object_heads,
                          members_head, projects_head, settings_head, project_members_head)
        VALUES (${org.id}, ${org.name}, ${org.created_at}, ${org.updated_at}, ${org.deleted_at}, ${org.version}, ${currentSeq}, 'object', ${at},
                ${org.heads}, ${currentSeq}, ${currentSeq}, ${currentSeq}, ${currentSeq})
        ON CONFLICT (id) DO UPDATE SET
          seq = CASE WHEN ${orgChanged} THEN excluded.seq ELSE orgs.seq END,
          ${head('members_head', '$.members')}, ${head('projects_head', '$.projects')},
          ${head('settings_head', '$.settings')}, ${head('project_members_head', '$.projectMembers')},
          name = excluded.name, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at, version = excluded.version,
          storage = 'object', object_seq = excluded.object_seq, object_heads = excluded.object_heads
        WHERE orgs.object_seq < excluded.object_seq`,
    sql`INSERT INTO org_members (org_id, user_id, role, created_at, updated_at, deleted_at, version, seq, object_seq)
        SELECT ${org.id}, m.value ->> 'userId', m.value ->> 'role', m.value ->> 'createdAt', m.value ->> 'updatedAt',
               m.value ->> 'deletedAt', m.value ->> 'version', ${currentSeq}, ${at}
        FROM json_each(${JSON.stringify(members)}) m WHERE true
        ON CONFLICT (org_id, user_id) DO UPDATE SET
          seq = CASE WHEN ${memberChanged} THEN excluded.seq ELSE org_members.seq END,
          role = excluded.role, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at, version = excluded.version,
          object_seq = excluded.object_seq
        WHERE org_members.object_seq < excluded.object_seq`,
  ];
}
