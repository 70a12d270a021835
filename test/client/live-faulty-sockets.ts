import WebSocket from 'ws';
import type { WebSocketConstructor, WebSocketLike } from '../../client/transport/live-socket.js';

/**
 * A WebSocket constructor for the engine (real `ws` sockets to the real Worker) with two network faults to
 * inject: `hold()` makes every new socket fail as a refused or unreachable upgrade does (closed with 1006,
 * never opened) until `release()`; `dropAll()` cuts the open sockets as a network does (`terminate()`: no
 * close frame, so the engine sees 1006).
 */
export interface FaultySockets {
  readonly WebSocket: WebSocketConstructor;
  hold(): void;
  release(): void;
  /** Cuts every open socket; returns how many it cut. */
  dropAll(): number;
  /** Sockets that opened so far (a reconnect adds one per scope). */
  opened(): number;
  /** Sockets the constructor was asked for while held (each one a refused attempt). */
  refused(): number;
}

/** A socket whose upgrade never succeeds: no open, one close with 1006 (what a browser reports for a refusal). */
class RefusedSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor() {
    // After the caller has set its handlers, as a real socket's events arrive.
    setTimeout(() => {
      this.onerror?.({});
      this.onclose?.({ code: 1006 });
    }, 5);
  }
  close(): void {}
}

export function faultySockets(): FaultySockets {
  const open = new Set<WebSocket>();
  let held = false;
  let opened = 0;
  let refused = 0;
  // A plain function used with `new`: returning an object from it makes that object the instance.
  function FaultyWebSocket(url: string, protocols?: string | string[]): WebSocketLike {
    if (held) {
      refused++;
      return new RefusedSocket();
    }
    const ws = new WebSocket(url, protocols);
    ws.addEventListener('open', () => {
      opened++;
      open.add(ws);
    });
    ws.addEventListener('close', () => open.delete(ws));
    return ws as unknown as WebSocketLike;
  }
  return {
    WebSocket: FaultyWebSocket as unknown as WebSocketConstructor,
    hold: () => void (held = true),
    release: () => void (held = false),
    dropAll() {
      const cut = [...open];
      for (const ws of cut) ws.terminate();
      return cut.length;
    },
    opened: () => opened,
    refused: () => refused,
  };
}
