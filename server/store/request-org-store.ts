import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { d1OrgStore } from './d1-org-store.js';
import { objectOrgStore } from './org-object/object-org-store.js';
import type { OrgCall } from './org-ops.js';
import type { OrgStore } from './org-store.js';
import { requestStore } from './request-store.js';

/**
 * The org store of a request, by its `storage` variable: the org objects' (over the hubs, with the request's
 * checked Idempotency-Key), or D1's over the request's store, with its claim, hubs and log as the context holds
 * them when the route runs (the key is claimed after the context is set).
 */
export function requestOrgStore(c: Pick<Context<AppEnv>, 'var'>): OrgStore {
  const { hub } = c.var;
  if (c.var.storage === 'org-objects' && hub) {
    return objectOrgStore({ hub, directory: requestStore(c), intent: c.var.idempotencyIntent, inObjects: c.var.orgsInObjects });
  }
  return d1OrgStore({ store: requestStore(c), claim: c.var.idempotencyClaim, hub, log: c.var.log, fence: c.var.orgFence });
}

/** The request's part of an org op: the caller, the request's time, the server clock's node. */
export function orgCall(c: Pick<Context<AppEnv>, 'var'>): OrgCall {
  return { user: c.var.user, now: c.var.now, serverNodeId: c.var.serverNodeId };
}
