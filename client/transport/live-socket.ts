import type { Timers } from '../engine/timers.js';
import { backoffDelay } from '../outbox/backoff.js';

/** The slice of the WebSocket API the engine uses: the browser's, or `ws` in Node (20 has none built in). */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Closed by the hub because the user left the scope (removed from the org): never reconnect to it. */
export const CLOSE_REMOVED = 4403;
/** Reconnect waits: full jitter from 1 s up to 30 s. */
const RECONNECT = { baseMs: 1000, capMs: 30_000, maxAttempts: Number.POSITIVE_INFINITY };

export interface LiveSocketDeps {
  /** `ws(s)://…/<base>/<live route>?scope=…` (the default layout: `/api/live`) */
  readonly url: string;
  readonly getToken: () => Promise<string | null>;
  readonly WebSocket: WebSocketConstructor;
  readonly timers: Timers;
  readonly random: () => number;
  /** A poke arrived: something in the scope changed (the poke carries no data; answer with a pull). */
  readonly onPoke: () => void;
  /** The socket is (re)connected: pokes sent while it was down are lost, so pull once. */
  readonly onConnected: () => void;
  /** The socket opened or went down. */
  readonly onChange: () => void;
}

export interface LiveSocket {
  isLive(): boolean;
  stop(): void;
}

/**
 * One scope's live socket (a hub of the Worker). The token travels as the subprotocol `bearer.<token>`
 * (browsers cannot set headers on a WebSocket), percent-encoded since a protocol value may not hold `/+=`.
 *
 *   connecting ──open──▶ live (onConnected: pull once) ──message {type:'poke'}──▶ onPoke
 *       ▲                  │ closed or failed (no token yet, server down, network gone)
 *       └── wait: backoff ◀┘       closed 4403 (removed from the scope) ──▶ stopped for good
 *   stop() from any state ──▶ stopped
 */
export function openLiveSocket(deps: LiveSocketDeps): LiveSocket {
  let socket: WebSocketLike | null = null;
  let live = false;
  let stopped = false;
  let failures = 0;
  let timer: unknown = null;

  const retry = () => {
    if (stopped) return;
    failures++;
    timer = deps.timers.setTimeout(() => void connect(), backoffDelay(RECONNECT, failures, deps.random));
  };
  const setLive = (value: boolean) => {
    if (live === value) return;
    live = value;
    deps.onChange();
  };

  async function connect(): Promise<void> {
    timer = null;
    if (stopped) return;
    const token = await deps.getToken().catch(() => null);
    if (stopped) return;
    if (!token) return retry();
    let opened: WebSocketLike;
    try {
      opened = new deps.WebSocket(deps.url, [`bearer.${encodeURIComponent(token)}`]);
    } catch {
      return retry();
    }
    socket = opened;
    opened.onopen = () => {
      failures = 0;
      setLive(true);
      deps.onConnected();
    };
    opened.onmessage = (event) => {
      try {
        if ((JSON.parse(String(event.data)) as { type?: unknown }).type === 'poke') deps.onPoke();
      } catch {
        // not a poke (a pong, or noise): ignore
      }
    };
    opened.onerror = () => {};
    opened.onclose = (event) => {
      if (socket !== opened) return;
      socket = null;
      setLive(false);
      if (event.code === CLOSE_REMOVED) stopped = true;
      else retry();
    };
  }

  void connect();
  return {
    isLive: () => live,
    stop() {
      stopped = true;
      if (timer !== null) deps.timers.clearTimeout(timer);
      const open = socket;
      socket = null;
      open?.close(1000, 'engine closed');
      setLive(false);
    },
  };
}
