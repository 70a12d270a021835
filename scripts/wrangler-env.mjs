// The environment that keeps wrangler quiet and off the network: no metrics, no error reports, no banner, no
// account lookups. Used by `npm start` and by the tests that run `wrangler dev`.
export const quietWranglerEnv = {
  ...process.env,
  CI: 'true',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

// `wrangler dev` arguments that mark a local development run (never part of wrangler.toml, so never deployed):
// trust the API from dev servers on http://localhost:* and http://127.0.0.1:* (server/http/origins.ts).
export const localDevVarArgs = ['--var', 'TRUST_LOCALHOST_ORIGINS:true'];
