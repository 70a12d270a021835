import type {
  AddOrgMemberRequest,
  AddProjectMemberRequest,
  CreateProjectRequest,
  Page,
  PageQuery,
  SettingsMergeRequest,
  UpdateOrgMemberRequest,
  UpdateOrgRequest,
  UpdateProjectMemberRequest,
  UpdateProjectRequest,
} from '../../shared/index.js';
import type { AuthUser } from '../env.js';
import type { LogSink } from '../http/log.js';
import { requireOrgRole } from '../services/access.js';
import { addOrgMember, listOrgMembers, removeOrgMember, updateOrgMember } from '../services/org-members.js';
import { updateOrg } from '../services/orgs.js';
import { addProjectMember, listOrgProjectMembers, listProjectMembers, removeProjectMember, updateProjectMember } from '../services/project-members.js';
import { createProject, deleteProject, listProjects, updateProject } from '../services/projects.js';
import { listSettings, logUnapplied, prepareMerge, putSetting } from '../services/settings.js';
import { commitMutation, type CommitTarget, type Committed, type Mutation } from '../sync/commit.js';
import { commitPlannedMutation } from '../sync/commit-planned.js';
import type { SqlStore } from './sql-store.js';

/**
 * A write inside one org, as data: what the route validated, nothing of the request itself. Data so that it can
 * cross to wherever the org's rows live (an RPC argument is structured-cloned) and run there through the same
 * service code as in the Worker.
 */
export type OrgWriteOp =
  | { readonly op: 'updateOrg'; readonly input: UpdateOrgRequest }
  | {
      readonly op: 'addOrgMember';
      readonly input: AddOrgMemberRequest;
      /** The new member as the directory resolved them (null: no such user), for a store whose user rows are a cache (an org's object). */
      readonly target?: AuthUser | null | undefined;
    }
  | { readonly op: 'updateOrgMember'; readonly userId: string; readonly input: UpdateOrgMemberRequest }
  | { readonly op: 'removeOrgMember'; readonly userId: string }
  | { readonly op: 'createProject'; readonly input: CreateProjectRequest }
  | { readonly op: 'updateProject'; readonly projectId: string; readonly input: UpdateProjectRequest; readonly ifMatch?: number | undefined }
  | { readonly op: 'deleteProject'; readonly projectId: string }
  | {
      readonly op: 'addProjectMember';
      readonly projectId: string;
      readonly input: AddProjectMemberRequest;
      /** As for addOrgMember: the user the directory resolved (null: none). */
      readonly target?: AuthUser | null | undefined;
    }
  | { readonly op: 'updateProjectMember'; readonly projectId: string; readonly userId: string; readonly input: UpdateProjectMemberRequest }
  | { readonly op: 'removeProjectMember'; readonly projectId: string; readonly userId: string }
  | { readonly op: 'mergeOrgSettings'; readonly input: SettingsMergeRequest }
  | { readonly op: 'putOrgSetting'; readonly key: string; readonly value: unknown };

/** A read inside one org (a pull of one of its collections), as data. */
export type OrgReadOp =
  | { readonly op: 'listOrgMembers' | 'listProjects' | 'listOrgProjectMembers' | 'listOrgSettings'; readonly query: PageQuery }
  | { readonly op: 'listProjectMembers'; readonly projectId: string; readonly query: PageQuery };

/** Who calls and when: the request's part of an org op, as data (it crosses with the op). */
export interface OrgCall {
  readonly user: AuthUser;
  /** The request's time (the `now` variable): every row and cursor of the op uses it. */
  readonly now: number;
  /** The server clock's node, for the stamps a settings write issues (the `serverNodeId` variable). */
  readonly serverNodeId?: string | undefined;
}

/** Where an op runs: the org's store and what goes with it there (the claim, the log), never crossing. */
export interface OrgOpTarget extends CommitTarget {
  readonly log?: LogSink | undefined;
}

/** A write op planned once and committed as one mutation: all but the merge. */
type PlainWriteOp = Exclude<OrgWriteOp, { op: 'mergeOrgSettings' }>;

/** The service that plans each write op (access checks included), on the store the op runs on. */
function planWrite(store: SqlStore, orgId: string, op: PlainWriteOp, call: OrgCall): Promise<Mutation> {
  const { user, now } = call;
  switch (op.op) {
    case 'updateOrg':
      return updateOrg(store, user, orgId, op.input, now);
    case 'addOrgMember':
      return addOrgMember(store, user, orgId, op.input, now, op.target);
    case 'updateOrgMember':
      return updateOrgMember(store, user, orgId, op.userId, op.input, now);
    case 'removeOrgMember':
      return removeOrgMember(store, user, orgId, op.userId, now);
    case 'createProject':
      return createProject(store, user, orgId, op.input, now);
    case 'updateProject':
      return updateProject(store, user, orgId, op.projectId, op.input, op.ifMatch, now);
    case 'deleteProject':
      return deleteProject(store, user, orgId, op.projectId, now);
    case 'addProjectMember':
      return addProjectMember(store, user, orgId, op.projectId, op.input, now, op.target);
    case 'updateProjectMember':
      return updateProjectMember(store, user, orgId, op.projectId, op.userId, op.input, now);
    case 'removeProjectMember':
      return removeProjectMember(store, user, orgId, op.projectId, op.userId, now);
    case 'putOrgSetting':
      return requireOrgRole(store, orgId, user.id, 'admin').then(() =>
        putSetting(store, { scope: 'org', scopeId: orgId }, op.key, op.value, now, call.serverNodeId),
      );
  }
}

/**
 * Runs a write op on the org's store: plans it through its service and commits it in one batch (commit), the
 * merge through commitPlanned (planned again when a write got in between), with each entry it did not apply
 * logged. Throws what the service throws (HttpError for an expected refusal).
 */
export async function runOrgWrite(target: OrgOpTarget, orgId: string, op: OrgWriteOp, call: OrgCall): Promise<Committed> {
  const { store } = target;
  if (op.op !== 'mergeOrgSettings') return commitMutation(target, await planWrite(store, orgId, op, call));
  // The merge answers with what it applied, planned over the stored registers: it is planned again when a write
  // got in between (commitPlanned).
  const scope = { scope: 'org', scopeId: orgId } as const;
  await requireOrgRole(store, orgId, call.user.id, 'admin');
  const { committed, plan } = await commitPlannedMutation(target, () => prepareMerge(store, scope, op.input, call.now, call.serverNodeId));
  logUnapplied(scope, plan.results, target.log);
  return committed;
}

/** Runs a read op on the org's store through its service (access checks included). */
export async function runOrgRead(store: SqlStore, orgId: string, op: OrgReadOp, call: OrgCall): Promise<Page<unknown>> {
  const { user, now } = call;
  switch (op.op) {
    case 'listOrgMembers':
      return listOrgMembers(store, user, orgId, op.query, now);
    case 'listProjects':
      return listProjects(store, user, orgId, op.query, now);
    case 'listOrgProjectMembers':
      return listOrgProjectMembers(store, user, orgId, op.query, now);
    case 'listProjectMembers':
      return listProjectMembers(store, user, orgId, op.projectId, op.query, now);
    case 'listOrgSettings':
      await requireOrgRole(store, orgId, user.id, 'member');
      return listSettings(store, { scope: 'org', scopeId: orgId }, op.query, now);
  }
}
