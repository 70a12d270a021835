import { Hono } from 'hono';
import * as z from 'zod/mini';
import {
  addProjectMemberRequestSchema,
  createProjectRequestSchema,
  idSchema,
  pageQuerySchema,
  updateProjectMemberRequestSchema,
  updateProjectRequestSchema,
  userIdSchema,
} from '../../shared/index.js';
import type { AppEnv } from '../env.js';
import { validate } from '../http/validate.js';
import {
  addProjectMember,
  listOrgProjectMembers,
  listProjectMembers,
  removeProjectMember,
  updateProjectMember,
} from '../services/project-members.js';
import { createProject, deleteProject, listProjects, parseIfMatch, updateProject } from '../services/projects.js';
import { commit } from '../sync/commit.js';

const orgParam = z.object({ orgId: idSchema });
const projectParam = z.object({ orgId: idSchema, projectId: idSchema });
const memberParam = z.object({ orgId: idSchema, projectId: idSchema, userId: userIdSchema });

/** /api/orgs/:orgId/projects, their members and the org-wide /project-members listing: thin handlers over services/projects and services/project-members. */
export const projectRoutes = () =>
  new Hono<AppEnv>()
    .get('/:orgId/projects', validate('param', orgParam), validate('query', pageQuerySchema), async (c) =>
      c.json(await listProjects(c.var.store, c.var.user, c.req.valid('param').orgId, c.req.valid('query'), c.var.now)),
    )
    .post('/:orgId/projects', validate('param', orgParam), validate('json', createProjectRequestSchema), async (c) =>
      commit(c, await createProject(c.var.store, c.var.user, c.req.valid('param').orgId, c.req.valid('json'), c.var.now)),
    )
    .patch('/:orgId/projects/:projectId', validate('param', projectParam), validate('json', updateProjectRequestSchema), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      const ifMatch = parseIfMatch(c.req.header('If-Match'));
      return commit(c, await updateProject(c.var.store, c.var.user, orgId, projectId, c.req.valid('json'), ifMatch, c.var.now));
    })
    .delete('/:orgId/projects/:projectId', validate('param', projectParam), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      return commit(c, await deleteProject(c.var.store, c.var.user, orgId, projectId, c.var.now));
    })
    .get('/:orgId/project-members', validate('param', orgParam), validate('query', pageQuerySchema), async (c) =>
      c.json(await listOrgProjectMembers(c.var.store, c.var.user, c.req.valid('param').orgId, c.req.valid('query'), c.var.now)),
    )
    .get('/:orgId/projects/:projectId/members', validate('param', projectParam), validate('query', pageQuerySchema), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      return c.json(await listProjectMembers(c.var.store, c.var.user, orgId, projectId, c.req.valid('query'), c.var.now));
    })
    .post('/:orgId/projects/:projectId/members', validate('param', projectParam), validate('json', addProjectMemberRequestSchema), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      return commit(c, await addProjectMember(c.var.store, c.var.user, orgId, projectId, c.req.valid('json'), c.var.now));
    })
    .patch(
      '/:orgId/projects/:projectId/members/:userId',
      validate('param', memberParam),
      validate('json', updateProjectMemberRequestSchema),
      async (c) => {
        const { orgId, projectId, userId } = c.req.valid('param');
        return commit(c, await updateProjectMember(c.var.store, c.var.user, orgId, projectId, userId, c.req.valid('json'), c.var.now));
      },
    )
    .delete('/:orgId/projects/:projectId/members/:userId', validate('param', memberParam), async (c) => {
      const { orgId, projectId, userId } = c.req.valid('param');
      return commit(c, await removeProjectMember(c.var.store, c.var.user, orgId, projectId, userId, c.var.now));
    });
