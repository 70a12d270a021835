import type { ClientClock } from '../settings/client-clock.js';
import { openClientClock } from '../settings/persisted-clock.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { SyncLogEvent } from './sync-engine.js';

/** The engine's local side: the database opened and the clock it stamps with restored from it. */
export interface EngineClock {
  /** Resolves once the database is open and the clock restored from it. */
  readonly ready: Promise<void>;
  /** The clock (after `ready`). */
  clock(): ClientClock;
  /** The clock while `ready` is pending is null: transports sample the offset only once it exists. */
  current(): ClientClock | null;
  /** The measured offset to the server's clock (0 until measured). */
  offsetMs(): number;
}

/**
 * Every tab needs this much before its first write, leader or not (settings are stamped locally); the transport
 * that talks to the server is the leader's alone and loads with it (leader-runtime.ts).
 */
export function openEngineClock(db: SyncDatabase, now: () => number, log: (event: SyncLogEvent) => void): EngineClock {
  let clock: ClientClock | null = null;
  const ready = (async () => {
    await db.open();
    clock = await openClientClock(db, now, (offsetMs) => log({ type: 'clock-drift', offsetMs }));
  })();
  return {
    ready,
    clock() {
      if (!clock) throw new Error('engine not ready: await engine.ready');
      return clock;
    },
    current: () => clock,
    offsetMs: () => clock?.offsetMs ?? 0,
  };
}
