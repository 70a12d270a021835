import { Hono } from 'hono';
import * as z from 'zod/mini';
import {
  addOrgMemberRequestSchema,
  createOrgRequestSchema,
  idSchema,
  pageQuerySchema,
  updateOrgMemberRequestSchema,
  updateOrgRequestSchema,
  userIdSchema,
} from '../../shared/index.js';
import type { AppEnv } from '../env.js';
import { validate } from '../http/validate.js';
import { addOrgMember, listOrgMembers, removeOrgMember, updateOrgMember } from '../services/org-members.js';
import { createOrg, listOrgs, updateOrg } from '../services/orgs.js';
import { commit } from '../sync/commit.js';

const orgParam = z.object({ orgId: idSchema });
const memberParam = z.object({ orgId: idSchema, userId: userIdSchema });

/** /api/orgs and /api/orgs/:orgId/members: thin handlers over services/orgs and services/org-members. */
export const orgRoutes = () =>
  new Hono<AppEnv>()
    .get('/', validate('query', pageQuerySchema), async (c) => c.json(await listOrgs(c.var.store, c.var.user, c.req.valid('query'), c.var.now)))
    .post('/', validate('json', createOrgRequestSchema), async (c) => commit(c, await createOrg(c.var.store, c.var.user, c.req.valid('json'), c.var.now)))
    .patch('/:orgId', validate('param', orgParam), validate('json', updateOrgRequestSchema), async (c) =>
      commit(c, await updateOrg(c.var.store, c.var.user, c.req.valid('param').orgId, c.req.valid('json'), c.var.now)),
    )
    .get('/:orgId/members', validate('param', orgParam), validate('query', pageQuerySchema), async (c) =>
      c.json(await listOrgMembers(c.var.store, c.var.user, c.req.valid('param').orgId, c.req.valid('query'), c.var.now)),
    )
    .post('/:orgId/members', validate('param', orgParam), validate('json', addOrgMemberRequestSchema), async (c) =>
      commit(c, await addOrgMember(c.var.store, c.var.user, c.req.valid('param').orgId, c.req.valid('json'), c.var.now)),
    )
    .patch('/:orgId/members/:userId', validate('param', memberParam), validate('json', updateOrgMemberRequestSchema), async (c) => {
      const { orgId, userId } = c.req.valid('param');
      return commit(c, await updateOrgMember(c.var.store, c.var.user, orgId, userId, c.req.valid('json'), c.var.now));
    })
    .delete('/:orgId/members/:userId', validate('param', memberParam), async (c) => {
      const { orgId, userId } = c.req.valid('param');
      return commit(c, await removeOrgMember(c.var.store, c.var.user, orgId, userId, c.var.now));
    });
