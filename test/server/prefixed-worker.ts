import { Hono, type Context } from 'hono';
import { createAuthCache } from '../../server/auth/create-auth.js';
import { createSyncServer } from '../../server/index.js';
import type { Env, WorkerEnv } from '../../server/env.js';
import { errorBody, onError } from '../../server/index.js';

/**
 * A test-only Worker (never deployed: `wrangler dev <this file>`) that mounts the sync routes where this repo's
 * Worker does not: under `/v2/sync`, beside its own Better Auth at `/api/auth` and its own `/api/health` (the
 * harness waits for it). Nothing of the sync server answers under `/api` here, so a client that still sent there
 * would get this app's plain 404.
 */
const authFor = createAuthCache();
const auth = (c: Context<WorkerEnv>) => authFor(c.env, c.req.url);

const app = new Hono<WorkerEnv>();
app.get('/api/health', (c) => c.json({ ok: true }));
app.on(['GET', 'POST'], '/api/auth/*', (c) => auth(c).handler(c.req.raw));
app.route('/v2/sync', createSyncServer<Env>({ auth, database: (c) => c.env.DB, hub: (c) => c.env.HUB }));
app.notFound((c) => c.json(errorBody('NOT_FOUND', 'no such route'), 404));
app.onError(onError);

export { Hub } from '../../server/index.js';
export default app;
