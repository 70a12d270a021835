import { sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { LIMITS } from '../../shared/limits.js';
import { HttpError } from '../http/http-error.js';
import { writeResponse } from '../http/write-response.js';
import type { LiveEffect } from '../live/notify.js';
import { requestStore } from '../store/request-store.js';
import type { SqlStore, StatementResult } from '../store/sql-store.js';
import { BUMP_SEQ, currentSeq } from './seq.js';

/**
 * A write, described before it runs: the effect statements, the status, and the response body as a SQL
 * expression evaluated after the effect inside the same batch (so it shows the version and timestamps the
 * write produced). `guarded` means the last effect statement must change a row (an If-Match update): if it
 * changed none, nothing is stored as a success and the caller gets `onGuardFailed`'s error.
 */
export interface Mutation {
  readonly effect: SQL[];
  readonly status: 200 | 201;
  readonly body: SQL;
  readonly guarded?: { readonly onGuardFailed: () => Promise<HttpError> };
  /** The live hubs to poke (and users to cut off) once the write has committed. */
  readonly live?: LiveEffect;
}

/** Set by the idempotency middleware when this request holds a claim on its key. */
export interface IdempotencyClaim {
  readonly userId: string;
  readonly key: string;
  /** This request's claim id: the effect commits only while the record still carries it. */
  readonly claim: string;
  /** Set once the response is stored, so the middleware does not store it again. */
  stored: boolean;
}

/**
 * An Idempotency-Key record written as `done` with the response, in the commit's batch, where no claim was taken
 * before (an org's object: nothing else runs there between its replay lookup and its commit, so there is no
 * in_progress state to hold, and none can be left behind by a crash).
 */
export interface FreshRecord {
  readonly userId: string;
  readonly key: string;
  readonly fingerprint: string;
  /** The request's time: the record's created_at, and its expiry is LIMITS.idempotencyTtlMs after it. */
  readonly now: number;
}

/**
 * Where a mutation commits: the store, and the request's Idempotency-Key when it has one, either as a claim
 * taken beforehand (D1: the idempotency middleware's) or as a record to write with the response.
 */
export interface CommitTarget {
  readonly store: SqlStore;
  readonly claim?: IdempotencyClaim | undefined;
  readonly record?: FreshRecord | undefined;
  /**
   * Statements of the store's own to commit with the write (an org object's directory outbox row): after the
   * effect and the stored response, so they cannot disturb a guard. They run even when the guard then fails
   * the write (whose sequence bump stands too): keep them harmless for a write that changed nothing.
   */
  readonly also?: readonly SQL[] | undefined;
  /** Statements of the store's own to run first in the write's batch (an org object's copy of a new member's profile). */
  readonly prelude?: readonly SQL[] | undefined;
  /**
   * An org that must still be in D1 when the batch commits (`orgs.storage = 'd1'`): a write routed to D1 just
   * before the org's move began fails whole, and is answered "retry" (the retry goes where the org is then).
   */
  readonly fence?: string | undefined;
}

/**
 * Writes the `done` record of `record` with the response `body` (a SQL expression), when `guard` holds: one
 * statement, so it is stored in the same transaction as the effect or not at all. An expired record with the
 * key is replaced (the lookup before treated it as absent).
 */
export function storeFreshRecord(record: FreshRecord, status: number, body: SQL, guard: SQL = sql``): SQL {
  const { userId, key, fingerprint, now } = record;
  return sql`INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, state, status, body, created_at, locked_until, expires_at)
    SELECT ${userId}, ${key}, ${fingerprint}, '', 'done', ${status}, (${body}), ${now}, ${now}, ${now + LIMITS.idempotencyTtlMs} WHERE 1${guard}
    ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, claim = '', state = 'done', status = excluded.status,
      body = excluded.body, created_at = excluded.created_at, locked_until = excluded.locked_until, expires_at = excluded.expires_at`;
}

/** A committed write: its status and response body (as stored), the change sequence it bumped to, its live effect. */
export interface Committed {
  readonly status: 200 | 201;
  readonly body: string;
  readonly seq: number;
  readonly live?: LiveEffect | undefined;
}

/**
 * Runs a mutation as ONE batch of the target's store (one transaction): bump the change sequence, apply the
 * effect, store the idempotent response (when the target holds a claim), read the response back. A crash can
 * therefore never leave an effect without its stored response, or the other way round. Nothing here knows the
 * request: the caller answers it and pokes the hubs (writeResponse), so the same commit runs wherever the
 * org's rows live.
 */
export async function commitMutation(target: CommitTarget, mutation: Mutation): Promise<Committed> {
  const { store, claim, record } = target;
  if (claim && record) throw new TypeError('commitMutation: a claim or a fresh record, not both');
  const statements: SQL[] = [];
  if (claim) {
    // A request that ran past its lock may have been taken over by a retry: then this batch must not apply.
    // json() of a non-JSON string raises, which rolls the whole batch back (a store's batch is a transaction).
    statements.push(sql`SELECT json(CASE WHEN EXISTS (SELECT 1 FROM idempotency_keys WHERE user_id = ${claim.userId}
      AND key = ${claim.key} AND claim = ${claim.claim} AND state = 'in_progress') THEN '1' ELSE 'claim lost' END)`);
  }
  if (target.fence !== undefined) {
    statements.push(sql`SELECT json(CASE WHEN (SELECT storage FROM orgs WHERE id = ${target.fence}) = 'd1' THEN '1' ELSE 'org moved' END)`);
  }
  statements.push(...(target.prelude ?? []));
  const offset = statements.length + 1;
  statements.push(BUMP_SEQ, ...mutation.effect);
  // changes() is the row count of the statement just before: the guarded effect is always the last one.
  const guard = mutation.guarded ? sql` AND changes() > 0` : sql``;
  if (claim) {
    statements.push(sql`UPDATE idempotency_keys SET state = 'done', status = ${mutation.status}, body = (${mutation.body})
                        WHERE user_id = ${claim.userId} AND key = ${claim.key}${guard}`);
  }
  if (record) statements.push(storeFreshRecord(record, mutation.status, mutation.body, guard));
  statements.push(...(target.also ?? []));
  statements.push(sql`SELECT (${mutation.body}) AS body, ${currentSeq} AS seq`);
  let results: StatementResult[];
  try {
    results = await store.batch(statements);
  } catch (error) {
    if (target.fence !== undefined && !(await stillInD1(store, target.fence))) throw movedAway();
    if (claim && !(await stillHeld(store, claim))) {
      throw new HttpError('IDEMPOTENCY_IN_PROGRESS', 'another request took over this Idempotency-Key', undefined, { 'Retry-After': '1' });
    }
    throw error;
  }
  if (mutation.guarded) {
    if ((results[offset + mutation.effect.length - 1]?.changes ?? 0) === 0) throw await mutation.guarded.onGuardFailed();
  }
  if (claim) claim.stored = true;
  const last = results[results.length - 1]?.rows[0] as { body: string | null; seq: number } | undefined;
  const body = last?.body;
  if (body == null) throw new Error('mutation response body is empty');
  return { status: mutation.status, body, seq: last?.seq ?? 0, live: mutation.live };
}

/**
 * commitMutation for a request: on the request's store under its claim (the context variables `store`, else
 * the D1 store over `db`, and `idempotencyClaim` when the idempotency middleware ran), then the response, with
 * the hubs poked once committed (`hub` and `log`, both optional: no hub, no pokes).
 */
export async function commit(c: Context<AppEnv>, mutation: Mutation): Promise<Response> {
  return writeResponse(c, await commitMutation({ store: requestStore(c), claim: c.var.idempotencyClaim }, mutation));
}

async function stillInD1(store: SqlStore, orgId: string): Promise<boolean> {
  const rows = await store.all(sql`SELECT 1 FROM orgs WHERE id = ${orgId} AND storage = 'd1'`);
  return rows.length > 0;
}

/**
 * A write that met its org's move, rolled back: retry. A 429, which the idempotency layer never stores (it
 * releases the claim), so the retry runs afresh where the org is then.
 */
const movedAway = () => new HttpError('RATE_LIMITED', 'this org moved to its own storage: retry', undefined, { 'Retry-After': '1' });

async function stillHeld(store: SqlStore, claim: IdempotencyClaim): Promise<boolean> {
  const rows = await store.all(
    sql`SELECT 1 FROM idempotency_keys WHERE user_id = ${claim.userId} AND key = ${claim.key} AND claim = ${claim.claim}`,
  );
  return rows.length > 0;
}
