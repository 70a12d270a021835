import { orgMemberWrites, projectMemberWrites } from '../entities/members.js';
import { projectWrites } from '../entities/projects.js';
import type { WriteContext } from '../entities/write-context.js';
import { ClientValidationError, EngineClosedError, type StorageFullError } from '../errors.js';
import { DEFAULT_BACKOFF } from '../outbox/backoff.js';
import { DEFAULT_REPLAY_CONCURRENCY } from '../outbox/replay-loop.js';
import { outboxApi } from '../outbox/outbox-api.js';
import { recoverSyncing } from '../outbox/outbox-store.js';
import { pdfMetaIndex } from '../pdf/pdf-meta.js';
import { settingsApi } from '../settings/settings-api.js';
import { readCounters } from '../status/counters.js';
import { assertNothingUnsynced, clearCache } from '../storage/local-cache.js';
import { isStorageFull } from '../storage/storage-full.js';
import { SyncDatabase, databaseName } from '../storage/sync-database.js';
import { elect, type Leadership } from '../tabs/leader.js';
import { defaultLocks } from '../tabs/locks.js';
import { openTabChannel } from '../tabs/tab-channel.js';
import type { WebSocketConstructor } from '../transport/live-socket.js';
import { readToken } from '../transport/read-token.js';
import { openConnection } from './connection.js';
import { createLivePokes } from './live-pokes.js';
import { createScheduler } from './scheduler.js';
import { computeStatus, type SyncStatus } from './status.js';
import type { SyncEngine, SyncEngineOptions, SyncLogEvent } from './sync-engine.js';
import { runCycle, type CycleDeps } from './sync-cycle.js';
import { createStatusFeed } from './status-feed.js';
import { realTimers } from './timers.js';
import { attachPullTriggers, windowEvents } from './triggers.js';

/**
 * The one entry point: wiring only. Everything with a side effect (fetch, clock, timers, storage, locks,
 * channels) is an option with a default, so tests drive the same engine the app uses. Who owns what:
 * scheduler.ts (cycles never overlap), auth-gate.ts (whose token, paused or not), tabs/leader.ts (which tab
 * syncs), pull/pull-plan.ts (what a pass pulls), outbox/replay-loop.ts (what a replay sends).
 *
 *   start() ──▶ open db, recover `syncing` ops ──▶ elect: leader now, or follow until the lock frees
 *   leader: cycles on start, online, visibility, interval, after writes (replay only), when a backoff expires
 *   cycle = auth gate ─▶ replay the outbox ─▶ (if asked, or if it sent anything) run the pull plan
 *   401 anywhere ──▶ paused for auth until getToken() returns a different token
 */
/** While pokes flow, the interval pull runs at most this often: a safety net for a poke that got lost. */
const LIVE_SAFETY_INTERVAL_MS = 5 * 60_000;

const defaultWebSocket = () => (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? null;

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  if (options.replayConcurrency !== undefined && !(Number.isInteger(options.replayConcurrency) && options.replayConcurrency >= 1)) {
    throw new ClientValidationError(`replayConcurrency: a whole number >= 1, got ${String(options.replayConcurrency)}`);
  }
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const { userId } = options;
  const appName = options.appName ?? 'sync-engine';
  const db = new SyncDatabase(databaseName(appName, userId), {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
  });
  const log = (event: SyncLogEvent) => options.logger?.(event);

  const connection = openConnection(options, db, now, log);
  const { ready } = connection;

  let closed = false;
  let leadership: Leadership | null = null;
  let lastError: SyncStatus['lastError'] = null;
  let lastCompletePull = Number.NEGATIVE_INFINITY;
  const cleanups: (() => void)[] = [];
  const feed = createStatusFeed(() => engine.status());
  const emit = () => feed.emit();
  const whenOpen = async () => {
    if (closed) throw new EngineClosedError();
    await ready;
  };

  const random = options.random ?? Math.random;
  const concurrency = options.replayConcurrency ?? DEFAULT_REPLAY_CONCURRENCY;
  const cycleDeps: CycleDeps = {
    db, connection, userId, now, log, random, concurrency,
    policy: { ...DEFAULT_BACKOFF, ...options.backoff },
    dueAt: (at) => scheduler.dueAt(at),
    setError: (error) => (lastError = error),
    // While live, the interval pulls only as a safety net, counted from the last pass that pulled everything. A
    // pass that failed somewhere (a 5xx, a dropped request: the socket may well stay up) owes the change a poke
    // announced, so the interval pulls at its normal pace until a pass completes.
    pulled: (complete) => (lastCompletePull = complete ? now() : Number.NEGATIVE_INFINITY),
  };
  const scheduler = createScheduler(
    {
      run: async (request, signal) => {
        if (!leadership?.isLeader()) return;
        await ready;
        await runCycle(cycleDeps, request, signal);
      },
      // A write the device refused mid-cycle (the replay's bookkeeping): its transaction rolled back whole, and
      // the next cycle resends what it had not recorded (idempotency keys make that safe).
      onError: (error) =>
        (lastError = isStorageFull(error)
          ? { code: 'STORAGE_FULL', message: 'the device refused to store more data (storage quota exceeded)' }
          : { code: 'CYCLE_FAILED', message: error instanceof Error ? error.message : String(error) }),
      onIdle: async () => {
        // Sockets only while the credentials work: paused for auth (a 401, or no token), every pull a poke asked
        // for would be refused, and an open socket of a revoked session would still say "live". Closed until a
        // cycle verifies a new token (tokenChanged, or any trigger that finds one); they reopen with it.
        if (leadership?.isLeader() && !closed) {
          const scopes = connection.auth.paused ? [] : ['user', ...((await db.orgs.toCollection().primaryKeys()) as string[]).map((id) => `org:${id}`)];
          live?.follow(scopes);
        }
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
  // Live pokes (where a WebSocket exists): a poke or a reconnect pulls; the interval becomes a safety net.
  const WebSocketImpl = options.WebSocket === undefined ? defaultWebSocket() : options.WebSocket;
  const live = WebSocketImpl
    ? createLivePokes({
        baseUrl: options.baseUrl,
        getToken: () => readToken(options.getToken),
        WebSocket: WebSocketImpl,
        timers,
        random,
        pull: () => void sync(true),
        changed: () => void emit(),
      })
    : null;
  const intervalPull = () => {
    if (live?.isLive() && now() - lastCompletePull < LIVE_SAFETY_INTERVAL_MS) return;
    void sync(true);
  };

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
      clock: connection.clock,
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
      void elected.acquired.then(() => {
        if (closed) return;
        const events = options.events === undefined ? windowEvents() : options.events;
        cleanups.push(attachPullTriggers({ timers, intervalMs: options.pullIntervalMs ?? 60_000, events, pull: () => void sync(true), interval: intervalPull }));
        void sync(true);
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
        online: connection.online(),
        pausedForAuth: connection.auth.paused,
        live: live?.isLive() ?? false,
        leader: leadership?.isLeader() ?? false,
        clockOffsetMs: connection.offsetMs(),
        lastError,
        staleAfterMs: options.staleAfterMs ?? 5 * 60_000,
      });
    },

    subscribe: (listener) => feed.subscribe(listener),

    counters: () => readCounters(db.counters),

    async resetCache() {
      await whenOpen();
      await clearCache(db);
      await sync(true);
    },

    async close() {
      if (closed) return;
      closed = true;
      feed.close();
      live?.stop();
      const stopped = scheduler.close();
      leadership?.release();
      for (const cleanup of cleanups.splice(0)) cleanup();
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
