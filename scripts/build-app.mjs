// Builds the app (app/) into dist/app, the directory wrangler.toml's [assets] serves. wrangler dev, and the
// workers test pool that reads wrangler.toml, refuse to start when that directory is missing, so everything
// that starts the Worker builds (or ensures) it first: `npm start` always builds, the tests build when missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const appDist = join(root, 'dist', 'app');

/** Runs `vite build`; throws with vite's output when it fails. */
export function buildApp() {
  const vite = join(root, 'node_modules', '.bin', 'vite');
  const built = spawnSync(vite, ['build', '--config', join(root, 'app', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`building the app failed (is \`npm ci\` done?):\n${built.stdout}\n${built.stderr}`);
}

/** Builds the app only when dist/app has no index.html (a clean clone); an existing build is left as it is. */
export function ensureAppBuilt() {
  if (!existsSync(join(appDist, 'index.html'))) buildApp();
}
