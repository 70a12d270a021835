/**
 * The slice of the Web Locks API the engine uses, injectable for tests and for runtimes without it.
 * One tab per user holds the sync lock and runs replay and pull; the others follow through live queries.
 */
export interface LockManagerLike {
  /** With `ifAvailable`, the callback gets null at once when another holder has the lock. */
  request(
    name: string,
    options: { mode: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<unknown>;
}

/** Where no Web Locks exist (Node, old browsers): every engine leads; idempotency keys keep that safe. */
export const noLocks: LockManagerLike = {
  request: async (name, _options, callback) => callback({ name }),
};

export function defaultLocks(): LockManagerLike {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks ?? noLocks;
}

/** Cross-tab messages of one user's engines (logout reaches every tab). */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export function defaultChannel(name: string): ChannelLike | null {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  return Channel ? new Channel(name) : null;
}
