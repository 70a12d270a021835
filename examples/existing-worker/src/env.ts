/** The Worker's bindings (wrangler.toml), and its one secret (`.dev.vars` locally, `wrangler secret put` deployed). */
export interface Env {
  DB: D1Database;
  HUB: DurableObjectNamespace;
  BETTER_AUTH_SECRET: string;
}
