import type { Context } from 'hono';
import { idSchema } from '../../shared/index.js';
import type { AuthUser, SyncEnv } from '../env.js';
import { HttpError } from '../http/http-error.js';
import { locateOrg } from '../http/org-route.js';
import { orgCall, requestOrgStore } from '../store/request-org-store.js';
import { connectHub } from './connect-hub.js';
import { userScope } from './notify.js';

/** `Sec-WebSocket-Protocol: bearer.<token>` (browsers cannot set Authorization on a WebSocket). */
const BEARER_PROTOCOL = 'bearer.';

/**
 * GET <mount>/live?scope=org:<orgId>|user: the WebSocket of a scope's hub. The same user resolution as the REST
 * routes (`authenticate`: Better Auth or the app's getUser) over the request's headers, where a `bearer.<token>`
 * subprotocol (echoed back) stands for `Authorization: Bearer <token>` when the request has no Authorization;
 * and the same access check (org member+ for an org scope; not a member is 404 ORG_NOT_FOUND). Without a hub
 * namespace (the `hub` variable) it is 404 NOT_FOUND: nothing to connect to, the client polls. A plain request is
 * 426 UPGRADE_REQUIRED. The socket then receives `{ type: 'poke', scope, seq }`.
 */
export function liveRoute<B extends object>(authenticate: (c: Context<SyncEnv<B>>) => Promise<AuthUser | null>, inObjects: Set<string> = new Set()) {
  return async (c: Context<SyncEnv<B>>): Promise<Response> => {
    const hub = c.var.hub;
    if (!hub) throw new HttpError('NOT_FOUND', 'live updates are not configured: poll instead');
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      const path = new URL(c.req.url).pathname;
      throw new HttpError('UPGRADE_REQUIRED', `GET ${path} is a WebSocket: send Upgrade: websocket`, undefined, { Upgrade: 'websocket' });
    }
    const offered = (c.req.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
    const protocol = offered.find((p) => p.startsWith(BEARER_PROTOCOL) && p.length > BEARER_PROTOCOL.length);
    if (protocol && !c.req.raw.headers.has('authorization')) {
      // The resolver reads the request (getUser sees `c.req`): it gets the upgrade with the token as Authorization.
      const headers = new Headers(c.req.raw.headers);
      headers.set('authorization', `Bearer ${protocol.slice(BEARER_PROTOCOL.length)}`);
      c.req.raw = new Request(c.req.raw, { headers });
    }
    const user = await authenticate(c);
    if (!user) throw new HttpError('AUTH_REQUIRED', 'sign in first');
    c.set('user', user);

    const requested = c.req.query('scope') ?? '';
    if (requested === 'user') return connectHub(hub, userScope(user.id), user.id, protocol);
    if (requested.startsWith('org:') && idSchema.safeParse(requested.slice(4)).success) {
      const orgId = requested.slice(4);
      // Under org-objects storage an org still in D1 (or moving) has its socket on its hub as in d1 storage,
      // checked against D1; the hub is poked by the Worker after each of its writes.
      if (c.var.storage === 'org-objects' && !['object', 'none'].includes(await locateOrg(c, orgId, inObjects))) c.set('storage', 'd1');
      return requestOrgStore(c).connect(orgId, orgCall(c), { protocol });
    }
    throw new HttpError('VALIDATION_FAILED', 'scope must be "user" or "org:<orgId>"');
  };
}
