import type { ClientClock } from '../settings/client-clock.js';
import { openClientClock } from '../settings/persisted-clock.js';
import { bump } from '../status/counters.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import { withClockSampling } from '../transport/clock-sampling.js';
import { createHttpClient, type HttpClient } from '../transport/http-client.js';
import { trackReachability } from '../transport/reachability.js';
import { createAuthGate, type AuthGate } from './auth-gate.js';
import type { SyncEngineOptions, SyncLogEvent } from './sync-engine.js';

/** How one engine talks to the server: its transport, the clock it stamps with, and who it may send as. */
export interface Connection {
  /** Resolves once the database is open and the clock restored from it. */
  readonly ready: Promise<void>;
  readonly http: HttpClient;
  readonly auth: AuthGate;
  /** The clock (after `ready`). */
  clock(): ClientClock;
  /** The measured offset to the server's clock (0 until measured). */
  offsetMs(): number;
  online(): boolean;
}

/**
 * The transport stack, outermost first: reachability (any answer means online) ─▶ clock sampling (every
 * answer with serverTime measures the offset) ─▶ ky over the injected fetch. The auth gate sends its
 * `/api/me` checks through the same stack.
 */
export function openConnection(options: SyncEngineOptions, db: SyncDatabase, now: () => number, log: (event: SyncLogEvent) => void): Connection {
  let clock: ClientClock | null = null;
  const ready = (async () => {
    await db.open();
    clock = await openClientClock(db, now, (offsetMs) => log({ type: 'clock-drift', offsetMs }));
  })();
  const transport = createHttpClient({
    baseUrl: options.baseUrl,
    getToken: options.getToken,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
  });
  const reach = trackReachability(withClockSampling(transport, () => clock, now));
  const onPause = () => db.transaction('rw', db.counters, () => bump(db.counters, 'authPauses'));
  return {
    ready,
    http: reach.http,
    auth: createAuthGate({ userId: options.userId, getToken: options.getToken, http: reach.http, onPause }),
    clock() {
      if (!clock) throw new Error('engine not ready: await engine.ready');
      return clock;
    },
    offsetMs: () => clock?.offsetMs ?? 0,
    online: reach.online,
  };
}
