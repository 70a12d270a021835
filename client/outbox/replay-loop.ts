import type { SyncDatabase } from '../storage/sync-database.js';
import type { LocalOp } from '../storage/rows.js';
import { classify } from '../transport/classify.js';
import type { HttpClient } from '../transport/http-client.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { serverRowOrNull } from './effects.js';
import { completeOp, dueHeads, failOp, markSyncing, nextDueAt, reschedule, versionOf, wakeOfflineOps } from './outbox-store.js';

/*
 * One op's life in the outbox:
 *
 *                 enqueue (optimistic effect applied)
 *                     │
 *                     ▼            send once, with Idempotency-Key = op.id
 *   ┌──────────▶ ┌─────────┐ ─────────────────────────────▶ ┌─────────┐
 *   │            │ pending │                                │ syncing │
 *   │   ┌──────▶ └─────────┘ ◀───── 401 / no token: pause, ──┤         │
 *   │   │             ▲              no attempt spent;      │         │
 *   │   │             │              abort: as it was       │         │
 *   │   │             ├───── retryable (timeout, 5xx, 408, ──┤         │
 *   │   │             │      429, 409 in progress):         │         │
 *   │   │             │      attempts+1, backoff            │         │
 *   │   │             └───── no answer (offline): backoff, ──┤         │
 *   │   │                    no attempt spent, pass ends    │         │
 *   │   │                                                   └────┬────┘
 *   │   │ retry()          ┌────────┐   other 4xx, or attempts     │ 2xx (or DELETE 404)
 *   │   └───────────────── │ failed │ ◀─ exhausted: effect rolled ─┤
 *   │                      └────────┘    back, lane held           ▼
 *   │  crash: syncing ──▶ pending   │ discard(): op and      removed; the server's
 *   └───────────────────────────────┘ effect dropped         row becomes the shadow
 *
 * Ops of one lane go strictly in order: only a lane's first op is ever sent, and a failed first op holds its
 * lane (and no other) until it is retried or discarded.
 */

/** The longest wait between two sends while no answer comes: polling an absent network stays cheap. */
export const OFFLINE_CAP_MS = 30_000;

export interface ReplayDeps {
  readonly db: SyncDatabase;
  readonly http: HttpClient;
  readonly userId: string;
  readonly now: () => number;
  readonly random: () => number;
  readonly policy: BackoffPolicy;
  readonly signal?: AbortSignal;
  readonly log?: (event: ReplayEvent) => void;
}

export type ReplayEvent =
  | { readonly type: 'retry'; readonly op: LocalOp; readonly reason: string; readonly delayMs: number }
  | { readonly type: 'failed'; readonly op: LocalOp; readonly code: string; readonly message: string }
  | { readonly type: 'conflict'; readonly op: LocalOp; readonly code: string }
  | { readonly type: 'applied'; readonly op: LocalOp; readonly replayed: boolean }
  | { readonly type: 'auth-paused'; readonly op: LocalOp };

export type DrainResult =
  | { readonly state: 'drained'; readonly sent: number; readonly nextDueAt: number | null }
  | { readonly state: 'offline'; readonly sent: number; readonly nextDueAt: number | null }
  | { readonly state: 'paused-for-auth'; readonly sent: number }
  | { readonly state: 'aborted'; readonly sent: number };

/** Sends every due op, lane by lane, until none is due. The caller schedules the next call. */
export async function drain(deps: ReplayDeps): Promise<DrainResult> {
  const { db, http, userId, now, policy } = deps;
  let sent = 0;
  let woke = false;
  for (;;) {
    if (deps.signal?.aborted) return { state: 'aborted', sent };
    const heads = await dueHeads(db, userId, now());
    if (heads.length === 0) return { state: 'drained', sent, nextDueAt: await nextDueAt(db) };
    for (const op of heads) {
      if (deps.signal?.aborted) return { state: 'aborted', sent };
      if (!(await markSyncing(db, op.id, now()))) continue;
      let outcome: Awaited<ReturnType<HttpClient['send']>>;
      try {
        outcome = await http.send({
          method: op.method,
          path: op.path,
          ...(op.body !== undefined ? { body: op.body } : {}),
          headers: { 'Idempotency-Key': op.id },
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
      } catch (error) {
        // Never leave an op `syncing` behind a bug: back to pending as it was, then let the caller see it.
        await reschedule(db, op.id, op.nextAttemptAt, false, op.error);
        throw error;
      }
      sent++;
      const result = classify(outcome, op.method, now());
      switch (result.type) {
        case 'success':
          await completeOp(db, op.id, serverRowOrNull(result.body), result.replayed, versionOf(result.body));
          deps.log?.({ type: 'applied', op, replayed: result.replayed });
          break;
        case 'retry': {
          const attempts = op.attempts + 1;
          if (attempts >= policy.maxAttempts) {
            const message = `gave up after ${attempts} attempts (${result.reason})`;
            await failOp(db, op.id, { code: 'RETRIES_EXHAUSTED', message }, true);
            deps.log?.({ type: 'failed', op, code: 'RETRIES_EXHAUSTED', message });
          } else {
            const delayMs = backoffDelay(policy, attempts, deps.random, result.retryAfterMs);
            await reschedule(db, op.id, now() + delayMs, true, { code: 'RETRYING', message: result.reason });
            deps.log?.({ type: 'retry', op, reason: result.reason, delayMs });
          }
          break;
        }
        case 'offline': {
          // The server is unreachable: stop this pass (other lanes would fail the same way) and wait, longer
          // each time up to OFFLINE_CAP_MS; any trigger wakes the op sooner (wakeOfflineOps).
          const waits = (op.offlineWaits ?? 0) + 1;
          const delayMs = backoffDelay({ ...policy, capMs: Math.min(policy.capMs, OFFLINE_CAP_MS) }, waits, deps.random);
          await reschedule(db, op.id, now() + delayMs, false, { code: 'OFFLINE', message: result.reason }, true, waits);
          deps.log?.({ type: 'retry', op, reason: result.reason, delayMs });
          return { state: 'offline', sent, nextDueAt: await nextDueAt(db) };
        }
        case 'auth':
          await reschedule(db, op.id, op.nextAttemptAt, false, op.error);
          deps.log?.({ type: 'auth-paused', op });
          return { state: 'paused-for-auth', sent };
        case 'abort':
          await reschedule(db, op.id, op.nextAttemptAt, false, op.error);
          return { state: 'aborted', sent };
        case 'permanent':
          await failOp(db, op.id, { code: result.code, message: result.message, statusCode: result.statusCode }, true);
          if (result.statusCode === 409 || result.statusCode === 412) deps.log?.({ type: 'conflict', op, code: result.code });
          deps.log?.({ type: 'failed', op, code: result.code, message: result.message });
          break;
      }
      // The server answered (offline and auth returned above): the network is back, so ops that waited only for
      // it go now, in this drain's next round. Once a drain, after this op's own bookkeeping.
      if (!woke) {
        woke = true;
        await wakeOfflineOps(db, now());
      }
    }
  }
}
