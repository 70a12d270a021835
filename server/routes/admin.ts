import { Hono } from 'hono';
import * as z from 'zod/mini';
import { idSchema } from '../../shared/index.js';
import type { AppEnv } from '../env.js';
import { HttpError } from '../http/http-error.js';
import { validate } from '../http/validate.js';
import type { Hub } from '../live/hub.js';
import { orgScope } from '../live/notify.js';

const orgParam = z.object({ orgId: idSchema });

/** Constant-time equality of two strings (the admin token must not leak through timing). */
function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Operator routes, under `<mount>/admin`, for the bearer of the instance's admin token (none configured: no
 * such routes, 404). `POST /admin/orgs/:orgId/move`: moves one org from D1 into its own object
 * (org-objects storage only), answering `{ result: 'moved' | 'already', copied }`; call it again after any
 * failure, it finishes what a previous call started (store/org-object/move-org.ts). scripts/move-org.mjs calls it.
 */
export const adminRoutes = (adminToken: (c: { env: unknown }) => string | undefined) =>
  new Hono<AppEnv>().post('/orgs/:orgId/move', validate('param', orgParam), async (c) => {
    const token = adminToken(c);
    if (!token) throw new HttpError('NOT_FOUND', 'no such route');
    const offered = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (offered === undefined || !sameText(offered, token)) throw new HttpError('AUTH_REQUIRED', 'the admin token is required');
    if (c.var.storage !== 'org-objects' || !c.var.hub) throw new HttpError('VALIDATION_FAILED', "moving an org needs 'org-objects' storage and the hub");
    const { orgId } = c.req.valid('param');
    const hub = c.var.hub as unknown as DurableObjectNamespace<Hub>;
    const result = await hub.get(hub.idFromName(orgScope(orgId))).orgMoveIn(orgId);
    if (result.result === 'not_found') throw new HttpError('ORG_NOT_FOUND', 'org not found');
    return c.json({ result: result.result, copied: result.copied });
  });
