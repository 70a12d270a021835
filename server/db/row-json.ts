import { sql } from 'drizzle-orm';
import { LIMITS, isHlc, measureJson, type JsonValue } from '../../shared/index.js';

/*
 * The wire shape of every synced row, written once as SQLite json_object expressions. Pages select them, and
 * mutations evaluate them inside their own batch to build the response (and the stored idempotent response)
 * from the row as written. Aliases: o = orgs, m = org_members, p = projects, pm = project_members, u = user,
 * s = settings.
 */
export const ORG_ITEM = sql.raw(`CASE WHEN o.deleted_at IS NULL AND m.deleted_at IS NULL
  THEN json_object('id', o.id, 'name', o.name, 'role', m.role, 'createdAt', o.created_at,
                   'updatedAt', MAX(o.updated_at, m.updated_at), 'deletedAt', NULL, 'version', o.version,
                   'heads', json_object('members', o.members_head, 'projects', o.projects_head,
                                        'settings', o.settings_head, 'projectMembers', o.project_members_head))
  ELSE json_object('id', o.id, 'deletedAt', COALESCE(o.deleted_at, m.deleted_at),
                   'updatedAt', MAX(o.updated_at, m.updated_at)) END`);

/**
 * An org row's position in its member's orgs delta: the latest of the org's seq, the membership's seq and, while
 * both are alive, the org's change heads (sync/org-heads.ts). A tombstone stays where its removal put it (the
 * removal's seq is at least every head at that time, so the position never moves back), and later changes in the
 * org do not bring it back to someone who left.
 */
export const ORG_POSITION = sql.raw(`CASE WHEN o.deleted_at IS NULL AND m.deleted_at IS NULL
  THEN MAX(o.seq, m.seq, o.members_head, o.projects_head, o.settings_head, o.project_members_head)
  ELSE MAX(o.seq, m.seq) END`);

export const ORG_MEMBER_ITEM = sql.raw(`CASE WHEN m.deleted_at IS NULL
  THEN json_object('orgId', m.org_id, 'userId', m.user_id, 'role', m.role, 'email', u.email, 'name', u.name,
                   'createdAt', m.created_at, 'updatedAt', m.updated_at, 'deletedAt', NULL, 'version', m.version)
  ELSE json_object('orgId', m.org_id, 'userId', m.user_id, 'deletedAt', m.deleted_at, 'updatedAt', m.updated_at,
                   'version', m.version) END`);

const PROJECT_FULL = `json_object('id', p.id, 'orgId', p.org_id, 'name', p.name, 'description', p.description,
  'createdBy', p.created_by, 'createdAt', p.created_at, 'updatedAt', p.updated_at, 'deletedAt', NULL, 'version', p.version)`;

/** A project as an org admin sees it: alive or deleted. */
export const PROJECT_ITEM = sql.raw(`CASE WHEN p.deleted_at IS NULL THEN ${PROJECT_FULL}
  ELSE json_object('id', p.id, 'orgId', p.org_id, 'deletedAt', p.deleted_at, 'updatedAt', p.updated_at, 'version', p.version) END`);

/** A project as a project member sees it: a tombstone too when their membership was removed. */
export const PROJECT_ITEM_VIA_MEMBERSHIP = sql.raw(`CASE WHEN p.deleted_at IS NULL AND pm.deleted_at IS NULL THEN ${PROJECT_FULL}
  ELSE json_object('id', p.id, 'orgId', p.org_id, 'deletedAt', COALESCE(p.deleted_at, pm.deleted_at),
                   'updatedAt', MAX(p.updated_at, pm.updated_at)) END`);

/** A project membership, alive while `alive` holds; otherwise its tombstone with those deletedAt/updatedAt. */
const projectMemberItem = (alive: string, deletedAt: string, updatedAt: string) =>
  sql.raw(`CASE WHEN ${alive}
  THEN json_object('projectId', pm.project_id, 'orgId', pm.org_id, 'userId', pm.user_id, 'role', pm.role,
                   'email', u.email, 'name', u.name, 'createdAt', pm.created_at, 'updatedAt', pm.updated_at,
                   'deletedAt', NULL, 'version', pm.version)
  ELSE json_object('projectId', pm.project_id, 'orgId', pm.org_id, 'userId', pm.user_id, 'deletedAt', ${deletedAt},
                   'updatedAt', ${updatedAt}, 'version', pm.version) END`);

export const PROJECT_MEMBER_ITEM = projectMemberItem('pm.deleted_at IS NULL', 'pm.deleted_at', 'pm.updated_at');

/** A project membership across an org's projects (alias p = its project): a tombstone too once the project is deleted. */
export const PROJECT_MEMBER_ITEM_IN_ORG = projectMemberItem(
  'pm.deleted_at IS NULL AND p.deleted_at IS NULL',
  'COALESCE(pm.deleted_at, p.deleted_at)',
  'MAX(pm.updated_at, p.updated_at)',
);

/**
 * A setting as the PUT response builds it in SQL. Only for a row this request just wrote (validated, so within
 * the depth limit): json() refuses stored text nested over 1,000 deep.
 */
export const SETTING_ITEM = sql.raw(`json_object('key', s.key, 'value', json(s.value), 'hlc', s.hlc, 'updatedAt', s.updated_at)`);

/**
 * A setting for reads (pages): the value travels as its stored text (a JSON string inside the item) and is
 * parsed in JS by readStoredValue, so no stored text, however deep or broken, reaches SQLite's JSON functions.
 */
export const SETTING_STORED_ITEM = sql.raw(`json_object('key', s.key, 'value', s.value, 'hlc', s.hlc, 'updatedAt', s.updated_at)`);

/**
 * The rule for reading a stored setting value, on every read path (pages, merge changes, stale `current`,
 * the merge's own comparison): the stored text is parsed in JS (V8's JSON.parse does not recurse) and must
 * pass the same shape check a write does (plain JSON, LIMITS.maxJsonDepth deep, 16 KiB). A value that does
 * not (written before the limits, or by hand) reads as `null`: a delete at the row's own stamp. Every reader
 * gets a register the shared schemas accept, a read never fails on what is stored, and any newer write
 * replaces the row as usual. (The SQL guard of an equal-stamp write still compares the stored text itself; a
 * replay of that exact stamp is the one case where the two can disagree.)
 */
export function readStoredValue(text: string | null): JsonValue | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return measureJson(value, { maxDepth: LIMITS.maxJsonDepth, maxBytes: LIMITS.maxSettingValueBytes }).ok ? (value as JsonValue) : null;
}

/** The bottom of the clock order: what a stored stamp that is not a stamp reads as. */
export const BOTTOM_HLC = '1970-01-01T00:00:00.000Z-0000-0000000000000000';

/**
 * The rule for reading a stored stamp, beside readStoredValue: a stamp the shared schemas refuse (written by
 * hand, or by a bug) reads as BOTTOM_HLC with the value null, a delete older than any write. Every reader then
 * gets a register it accepts (the client checks every stamp it is sent), and the next write of the key wins,
 * as the plan judges it: the upsert's SQL guard lets a winner replace exactly that unreadable stamp
 * (`unreadable` in services/settings.ts), since string order says nothing about a stamp that is not one.
 */
export function readStoredStamp(hlc: unknown): string | null {
  return isHlc(hlc) ? hlc : null;
}

/** Response bodies of single-row mutations: the row as the caller now sees it. */
export const orgBody = (orgId: string, userId: string) =>
  sql`(SELECT ${ORG_ITEM} FROM orgs o JOIN org_members m ON m.org_id = o.id AND m.user_id = ${userId} WHERE o.id = ${orgId})`;
export const orgMemberBody = (orgId: string, userId: string) =>
  sql`(SELECT ${ORG_MEMBER_ITEM} FROM org_members m JOIN user u ON u.id = m.user_id WHERE m.org_id = ${orgId} AND m.user_id = ${userId})`;
export const projectBody = (projectId: string) => sql`(SELECT ${PROJECT_ITEM} FROM projects p WHERE p.id = ${projectId})`;
export const projectMemberBody = (projectId: string, userId: string) =>
  sql`(SELECT ${PROJECT_MEMBER_ITEM} FROM project_members pm JOIN user u ON u.id = pm.user_id
       WHERE pm.project_id = ${projectId} AND pm.user_id = ${userId})`;
export const settingBody = (scope: string, scopeId: string, key: string) =>
  sql`(SELECT ${SETTING_ITEM} FROM settings s WHERE s.scope = ${scope} AND s.scope_id = ${scopeId} AND s.key = ${key})`;
