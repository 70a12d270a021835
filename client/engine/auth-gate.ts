import type { HttpClient } from '../transport/http-client.js';
import { readToken, type TokenSource } from '../transport/read-token.js';

/**
 * The credentials contract: what the engine expects of the app's `getToken` (after powersync's backend
 * connector).
 * - It returns the current bearer token of the engine's user: Better Auth's signed `set-auth-token` value.
 * - null or undefined means signed out: the queue pauses, nothing is sent, nothing is lost.
 * - A throw means it could not produce one just now (a refresh failed): the same as null, so a broken refresh
 *   never sends a request without credentials.
 * - The app calls `engine.tokenChanged()` when it has a new token; a queue paused by a 401 resumes only with a
 *   token different from the one that was refused.
 * Every new token is checked with `GET /api/me` (the `me` route of the app's layout) before any op goes out with
 * it: ops are only ever sent with their own user's token.
 */
export type { TokenSource };

/** The gate's answer before a cycle sends anything. */
export type AuthVerdict =
  | { readonly state: 'verified' }
  /** Paused for auth (signed out, 401, refused token unchanged): wait for tokenChanged(). */
  | { readonly state: 'paused' }
  /** The token is another user's: paused too, and the app should be told. */
  | { readonly state: 'mismatch' }
  /** Offline or the server is in trouble: nothing verified, try again on the next trigger. */
  | { readonly state: 'unavailable' };

export interface AuthGate {
  readonly paused: boolean;
  verify(signal: AbortSignal): Promise<AuthVerdict>;
  /**
   * A 401 (from replay, pull or the check itself): pause until a token other than the refused one arrives.
   * `token`: the refused token when it is not a 401's (another user's, or none); by default the HTTP client's
   * refusedToken, the token of the request the 401 answered.
   */
  pause(token?: string | null): Promise<void>;
}

export interface AuthGateDeps {
  readonly userId: string;
  readonly getToken: TokenSource;
  readonly http: HttpClient;
  /** Told once per pause (to count it); not again while already paused. */
  readonly onPause: () => Promise<void>;
}

/*
 *   unverified ──/api/me answers this user──▶ verified(token) ──getToken() changes──▶ unverified
 *       │                                                   │
 *       └─ 401, no token, another user's ─▶ paused(token) ◀─┘ pause(): a 401 anywhere
 *   paused ──getToken() returns a token other than the refused one──▶ unverified
 */
export function createAuthGate(deps: AuthGateDeps): AuthGate {
  let paused = false;
  let refused: string | null = null;
  let verified: string | null = null;

  const gate: AuthGate = {
    get paused() {
      return paused;
    },
    async pause(token) {
      if (!paused) await deps.onPause();
      paused = true;
      refused = token !== undefined ? token : deps.http.refusedToken();
      verified = null;
    },
    async verify(signal) {
      const token = await readToken(deps.getToken);
      if (paused) {
        if (token === null || token === refused) return { state: 'paused' };
        paused = false;
      }
      if (token !== null && token === verified) return { state: 'verified' };
      const outcome = await deps.http.send({ method: 'GET', path: '/api/me', signal });
      if (outcome.kind === 'response' && outcome.status === 200) {
        const id = (outcome.body as { user?: { id?: string } } | null)?.user?.id;
        if (id === deps.userId) {
          verified = token;
          return { state: 'verified' };
        }
        await gate.pause(token);
        return { state: 'mismatch' };
      }
      if ((outcome.kind === 'response' && outcome.status === 401) || outcome.kind === 'no-token') {
        await gate.pause(outcome.kind === 'no-token' ? null : undefined);
        return { state: 'paused' };
      }
      return { state: 'unavailable' };
    },
  };
  return gate;
}
