import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      /** A second D1 (vitest.config.ts), for two sync servers on two databases. */
      SECOND_DB: D1Database;
      TEST_MIGRATIONS: D1Migration[];
      BETTER_AUTH_SECRET: string;
    }
  }
}
