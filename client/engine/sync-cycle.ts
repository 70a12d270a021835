import type { BackoffPolicy } from '../outbox/backoff.js';
import { recoverSyncing } from '../outbox/outbox-store.js';
import { wakeOfflineOps } from '../outbox/replay-store.js';
import { drain } from '../outbox/replay-loop.js';
import { pullPlan, runPlan } from '../pull/pull-plan.js';
import type { ClientClock } from '../settings/client-clock.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { HttpClient } from '../transport/http-client.js';
import type { AuthGate } from './auth-gate.js';
import type { CycleRequest } from './scheduler.js';
import type { SyncStatus } from './status.js';
import type { SyncLogEvent } from './sync-engine.js';

export interface CycleDeps {
  readonly db: SyncDatabase;
  /** The transport, the auth gate and the clock (connection.ts). */
  readonly connection: { readonly http: HttpClient; readonly auth: AuthGate; clock(): ClientClock };
  readonly userId: string;
  readonly now: () => number;
  readonly random: () => number;
  readonly policy: BackoffPolicy;
  /** How many lanes the replay sends at once (the engine's `replayConcurrency`). */
  readonly concurrency: number;
  readonly log: (event: SyncLogEvent) => void;
  /** Arms the scheduler's due-timer for the next backoff (null: nothing waits). */
  readonly dueAt: (at: number | null) => void;
  /** What status.lastError shows: set on trouble, cleared when a pass starts clean. */
  readonly setError: (error: SyncStatus['lastError']) => void;
  /** A pull pass ended: `complete` when every collection pulled (while live, the safety interval counts from it). */
  readonly pulled: (complete: boolean) => void;
}

/**
 * One sync cycle of the leading tab:
 *
 *   auth gate ──not verified──▶ stop (paused, another user's token, or unreachable)
 *       │ verified
 *   replay the outbox ──401──▶ pause for auth     ──offline──▶ stop (the due-timer retries)
 *       │ drained
 *   pull plan, if asked or if the replay sent anything (the server's answers may have changed other rows)
 */
export async function runCycle(deps: CycleDeps, request: CycleRequest, signal: AbortSignal): Promise<void> {
  const { db, userId, now } = deps;
  const { http, auth } = deps.connection;
  const verdict = await auth.verify(signal);
  if (verdict.state === 'mismatch') deps.setError({ code: 'TOKEN_USER_MISMATCH', message: 'the token belongs to another user: nothing is sent with it' });
  if (verdict.state !== 'verified') return;
  // Cycles never overlap and only the leading tab runs them, so an op still `syncing` now was left by a cycle
  // that died after sending it: its bookkeeping was refused (a full disk) or the tab that sent it was killed
  // before this one took the lead. Back to pending; its idempotency key makes the resend apply at most once.
  await recoverSyncing(db);
  if (request.wake) await wakeOfflineOps(db, now());
  const replay = await drain({ db, http, userId, now, random: deps.random, policy: deps.policy, concurrency: deps.concurrency, signal, log: deps.log });
  if (replay.state === 'paused-for-auth') return auth.pause();
  if (replay.state === 'aborted') return;
  deps.dueAt(replay.nextDueAt);
  if (replay.state === 'offline' || !(request.pull || replay.sent > 0)) return;
  deps.setError(null);
  let complete = true;
  const pass = await runPlan(pullPlan({ db, http, userId, clock: deps.connection.clock(), now, signal, log: deps.log }), (collection, failed) => {
    complete = false;
    deps.setError({ code: failed.code, message: `pull ${collection} failed` });
    deps.log({ type: 'pull-error', collection, code: failed.code });
  });
  deps.pulled(complete && pass.state === 'done');
  if (pass.state === 'auth') await auth.pause();
}
