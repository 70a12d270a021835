import { useSyncExternalStore } from 'react';
import { createSyncEngine, type SyncEngine } from 'offline-sync-engine/client';
import { appFetch } from '../network/offline-mode.js';
import { signOutOnServer } from './auth-client.js';
import { SESSION_KEY, clearSession, readSession, writeSession, type Session } from './session-store.js';

/**
 * Who is signed in, and their sync engine. Lives outside React so an engine is created exactly once per
 * sign-in (never per render or per effect run), and so a returning user's engine exists before the first
 * render: the hooks read IndexedDB at once and nothing waits for the network.
 *
 *   signed out ──signedIn(session)──▶ signed in (engine started) ──signOut()──▶ engine.logout() ──▶ signed out
 *       ▲                                  │ signedIn(same user): new token ─▶ engine.tokenChanged()
 *       └──── another tab signed out (the session left localStorage) ◀──┘
 */
export interface SignedIn {
  readonly session: Session;
  readonly engine: SyncEngine;
}

const listeners = new Set<() => void>();
let current: SignedIn | null = null;

const emit = () => listeners.forEach((listener) => listener());

function openEngine(session: Session): SignedIn {
  const engine = createSyncEngine({
    baseUrl: window.location.origin,
    userId: session.userId,
    appName: 'appraisal',
    fetch: appFetch,
    // Read at every request: a token renewed in another tab is used here too. Another user's token is never
    // handed to this user's engine.
    getToken: () => {
      const stored = readSession();
      return stored && stored.userId === session.userId ? stored.token : null;
    },
  });
  // start() opens IndexedDB and syncs in the background; its failure shows in the sync bar's status.
  engine.start().catch((error: unknown) => console.error('sync engine failed to start', error));
  return { session, engine };
}

function replaceWith(session: Session | null): void {
  if (current && session && current.session.userId === session.userId) {
    current = { ...current, session };
    current.engine.tokenChanged();
  } else {
    void current?.engine.close();
    current = session ? openEngine(session) : null;
  }
  emit();
}

// Another tab signed in, renewed the token or signed out.
window.addEventListener('storage', (event) => {
  if (event.key === SESSION_KEY || event.key === null) replaceWith(readSession());
});

export const sessions = {
  current: (): SignedIn | null => current,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** Opens the stored session, if any (at boot). */
  restore(): void {
    const stored = readSession();
    if (stored) replaceWith(stored);
  },
  /** After a sign-in, sign-up or re-authentication: remember the session; the same user's engine resumes. */
  signedIn(session: Session): void {
    writeSession(session);
    replaceWith(session);
  },
  /**
   * Signs out: the engine refuses (UnsyncedChangesError) while changes are not on the server, unless told to
   * discard them; then the local cache is deleted, the server session ended, and the stored session dropped.
   */
  async signOut(opts: { discardPending?: boolean } = {}): Promise<void> {
    if (!current) return;
    const { engine, session } = current;
    await engine.logout(opts);
    clearSession();
    current = null;
    emit();
    await signOutOnServer(session.token);
  },
};

export function useSignedIn(): SignedIn | null {
  return useSyncExternalStore(sessions.subscribe, sessions.current);
}
