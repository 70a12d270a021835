import { sql, type SQL } from 'drizzle-orm';
import { currentSeq } from './seq.js';

/**
 * Per-org change heads (columns of `orgs`): for each sub-collection of an org, the seq of the last write that
 * changed it or may have changed what some member sees of it. A write moves them to its own seq (`currentSeq`)
 * in its own batch, so a head never lags the change it announces. `GET /api/orgs` places an org's row at the
 * highest of them (ORG_POSITION), so any change in an org brings the org back in every member's orgs delta with
 * its heads, and the client pulls only the collections whose head moved. Moving a head without a visible change
 * costs a client one empty pull; missing one would hide a change, so a write moves every head it might affect.
 */
export type HeadName = 'members' | 'projects' | 'settings' | 'projectMembers';

const COLUMN: Record<HeadName, string> = {
  members: 'members_head',
  projects: 'projects_head',
  settings: 'settings_head',
  projectMembers: 'project_members_head',
};

/**
 * What each kind of write moves:
 * - an org membership change (add, role, remove) changes the member list, which projects the member sees (an
 *   admin sees all) and, for a removal, revokes their project memberships;
 * - a project membership change changes the project's member list and which projects that member sees;
 * - creating or deleting a project adds (the creator as owner) or ends its memberships.
 */
export const HEADS_OF = {
  orgCreate: ['members', 'projects', 'settings', 'projectMembers'],
  orgMembership: ['members', 'projects', 'projectMembers'],
  projectMembership: ['projects', 'projectMembers'],
  projectCreateOrDelete: ['projects', 'projectMembers'],
  projectUpdate: ['projects'],
  orgSettings: ['settings'],
} as const satisfies Record<string, readonly HeadName[]>;

/** `members_head = <seq>, …`: the SET list that moves these heads to the running write's seq. */
const setHeads = (heads: readonly HeadName[]) => sql.join(heads.map((h) => sql`${sql.raw(COLUMN[h])} = ${currentSeq}`), sql`, `);

/**
 * Moves an org's heads to this write's seq. In a guarded mutation pass `afterGuard` and put it LAST in the
 * effect: it then moves the heads only when the guarded statement just before it changed a row (changes() is
 * that statement's count), and its own row count carries the guard on to commit().
 */
export function moveHeads(orgId: string, heads: readonly HeadName[], options: { afterGuard?: boolean } = {}): SQL {
  const guard = options.afterGuard ? sql` AND changes() > 0` : sql``;
  return sql`UPDATE orgs SET ${setHeads(heads)} WHERE id = ${orgId}${guard}`;
}

