import { sql, type SQL } from 'drizzle-orm';
import type { CreateOrgRequest, Page } from '../../../shared/index.js';
import type { AuthUser } from '../../env.js';
import { HttpError, notFound } from '../../http/http-error.js';
import type { IdempotencyIntent } from '../../http/idempotency.js';
import type { LogSink } from '../../http/log.js';
import type { WriteOutcome } from '../../http/write-response.js';
import { requireOrgRole } from '../../services/access.js';
import { createOrg } from '../../services/orgs.js';
import { commitMutation, storeFreshRecord, type FreshRecord } from '../../sync/commit.js';
import { objectSpace } from '../../sync/cursor-space.js';
import { runOrgRead, runOrgWrite, type OrgCall, type OrgReadOp, type OrgWriteOp } from '../org-ops.js';
import { deliveryEntries, queueDelivery } from './directory-outbox.js';
import { migrateOrgObject } from './migrate-org-object.js';
import { refusalOf, type ObjectAnswer, type ObjectRefusal } from './object-answer.js';
import { objectSqlStore, type ObjectSqlStore } from './object-sql-store.js';
import { heldOrgOf } from './object-state.js';

/**
 * The ops as an org's object runs them, on its own storage (design section 2). Each function runs for one
 * request and awaits only promises the object's store has already settled, so no other request interleaves
 * between a write's replay lookup, its planning and its commit (awaiting a settled promise yields to microtasks
 * only). That is why a keyed write needs no in_progress claim here: its record is written `done` with the
 * effect, in the commit's one transactionSync, and a crash anywhere leaves either both or neither.
 */

/** A write's answer: committed, replayed, or refused (a 4xx with its error body, stored for a keyed replay). */
const refused = (refusal: ObjectRefusal): WriteOutcome => ({ status: refusal.status, body: refusal.body, headers: refusal.headers, seq: 0 });

/** Refusals a retry with the same key gets again: every 4xx but 429 (busy now; a retry may pass), as in D1. */
const storable = (status: number) => status >= 400 && status < 500 && status !== 429;

/** The store of the org this object holds, from its own meta row; null while it holds none (or another). */
function heldOrg(storage: DurableObjectStorage, orgId: string): ObjectSqlStore | null {
  const held = heldOrgOf(storage);
  // An object is addressed by its org's name, so another org id here is a caller's mistake: not found.
  if (held === null || held.orgId !== orgId) return null;
  return objectSqlStore(storage, objectSpace(held.spaceId));
}

/**
 * The caller's cached profile refreshed from their session (member lists show the object's `user` rows): only
 * a user this object has a row for (a member, or one who was), only when something changed.
 */
function refreshProfile(storage: DurableObjectStorage, user: AuthUser, now: number): void {
  storage.sql.exec(
    'UPDATE user SET name = ?, email = ?, updated_at = ? WHERE id = ? AND (name <> ? OR email <> ?)',
    user.name,
    user.email,
    now,
    user.id,
    user.name,
    user.email,
  );
}

/** A profile written to this object's `user` cache: the creator's, a new member's from the directory. */
const cacheProfile = (user: AuthUser, now: number): SQL =>
  sql`INSERT INTO user (id, name, email, updated_at) VALUES (${user.id}, ${user.name}, ${user.email}, ${now})
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, updated_at = excluded.updated_at`;

/** The stored answer to the key, a 422 for a key used on another request, or null: the key is new (or expired). */
function replayOf(storage: DurableObjectStorage, user: AuthUser, intent: IdempotencyIntent, now: number): WriteOutcome | null {
  const record = storage.sql
    .exec<{ fingerprint: string; status: number; body: string }>(
      "SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = ? AND key = ? AND state = 'done' AND expires_at > ?",
      user.id,
      intent.key,
      now,
    )
    .toArray()[0];
  if (!record) return null;
  if (record.fingerprint !== intent.fingerprint) {
    return refused(refusalOf(new HttpError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request'), now));
  }
  return { status: record.status, body: record.body, seq: 0, replayed: true };
}

const freshRecord = (call: OrgCall, intent: IdempotencyIntent | undefined): FreshRecord | undefined =>
  intent && { userId: call.user.id, key: intent.key, fingerprint: intent.fingerprint, now: call.now };

/**
 * A write op: replayed from its record, or run (runOrgWrite: the same services as D1) with its record written
 * in the commit. A refusal from the op is answered as an outcome and, for a keyed write, stored for the replay.
 */
async function runWrite(
  storage: DurableObjectStorage,
  store: ObjectSqlStore,
  call: OrgCall,
  intent: IdempotencyIntent | undefined,
  run: (record: FreshRecord | undefined) => Promise<WriteOutcome>,
): Promise<WriteOutcome> {
  if (intent) {
    const replay = replayOf(storage, call.user, intent, call.now);
    if (replay) return replay;
  }
  try {
    return await run(freshRecord(call, intent));
  } catch (error) {
    const refusal = refusalOf(error, call.now);
    const record = freshRecord(call, intent);
    if (record && storable(refusal.status)) await store.batch([storeFreshRecord(record, refusal.status, sql`${refusal.body}`)]);
    return refused(refusal);
  }
}

export async function objectWrite(
  storage: DurableObjectStorage,
  orgId: string,
  op: OrgWriteOp,
  call: OrgCall,
  intent: IdempotencyIntent | undefined,
  log: LogSink | undefined,
): Promise<WriteOutcome> {
  const store = heldOrg(storage, orgId);
  // No org here: nothing is written (not even a refusal record: a random org id must leave no storage).
  if (!store) return refused(refusalOf(notFound('org'), call.now));
  refreshProfile(storage, call.user, call.now);
  // A new member's profile is written in the add's own batch, before the membership that references it: so
  // only an add that commits writes one.
  const prelude = op.op === 'addOrgMember' && op.target ? [cacheProfile(op.target, call.now)] : undefined;
  const also = [queueDelivery(deliveryEntries(op, orgId), call.now)];
  return runWrite(storage, store, call, intent, (record) => runOrgWrite({ store, record, log, prelude, also }, orgId, op, call));
}

export async function objectRead(storage: DurableObjectStorage, orgId: string, op: OrgReadOp, call: OrgCall): Promise<ObjectAnswer<Page<unknown>>> {
  const store = heldOrg(storage, orgId);
  try {
    if (!store) throw notFound('org');
    return { ok: true, value: await runOrgRead(store, orgId, op, call) };
  } catch (error) {
    return refusalOf(error, call.now);
  }
}

/**
 * Creates the org in this (fresh) object: migrates its storage, then ONE commit writes the object's meta row
 * (active, a new cursor space), the creator's profile, the org, its owner and its heads, with the key's record
 * and the directory outbox row that brings the org to D1's directory.
 * A crash before that commit leaves no meta row, so the object still holds no org and a retry creates it.
 * An object that holds an org answers a replay of the key, else 409 ALREADY_EXISTS.
 */
export async function objectCreateOrg(
  storage: DurableObjectStorage,
  orgId: string,
  input: CreateOrgRequest,
  call: OrgCall,
  intent: IdempotencyIntent | undefined,
): Promise<WriteOutcome> {
  const held = heldOrg(storage, orgId);
  if (held) {
    return runWrite(storage, held, call, intent, () => Promise.reject(new HttpError('ALREADY_EXISTS', 'an org with this id exists')));
  }
  await migrateOrgObject(storage);
  const spaceId = crypto.randomUUID();
  const store = objectSqlStore(storage, objectSpace(spaceId));
  return runWrite(storage, store, call, intent, async (record) => {
    const mutation = await createOrg(store, call.user, { ...input, id: orgId }, call.now);
    const { user, now } = call;
    const effect = [
      sql`INSERT INTO object_meta (id, state, space_id, org_id, move_cursor) VALUES (1, 'active', ${spaceId}, ${orgId}, NULL)`,
      cacheProfile(user, now),
      ...mutation.effect,
    ];
    return commitMutation({ store, record, also: [queueDelivery([`org:${orgId}`], now)] }, { ...mutation, effect });
  });
}

/** Whether `userId` may open the org's live socket here (a member, as requireOrgRole says): null, or the refusal. */
export async function objectLiveRefusal(storage: DurableObjectStorage, orgId: string, userId: string, now: number): Promise<ObjectRefusal | null> {
  try {
    const store = heldOrg(storage, orgId);
    if (!store) throw notFound('org');
    await requireOrgRole(store, orgId, userId, 'member');
    return null;
  } catch (error) {
    return refusalOf(error, now);
  }
}
