import { type SettingScope } from '../../shared/index.js';
import { orgMemberWrites, projectMemberWrites } from '../entities/members.js';
import { projectWrites } from '../entities/projects.js';
import type { WriteContext } from '../entities/write-context.js';
import { EngineClosedError, SyncClientError, UnsyncedChangesError } from '../errors.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../outbox/backoff.js';
import { discardOp, recomputeAll, recoverSyncing, retryOp } from '../outbox/outbox-store.js';
import { drain, type ReplayEvent } from '../outbox/replay-loop.js';
import { pdfMetaIndex } from '../pdf/pdf-meta.js';
import { orgMembersCollection, orgsCollection, projectMembersCollection, projectsCollection } from '../pull/collections.js';
import { pullCollection, type PullResult } from '../pull/pull-collection.js';
import { ClientClock } from '../settings/client-clock.js';
import { withClockSampling } from '../transport/clock-sampling.js';
import { pullSettings, pushSettings, writeSetting, type SettingsEvent } from '../settings/settings-sync.js';
import { bump, readCounters, type Counters } from '../status/counters.js';
import type { LocalOp } from '../storage/rows.js';
import { SyncDatabase, databaseName } from '../storage/sync-database.js';
import { defaultChannel, defaultLocks, type ChannelLike, type LockManagerLike } from '../tabs/locks.js';
import { createHttpClient, type SendOutcome } from '../transport/http-client.js';
import { computeStatus, type SyncStatus } from './status.js';

export type SyncLogEvent = ReplayEvent | SettingsEvent | { readonly type: 'pull-error'; readonly collection: string; readonly code: string };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface SyncEngineOptions {
  readonly baseUrl: string;
  /** The current Better Auth bearer token of `userId` (null while signed out). */
  readonly getToken: () => string | null | undefined | Promise<string | null | undefined>;
  readonly userId: string;
  readonly appName?: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly timers?: Timers;
  readonly locks?: LockManagerLike;
  /** Cross-tab channel factory; null disables cross-tab messages. */
  readonly channel?: ((name: string) => ChannelLike | null) | null;
  /** IndexedDB implementation (fake-indexeddb in Node tests). */
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /** Window-like event source for `online` and `visibilitychange`; defaults to globalThis when it has one. */
  readonly events?: { addEventListener(type: string, fn: () => void): void; removeEventListener(type: string, fn: () => void): void } | null;
  readonly logger?: (event: SyncLogEvent) => void;
  readonly backoff?: Partial<BackoffPolicy>;
  readonly pullIntervalMs?: number;
  readonly staleAfterMs?: number;
  readonly requestTimeoutMs?: number;
  readonly newId?: () => string;
}

/** Where a setting lives: the user's own, or an org's. */
export type SettingsScopeRef = 'user' | { readonly orgId: string };

type EventSource = NonNullable<SyncEngineOptions['events']>;

/** The browser window (for `online` and `visibilitychange`), or nothing outside a browser. */
function windowEvents(): EventSource | null {
  const target = globalThis as unknown as Partial<EventSource>;
  return typeof target.addEventListener === 'function' ? (target as EventSource) : null;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/**
 * The one entry point. Everything with a side effect (fetch, clock, timers, storage, locks, channels) is an
 * option with a default, so tests drive the same engine the app uses.
 *
 *   start() ──▶ open db, recover `syncing` ops ──▶ wait for the tab lock ──▶ leader: cycles on start, online,
 *   visibility, interval, after writes (replay only) and when a backoff expires.
 *   cycle = verify the token's user ─▶ replay the outbox ─▶ (if asked, or if it sent anything) pull everything
 *   401 anywhere ──▶ paused for auth until getToken() returns a different token
 */
export function createSyncEngine(options: SyncEngineOptions) {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const timers = options.timers ?? realTimers;
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const userId = options.userId;
  const appName = options.appName ?? 'sync-engine';
  const newId = options.newId ?? (() => crypto.randomUUID());
  const db = new SyncDatabase(databaseName(appName, userId), {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
  });

  const controller = new AbortController();
  let closed = false;
  let leader = false;
  let online = true;
  let pausedForAuth = false;
  let tokenAtPause: string | null = null;
  let verifiedToken: string | null = null;
  let lastError: { code: string; message: string } | null = null;
  let clock: ClientClock | null = null;
  const listeners = new Set<(status: SyncStatus) => void>();
  const cleanups: (() => void)[] = [];

  // Every response that carries serverTime measures the offset to the server's clock (both directions).
  const rawHttp = withClockSampling(
    createHttpClient({
      baseUrl: options.baseUrl,
      getToken: options.getToken,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
    }),
    () => clock,
    now,
  );
  // Every outcome tells us whether the server is reachable.
  const http = {
    lastToken: rawHttp.lastToken,
    async send(request: Parameters<typeof rawHttp.send>[0]): Promise<SendOutcome> {
      const outcome = await rawHttp.send(request);
      if (outcome.kind === 'response') online = true;
      else if (outcome.kind === 'network-error' || outcome.kind === 'timeout') online = false;
      return outcome;
    },
  };

  const log = (event: SyncLogEvent) => options.logger?.(event);
  const ready = (async () => {
    await db.open();
    const [last, offset] = await db.meta.bulkGet(['hlcLast', 'clockOffset']);
    clock = new ClientClock({
      wall: now,
      last: (last?.value as string | undefined) ?? null,
      offsetMs: (offset?.value as number | undefined) ?? 0,
      // Persisted so writes made offline after a reload are stamped on corrected time too.
      onRebase: (offsetMs) => {
        log({ type: 'clock-drift', offsetMs });
        db.meta.put({ key: 'clockOffset', value: offsetMs }).catch(() => {});
      },
    });
  })();
  const getClock = () => {
    if (!clock) throw new Error('engine not ready: await engine.ready');
    return clock;
  };
  const assertOpen = () => {
    if (closed) throw new EngineClosedError();
  };

  // ── scheduling ────────────────────────────────────────────────────────────────────────────────────────
  let running: Promise<void> | null = null;
  let rerun: { pull: boolean } | null = null;
  let dueTimer: unknown = null;

  const emit = async () => {
    if (listeners.size === 0 || closed) return;
    const status = await engine.status();
    for (const listener of listeners) listener(status);
  };

  async function verifyToken(): Promise<boolean> {
    const token = (await options.getToken()) ?? null;
    if (pausedForAuth) {
      if (token === null || token === tokenAtPause) return false;
      pausedForAuth = false;
    }
    if (token !== null && token === verifiedToken) return true;
    // A new token: make sure it is this user's before any op goes out with it.
    const outcome = await http.send({ method: 'GET', path: '/api/me', signal: controller.signal });
    if (outcome.kind === 'response' && outcome.status === 200) {
      const id = (outcome.body as { user?: { id?: string } } | null)?.user?.id;
      if (id === userId) {
        verifiedToken = token;
        return true;
      }
      lastError = { code: 'TOKEN_USER_MISMATCH', message: 'the token belongs to another user: nothing is sent with it' };
      await pauseForAuth();
      return false;
    }
    if (outcome.kind === 'response' && outcome.status === 401) {
      await pauseForAuth();
      return false;
    }
    if (outcome.kind === 'no-token') {
      await pauseForAuth();
      return false;
    }
    return false; // offline or server trouble: try again on the next trigger
  }

  async function pauseForAuth() {
    if (!pausedForAuth) await db.transaction('rw', db.counters, () => bump(db.counters, 'authPauses'));
    pausedForAuth = true;
    tokenAtPause = rawHttp.lastToken();
    verifiedToken = null;
  }

  async function pullEverything(): Promise<void> {
    const signal = controller.signal;
    const deps = { db, http, userId, signal };
    const handle = async (collection: string, result: PullResult | { state: string; code?: string }) => {
      if (result.state === 'auth') {
        await pauseForAuth();
        return false;
      }
      if (result.state === 'error') {
        lastError = { code: (result as { code: string }).code, message: `pull ${collection} failed` };
        log({ type: 'pull-error', collection, code: lastError.code });
      }
      return result.state !== 'aborted';
    };
    if (!(await handle('orgs', await pullCollection(deps, orgsCollection())))) return;
    const settingsDeps = { db, http, clock: getClock(), now, log, signal };
    if (!(await handle('settings:user', await pushSettings(settingsDeps, 'user', userId)))) return;
    if (!(await handle('settings:user', await pullSettings(settingsDeps, 'user', userId)))) return;
    for (const org of await db.orgs.toArray()) {
      if (!(await handle(`orgMembers:${org.id}`, await pullCollection(deps, orgMembersCollection(org.id))))) return;
      if (!(await handle(`projects:${org.id}`, await pullCollection(deps, projectsCollection(org.id))))) return;
      if (org.role !== 'member' && !(await handle(`settings:org:${org.id}`, await pushSettings(settingsDeps, 'org', org.id)))) return;
      if (!(await handle(`settings:org:${org.id}`, await pullSettings(settingsDeps, 'org', org.id)))) return;
      for (const project of await db.projects.where('orgId').equals(org.id).toArray()) {
        // A project created offline has no members on the server until its create op lands.
        if (await db.shadows.get(`projects:${project.id}`)) continue;
        if (!(await handle(`projectMembers:${project.id}`, await pullCollection(deps, projectMembersCollection(org.id, project.id))))) return;
      }
    }
  }

  async function cycleOnce(pull: boolean): Promise<void> {
    if (closed || !leader) return;
    await ready;
    if (!(await verifyToken())) return;
    const result = await drain({ db, http, userId, now, random, policy, signal: controller.signal, log });
    if (result.state === 'paused-for-auth') {
      await pauseForAuth();
      return;
    }
    if (result.state === 'aborted') return;
    if (dueTimer !== null) timers.clearTimeout(dueTimer);
    if (result.state === 'offline') {
      dueTimer = result.nextDueAt === null ? null : timers.setTimeout(() => void schedule(false), Math.max(0, result.nextDueAt - now()));
      return;
    }
    dueTimer = result.nextDueAt === null ? null : timers.setTimeout(() => void schedule(false), Math.max(0, result.nextDueAt - now()));
    if (pull || result.sent > 0) {
      lastError = null;
      await pullEverything();
    }
  }

  /** Runs a cycle now, or once more after the running one: cycles never overlap. */
  function schedule(pull: boolean): Promise<void> {
    if (closed) return Promise.resolve();
    if (running) {
      rerun = { pull: (rerun?.pull ?? false) || pull };
      return running;
    }
    running = (async () => {
      let next: { pull: boolean } | null = { pull };
      while (next && !closed) {
        rerun = null;
        try {
          await cycleOnce(next.pull);
        } catch (error) {
          if (closed) break;
          lastError = { code: 'CYCLE_FAILED', message: error instanceof Error ? error.message : String(error) };
        }
        next = rerun;
      }
      running = null;
      await emit();
    })();
    return running;
  }

  const ctx: WriteContext = {
    db,
    userId,
    now,
    newId,
    kick: () => {
      void schedule(false);
      void emit();
    },
  };

  const channel = options.channel === null ? null : (options.channel ?? defaultChannel)(`${appName}:${userId}`);
  channel?.addEventListener('message', (event) => {
    if ((event.data as { type?: string } | null)?.type === 'logout') void engine.close();
  });

  const settingsScope = (ref: SettingsScopeRef): { scope: SettingScope; scopeId: string } =>
    ref === 'user' ? { scope: 'user', scopeId: userId } : { scope: 'org', scopeId: ref.orgId };

  const engine = {
    userId,
    db,
    ready,
    projects: projectWrites(ctx),
    orgMembers: orgMemberWrites(ctx),
    projectMembers: projectMemberWrites(ctx),
    pdfMeta: pdfMetaIndex(db, now),
    settings: {
      /** Stamps and stores locally; pushed with the next sync. Throws ClientValidationError for bad input. */
      async set(ref: SettingsScopeRef, key: string, value: unknown): Promise<{ key: string; value: unknown; hlc: string }> {
        assertOpen();
        await ready;
        const { scope, scopeId } = settingsScope(ref);
        if (scope === 'org') {
          // Org settings are written by org admins and owners; anyone else's write could never be pushed.
          const org = await db.orgs.get(scopeId);
          if (!org || org.role === 'member') throw new SyncClientError('AUTH_FORBIDDEN', 'only org admins and owners change org settings');
        }
        const row = await writeSetting({ db, clock: getClock(), now }, scope, scopeId, key, value);
        void emit();
        void schedule(true);
        return { key: row.key, value: row.value, hlc: row.hlc };
      },
      async get(ref: SettingsScopeRef, key: string): Promise<unknown> {
        const { scope, scopeId } = settingsScope(ref);
        return (await db.settings.get([scope, scopeId, key]))?.value ?? null;
      },
    },
    outbox: {
      list: async (): Promise<LocalOp[]> => (await db.ops.orderBy('order').toArray()).filter((op) => op.status !== 'applied'),
      retry: async (opId: string) => {
        const done = await retryOp(db, opId, now());
        ctx.kick();
        return done;
      },
      discard: async (opId: string) => {
        const done = await discardOp(db, opId);
        void emit();
        return done;
      },
    },

    /** Opens the database, recovers interrupted ops and, once this tab holds the sync lock, starts syncing. */
    async start(): Promise<void> {
      assertOpen();
      await ready;
      await recoverSyncing(db);
      const locks = options.locks ?? defaultLocks();
      const lockName = `${appName}:sync:${userId}`;
      const lead = async () => {
        leader = true;
        await new Promise<void>((release) => cleanups.push(release));
      };
      // Take the lock now if it is free, so start() resolves as leader; otherwise queue for it and follow.
      const lockTaken = new Promise<void>((resolve) => {
        void locks
          .request(lockName, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
            if (lock === null || closed) return resolve();
            const holding = lead();
            resolve();
            await holding;
          })
          .catch(() => resolve());
      });
      await lockTaken;
      const becameLeader = leader
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            void locks
              .request(lockName, { mode: 'exclusive', signal: controller.signal }, async () => {
                if (closed) return;
                const holding = lead();
                resolve();
                await holding;
              })
              .catch(() => undefined);
          });
      // Followers do not wait for the lock: they read through live queries and take over when it frees.
      void becameLeader.then(() => {
        if (!leader || closed) return;
        const interval = timers.setInterval(() => void schedule(true), options.pullIntervalMs ?? 60_000);
        cleanups.push(() => timers.clearInterval(interval));
        const events = options.events === undefined ? windowEvents() : options.events;
        if (events) {
          const onOnline = () => void schedule(true);
          const onVisible = () => {
            if ((globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== 'hidden') void schedule(true);
          };
          events.addEventListener('online', onOnline);
          events.addEventListener('visibilitychange', onVisible);
          cleanups.push(() => {
            events.removeEventListener('online', onOnline);
            events.removeEventListener('visibilitychange', onVisible);
          });
        }
        void schedule(true);
      });
    },

    /** One full cycle now (replay, then pull everything), resolved when done. */
    async syncNow(): Promise<void> {
      assertOpen();
      await schedule(true);
    },

    /** Call when the app has a fresh token: a queue paused by a 401 resumes. */
    tokenChanged(): void {
      void schedule(true);
    },

    async status(): Promise<SyncStatus> {
      await ready;
      return computeStatus(db, {
        now: now(),
        online,
        pausedForAuth,
        leader,
        clockOffsetMs: clock?.offsetMs ?? 0,
        lastError,
        staleAfterMs: options.staleAfterMs ?? 5 * 60_000,
      });
    },

    subscribe(listener: (status: SyncStatus) => void): () => void {
      listeners.add(listener);
      void engine.status().then((s) => listeners.has(listener) && listener(s));
      return () => listeners.delete(listener);
    },

    counters: (): Promise<Counters> => readCounters(db.counters),

    /** Drops every cached row and cursor (queued ops and unsynced settings stay) and pulls afresh. */
    async resetCache(): Promise<void> {
      assertOpen();
      await ready;
      await db.transaction('rw', [db.orgs, db.orgMembers, db.projects, db.projectMembers, db.syncState, db.settings, db.shadows, db.ops, db.counters, db.meta], async () => {
        await Promise.all([db.orgs.clear(), db.orgMembers.clear(), db.projects.clear(), db.projectMembers.clear(), db.syncState.clear()]);
        await db.settings.filter((s) => s.dirty === 0).delete();
        await recomputeAll(db);
      });
      await schedule(true);
    },

    /** Stops syncing in this tab (the database stays). */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      controller.abort();
      if (dueTimer !== null) timers.clearTimeout(dueTimer);
      for (const cleanup of cleanups.splice(0)) cleanup();
      await running?.catch(() => undefined);
      channel?.close();
      db.close();
    },

    /**
     * Signs this user out of the cache: refuses while changes are unsynced unless told to discard them, aborts
     * what is in flight, deletes the user's database and tells the other tabs.
     */
    async logout(opts: { discardPending?: boolean } = {}): Promise<void> {
      await ready;
      if (!opts.discardPending) {
        const pendingOps = await db.ops.filter((op) => op.status !== 'applied').count();
        const dirtySettings = await db.settings.where('dirty').equals(1).count();
        if (pendingOps > 0 || dirtySettings > 0) throw new UnsyncedChangesError(pendingOps, dirtySettings);
      }
      channel?.postMessage({ type: 'logout' });
      await engine.close();
      await db.delete();
    },
  };
  return engine;
}

export type SyncEngine = ReturnType<typeof createSyncEngine>;
