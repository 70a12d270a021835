import type { OrgRole, ProjectRole } from '../../shared/index.js';
import {
  addOrgMemberRequestSchema,
  addProjectMemberRequestSchema,
  updateOrgMemberRequestSchema,
  updateProjectMemberRequestSchema,
} from '../../shared/schemas/requests.js';
import type { OpEffect } from '../storage/rows.js';
import { projectName } from './projects.js';
import { enqueueWrite, validated, type WriteContext } from './write-context.js';

export interface MemberTarget {
  userId?: string;
  email?: string;
  /** Shown in the optimistic row until the server's arrives. */
  name?: string;
}

/*
 * Membership writes. Org member ops share the org's lane, project member ops the project's lane, so a member
 * is never added to a project before the (offline-created) project itself reaches the server.
 */

/** How a member is named in an op's summary: name, else email, else id. */
const who = (member: { name?: string; email?: string; userId?: string } | undefined, fallback = ''): string =>
  member?.name || member?.email || member?.userId || fallback;

export interface OrgMemberWrites {
  add(orgId: string, target: MemberTarget & { role: OrgRole }): Promise<void>;
  updateRole(orgId: string, userId: string, role: OrgRole): Promise<void>;
  remove(orgId: string, userId: string): Promise<void>;
}

export interface ProjectMemberWrites {
  add(orgId: string, projectId: string, target: MemberTarget & { role: ProjectRole }): Promise<void>;
  updateRole(orgId: string, projectId: string, userId: string, role: ProjectRole): Promise<void>;
  remove(orgId: string, projectId: string, userId: string): Promise<void>;
}

export function orgMemberWrites(ctx: WriteContext): OrgMemberWrites {
  const base = (orgId: string) => `/api/orgs/${orgId}/members`;
  return {
    async add(orgId: string, target: MemberTarget & { role: OrgRole }): Promise<void> {
      const body = validated(addOrgMemberRequestSchema, { ...(target.userId ? { userId: target.userId } : { email: target.email }), role: target.role });
      const now = ctx.now();
      const effect: OpEffect = target.userId
        ? {
            kind: 'put',
            table: 'orgMembers',
            row: { orgId, userId: target.userId, role: target.role, email: target.email ?? '', name: target.name ?? '', createdAt: now, updatedAt: now, deletedAt: null, version: 1 },
          }
        : { kind: 'none', table: 'orgMembers', key: [orgId, `email:${target.email}`] };
      const summary = `Add ${who(target)} to the org as ${target.role}`;
      await enqueueWrite(ctx, { lane: `org:${orgId}`, method: 'POST', path: base(orgId), effect, body, summary });
    },
    async updateRole(orgId: string, userId: string, role: OrgRole): Promise<void> {
      const body = validated(updateOrgMemberRequestSchema, { role });
      const summary = `Make ${who(await ctx.db.orgMembers.get([orgId, userId]), userId)} an org ${role}`;
      await enqueueWrite(ctx, { lane: `org:${orgId}`, method: 'PATCH', path: `${base(orgId)}/${userId}`, effect: { kind: 'patch', table: 'orgMembers', key: [orgId, userId], patch: { role } }, body, summary });
    },
    async remove(orgId: string, userId: string): Promise<void> {
      const summary = `Remove ${who(await ctx.db.orgMembers.get([orgId, userId]), userId)} from the org`;
      await enqueueWrite(ctx, { lane: `org:${orgId}`, method: 'DELETE', path: `${base(orgId)}/${userId}`, effect: { kind: 'delete', table: 'orgMembers', key: [orgId, userId] }, summary });
    },
  };
}

export function projectMemberWrites(ctx: WriteContext): ProjectMemberWrites {
  const base = (orgId: string, projectId: string) => `/api/orgs/${orgId}/projects/${projectId}/members`;
  return {
    async add(orgId: string, projectId: string, target: MemberTarget & { role: ProjectRole }): Promise<void> {
      const body = validated(addProjectMemberRequestSchema, { ...(target.userId ? { userId: target.userId } : { email: target.email }), role: target.role });
      const now = ctx.now();
      const effect: OpEffect = target.userId
        ? {
            kind: 'put',
            table: 'projectMembers',
            row: { projectId, orgId, userId: target.userId, role: target.role, email: target.email ?? '', name: target.name ?? '', createdAt: now, updatedAt: now, deletedAt: null, version: 1 },
          }
        : { kind: 'none', table: 'projectMembers', key: [projectId, `email:${target.email}`] };
      const summary = `Add ${who(target)} to project '${await projectName(ctx, projectId)}' as ${target.role}`;
      await enqueueWrite(ctx, { lane: `project:${projectId}`, method: 'POST', path: base(orgId, projectId), effect, body, summary });
    },
    async updateRole(orgId: string, projectId: string, userId: string, role: ProjectRole): Promise<void> {
      const body = validated(updateProjectMemberRequestSchema, { role });
      const member = who(await ctx.db.projectMembers.get([projectId, userId]), userId);
      await enqueueWrite(ctx, {
        summary: `Make ${member} a ${role} of project '${await projectName(ctx, projectId)}'`,
        lane: `project:${projectId}`,
        method: 'PATCH',
        path: `${base(orgId, projectId)}/${userId}`,
        effect: { kind: 'patch', table: 'projectMembers', key: [projectId, userId], patch: { role } },
        body,
      });
    },
    async remove(orgId: string, projectId: string, userId: string): Promise<void> {
      const member = who(await ctx.db.projectMembers.get([projectId, userId]), userId);
      await enqueueWrite(ctx, {
        summary: `Remove ${member} from project '${await projectName(ctx, projectId)}'`,
        lane: `project:${projectId}`,
        method: 'DELETE',
        path: `${base(orgId, projectId)}/${userId}`,
        effect: { kind: 'delete', table: 'projectMembers', key: [projectId, userId] },
      });
    },
  };
}
