/**
 * The signed-in user as remembered by this browser: who they are and their bearer token. A returning user
 * opens the app from this alone (their engine and IndexedDB cache), before any network answer.
 */
export interface Session {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  /** Better Auth's signed bearer token (the `set-auth-token` header of sign-in). */
  readonly token: string;
}

export const SESSION_KEY = 'appraisal:session';

/** The stored session, or null when there is none or it is not a complete session (then it is ignored). */
export function readSession(): Session | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const { userId, name, email, token } = parsed as Record<string, unknown>;
  if (typeof userId !== 'string' || typeof name !== 'string' || typeof email !== 'string' || typeof token !== 'string') return null;
  if (!userId || !token) return null;
  return { userId, name, email, token };
}

export function writeSession(session: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
}
