import type { Context } from 'hono';
import { idSchema } from '../../shared/index.js';
import { createAuth } from '../auth/create-auth.js';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http/http-error.js';
import { requireOrgRole } from '../services/access.js';
import { HUB_PROTOCOL_HEADER, HUB_USER_HEADER } from './hub.js';
import { hubStub, orgScope, userScope, type LiveScope } from './notify.js';

/** `Sec-WebSocket-Protocol: bearer.<token>` (browsers cannot set Authorization on a WebSocket). */
const BEARER_PROTOCOL = 'bearer.';

/**
 * GET /api/live?scope=org:<orgId>|user: the WebSocket of a scope's hub. The same auth as the REST routes (a
 * Better Auth session from `Authorization: Bearer`, the cookie, or a `bearer.<token>` subprotocol, which is
 * echoed back) and the same access check (org member+ for an org scope; not a member is 404 ORG_NOT_FOUND).
 * A plain request is 426 UPGRADE_REQUIRED. The socket then receives `{ type: 'poke', scope, seq }`.
 */
export async function liveRoute(c: Context<AppEnv>): Promise<Response> {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new HttpError('UPGRADE_REQUIRED', 'GET /api/live is a WebSocket: send Upgrade: websocket', undefined, { Upgrade: 'websocket' });
  }
  const offered = (c.req.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
  const protocol = offered.find((p) => p.startsWith(BEARER_PROTOCOL) && p.length > BEARER_PROTOCOL.length);
  const headers = new Headers(c.req.raw.headers);
  if (protocol && !headers.has('authorization')) headers.set('authorization', `Bearer ${protocol.slice(BEARER_PROTOCOL.length)}`);
  const session = await createAuth(c.env, c.req.url).api.getSession({ headers });
  if (!session) throw new HttpError('AUTH_REQUIRED', 'sign in first');
  const user = { id: session.user.id, email: session.user.email, name: session.user.name };
  c.set('user', user);

  const requested = c.req.query('scope') ?? '';
  let scope: LiveScope;
  if (requested === 'user') {
    scope = userScope(user.id);
  } else if (requested.startsWith('org:') && idSchema.safeParse(requested.slice(4)).success) {
    const orgId = requested.slice(4);
    await requireOrgRole(c.var.db, orgId, user.id, 'member');
    scope = orgScope(orgId);
  } else {
    throw new HttpError('VALIDATION_FAILED', 'scope must be "user" or "org:<orgId>"');
  }

  const stub = hubStub(c.env, scope);
  if (!stub) throw new HttpError('NOT_FOUND', 'live updates are not configured');
  const forward = new Headers({ upgrade: 'websocket', [HUB_USER_HEADER]: user.id });
  if (protocol) forward.set(HUB_PROTOCOL_HEADER, protocol);
  const res = await stub.fetch(`https://hub/connect?scope=${encodeURIComponent(scope)}`, { headers: forward });
  // A fresh Response: the stub's headers are immutable and the middlewares (CORS) add theirs.
  return new Response(null, { status: res.status, webSocket: res.webSocket, headers: res.headers });
}
