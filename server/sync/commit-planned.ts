import { sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http/http-error.js';
import { requestStore } from '../store/request-store.js';
import type { SqlStore } from '../store/sql-store.js';
import { writeResponse } from '../http/write-response.js';
import { commitMutation, type CommitTarget, type Committed, type Mutation } from './commit.js';

/**
 * A mutation planned in JS over rows read beforehand, with the condition under which the plan is still right:
 * `holds`, a SQL boolean over the rows as they are now ("none of the rows I planned over changed since").
 * Once false it must stay false (e.g. "no such row has a seq past the one I read"), so that a check after a
 * failed batch sees what the batch saw.
 */
export interface Planned {
  readonly mutation: Mutation;
  readonly holds: SQL;
}

/**
 * Planning kept losing to concurrent writes: a passing condition, answered 429 RATE_LIMITED with Retry-After
 * (never a 5xx; the idempotency layer does not store a 429, so a retry with the same key runs afresh).
 */
const contended = (attempts: number) =>
  new HttpError('RATE_LIMITED', `the rows this request was planned over changed before each of ${attempts} commits: retry`, { attempts }, { 'Retry-After': '1' });

const MAX_ATTEMPTS = 5;

/**
 * Commits a plan only while what it was planned over still stands, and plans again when a concurrent write got
 * in between:
 *
 *   plan(read) ──commit: [holds? or roll back] + effect + stored response──▶ done: the answer is what was written
 *       ▲                                  │ holds is false: a write committed since the read
 *       └───────────── plan again ◀────────┘ (MAX_ATTEMPTS in all, then 429 RATE_LIMITED)
 *
 * Why: the answer (stored for idempotent replay in the same batch as the effect, see commit) is computed from
 * the plan, and the store holds no lock between a read and a later batch. A write that landed in between could make
 * the answer wrong (an entry reported applied while the SQL guard kept a newer register). Checking `holds` as
 * the first effect statement makes plan and write one transaction: if it fails, json() of a non-JSON string
 * raises and the whole batch (effect and stored response) rolls back, as commit does for a lost claim. The
 * idempotency claim is untouched, so the next attempt commits under it.
 */
export async function commitPlannedMutation<P extends Planned>(target: CommitTarget, plan: () => Promise<P>): Promise<{ committed: Committed; plan: P }> {
  for (let attempt = 1; ; attempt++) {
    const planned = await plan();
    const check = sql`SELECT json(CASE WHEN ${planned.holds} THEN '1' ELSE 'planned over rows that changed' END)`;
    try {
      const committed = await commitMutation(target, { ...planned.mutation, effect: [check, ...planned.mutation.effect] });
      return { committed, plan: planned };
    } catch (error) {
      // A lost claim or a failed guard is commit's own answer; any other error stands unless the plan went stale.
      if (error instanceof HttpError || (await stillHolds(target.store, planned.holds))) throw error;
      if (attempt === MAX_ATTEMPTS) throw contended(attempt);
    }
  }
}

/** commitPlannedMutation for a request (its store and claim, as commit reads them), answered with its pokes. */
export async function commitPlanned<P extends Planned>(c: Context<AppEnv>, plan: () => Promise<P>): Promise<{ response: Response; plan: P }> {
  const { committed, plan: planned } = await commitPlannedMutation({ store: requestStore(c), claim: c.var.idempotencyClaim }, plan);
  return { response: writeResponse(c, committed), plan: planned };
}

async function stillHolds(store: SqlStore, holds: SQL): Promise<boolean> {
  const rows = await store.all<{ ok: number }>(sql`SELECT (${holds}) AS ok`);
  return rows[0]?.ok === 1;
}
