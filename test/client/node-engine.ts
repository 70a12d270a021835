import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import type { Timers } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';

/**
 * What every engine run in Node shares: fake-indexeddb (one factory per process: give each engine its own
 * `appName`), a single tab (no Web Locks, no BroadcastChannel, no window events) and no live sockets. Spread it
 * into createSyncEngine's options and override what a test needs (a test of live pokes injects `WebSocket`).
 */
export const nodeEngine = { indexedDB, IDBKeyRange, locks: noLocks, channel: null, events: null, WebSocket: null } as const;

/** Timers that never fire: only the engine's own reactions (a write, syncNow) send anything. */
export const frozenTimers: Timers = { setTimeout: () => 0, clearTimeout: () => {}, setInterval: () => 0, clearInterval: () => {} };
