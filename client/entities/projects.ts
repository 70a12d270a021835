import type { Project } from '../../shared/index.js';
import { createProjectRequestSchema, updateProjectRequestSchema } from '../../shared/schemas/requests.js';
import { enqueueWrite, validated, type WriteContext } from './write-context.js';

/** Offline-capable project writes: the optimistic row and the op land in one transaction. */
export interface ProjectWrites {
  /** Creates a project with a client-chosen id, so it can be used (and edited) before it reaches the server. */
  create(orgId: string, input: { name: string; description?: string; id?: string }): Promise<Project>;
  update(orgId: string, projectId: string, patch: { name?: string; description?: string }): Promise<void>;
  remove(orgId: string, projectId: string): Promise<void>;
}

/** The name the user sees now, for an op's summary (the id when the row is not cached). */
export async function projectName(ctx: WriteContext, projectId: string): Promise<string> {
  return (await ctx.db.projects.get(projectId))?.name ?? projectId;
}

export function projectWrites(ctx: WriteContext): ProjectWrites {
  const lane = (projectId: string) => `project:${projectId}`;
  return {
    /** Creates a project with a client-chosen id, so it can be used (and edited) before it reaches the server. */
    async create(orgId: string, input: { name: string; description?: string; id?: string }): Promise<Project> {
      const body = validated(createProjectRequestSchema, { ...input, id: input.id ?? ctx.newId() });
      const id = body.id as string;
      const now = ctx.now();
      const row: Project = {
        id,
        orgId,
        name: body.name,
        description: body.description ?? '',
        createdBy: ctx.userId,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        version: 1,
      };
      const summary = `Create project '${body.name}'`;
      // An id generated here (a random UUID) is on no row yet: the create need not read one. A given id may be.
      const newKey = input.id === undefined;
      await enqueueWrite(ctx, { lane: lane(id), method: 'POST', path: `/api/orgs/${orgId}/projects`, body, effect: { kind: 'put', table: 'projects', row }, summary }, newKey);
      return row;
    },
    async update(orgId: string, projectId: string, patch: { name?: string; description?: string }): Promise<void> {
      const body = validated(updateProjectRequestSchema, patch);
      const before = await projectName(ctx, projectId);
      const summary = body.name !== undefined && body.name !== before ? `Rename project '${before}' to '${body.name}'` : `Edit project '${body.name ?? before}'`;
      await enqueueWrite(ctx, {
        summary,
        lane: lane(projectId),
        method: 'PATCH',
        path: `/api/orgs/${orgId}/projects/${projectId}`,
        body,
        effect: { kind: 'patch', table: 'projects', key: projectId, patch: { ...body, updatedAt: ctx.now() } },
      });
    },
    async remove(orgId: string, projectId: string): Promise<void> {
      await enqueueWrite(ctx, {
        summary: `Delete project '${await projectName(ctx, projectId)}'`,
        lane: lane(projectId),
        method: 'DELETE',
        path: `/api/orgs/${orgId}/projects/${projectId}`,
        effect: { kind: 'delete', table: 'projects', key: projectId },
      });
    },
  };
}
