import { orgMemberWrites, projectMemberWrites } from '../entities/members.js';
import { projectWrites } from '../entities/projects.js';
import type { WriteContext } from '../entities/write-context.js';
import { ClientValidationError, EngineClosedError, ModuleLoadError, type StorageFullError } from '../errors.js';
import { outboxApi } from '../outbox/outbox-api.js';
import { enqueuedCount, recoverSyncing } from '../outbox/outbox-store.js';
import { pdfMetaIndex } from '../pdf/pdf-meta.js';
import { settingsApi } from '../settings/settings-api.js';
import { readCounters } from '../status/counters.js';
import { assertNothingUnsynced, clearCache } from '../storage/local-cache.js';
import { isStorageFull } from '../storage/storage-full.js';
import { SyncDatabase, databaseName } from '../storage/sync-database.js';
import { elect, type Leadership } from '../tabs/leader.js';
import { defaultLocks } from '../tabs/locks.js';
import { openTabChannel } from '../tabs/tab-channel.js';
import { resolveRouteLayout } from '../transport/route-layout.js';
import { openEngineClock } from './engine-clock.js';
import type { LeaderRuntime } from './leader-runtime.js';
import { loadLeaderRuntime } from './load-leader-runtime.js';
import { createScheduler } from './scheduler.js';
import { computeStatus, type SyncStatus } from './status.js';
import type { SyncEngine, SyncEngineOptions, SyncLogEvent } from './sync-engine.js';
import { createStatusFeed } from './status-feed.js';
import { realTimers } from './timers.js';

/**
 * The one entry point: wiring only. Everything with a side effect (fetch, clock, timers, storage, locks,
 * channels) is an option with a default, so tests drive the same engine the app uses. Who owns what:
 * scheduler.ts (cycles never overlap), auth-gate.ts (whose token, paused or not), tabs/leader.ts (which tab
 * syncs), leader-runtime.ts (what only the leading tab loads and runs), pull/pull-plan.ts (what a pass pulls),
 * outbox/replay-loop.ts (what a replay sends).
 *
 *   start() ──▶ open db, recover `syncing` ops ──▶ elect: leader now, or follow until the lock frees
 *   leader's first cycle ──▶ import the leader runtime (its own chunk) ──fails──▶ MODULE_LOAD_FAILED, next cycle retries
 *   leader: cycles on start, online, visibility, interval, after writes (replay only), when a backoff expires
 *   cycle = auth gate ─▶ replay the outbox ─▶ (if asked, or if it sent anything) run the pull plan
 *   401 anywhere ──▶ paused for auth until getToken() returns a different token
 */
/** The first wait before asking again for a leader runtime that could not load, and the longest. */
const LOAD_RETRY_MS = 5_000;
const LOAD_RETRY_CAP_MS = 60_000;

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  if (options.replayConcurrency !== undefined && !(Number.isInteger(options.replayConcurrency) && options.replayConcurrency >= 1)) {
    throw new ClientValidationError(`replayConcurrency: a whole number >= 1, got ${String(options.replayConcurrency)}`);
  }
  // Checked here, not when the leader first sends: a malformed layout is the app's bug, refused at once.
  const routes = resolveRouteLayout(options.routes);
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const { userId } = options;
  const appName = options.appName ?? 'sync-engine';
  const db = new SyncDatabase(databaseName(appName, userId), {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
  });
  const log = (event: SyncLogEvent) => options.logger?.(event);

  const clock = openEngineClock(db, now, log);
  const { ready } = clock;

  let closed = false;
  let leadership: Leadership | null = null;
  let lastError: SyncStatus['lastError'] = null;
  /** The leader's machinery, once loaded and started (leader-runtime.ts); null in a tab that never led. */
  let runtime: LeaderRuntime | null = null;
  let loading: Promise<LeaderRuntime> | null = null;
  const feed = createStatusFeed(() => engine.status());
  const emit = () => feed.emit();
  const whenOpen = async () => {
    if (closed) throw new EngineClosedError();
    await ready;
  };

  const random = options.random ?? Math.random;
  /**
   * A runtime that could not load (the chunk unreachable: an installed app started offline, a deploy that removed
   * it) is asked for again after a growing wait, LOAD_RETRY_MS doubling up to LOAD_RETRY_CAP_MS: the pull triggers
   * (online, visibility, interval) belong to the runtime, so without this only a write would ever try again.
   */
  let loadFailures = 0;
  let loadRetry: unknown = null;
  const retryLoad = () => {
    if (closed || loadRetry !== null) return;
    const delay = Math.min(LOAD_RETRY_CAP_MS, LOAD_RETRY_MS * 2 ** loadFailures++);
    loadRetry = timers.setTimeout(() => {
      loadRetry = null;
      if (!closed) void sync(true);
    }, delay);
  };
  /** Loads and starts the runtime once; a failed load is forgotten so the next cycle asks again. */
  const leaderRuntime = (): Promise<LeaderRuntime> =>
    runtime
      ? Promise.resolve(runtime)
      : (loading ??= loadLeaderRuntime()
          .then(({ startLeaderRuntime }) => {
            if (closed) throw new EngineClosedError();
            return (runtime = startLeaderRuntime({
              options, routes, db, clock, now, timers, random, log,
              pull: () => void sync(true),
              changed: () => void emit(),
              dueAt: (at) => scheduler.dueAt(at),
              setError: (error) => (lastError = error),
            }));
          })
          .then((started) => {
            loadFailures = 0;
            return started;
          })
          .catch((error: unknown) => {
            if (error instanceof ModuleLoadError) {
              log({ type: 'module-load-failed', module: error.module, message: error.message });
              retryLoad();
            }
            throw error;
          })
          .finally(() => (loading = null)));
  const scheduler = createScheduler(
    {
      run: async (request, signal) => {
        if (!leadership?.isLeader()) return;
        await ready;
        await (await leaderRuntime()).cycle(request, signal);
      },
      // A write the device refused mid-cycle (the replay's bookkeeping): its transaction rolled back whole, and
      // the next cycle resends what it had not recorded (idempotency keys make that safe). A runtime that could
      // not load shows as MODULE_LOAD_FAILED until a later cycle loads it.
      onError: (error) =>
        (lastError = isStorageFull(error)
          ? { code: 'STORAGE_FULL', message: 'the device refused to store more data (storage quota exceeded)' }
          : error instanceof ModuleLoadError
            ? { code: error.code, message: error.message }
            : { code: 'CYCLE_FAILED', message: error instanceof Error ? error.message : String(error) }),
      onIdle: async () => {
        if (leadership?.isLeader() && !closed) await runtime?.idle();
        await emit();
      },
    },
    timers,
    now,
  );
  /**
   * `wake`: the trigger may mean the network is back (online, visibility, a poke, syncNow), so ops waiting only
   * for it go now. A write is no such sign: it replays its own op, and the first answer from the server wakes the
   * rest (replay-loop). Waking every waiting op on every offline write made queueing N writes offline cost O(N²).
   */
  const sync = (pull: boolean, wake = true) => scheduler.request({ pull, wake });

  /** A local write refused for lack of storage: the caller got StorageFullError, the status shows it too. */
  const storageFull = (error: StorageFullError) => {
    lastError = { code: error.code, message: error.message };
    void emit();
  };
  const ctx: WriteContext = {
    db,
    userId,
    now,
    newId: options.newId ?? (() => crypto.randomUUID()),
    kick: () => written(false),
    storageFull,
  };

  const channel = openTabChannel(options.channel, `${appName}:${userId}`, (message) => {
    if (message.type === 'logout') void engine.close();
    // A follower's write asks for replay only; its syncNow asks for a pull, and wakes like our own.
    else if (leadership?.isLeader()) void sync(message.pull, message.pull);
  });
  /** A write was queued in this tab: replay soon here if we lead, and tell the leader if another tab does. */
  const written = (pull: boolean) => {
    void sync(pull, false);
    if (!leadership?.isLeader()) channel.post({ type: 'kick', pull });
    void emit();
  };

  const engine: SyncEngine = {
    userId,
    db,
    ready,
    projects: projectWrites(ctx),
    orgMembers: orgMemberWrites(ctx),
    projectMembers: projectMemberWrites(ctx),
    pdfMeta: pdfMetaIndex(db, now),
    settings: settingsApi({
      db,
      userId,
      now,
      clock: clock.clock,
      before: whenOpen,
      written: () => written(true),
      storageFull,
    }),
    // A discard frees the lane its op held: the ops queued behind it go now (replay only), like after a retry.
    outbox: outboxApi(db, now, { retried: ctx.kick, discarded: ctx.kick, storageFull }),

    async start() {
      await whenOpen();
      await recoverSyncing(db);
      const elected = await elect(options.locks ?? defaultLocks(), `${appName}:sync:${userId}`);
      leadership = elected;
      if (closed) return elected.release();
      // Followers do not wait for the lock: they read through live queries and take over when it frees.
      // The leader's first cycle loads its runtime, which attaches the pull triggers and opens the live sockets.
      void elected.acquired.then(() => {
        if (!closed) void sync(true);
      });
    },

    async syncNow() {
      if (closed) throw new EngineClosedError();
      // A follower does not sync itself: it asks the leading tab to (the result arrives through IndexedDB).
      if (leadership && !leadership.isLeader()) channel.post({ type: 'kick', pull: true });
      await sync(true);
    },

    tokenChanged() {
      void sync(true);
    },

    async status() {
      await ready;
      return computeStatus(db, {
        now: now(),
        // Until this tab leads and its runtime runs, nothing was sent: online, not paused, no sockets.
        online: runtime?.online() ?? true,
        pausedForAuth: runtime?.pausedForAuth() ?? false,
        live: runtime?.isLive() ?? false,
        leader: leadership?.isLeader() ?? false,
        clockOffsetMs: clock.offsetMs(),
        lastError,
        staleAfterMs: options.staleAfterMs ?? 5 * 60_000,
      });
    },

    subscribe: (listener) => feed.subscribe(listener),

    // `enqueued` is not written per op: it is the highest op order ever given (outbox-store.ts).
    counters: () => db.transaction('r', db.ops, db.counters, async () => ({ ...(await readCounters(db.counters)), enqueued: await enqueuedCount(db) })),

    async resetCache() {
      await whenOpen();
      await clearCache(db);
      await sync(true);
    },

    async close() {
      if (closed) return;
      closed = true;
      feed.close();
      runtime?.stop();
      if (loadRetry !== null) timers.clearTimeout(loadRetry);
      const stopped = scheduler.close();
      leadership?.release();
      await stopped;
      channel.close();
      db.close();
    },

    async logout(opts = {}) {
      await ready;
      if (!opts.discardPending) await assertNothingUnsynced(db);
      channel.post({ type: 'logout' });
      await engine.close();
      await db.delete();
    },
  };
  return engine;
}
