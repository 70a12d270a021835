import { HttpError } from '../http/http-error.js';
import { HUB_PROTOCOL_HEADER, HUB_USER_HEADER } from './hub.js';
import { hubStub, type LiveScope } from './notify.js';

/**
 * Forwards a WebSocket upgrade to the hub of `scope` for `userId`, who the caller authenticated and checked
 * (the hub trusts the user header: only the Worker reaches it). Without a hub namespace it is 404 NOT_FOUND:
 * nothing to connect to, the client polls. `protocol`: the `bearer.<token>` subprotocol to echo.
 */
export async function connectHub(hub: DurableObjectNamespace | undefined, scope: LiveScope, userId: string, protocol?: string): Promise<Response> {
  const stub = hubStub(hub, scope);
  if (!stub) throw new HttpError('NOT_FOUND', 'live updates are not configured: poll instead');
  const forward = new Headers({ upgrade: 'websocket', [HUB_USER_HEADER]: userId });
  if (protocol) forward.set(HUB_PROTOCOL_HEADER, protocol);
  const res = await stub.fetch(`https://hub/connect?scope=${encodeURIComponent(scope)}`, { headers: forward });
  // A fresh Response: the stub's headers are immutable and the middlewares (CORS) add theirs.
  return new Response(null, { status: res.status, webSocket: res.webSocket, headers: res.headers });
}
