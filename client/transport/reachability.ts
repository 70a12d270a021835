import type { HttpClient } from './http-client.js';

export interface Reachability {
  readonly http: HttpClient;
  /** Whether the server answered the last request that got anywhere (true until something fails). */
  online(): boolean;
}

/**
 * The engine's `online`: learned from its own traffic rather than navigator.onLine (which says only that a
 * network exists). Any HTTP answer, even an error, means the server is reachable; no answer or a timeout means
 * it is not. Requests that never left (no token, aborted) say nothing.
 */
export function trackReachability(http: HttpClient): Reachability {
  let online = true;
  return {
    online: () => online,
    http: {
      refusedToken: http.refusedToken,
      async send(request) {
        const outcome = await http.send(request);
        if (outcome.kind === 'response') online = true;
        else if (outcome.kind === 'network-error' || outcome.kind === 'timeout') online = false;
        return outcome;
      },
    },
  };
}
