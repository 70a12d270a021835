import type { ConformanceUser, FetchLike } from './target.js';

export interface BetterAuthUsersOptions {
  readonly fetch?: FetchLike;
  /**
   * The `Origin` header of the sign-up. Better Auth refuses POSTs from origins it does not trust; default: the
   * auth URL's own origin, which it always trusts.
   */
  readonly origin?: string;
  /** Default `correct horse battery` (Better Auth's minimum is 8 characters). */
  readonly password?: string;
  /** Domain of the generated addresses. Default `example.com`. */
  readonly emailDomain?: string;
}

let signUps = 0;

/**
 * `newUser` for a target whose users sign up through Better Auth with the bearer plugin: each call signs a
 * fresh email/password user up with `POST <authBaseUrl>/sign-up/email` and authenticates them with the token
 * from the answer's `set-auth-token` header, as `Authorization: Bearer <token>`.
 */
export function betterAuthUsers(authBaseUrl: string, options: BetterAuthUsersOptions = {}): () => Promise<ConformanceUser> {
  const doFetch = options.fetch ?? ((request: Request) => fetch(request));
  const url = `${authBaseUrl.replace(/\/+$/, '')}/sign-up/email`;
  const origin = options.origin ?? new URL(url).origin;
  return async () => {
    const n = signUps++;
    const email = `conformance-${Date.now().toString(36)}-${n.toString(36)}${Math.random().toString(36).slice(2, 6)}@${options.emailDomain ?? 'example.com'}`;
    const res = await doFetch(
      new Request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ email, password: options.password ?? 'correct horse battery', name: `Conformance ${n}` }),
      }),
    );
    const text = await res.text();
    if (!res.ok) throw new Error(`sign-up at ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    const token = res.headers.get('set-auth-token');
    if (!token) throw new Error(`sign-up at ${url} gave no set-auth-token header: is Better Auth's bearer plugin on (and the header exposed)?`);
    let id: unknown;
    try {
      id = (JSON.parse(text) as { user?: { id?: unknown } }).user?.id;
    } catch {
      id = undefined;
    }
    return { headers: { authorization: `Bearer ${token}` }, ...(typeof id === 'string' ? { id } : {}) };
  };
}
