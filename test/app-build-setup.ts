import { ensureAppBuilt } from '../scripts/build-app.mjs';

/**
 * Root global setup, run once before any project: wrangler dev (integration and browser tests) and the workers
 * pool (it reads wrangler.toml's [assets]) refuse to start without dist/app, which a clean clone lacks.
 * `npm test` rebuilds the app before vitest; this covers `npx vitest` run directly.
 */
export function setup() {
  ensureAppBuilt();
}
