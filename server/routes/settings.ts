import { Hono } from 'hono';
import * as z from 'zod/mini';
import {
  idSchema,
  pageQuerySchema,
  settingKeySchema,
  settingPutRequestSchema,
  settingsMergeRequestSchema,
} from '../../shared/index.js';
import type { AppEnv } from '../env.js';
import { validate } from '../http/validate.js';
import { writeResponse } from '../http/write-response.js';
import { listSettings, putSetting } from '../services/settings.js';
import { orgCall, requestOrgStore } from '../store/request-org-store.js';
import { commit } from '../sync/commit.js';
import { mergeSettings } from './merge-settings.js';

const orgParam = z.object({ orgId: idSchema });
const keyParam = z.object({ key: settingKeySchema });
const orgKeyParam = z.object({ orgId: idSchema, key: settingKeySchema });

/** User settings: GET/PUT/PATCH <mount>/settings. */
export const userSettingsRoutes = () =>
  new Hono<AppEnv>()
    .get('/', validate('query', pageQuerySchema), async (c) =>
      c.json(await listSettings(c.var.store, { scope: 'user', scopeId: c.var.user.id }, c.req.valid('query'), c.var.now)),
    )
    .patch('/', validate('json', settingsMergeRequestSchema), async (c) =>
      mergeSettings(c, { scope: 'user', scopeId: c.var.user.id }, c.req.valid('json')),
    )
    .put('/:key', validate('param', keyParam), validate('json', settingPutRequestSchema), async (c) => {
      const scope = { scope: 'user', scopeId: c.var.user.id } as const;
      return commit(c, await putSetting(c.var.store, scope, c.req.valid('param').key, c.req.valid('json').value, c.var.now, c.var.serverNodeId));
    });

/** Org settings: read by members, written by admins and owners (the org store's ops check). */
export const orgSettingsRoutes = () =>
  new Hono<AppEnv>()
    .get('/:orgId/settings', validate('param', orgParam), validate('query', pageQuerySchema), async (c) =>
      c.json(await requestOrgStore(c).read(c.req.valid('param').orgId, { op: 'listOrgSettings', query: c.req.valid('query') }, orgCall(c))),
    )
    .patch('/:orgId/settings', validate('param', orgParam), validate('json', settingsMergeRequestSchema), async (c) =>
      writeResponse(c, await requestOrgStore(c).write(c.req.valid('param').orgId, { op: 'mergeOrgSettings', input: c.req.valid('json') }, orgCall(c))),
    )
    .put('/:orgId/settings/:key', validate('param', orgKeyParam), validate('json', settingPutRequestSchema), async (c) => {
      const { orgId, key } = c.req.valid('param');
      return writeResponse(c, await requestOrgStore(c).write(orgId, { op: 'putOrgSetting', key, value: c.req.valid('json').value }, orgCall(c)));
    });
