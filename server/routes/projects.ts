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
import { writeResponse } from '../http/write-response.js';
import { parseIfMatch } from '../services/projects.js';
import { orgCall, requestOrgStore } from '../store/request-org-store.js';

const orgParam = z.object({ orgId: idSchema });
const projectParam = z.object({ orgId: idSchema, projectId: idSchema });
const memberParam = z.object({ orgId: idSchema, projectId: idSchema, userId: userIdSchema });

/**
 * /api/orgs/:orgId/projects, their members and the org-wide /project-members listing: thin handlers over the
 * org store (store/org-ops.ts: services/projects, services/project-members).
 */
export const projectRoutes = () =>
  new Hono<AppEnv>()
    .get('/:orgId/projects', validate('param', orgParam), validate('query', pageQuerySchema), async (c) =>
      c.json(await requestOrgStore(c).read(c.req.valid('param').orgId, { op: 'listProjects', query: c.req.valid('query') }, orgCall(c))),
    )
    .post('/:orgId/projects', validate('param', orgParam), validate('json', createProjectRequestSchema), async (c) =>
      writeResponse(c, await requestOrgStore(c).write(c.req.valid('param').orgId, { op: 'createProject', input: c.req.valid('json') }, orgCall(c))),
    )
    .patch('/:orgId/projects/:projectId', validate('param', projectParam), validate('json', updateProjectRequestSchema), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      const ifMatch = parseIfMatch(c.req.header('If-Match'));
      return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'updateProject', projectId, input: c.req.valid('json'), ifMatch }, orgCall(c)));
    })
    .delete('/:orgId/projects/:projectId', validate('param', projectParam), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'deleteProject', projectId }, orgCall(c)));
    })
    .get('/:orgId/project-members', validate('param', orgParam), validate('query', pageQuerySchema), async (c) =>
      c.json(await requestOrgStore(c).read(c.req.valid('param').orgId, { op: 'listOrgProjectMembers', query: c.req.valid('query') }, orgCall(c))),
    )
    .get('/:orgId/projects/:projectId/members', validate('param', projectParam), validate('query', pageQuerySchema), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      return c.json(await requestOrgStore(c).read(orgId, { op: 'listProjectMembers', projectId, query: c.req.valid('query') }, orgCall(c)));
    })
    .post('/:orgId/projects/:projectId/members', validate('param', projectParam), validate('json', addProjectMemberRequestSchema), async (c) => {
      const { orgId, projectId } = c.req.valid('param');
      return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'addProjectMember', projectId, input: c.req.valid('json') }, orgCall(c)));
    })
    .patch(
      '/:orgId/projects/:projectId/members/:userId',
      validate('param', memberParam),
      validate('json', updateProjectMemberRequestSchema),
      async (c) => {
        const { orgId, projectId, userId } = c.req.valid('param');
        return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'updateProjectMember', projectId, userId, input: c.req.valid('json') }, orgCall(c)));
      },
    )
    .delete('/:orgId/projects/:projectId/members/:userId', validate('param', memberParam), async (c) => {
      const { orgId, projectId, userId } = c.req.valid('param');
      return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'removeProjectMember', projectId, userId }, orgCall(c)));
    });
