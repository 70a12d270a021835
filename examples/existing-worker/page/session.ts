/**
 * The page's sign-in state: Better Auth's signed bearer token (its `set-auth-token` header) and the user's id,
 * kept in localStorage so a reload stays signed in and offline.
 */
export interface Session {
  readonly userId: string;
  readonly token: string;
}

const KEY = 'example.session';

export function readSession(): Session | null {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Session> | null;
    return value && typeof value.userId === 'string' && typeof value.token === 'string' ? { userId: value.userId, token: value.token } : null;
  } catch {
    return null;
  }
}

export function writeSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

/** Signs a new user up with Better Auth's email and password route. */
export async function signUp(input: { name: string; email: string; password: string }): Promise<Session> {
  const res = await fetch('/api/auth/sign-up/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json().catch(() => null)) as { user?: { id?: string }; message?: string } | null;
  const token = res.headers.get('set-auth-token');
  if (!res.ok || !token || !body?.user?.id) throw new Error(body?.message ?? `sign-up failed (${res.status})`);
  return { userId: body.user.id, token };
}
