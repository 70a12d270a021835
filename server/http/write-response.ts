import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { notifyHubs, type LiveEffect } from '../live/notify.js';

/** A write's answer as the org's storage gave it back: what the client gets, and what the hubs are told. */
export interface WriteOutcome {
  readonly status: number;
  /** The response body, JSON text exactly as stored for a replay. */
  readonly body: string;
  /** The change sequence the write committed at (0: none, e.g. a replayed answer). */
  readonly seq: number;
  /** The hubs to poke once the answer is out; absent: nothing to tell (or already told where it committed). */
  readonly live?: LiveEffect | undefined;
  /** The stored answer to an earlier request with the same Idempotency-Key: nothing was written. */
  readonly replayed?: boolean;
  /** Headers of a refusal answered as an outcome (an org object's: Retry-After, ...). */
  readonly headers?: Record<string, string> | undefined;
}

/**
 * The response to a write, and its pokes: the hubs of the request (the context variable `hub`; none,
 * no pokes) are told in the background so the response is not delayed, and a hub that fails never fails the
 * write (notifyHubs). A replay is marked `Idempotent-Replayed: true`. An outcome may be a refusal (a 4xx with
 * its error body, as an org object answers one): it is sent as it is.
 */
export function writeResponse(c: Context<AppEnv>, outcome: WriteOutcome): Response {
  // The executionCtx getter throws outside a request (a test's bare context): notifyHubs calls it inside its guard.
  notifyHubs(c.var.hub, outcome.live, outcome.seq, { waitUntil: (work) => c.executionCtx.waitUntil(work), log: c.var.log });
  const headers: Record<string, string> = { ...outcome.headers, 'content-type': 'application/json' };
  if (outcome.replayed) {
    headers['Idempotent-Replayed'] = 'true';
    c.set('idempotency', 'replayed');
  }
  return new Response(outcome.body, { status: outcome.status, headers });
}
