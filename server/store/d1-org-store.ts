import type { LogSink } from '../http/log.js';
import { connectHub } from '../live/connect-hub.js';
import { orgScope } from '../live/notify.js';
import { requireOrgRole } from '../services/access.js';
import { createOrg, listOrgs } from '../services/orgs.js';
import { commitMutation, type IdempotencyClaim } from '../sync/commit.js';
import { runOrgRead, runOrgWrite } from './org-ops.js';
import type { OrgStore } from './org-store.js';
import type { SqlStore } from './sql-store.js';

/** What the D1 org store of one request runs with. */
export interface D1OrgStoreOptions {
  /** The D1 store: every org's rows are there. */
  readonly store: SqlStore;
  /** The request's claim on its Idempotency-Key (the idempotency middleware's), stored with the write. */
  readonly claim?: IdempotencyClaim | undefined;
  /** The live hubs' namespace (the `hub` variable); absent: no live connections, pokes skipped. */
  readonly hub?: DurableObjectNamespace | undefined;
  readonly log?: LogSink | undefined;
  /** The org of a write that must still be in D1 when it commits (org-objects storage: a move may start). */
  readonly fence?: string | undefined;
}

/**
 * The org store of `d1` storage: every org's rows in the one D1 database, every op run in the Worker on the D1
 * store, under the claim the idempotency middleware took in D1 (so a replay never reaches this store: the
 * middleware answered it). Made per request, as the claim is. The pokes go back in each outcome for the route
 * to send after its answer.
 */
export function d1OrgStore(options: D1OrgStoreOptions): OrgStore {
  const { store, hub } = options;
  const target = { store, claim: options.claim, log: options.log, fence: options.fence };
  return {
    listOrgs: (call, query) => listOrgs(store, call.user, query, call.now),
    createOrg: async (call, input) => commitMutation(target, await createOrg(store, call.user, input, call.now)),
    read: (orgId, op, call) => runOrgRead(store, orgId, op, call),
    write: (orgId, op, call) => runOrgWrite(target, orgId, op, call),
    async connect(orgId, call, live) {
      await requireOrgRole(store, orgId, call.user.id, 'member');
      return connectHub(hub, orgScope(orgId), call.user.id, live.protocol);
    },
  };
}
