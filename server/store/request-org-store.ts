import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { d1OrgStore } from './d1-org-store.js';
import type { OrgCall } from './org-ops.js';
import type { OrgStore } from './org-store.js';
import { requestStore } from './request-store.js';

/**
 * The org store of a request: D1's, over the request's store, with its Idempotency-Key claim, hubs and log as
 * the context holds them when the route runs (the claim is taken after the context is set).
 */
export function requestOrgStore(c: Pick<Context<AppEnv>, 'var'>): OrgStore {
  return d1OrgStore({ store: requestStore(c), claim: c.var.idempotencyClaim, hub: c.var.hub, log: c.var.log });
}

/** The request's part of an org op: the caller, the request's time, the server clock's node. */
export function orgCall(c: Pick<Context<AppEnv>, 'var'>): OrgCall {
  return { user: c.var.user, now: c.var.now, serverNodeId: c.var.serverNodeId };
}
