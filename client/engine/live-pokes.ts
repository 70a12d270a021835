import { openLiveSocket, type LiveSocket, type WebSocketConstructor } from '../transport/live-socket.js';
import { CANONICAL_BASE, urlOf, type ResolvedRouteLayout } from '../transport/route-layout.js';
import type { Timers } from './timers.js';

export interface LivePokesDeps {
  readonly baseUrl: string;
  /** Where the live route really is (the `live` route of the app's layout). */
  readonly routes: ResolvedRouteLayout;
  readonly getToken: () => Promise<string | null>;
  readonly WebSocket: WebSocketConstructor;
  readonly timers: Timers;
  readonly random: () => number;
  /** Something changed on the server (a poke), or a socket (re)connected: pull. Calls are merged by the scheduler. */
  readonly pull: () => void;
  /** Whether pokes are flowing changed (for status listeners). */
  readonly changed: () => void;
}

export interface LivePokes {
  /** Holds one socket per scope in `scopes` ('user', 'org:<orgId>'), opening and closing to match. */
  follow(scopes: readonly string[]): void;
  /** Every followed scope has its socket open. */
  isLive(): boolean;
  stop(): void;
}

/**
 * The leader's live sockets: one for the user's own scope and one per org. A poke carries no data: the engine
 * answers it with its normal authenticated pull, so every access rule stays on the REST routes.
 */
export function createLivePokes(deps: LivePokesDeps): LivePokes {
  const sockets = new Map<string, LiveSocket>();
  // The socket's URL is the HTTP one with its scheme swapped, built as the transport builds its URLs (baseUrl's
  // own path kept), so a server mounted under a prefix gets its sockets there too.
  const socketUrl = (scope: string) => {
    const url = new URL(urlOf(deps.baseUrl, deps.routes.pathOf(`${CANONICAL_BASE}/live?scope=${encodeURIComponent(scope)}`)));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  };
  return {
    follow(scopes) {
      const wanted = new Set(scopes);
      for (const [scope, socket] of sockets) {
        if (wanted.has(scope)) continue;
        socket.stop();
        sockets.delete(scope);
      }
      for (const scope of wanted) {
        if (sockets.has(scope)) continue;
        sockets.set(
          scope,
          openLiveSocket({ url: socketUrl(scope), getToken: deps.getToken, WebSocket: deps.WebSocket, timers: deps.timers, random: deps.random, onPoke: deps.pull, onConnected: deps.pull, onChange: deps.changed }),
        );
      }
    },
    isLive: () => sockets.size > 0 && [...sockets.values()].every((s) => s.isLive()),
    stop() {
      for (const socket of sockets.values()) socket.stop();
      sockets.clear();
    },
  };
}
