import { DurableObject } from 'cloudflare:workers';

/** Close code sent to a socket whose user lost access to the hub's scope (removed from the org). */
export const CLOSE_ACCESS_REVOKED = 4403;

/** Internal headers set by the Worker on the upgrade it forwards (after its own auth and access check). */
export const HUB_USER_HEADER = 'x-hub-user';
export const HUB_PROTOCOL_HEADER = 'x-hub-protocol';

/**
 * One hub per scope name (`org:<orgId>`, `user:<userId>`), holding that scope's live sockets through the
 * WebSocket Hibernation API: the object may be evicted while sockets stay open, and wakes for a poke, a kick or
 * a message. Each socket is tagged with its user id, so a kick closes exactly that user's sockets.
 *
 * It reads no binding: an app re-exports this class from its Worker under the class name its wrangler config
 * binds, and passes that namespace as the sync server's `hub` option.
 *
 * Only the Worker reaches it (a Durable Object has no public route):
 * - a WebSocket upgrade carrying `x-hub-user` (the caller the Worker authenticated and checked);
 * - `POST /poke` `{ scope, seq }`: sends `{ type: 'poke', scope, seq }` to every socket;
 * - `POST /kick` `{ userId }`: closes that user's sockets with 4403.
 * A poke carries no data: the client answers it with its normal authenticated pull.
 *
 * The session is checked once, at the upgrade. A socket whose session is revoked or expires later stays open and
 * keeps getting pokes: harmless, since they carry nothing and the pull each one prompts is refused (401). The
 * engine then pauses for auth and closes its sockets until it has a new token (create-sync-engine.ts), so a dead
 * session does not keep a socket for long. Only a removal from the org must cut a socket at once (the kick).
 */
export class Hub extends DurableObject<unknown> {
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      const userId = request.headers.get(HUB_USER_HEADER);
      if (!userId) return new Response('missing user', { status: 400 });
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1], [userId]);
      const protocol = request.headers.get(HUB_PROTOCOL_HEADER);
      return new Response(null, { status: 101, webSocket: pair[0], headers: protocol ? { 'Sec-WebSocket-Protocol': protocol } : {} });
    }
    const path = new URL(request.url).pathname;
    if (request.method === 'POST' && path === '/poke') {
      const { scope, seq } = await request.json<{ scope: string; seq: number }>();
      const message = JSON.stringify({ type: 'poke', scope, seq });
      let sent = 0;
      for (const ws of this.ctx.getWebSockets()) {
        try {
          ws.send(message);
          sent++;
        } catch {
          // a socket closing under us: its client reconnects and pulls
        }
      }
      return Response.json({ sent });
    }
    if (request.method === 'POST' && path === '/kick') {
      const { userId } = await request.json<{ userId: string }>();
      let closed = 0;
      for (const ws of this.ctx.getWebSockets(userId)) {
        try {
          ws.close(CLOSE_ACCESS_REVOKED, 'access revoked');
          closed++;
        } catch {
          // already closed
        }
      }
      return Response.json({ closed });
    }
    return new Response('not found', { status: 404 });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === 'ping') ws.send('pong');
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(1011, 'socket error');
    } catch {
      // already closed
    }
  }
}
