import { defaultChannel, type ChannelLike } from './locks.js';

export interface LogoutChannel {
  /** Tells the user's other tabs that this user logged out (they close their engines). */
  announce(): void;
  close(): void;
}

/**
 * Logout reaches every tab of the user: the one logging out deletes the database, the others close their
 * engines when they hear of it. `factory` null: a runtime without BroadcastChannel, or a test without tabs.
 */
export function openLogoutChannel(factory: ((name: string) => ChannelLike | null) | null | undefined, name: string, onLogout: () => void): LogoutChannel {
  const channel = factory === null ? null : (factory ?? defaultChannel)(name);
  channel?.addEventListener('message', (event) => {
    if ((event.data as { type?: string } | null)?.type === 'logout') onLogout();
  });
  return {
    announce: () => channel?.postMessage({ type: 'logout' }),
    close: () => channel?.close(),
  };
}
