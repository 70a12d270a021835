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
