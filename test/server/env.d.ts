import type { D1Migration } from 'cloudflare:test';
import type { Hub } from '../../server/live/hub.js';
import type { SpikeBareObject, SpikeObject } from './org-object-fixture/spike-object.js';

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      /** A second D1 (vitest.config.ts), for two sync servers on two databases. */
      SECOND_DB: D1Database;
      TEST_MIGRATIONS: D1Migration[];
      BETTER_AUTH_SECRET: string;
      /** wrangler.toml's hubs: in org-objects storage, each org's object too. */
      HUB: DurableObjectNamespace<Hub>;
      /** The workers-org project's storage mode (vitest.config.ts); unset in the workers project. */
      SYNC_STORAGE?: string;
      /** Issue 19's spike objects (vitest.config.ts, test/server/org-object-storage.test.ts). */
      SPIKE_OBJECT: DurableObjectNamespace<SpikeObject>;
      SPIKE_BARE: DurableObjectNamespace<SpikeBareObject>;
    }
  }
}
