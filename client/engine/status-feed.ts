import type { SyncStatus } from './status.js';

export interface StatusFeed {
  /** Reads the status and hands it to every listener (nothing to do without listeners). */
  emit(): Promise<void>;
  /** Adds a listener, which gets the current status at once; returns the unsubscribe function. */
  subscribe(listener: (status: SyncStatus) => void): () => void;
  /** No more emits (the engine closed). */
  close(): void;
}

/** Pushes the engine's status to subscribers after every cycle and every local write. */
export function createStatusFeed(read: () => Promise<SyncStatus>): StatusFeed {
  const listeners = new Set<(status: SyncStatus) => void>();
  let closed = false;
  return {
    async emit() {
      if (listeners.size === 0 || closed) return;
      const status = await read();
      for (const listener of listeners) listener(status);
    },
    subscribe(listener) {
      listeners.add(listener);
      void read().then((s) => listeners.has(listener) && listener(s));
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
    },
  };
}
