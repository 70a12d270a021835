/** Where the bearer token comes from: the app's `getToken` (see the credentials contract in engine/auth-gate.ts). */
export type TokenSource = () => string | null | undefined | Promise<string | null | undefined>;

/**
 * The current token, or null. A getToken that throws (synchronously or not) could not produce one just now,
 * a refresh that failed: the same as having none, so nothing is ever sent without credentials.
 */
export async function readToken(getToken: TokenSource): Promise<string | null> {
  try {
    return (await getToken()) ?? null;
  } catch {
    return null;
  }
}
