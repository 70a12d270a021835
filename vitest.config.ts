import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

/**
 * One config, one project per runtime:
 * - node: shared/ and client/ tests (fake-indexeddb stands in for IndexedDB there), server code that needs
 *   no runtime (test/server-pure: pure functions such as planMerge, no D1), and the routes conformance kit
 *   (test/conformance: against a wrong in-process server, and against the Worker under wrangler dev);
 * - workers: the Worker inside workerd on a real local D1 with the real migrations (drizzle-kit's flat .sql
 *   files), through @cloudflare/vitest-pool-workers;
 * - browser: the client in Debian's Chromium (real IndexedDB, Web Locks) against the Worker under wrangler dev.
 */
/** The workers suites run in both storage modes (README: what runs in which mode). */
const ORG_MODE_SUITES = [
  'test/server/isolation-matrix.test.ts',
  'test/server/orgs.test.ts',
  'test/server/projects.test.ts',
  'test/server/auth.test.ts',
  'test/server/hostile-input.prop.test.ts',
  'test/server/live.test.ts',
];

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./server/migrations');
  /** The workers project's pool: this Worker in workerd on local D1, with `bindings` added to the test ones. */
  const workerdPlugin = (bindings: Record<string, string>) =>
    cloudflareTest({
      // server/worker.ts re-exported unchanged, plus test-only Durable Object classes (the pool constructs
      // a class only if `main` exports it).
      main: './test/server/workers-main.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          // A fixed secret for tests only; real ones live in .dev.vars (npm start) or wrangler secrets.
          BETTER_AUTH_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
          // Tests are local development: trust localhost origins (tests that need a deployment unset it).
          TRUST_LOCALHOST_ORIGINS: 'true',
          ...bindings,
        },
        // A second local D1 beside wrangler.toml's DB: two sync servers on two databases in one isolate
        // (test/server/instances.test.ts applies the migrations to it).
        d1Databases: { SECOND_DB: 'second-db' },
        // Issue 19's spike objects (test/server/org-object-storage.test.ts), SQLite-backed as
        // `new_sqlite_classes` makes them; merged with wrangler.toml's HUB binding.
        durableObjects: {
          SPIKE_OBJECT: { className: 'SpikeObject', useSQLite: true },
          SPIKE_BARE: { className: 'SpikeBareObject', useSQLite: true },
        },
      },
    });
  return {
    test: {
      reporters: ['default', './test/summary-reporter.ts'],
      // Runs once before every project: wrangler.toml's [assets] directory (dist/app) must exist.
      globalSetup: ['./test/app-build-setup.ts'],
      // The Worker logs one JSON line per request: show console output only for failing tests.
      silent: 'passed-only' as const,
      projects: [
        {
          test: {
            name: 'node',
            // test/package: the packed package as an app installs it, and the app's imports (entry points only).
            include: ['test/shared/**/*.test.ts', 'test/server-pure/**/*.test.ts', 'test/client/**/*.test.ts', 'test/client/**/*.test.tsx', 'test/conformance/**/*.test.ts', 'test/package/**/*.test.ts'],
            environment: 'node',
            // Property tests take 1-3 s alone; on a shared, busy machine the 5 s default is too close.
            testTimeout: 30_000,
          },
        },
        {
          plugins: [workerdPlugin({})],
          test: {
            name: 'workers',
            include: ['test/server/**/*.test.ts'],
            setupFiles: ['./test/server/apply-migrations.ts'],
            testTimeout: 30_000,
          },
        },
        {
          // The same Worker with every org in its own Durable Object (issue 19's org-objects storage): the suites
          // that drive it over HTTP only, whatever the storage, run again here. (The rest read D1 directly to
          // check what a write stored; org-objects.test.ts covers that mode's storage in the workers project.)
          plugins: [workerdPlugin({ SYNC_STORAGE: 'org-objects' })],
          test: {
            name: 'workers-org',
            include: ORG_MODE_SUITES,
            setupFiles: ['./test/server/apply-migrations.ts'],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            // The app end to end: playwright-core drives Debian's Chromium against the built app served by the
            // Worker under wrangler dev (started by the test file on free ports).
            name: 'e2e',
            include: ['test/e2e/**/*.e2e.test.ts', 'test/examples/**/*.e2e.test.ts'],
            environment: 'node',
            globalSetup: ['./test/app-build-setup.ts'],
            testTimeout: 180_000,
            hookTimeout: 120_000,
          },
        },
        {
          test: {
            name: 'browser',
            include: ['test/browser/**/*.test.ts'],
            // A project's global setup runs before the root's: build the app before this one starts wrangler dev.
            globalSetup: ['./test/app-build-setup.ts', './test/browser/global-setup.ts'],
            testTimeout: 60_000,
            browser: {
              enabled: true,
              headless: true,
              instances: [{ browser: 'chromium' as const }],
              provider: playwright({
                launchOptions: {
                  executablePath: '/usr/bin/chromium',
                  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
                },
              }),
            },
          },
        },
      ],
    },
  };
});
