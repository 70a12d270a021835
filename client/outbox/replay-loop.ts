import type { SyncDatabase } from '../storage/sync-database.js';
import type { LocalOp } from '../storage/rows.js';
import { classify } from '../transport/classify.js';
import type { HttpClient } from '../transport/http-client.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { serverRowOrNull } from './effects.js';
import { completeOp, dueHeads, failOp, markSyncing, nextDueAt, reschedule, unmarkSyncing, wakeOfflineOps } from './replay-store.js';
import { versionOf } from './server-rows.js';

/*
 * One op's life in the outbox:
 *
 *                 enqueue (optimistic effect applied; its org group recorded)
 *                     │
 *                     ▼            send once, with Idempotency-Key = op.id, when it is due, first in its
 *   ┌──────────▶ ┌─────────┐       lane, waits for no earlier live op of its org group (op-group.ts)
 *   │            │ pending │ ───── and a slot of the pass is free ─────────▶ ┌─────────┐
 *   │            │         │                                                 │ syncing │
 *   │   ┌──────▶ └─────────┘ ◀───── 401 / no token: pause, ───────────────────┤         │
 *   │   │             ▲              no attempt spent;                       │         │
 *   │   │             │              abort: as it was                        │         │
 *   │   │             ├───── retryable (timeout, 5xx, 408, 429): ────────────┤         │
 *   │   │             │      attempts+1, backoff                             │         │
 *   │   │             ├───── 409 in progress: attempts+1, backoff, but ──────┤         │
 *   │   │             │      never the last attempt (the key is held)        │         │
 *   │   │             └───── no answer (offline): backoff, ──────────────────┤         │
 *   │   │                    no attempt spent, pass ends                     │         │
 *   │   │                                                                    └────┬────┘
 *   │   │ retry()          ┌────────┐   other 4xx, or attempts exhausted:         │ 2xx (or DELETE 404)
 *   │   └───────────────── │ failed │ ◀─ effect rolled back, own lane held ───────┤
 *   │                      └────────┘                                             ▼
 *   │  crash: syncing ──▶ pending   │ discard(): op and              removed; the server's row
 *   └───────────────────────────────┘ effect dropped                 becomes the shadow
 *
 * Ops of one lane go strictly in order: only a lane's first op is ever sent, and a failed first op holds its
 * lane (and no other) until it is retried or discarded. Lanes of one org order each other through their group:
 * an org lane's op (exclusive) waits for every earlier live op of the org, a project lane's op (shared) for the
 * earlier live exclusive ones; ops held behind a failed op hold nobody else. Lanes that wait for nothing replay
 * side by side, up to the pass's concurrency.
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
  /** How many lanes send at once (default DEFAULT_REPLAY_CONCURRENCY); 1 replays one op at a time. */
  readonly concurrency?: number;
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

/** How many lanes replay at once unless the engine is told otherwise (`replayConcurrency`). */
export const DEFAULT_REPLAY_CONCURRENCY = 4;

/** Why a pass stops sending: the first answer that says the rest would fare no better. */
type StopReason = 'offline' | 'paused-for-auth' | 'aborted';

/** When several stop a pass at once, the one the cycle must act on: an abort ends everything, a 401 pauses. */
const STOP_RANK: Record<StopReason, number> = { offline: 1, 'paused-for-auth': 2, aborted: 3 };

/**
 * Sends every due op until none is due, up to `concurrency` lanes at once (each lane still one op at a time, in
 * order; lanes of one org wait for each other as op-group.ts says). The caller schedules the next call.
 *
 *   fill: while a slot is free and no stop reason is set, take the next of the due heads (read again when
 *         used up) and mark it syncing (skipped if it may no longer go) ──▶ send it
 *   wait: for any send to finish; its outcome is recorded before its slot frees
 *   stop: offline, 401 or abort set a stop reason: no new sends; the sends in flight finish and are recorded,
 *         then the pass returns the weightiest reason (abort > 401 > offline)
 *   done: nothing in flight and nothing due ──▶ drained
 */
export async function drain(deps: ReplayDeps): Promise<DrainResult> {
  const { db, userId, now } = deps;
  const limit = deps.concurrency ?? DEFAULT_REPLAY_CONCURRENCY;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`replay concurrency must be a whole number >= 1, got ${limit}`);
  const pass: Pass = { sent: 0, answered: 0, woke: false, stop: null, failure: null };
  const inFlight = new Set<Promise<void>>();
  let heads: LocalOp[] = [];
  for (;;) {
    if (deps.signal?.aborted) stopPass(pass, 'aborted');
    try {
      while (pass.stop === null && pass.failure === null && inFlight.size < limit) {
        if (heads.length === 0) {
          // In-flight ops are syncing, so neither they nor the ops behind them in their lanes come back here.
          const answered = pass.answered;
          heads = await dueHeads(db, userId, now());
          // Nothing due, as read while sends were in flight: if one finished meanwhile (freeing its lane, or the
          // ops of its org that waited for it), the read may be stale, so read again.
          if (heads.length === 0 && pass.answered !== answered) continue;
          if (heads.length === 0) break;
        }
        const head = heads.shift()!;
        if (deps.signal?.aborted) {
          stopPass(pass, 'aborted');
          break;
        }
        const op = await markSyncing(db, head.id, now());
        if (!op) continue;
        // A send that finished while this op was being marked may have stopped the pass: then it does not go.
        if (pass.stop !== null || pass.failure !== null || deps.signal?.aborted) {
          await unmarkSyncing(db, op.id, head.lastAttempt);
          break;
        }
        const task: Promise<void> = sendAndRecord(deps, pass, op)
          .catch((error: unknown) => {
            pass.failure ??= { error };
          })
          .finally(() => {
            inFlight.delete(task);
            pass.answered++;
          });
        inFlight.add(task);
      }
    } catch (error) {
      // The pass's own reads and marks failed (a closed or full database): what is in flight is still recorded.
      pass.failure ??= { error };
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight);
  }
  // A bug or a refused write in some op's bookkeeping: the others in flight were recorded first.
  if (pass.failure) throw pass.failure.error;
  switch (pass.stop) {
    case null:
      return { state: 'drained', sent: pass.sent, nextDueAt: await nextDueAt(db) };
    case 'offline':
      return { state: 'offline', sent: pass.sent, nextDueAt: await nextDueAt(db) };
    case 'paused-for-auth':
    case 'aborted':
      return { state: pass.stop, sent: pass.sent };
  }
}

interface Pass {
  sent: number;
  /** Sends whose outcome is recorded (or whose bookkeeping failed): their slots are free again. */
  answered: number;
  /** Whether an answer of this pass already woke the ops waiting only for the network. */
  woke: boolean;
  stop: StopReason | null;
  failure: { readonly error: unknown } | null;
}

function stopPass(pass: Pass, reason: StopReason) {
  if (pass.stop === null || STOP_RANK[reason] > STOP_RANK[pass.stop]) pass.stop = reason;
}

/** One send of a syncing op and the bookkeeping of its outcome; the op is never left `syncing` by the send. */
async function sendAndRecord(deps: ReplayDeps, pass: Pass, op: LocalOp): Promise<void> {
  const { db, http, now, policy } = deps;
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
  pass.sent++;
  const result = classify(outcome, op.method, now());
  switch (result.type) {
    case 'success':
      await completeOp(db, op.id, serverRowOrNull(result.body), result.replayed, versionOf(result.body));
      deps.log?.({ type: 'applied', op, replayed: result.replayed });
      break;
    case 'retry': {
      const attempts = op.attempts + 1;
      if (attempts >= policy.maxAttempts && !result.keyHeld) {
        const message = `gave up after ${attempts} attempts (${result.reason})`;
        await failOp(db, op.id, { code: 'RETRIES_EXHAUSTED', message }, true);
        deps.log?.({ type: 'failed', op, code: 'RETRIES_EXHAUSTED', message });
      } else {
        // The server still holds the op's key (its first request may yet commit, or crashed and holds the key
        // until its lock expires): that is no verdict on the op, so it never spends the last attempt.
        const spend = attempts < policy.maxAttempts;
        const delayMs = backoffDelay(policy, attempts, deps.random, result.retryAfterMs);
        await reschedule(db, op.id, now() + delayMs, spend, { code: 'RETRYING', message: result.reason }, true);
        deps.log?.({ type: 'retry', op, reason: result.reason, delayMs });
      }
      break;
    }
    case 'offline': {
      // The server is unreachable: stop this pass (other lanes would fail the same way) and wait, longer
      // each time up to OFFLINE_CAP_MS; any trigger wakes the op sooner (wakeOfflineOps).
      const waits = (op.offlineWaits ?? 0) + 1;
      const delayMs = backoffDelay({ ...policy, capMs: Math.min(policy.capMs, OFFLINE_CAP_MS) }, waits, deps.random);
      stopPass(pass, 'offline');
      await reschedule(db, op.id, now() + delayMs, false, { code: 'OFFLINE', message: result.reason }, true, waits);
      deps.log?.({ type: 'retry', op, reason: result.reason, delayMs });
      return;
    }
    case 'auth':
      stopPass(pass, 'paused-for-auth');
      await reschedule(db, op.id, op.nextAttemptAt, false, op.error);
      deps.log?.({ type: 'auth-paused', op });
      return;
    case 'abort':
      stopPass(pass, 'aborted');
      await reschedule(db, op.id, op.nextAttemptAt, false, op.error);
      return;
    case 'permanent':
      await failOp(db, op.id, { code: result.code, message: result.message, statusCode: result.statusCode }, true);
      if (result.statusCode === 409 || result.statusCode === 412) deps.log?.({ type: 'conflict', op, code: result.code });
      deps.log?.({ type: 'failed', op, code: result.code, message: result.message });
      break;
  }
  // The server answered (offline and auth returned above): the network is back, so ops that waited only for
  // it go now, in this pass's next read of the due heads. Once a pass, after this op's own bookkeeping.
  if (!pass.woke) {
    pass.woke = true;
    await wakeOfflineOps(db, now());
  }
}
