import type { OrgMemberWrites, ProjectMemberWrites } from '../entities/members.js';
import type { ProjectWrites } from '../entities/projects.js';
import type { BackoffPolicy } from '../outbox/backoff.js';
import type { ReplayEvent } from '../outbox/replay-loop.js';
import type { PdfMetaIndex } from '../pdf/pdf-meta.js';
import type { SettingsEvent } from '../settings/settings-sync.js';
import type { OutboxApi } from '../outbox/outbox-api.js';
import type { SettingsApi, SettingsScopeRef } from '../settings/settings-api.js';
import type { Counters } from '../status/counters.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { ChannelLike, LockManagerLike } from '../tabs/locks.js';
import type { TokenSource } from './auth-gate.js';
import type { SyncStatus } from './status.js';
import type { WebSocketConstructor } from '../transport/live-socket.js';
import type { RouteLayout } from '../transport/route-layout.js';
import type { Timers } from './timers.js';

/** What the engine tells the app's `logger`: retries, failures, conflicts, drops, clock re-bases, pull errors. */
export type SyncLogEvent =
  | ReplayEvent
  | SettingsEvent
  | { readonly type: 'pull-error'; readonly collection: string; readonly code: string }
  /** A part of the engine loaded on demand could not load (ModuleLoadError); status.lastError shows it too. */
  | { readonly type: 'module-load-failed'; readonly module: string; readonly message: string };

/** Window-like event source for `online` and `visibilitychange`. */
export interface WindowEvents {
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

export interface SyncEngineOptions {
  /** The server's origin, optionally with a path (`https://host/app`): every route's URL starts with it. */
  readonly baseUrl: string;
  /**
   * Where the server answers each route under `baseUrl` (route-layout.ts): a base path (default `/api`) and the
   * routes that differ from the defaults, e.g. `{ basePath: '/v2/sync', projects: '/workspaces/:orgId/studies' }`.
   * Queued ops store canonical paths and follow the layout the engine runs with when they are sent, so changing
   * it strands nothing. A malformed layout throws ClientValidationError from createSyncEngine.
   */
  readonly routes?: RouteLayout;
  /** The current bearer token of `userId`; see the credentials contract in auth-gate.ts. */
  readonly getToken: TokenSource;
  readonly userId: string;
  /** Prefix of the IndexedDB database name (`<appName>-<userId>`) and of lock and channel names. */
  readonly appName?: string;
  readonly fetch?: typeof fetch;
  /** The device's wall clock; the engine corrects it by the offset it measures to the server's. */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly timers?: Timers;
  readonly locks?: LockManagerLike;
  /** Cross-tab channel factory; null disables cross-tab messages. */
  readonly channel?: ((name: string) => ChannelLike | null) | null;
  /** IndexedDB implementation (fake-indexeddb in Node tests). */
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /** Defaults to globalThis when it has addEventListener; null: no online/visibility triggers. */
  readonly events?: WindowEvents | null;
  readonly logger?: (event: SyncLogEvent) => void;
  readonly backoff?: Partial<BackoffPolicy>;
  /**
   * How many lanes of the outbox replay at once (default 4, a whole number >= 1). Each lane still sends one op
   * at a time, in order, and lanes of one org wait for each other where memberships depend on it (an org member
   * op after the org's earlier project ops, a project member op after the org's earlier org member ops); 1
   * sends one op at a time.
   */
  readonly replayConcurrency?: number;
  /** How often the leader pulls everything (default 60 s). */
  readonly pullIntervalMs?: number;
  /** A collection not pulled for this long makes `status.stale` true (default 5 min). */
  readonly staleAfterMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * Ids of queued ops and of rows created without one (default crypto.randomUUID): each call must give an id
   * never used before, as a create trusts that no row has the id it made (it does not read one).
   */
  readonly newId?: () => string;
  /**
   * WebSocket constructor for live pokes (defaults to the global one; Node 20 has none: pass `ws`'s). null
   * turns live pokes off: the engine then polls every `pullIntervalMs`.
   */
  readonly WebSocket?: WebSocketConstructor | null;
}

export type { SettingsScopeRef };

/**
 * One user's sync engine: the app's whole surface. Writes are optimistic and work offline; reads come from
 * `db` (through the React hooks, or Dexie live queries).
 */
export interface SyncEngine {
  readonly userId: string;
  /**
   * The user's IndexedDB database, for reading only (the hooks' live queries). Every write goes through the
   * methods below: a row written here directly would fall out of step with the outbox and be overwritten.
   */
  readonly db: SyncDatabase;
  /** Resolves once the database is open and the clock restored. */
  readonly ready: Promise<void>;
  readonly projects: ProjectWrites;
  readonly orgMembers: OrgMemberWrites;
  readonly projectMembers: ProjectMemberWrites;
  readonly pdfMeta: PdfMetaIndex;
  readonly settings: SettingsApi;
  readonly outbox: OutboxApi;
  /** Opens the database, recovers interrupted ops and, once this tab holds the sync lock, starts syncing. */
  start(): Promise<void>;
  /**
   * One full cycle now (replay, then pull everything), resolved when done. In a tab that does not lead, it asks
   * the leading tab to sync instead and resolves at once; the result arrives through the shared database.
   */
  syncNow(): Promise<void>;
  /** Call when the app has a fresh token: a queue paused by a 401 resumes. */
  tokenChanged(): void;
  status(): Promise<SyncStatus>;
  /** Called with the status after every cycle and write; returns the unsubscribe function. */
  subscribe(listener: (status: SyncStatus) => void): () => void;
  counters(): Promise<Counters>;
  /**
   * Drops every cached row and cursor (queued ops and unsynced settings stay) and pulls afresh. Resolves after
   * one cycle, as syncNow does: if the network fails that cycle, the rows come back with the next ones.
   */
  resetCache(): Promise<void>;
  /** Stops syncing in this tab (the database stays). */
  close(): Promise<void>;
  /**
   * Signs this user out of the cache: refuses while changes are unsynced unless told to discard them, aborts
   * what is in flight, deletes the user's database and tells the other tabs.
   */
  logout(opts?: { discardPending?: boolean }): Promise<void>;
}
