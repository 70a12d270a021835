#!/usr/bin/env node
// Moves one org from D1 into its own Durable Object (org-objects storage), through the Worker's operator route.
//   SYNC_ADMIN_TOKEN=<token> node scripts/move-org.mjs <worker base URL> <orgId>
// The Worker needs SYNC_STORAGE=org-objects and the same SYNC_ADMIN_TOKEN (a wrangler secret, or --var locally).
// Safe to run again: a move that stopped anywhere finishes; one that finished answers `already`.
const [baseUrl, orgId] = process.argv.slice(2);
const token = process.env.SYNC_ADMIN_TOKEN;
if (!baseUrl || !orgId || !token) {
  console.error('usage: SYNC_ADMIN_TOKEN=<token> node scripts/move-org.mjs <worker base URL> <orgId>');
  process.exit(2);
}
const res = await fetch(new URL(`/api/admin/orgs/${encodeURIComponent(orgId)}/move`, baseUrl), {
  method: 'POST',
  headers: { authorization: `Bearer ${token}` },
});
const text = await res.text();
console.log(`${res.status} ${text}`);
process.exit(res.ok ? 0 : 1);
