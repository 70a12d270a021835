import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { idSchema } from '../../shared/index.js';
import type { AppEnv } from '../env.js';
import { requestStore } from '../store/request-store.js';
import { HttpError } from './http-error.js';

/** Where an org's rows are, as D1's directory says (`orgs.storage`); `none`: D1 has no row for the id. */
export type OrgLocation = 'd1' | 'moving' | 'object' | 'none';

/**
 * The org id of an org-scoped request (`<mount>/orgs/:orgId/...`), from the path past the mount point (the
 * middleware's own route pattern ends in `/orgs/*`); undefined for `/orgs` itself or an id that is not one.
 */
export function orgIdOf(c: Context<AppEnv>): string | undefined {
  const mount = c.req.routePath.endsWith('/orgs/*') ? c.req.routePath.slice(0, -'/orgs/*'.length) : '';
  const rest = c.req.path.slice(mount.length);
  const match = /^\/orgs\/([^/]+)/.exec(rest);
  const id = match?.[1];
  return id !== undefined && idSchema.safeParse(id).success ? id : undefined;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** At most this many org ids are remembered per instance (then it starts over: a cost of one D1 read each). */
const REMEMBERED = 100_000;

/** Remembers that `orgId` is in its object (a create there, or the directory said so). */
export function remember(inObjects: Set<string>, orgId: string): void {
  if (inObjects.size >= REMEMBERED) inObjects.clear();
  inObjects.add(orgId);
}

/**
 * Where an org's rows are, for a request under `org-objects` storage: remembered when in its object (it stays
 * there), else read from the directory (one D1 read).
 */
export async function locateOrg(c: Pick<Context<AppEnv>, 'var'>, orgId: string, inObjects: Set<string>): Promise<OrgLocation> {
  if (inObjects.has(orgId)) return 'object';
  const row = (await requestStore(c).all<{ storage: OrgLocation }>(sql`SELECT storage FROM orgs WHERE id = ${orgId}`))[0];
  const location: OrgLocation = row?.storage ?? 'none';
  if (location === 'object') remember(inObjects, orgId);
  return location;
}

/**
 * With `org-objects` storage, where one org's request goes, by where its rows are (`orgs.storage`):
 *
 *   object (or no D1 row: an org that only an object can hold) ──▶ the org's object
 *   d1 (created before org-objects, not moved yet) ──────────────▶ D1, as in d1 storage; its writes fenced
 *   moving (its rows being copied into its object) ──▶ reads from D1 (frozen: no write lands there), writes
 *        answered "retry" (409 IDEMPOTENCY_IN_PROGRESS with a key, so the outbox does not spend its last
 *        attempt on it; 429 without), until the move is done and they go to the object
 *
 * An org in its object stays there (a move never goes back), so `object` is remembered per sync server
 * instance and costs one D1 read per isolate; the other two are read for each request (they change). Sets the
 * request's `storage` (and `orgFence` for a D1 write: commit checks in its batch that the org is still in D1,
 * so a write that raced a move's start fails whole instead of landing behind the copy).
 */
export function orgRoute(inObjects: Set<string>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.var.storage !== 'org-objects') return next();
    c.set('orgsInObjects', inObjects);
    const orgId = orgIdOf(c);
    if (orgId === undefined) return next();
    const location = await locateOrg(c, orgId, inObjects);
    if (location === 'object' || location === 'none') return next();
    if (location === 'moving' && MUTATING.has(c.req.method)) {
      const retry = { 'Retry-After': '1' };
      if (c.req.header('Idempotency-Key') !== undefined) throw new HttpError('IDEMPOTENCY_IN_PROGRESS', 'this org is moving to its own storage: retry shortly', undefined, retry);
      throw new HttpError('RATE_LIMITED', 'this org is moving to its own storage: retry shortly', undefined, retry);
    }
    c.set('storage', 'd1');
    if (MUTATING.has(c.req.method)) c.set('orgFence', orgId);
    return next();
  });
}
