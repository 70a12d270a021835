import type { Context } from 'hono';
import type { SettingsMergeRequest } from '../../shared/index.js';
import type { AppEnv } from '../env.js';
import { logUnapplied, prepareMerge, type SettingsScope } from '../services/settings.js';
import { requestStore } from '../store/request-store.js';
import { commitPlanned } from '../sync/commit-planned.js';

/**
 * The settings merge (PATCH, DESIGN section 4) of one scope, for a route that validated its body with
 * `validate('json', settingsMergeRequestSchema)` and checked that the caller may write `scope`: plans over what
 * is stored and commits while that holds (planned again if a write got in between), logs each entry it did not
 * apply, pokes the scope's hub. Reads the context variables `store` (else the D1 store over `db`) and `now`, and
 * when set `serverNodeId` (the server clock's node), `idempotencyClaim` (the response is stored with the effect),
 * `hub` and `log`.
 */
export async function mergeSettings(c: Context<AppEnv>, scope: SettingsScope, input: SettingsMergeRequest): Promise<Response> {
  const store = requestStore(c);
  const { response, plan } = await commitPlanned(c, () => prepareMerge(store, scope, input, c.var.now, c.var.serverNodeId));
  logUnapplied(scope, plan.results, c.var.log);
  return response;
}
