import { defineConfig } from 'vitest/config';

/**
 * One config, one project per runtime. `node` runs shared/ and client/ tests (fake-indexeddb stands in for
 * IndexedDB there); the workerd and Chromium projects join as the server and browser suites land.
 */
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/shared/**/*.test.ts', 'test/client/**/*.test.ts', 'test/client/**/*.test.tsx'],
          environment: 'node',
        },
      },
    ],
  },
});
