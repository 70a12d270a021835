/**
 * What the kit talks to: the app's sync routes over HTTP, and a way to get users signed in to them.
 */

/**
 * One HTTP exchange. The kit always passes a `Request`, so the global `fetch`, a Worker's `SELF.fetch`, a Hono
 * app's `app.fetch` or a fetch wrapped with logging all fit.
 */
export type FetchLike = (request: Request) => Promise<Response>;

/** A signed-in user, as the routes know them. */
export interface ConformanceUser {
  /** Headers that authenticate this user on every sync route: `Authorization: Bearer …`, or a `Cookie`. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The user's id as the routes name it (an org member's `userId`). When absent the kit asks `GET <baseUrl>/me`
   * (`{ user: { id } }`).
   */
  readonly id?: string;
}

export interface ConformanceTarget {
  /**
   * Where the sync routes are mounted, e.g. `http://127.0.0.1:8787/api`: the kit requests `<baseUrl>/orgs`,
   * `<baseUrl>/settings`, … and never assumes a prefix of its own.
   */
  readonly baseUrl: string;
  /**
   * A new, distinct user on every call (checks sign up two or three: cross-user rules need them). They must
   * start with no orgs and no settings of their own, so every check begins from a known state.
   */
  newUser(): Promise<ConformanceUser>;
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
}
