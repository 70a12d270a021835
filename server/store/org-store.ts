import type { CreateOrgRequest, OrgItem, Page, PageQuery } from '../../shared/index.js';
import type { WriteOutcome } from '../http/write-response.js';
import type { OrgCall, OrgReadOp, OrgWriteOp } from './org-ops.js';

/** How a live connection to an org's hub goes: the socket's user and the subprotocol to echo. */
export interface LiveConnect {
  /** The `bearer.<token>` subprotocol the client offered, echoed back on the upgrade. */
  readonly protocol?: string | undefined;
}

/**
 * Where the org-scoped routes send their work: the reads, writes and live connections of one org, and the
 * caller's list of orgs. The routes validate and authenticate; the store decides where the org's rows are and
 * runs the op there (org-ops.ts: the same service code in every implementation), access checks included.
 *
 * Rules every implementation keeps:
 * - an expected refusal is thrown as an HttpError with its code, details and headers, as the services throw it;
 * - a write's outcome is its answer as stored for a replay (status and body text), the seq it committed at and
 *   the live effect still to deliver from the Worker (none when the store told the hubs itself);
 * - a caller who is not a member of the org gets 404 ORG_NOT_FOUND from every method, never a row.
 */
export interface OrgStore {
  /** The caller's orgs with their role and change heads (a cursor page). */
  listOrgs(call: OrgCall, query: PageQuery): Promise<Page<OrgItem>>;
  createOrg(call: OrgCall, input: CreateOrgRequest): Promise<WriteOutcome>;
  read(orgId: string, op: OrgReadOp, call: OrgCall): Promise<Page<unknown>>;
  write(orgId: string, op: OrgWriteOp, call: OrgCall): Promise<WriteOutcome>;
  /** The upgrade to the org's live hub, for an org member (the socket then receives its pokes). */
  connect(orgId: string, call: OrgCall, live: LiveConnect): Promise<Response>;
}
