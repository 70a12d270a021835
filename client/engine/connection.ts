import type { ClientClock } from '../settings/client-clock.js';
import { bump } from '../status/counters.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import { withClockSampling } from '../transport/clock-sampling.js';
import { createHttpClient, type HttpClient } from '../transport/http-client.js';
import { trackReachability } from '../transport/reachability.js';
import type { ResolvedRouteLayout } from '../transport/route-layout.js';
import { createAuthGate, type AuthGate } from './auth-gate.js';
import type { SyncEngineOptions } from './sync-engine.js';

/** How the leading tab talks to the server: its transport and who it may send as. */
export interface Connection {
  readonly http: HttpClient;
  readonly auth: AuthGate;
  online(): boolean;
}

/**
 * The transport stack, outermost first: reachability (any answer means online) ─▶ clock sampling (every
 * answer with serverTime measures the offset) ─▶ ky over the injected fetch, which sends each canonical path
 * where `routes` puts it. The auth gate sends its `me` checks through the same stack. `clock` is a getter: null
 * until the database is open.
 */
export function openConnection(options: SyncEngineOptions, routes: ResolvedRouteLayout, db: SyncDatabase, clock: () => ClientClock | null, now: () => number): Connection {
  const transport = createHttpClient({
    baseUrl: options.baseUrl,
    routes,
    getToken: options.getToken,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
  });
  const reach = trackReachability(withClockSampling(transport, clock, now));
  const onPause = () => db.transaction('rw', db.counters, () => bump(db.counters, 'authPauses'));
  return {
    http: reach.http,
    auth: createAuthGate({ userId: options.userId, getToken: options.getToken, http: reach.http, onPause }),
    online: reach.online,
  };
}
