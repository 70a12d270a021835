import { createAuthClient } from 'better-auth/react';
import { appFetch } from '../network/offline-mode.js';
import type { Session } from './session-store.js';

/**
 * Better Auth through its client, on this page's origin (the Worker serves the app and /api/auth). Every call
 * goes through the app's fetch, so offline mode cuts sign-in too. The engine authenticates with the bearer
 * token that sign-in and sign-up send in the `set-auth-token` header (Better Auth's bearer plugin).
 */
const authClient = createAuthClient({
  baseURL: window.location.origin,
  basePath: '/api/auth',
  fetchOptions: { customFetchImpl: appFetch },
});

/** A sign-in, sign-up or sign-out that did not work, in words for the form. */
export class AuthError extends Error {
  override name = 'AuthError';
}

const OFFLINE = 'You are offline. Signing in needs the server: reconnect (or turn offline mode off) and try again.';

interface AuthUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/** Runs one Better Auth call and turns its answer into a Session (user + the token from the header). */
async function withToken(call: (onSuccess: (ctx: { response: Response }) => void) => Promise<{ data: { user: AuthUser } | null; error: { message?: string; statusText?: string; status: number } | null }>): Promise<Session> {
  let token: string | null = null;
  let result: Awaited<ReturnType<typeof call>>;
  try {
    result = await call((ctx) => {
      token = ctx.response.headers.get('set-auth-token');
    });
  } catch (error) {
    throw new AuthError(error instanceof TypeError ? OFFLINE : `Could not reach the server: ${String(error)}`);
  }
  if (result.error) {
    // Better Auth answers 0 when the request never got out (its fetch threw inside).
    if (result.error.status === 0) throw new AuthError(OFFLINE);
    throw new AuthError(result.error.message || result.error.statusText || `The server refused (${result.error.status}).`);
  }
  const user = result.data?.user;
  if (!user) throw new AuthError('The server answered without a user.');
  if (!token) throw new AuthError('The server answered without a bearer token (set-auth-token): is its bearer plugin on?');
  return { userId: user.id, name: user.name, email: user.email, token };
}

export function signUp(input: { name: string; email: string; password: string }): Promise<Session> {
  return withToken((onSuccess) => authClient.signUp.email({ ...input, fetchOptions: { onSuccess } }));
}

export function signIn(input: { email: string; password: string }): Promise<Session> {
  return withToken((onSuccess) => authClient.signIn.email({ ...input, fetchOptions: { onSuccess } }));
}

/** Ends the session on the server. Best effort: offline, the token simply expires there later. */
export async function signOutOnServer(token: string): Promise<void> {
  try {
    await authClient.signOut({ fetchOptions: { headers: { Authorization: `Bearer ${token}` } } });
  } catch {
    // Offline: nothing to do; the local session is gone either way.
  }
}
