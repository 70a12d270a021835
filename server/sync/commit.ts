import { sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http/http-error.js';
import { runBatch } from '../db/batch.js';
import { BUMP_SEQ } from './seq.js';

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
}

/** Set by the idempotency middleware when this request holds a claim on its key. */
export interface IdempotencyClaim {
  readonly userId: string;
  readonly key: string;
  /** Set once the response is stored, so the middleware does not store it again. */
  stored: boolean;
}

/**
 * Runs a mutation as ONE D1 batch (one transaction): bump the change sequence, apply the effect, store the
 * idempotent response (when the request carries a key), read the response back. A crash can therefore never
 * leave an effect without its stored response, or the other way round.
 */
export async function commit(c: Context<AppEnv>, mutation: Mutation): Promise<Response> {
  const db = c.var.db;
  const claim = c.var.idempotencyClaim;
  const statements: SQL[] = [BUMP_SEQ, ...mutation.effect];
  // changes() is the row count of the statement just before: the guarded effect is always the last one.
  const guard = mutation.guarded ? sql` AND changes() > 0` : sql``;
  if (claim) {
    statements.push(sql`UPDATE idempotency_keys SET state = 'done', status = ${mutation.status}, body = (${mutation.body})
                        WHERE user_id = ${claim.userId} AND key = ${claim.key}${guard}`);
  }
  statements.push(sql`SELECT (${mutation.body}) AS body`);
  const results = await runBatch<{ body: string | null }>(db, statements);
  if (mutation.guarded) {
    if ((results[mutation.effect.length]?.meta.changes ?? 0) === 0) throw await mutation.guarded.onGuardFailed();
  }
  if (claim) claim.stored = true;
  const body = results[results.length - 1]?.results[0]?.body;
  if (body == null) throw new Error('mutation response body is empty');
  return new Response(body, { status: mutation.status, headers: { 'content-type': 'application/json' } });
}
