import { ensureAppBuilt } from '../scripts/build-app.mjs';

/**
 * Builds the app when dist/app is missing (a clean clone): wrangler dev (integration and browser tests) and the
 * workers pool (it reads wrangler.toml's [assets]) refuse to start without it. It is the root's global setup,
 * which runs before any test; Vitest runs each project's own global setup before the root's, so a project whose
 * global setup starts wrangler dev lists this file first in its own `globalSetup` too (the build happens once:
 * later calls find dist/app/index.html). `npm test` rebuilds the app before vitest anyway.
 */
export function setup() {
  ensureAppBuilt();
}
