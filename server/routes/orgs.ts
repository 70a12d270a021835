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
import { writeResponse } from '../http/write-response.js';
import { orgCall, requestOrgStore } from '../store/request-org-store.js';

const orgParam = z.object({ orgId: idSchema });
const memberParam = z.object({ orgId: idSchema, userId: userIdSchema });

/** /api/orgs and /api/orgs/:orgId/members: thin handlers over the org store (store/org-ops.ts: services/orgs, services/org-members). */
export const orgRoutes = () =>
  new Hono<AppEnv>()
    .get('/', validate('query', pageQuerySchema), async (c) => c.json(await requestOrgStore(c).listOrgs(orgCall(c), c.req.valid('query'))))
    .post('/', validate('json', createOrgRequestSchema), async (c) => writeResponse(c, await requestOrgStore(c).createOrg(orgCall(c), c.req.valid('json'))))
    .patch('/:orgId', validate('param', orgParam), validate('json', updateOrgRequestSchema), async (c) =>
      writeResponse(c, await requestOrgStore(c).write(c.req.valid('param').orgId, { op: 'updateOrg', input: c.req.valid('json') }, orgCall(c))),
    )
    .get('/:orgId/members', validate('param', orgParam), validate('query', pageQuerySchema), async (c) =>
      c.json(await requestOrgStore(c).read(c.req.valid('param').orgId, { op: 'listOrgMembers', query: c.req.valid('query') }, orgCall(c))),
    )
    .post('/:orgId/members', validate('param', orgParam), validate('json', addOrgMemberRequestSchema), async (c) =>
      writeResponse(c, await requestOrgStore(c).write(c.req.valid('param').orgId, { op: 'addOrgMember', input: c.req.valid('json') }, orgCall(c))),
    )
    .patch('/:orgId/members/:userId', validate('param', memberParam), validate('json', updateOrgMemberRequestSchema), async (c) => {
      const { orgId, userId } = c.req.valid('param');
      return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'updateOrgMember', userId, input: c.req.valid('json') }, orgCall(c)));
    })
    .delete('/:orgId/members/:userId', validate('param', memberParam), async (c) => {
      const { orgId, userId } = c.req.valid('param');
      return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'removeOrgMember', userId }, orgCall(c)));
    });
