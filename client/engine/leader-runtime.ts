import { DEFAULT_BACKOFF } from '../outbox/backoff.js';
import { DEFAULT_REPLAY_CONCURRENCY } from '../outbox/replay-loop.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { WebSocketConstructor } from '../transport/live-socket.js';
import { readToken } from '../transport/read-token.js';
import type { ResolvedRouteLayout } from '../transport/route-layout.js';
import { openConnection } from './connection.js';
import type { EngineClock } from './engine-clock.js';
import { createLivePokes } from './live-pokes.js';
import type { CycleRequest } from './scheduler.js';
import type { SyncStatus } from './status.js';
import type { SyncEngineOptions, SyncLogEvent } from './sync-engine.js';
import { runCycle, type CycleDeps } from './sync-cycle.js';
import type { Timers } from './timers.js';
import { attachPullTriggers, windowEvents } from './triggers.js';

/**
 * What only the leading tab runs, loaded with a dynamic import once this tab wins the sync lock
 * (load-leader-runtime.ts): the transport (ky), the auth gate, the sync cycle (replay, pull, settings push),
 * the live sockets and the pull triggers. A page renders from IndexedDB and writes to the outbox without any of
 * it, and a tab that follows never loads it at all.
 */
export interface LeaderRuntime {
  /** One sync cycle (sync-cycle.ts). */
  cycle(request: CycleRequest, signal: AbortSignal): Promise<void>;
  /** After the scheduler's cycles: hold the live sockets the credentials allow. */
  idle(): Promise<void>;
  isLive(): boolean;
  online(): boolean;
  pausedForAuth(): boolean;
  /** Sockets closed, triggers detached; idle() does nothing from now on. */
  stop(): void;
}

export interface LeaderRuntimeDeps {
  readonly options: SyncEngineOptions;
  /** `options.routes`, validated by createSyncEngine: where the transport and the live sockets send. */
  readonly routes: ResolvedRouteLayout;
  readonly db: SyncDatabase;
  readonly clock: EngineClock;
  readonly now: () => number;
  readonly timers: Timers;
  readonly random: () => number;
  readonly log: (event: SyncLogEvent) => void;
  /** Asks the scheduler for a cycle that pulls everything. */
  readonly pull: () => void;
  /** Status listeners should hear of a change (a socket opened or went down). */
  readonly changed: () => void;
  /** Arms the scheduler's due-timer for the next backoff (null: nothing waits). */
  readonly dueAt: (at: number | null) => void;
  readonly setError: (error: SyncStatus['lastError']) => void;
}

/** While pokes flow, the interval pull runs at most this often: a safety net for a poke that got lost. */
const LIVE_SAFETY_INTERVAL_MS = 5 * 60_000;

const defaultWebSocket = () => (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? null;

export function startLeaderRuntime(deps: LeaderRuntimeDeps): LeaderRuntime {
  const { options, routes, db, now, timers, random } = deps;
  const connection = openConnection(options, routes, db, deps.clock.current, now);
  let stopped = false;
  let lastCompletePull = Number.NEGATIVE_INFINITY;
  const cycleDeps: CycleDeps = {
    db,
    connection: { http: connection.http, auth: connection.auth, clock: deps.clock.clock },
    userId: options.userId,
    now,
    log: deps.log,
    random,
    policy: { ...DEFAULT_BACKOFF, ...options.backoff },
    concurrency: options.replayConcurrency ?? DEFAULT_REPLAY_CONCURRENCY,
    dueAt: deps.dueAt,
    setError: deps.setError,
    // While live, the interval pulls only as a safety net, counted from the last pass that pulled everything. A
    // pass that failed somewhere (a 5xx, a dropped request: the socket may well stay up) owes the change a poke
    // announced, so the interval pulls at its normal pace until a pass completes.
    pulled: (complete) => (lastCompletePull = complete ? now() : Number.NEGATIVE_INFINITY),
  };
  // Live pokes (where a WebSocket exists): a poke or a reconnect pulls; the interval becomes a safety net.
  const WebSocketImpl = options.WebSocket === undefined ? defaultWebSocket() : options.WebSocket;
  const live = WebSocketImpl
    ? createLivePokes({ baseUrl: options.baseUrl, routes, getToken: () => readToken(options.getToken), WebSocket: WebSocketImpl, timers, random, pull: deps.pull, changed: deps.changed })
    : null;
  const intervalPull = () => {
    if (live?.isLive() && now() - lastCompletePull < LIVE_SAFETY_INTERVAL_MS) return;
    deps.pull();
  };
  const events = options.events === undefined ? windowEvents() : options.events;
  const detach = attachPullTriggers({ timers, intervalMs: options.pullIntervalMs ?? 60_000, events, pull: deps.pull, interval: intervalPull });

  return {
    cycle: (request, signal) => runCycle(cycleDeps, request, signal),
    async idle() {
      // Sockets only while the credentials work: paused for auth (a 401, or no token), every pull a poke asked
      // for would be refused, and an open socket of a revoked session would still say "live". Closed until a
      // cycle verifies a new token (tokenChanged, or any trigger that finds one); they reopen with it.
      if (!live || stopped) return;
      const scopes = connection.auth.paused ? [] : ['user', ...((await db.orgs.toCollection().primaryKeys()) as string[]).map((id) => `org:${id}`)];
      if (!stopped) live.follow(scopes);
    },
    isLive: () => live?.isLive() ?? false,
    online: connection.online,
    pausedForAuth: () => connection.auth.paused,
    stop() {
      stopped = true;
      live?.stop();
      detach();
    },
  };
}
