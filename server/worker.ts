import { drizzle } from 'drizzle-orm/d1';
import { app } from './app.js';
import * as schema from './db/schema.js';
import type { Env } from './env.js';
import { log } from './http/log.js';
import { purgeExpired } from './scheduled/purge.js';

/** The hubs' class, under the name wrangler.toml's [[durable_objects.bindings]] binds (class_name = "Hub"). */
export { Hub } from './live/hub.js';

/** This repo's Worker entry: its app (server/app.ts) for requests, the purge for the cron trigger. */
export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Env): Promise<void> {
    const purged = await purgeExpired(drizzle(env.DB, { schema }), controller.scheduledTime);
    log({ msg: 'purge', ...purged });
  },
} satisfies ExportedHandler<Env>;
