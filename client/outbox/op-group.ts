import type { LocalOp } from '../storage/rows.js';

/**
 * Which other lanes an op must not overtake. Lanes are `project:<projectId>` (a project's ops and its member
 * ops) and `org:<orgId>` (the org's member ops); orgs themselves are created online, never queued. Across lanes
 * of one org the server checks memberships: a project member add needs the user to be an org member, and an org
 * member removal takes them out of every project of the org. So every op belongs to its org's group, as
 *
 *   exclusive: an org lane's op (org members): waits for every EARLIER live op of its org, in any lane;
 *   shared:    a project lane's op: waits only for EARLIER live exclusive ops of its org.
 *
 * "Live" is pending or syncing, and not held behind a failed op: a failed op holds its own lane and no other,
 * so neither it nor the ops queued behind it in its lane hold back another lane (they wait for the user's
 * retry or discard; the ops they would hold go to the server and get its verdict, as they would have before
 * lanes of one org ordered each other). Every wait points at a lower `order`, so no two ops ever wait for each
 * other: the earliest live op of any chain of waits is a lane head that waits for nothing.
 *
 * This module is the rule and an op's group, which every queued op records (enqueueOp, on the path a page loads
 * first); the replay's check of it (groupBlocker) is in group-blocker.ts, in the lazy leader runtime.
 */
export type GroupMode = 'shared' | 'exclusive';

export interface OpGroup {
  /** The org whose memberships the op depends on or changes. */
  readonly group: string;
  readonly groupMode: GroupMode;
}

/**
 * The group of an op from its lane and path, recorded on the op when it is queued (enqueueOp) and filled in by
 * the v4 upgrade for ops stored before groups existed, so old and new ops follow the same rule. Every path the
 * engine queues is the canonical `/api/orgs/<orgId>/…`, whatever routes the app's server answers (the route layout
 * maps it only when it is sent: transport/route-layout.ts); an op naming no org gets a group of its own lane, so
 * it orders only its lane, as every op did before groups.
 */
export function groupOf(op: Pick<LocalOp, 'lane' | 'path'>): OpGroup {
  const segments = op.path.split('?')[0]!.split('/');
  const orgId = segments[1] === 'api' && segments[2] === 'orgs' ? segments[3] : undefined;
  if (!orgId) return { group: `lane:${op.lane}`, groupMode: 'exclusive' };
  return { group: orgId, groupMode: op.lane.startsWith('org:') ? 'exclusive' : 'shared' };
}
