import { defaultChannel, type ChannelLike } from './locks.js';

/** What one tab of a user tells the others. */
export type TabMessage =
  /** This user logged out: close your engine (the database is being deleted). */
  | { readonly type: 'logout' }
  /** A write was queued here: the leader should sync soon (pull: a settings write, pushed by the pull pass). */
  | { readonly type: 'kick'; readonly pull: boolean };

export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

/**
 * The user's tabs talk over one BroadcastChannel: logout reaches every tab, and a write made in a follower tab
 * reaches the leader at once instead of at its next interval pull. `factory` null: a runtime without
 * BroadcastChannel, or a test without tabs (every engine then leads anyway, see locks.ts).
 */
export function openTabChannel(factory: ((name: string) => ChannelLike | null) | null | undefined, name: string, onMessage: (message: TabMessage) => void): TabChannel {
  const channel = factory === null ? null : (factory ?? defaultChannel)(name);
  channel?.addEventListener('message', (event) => {
    const data = event.data as { type?: unknown; pull?: unknown } | null;
    if (data?.type === 'logout') onMessage({ type: 'logout' });
    else if (data?.type === 'kick') onMessage({ type: 'kick', pull: data.pull === true });
  });
  return {
    post: (message) => channel?.postMessage(message),
    close: () => channel?.close(),
  };
}
