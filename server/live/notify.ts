import type { Context } from 'hono';
import type { AppEnv, Env } from '../env.js';
import { log } from '../http/log.js';

/** A hub's name: one hub per org and one per user (for user settings and the user's list of orgs). */
export type LiveScope = `org:${string}` | `user:${string}`;

/** What a committed write tells the hubs: the scopes to poke, and users to cut off from a scope. */
export interface LiveEffect {
  readonly pokes: readonly LiveScope[];
  readonly kicks?: readonly { readonly scope: LiveScope; readonly userId: string }[];
}

export const orgScope = (orgId: string): LiveScope => `org:${orgId}`;
export const userScope = (userId: string): LiveScope => `user:${userId}`;

export function hubStub(env: Env, scope: LiveScope): DurableObjectStub | null {
  if (!env.HUB) return null;
  return env.HUB.get(env.HUB.idFromName(scope));
}

/**
 * After a write committed: pokes (and kicks) in the background (`waitUntil`), so the response is not delayed.
 * A hub that fails or is unreachable never fails the write: clients still converge by polling.
 */
export function notifyHubs(c: Context<AppEnv>, live: LiveEffect | undefined, seq: number): void {
  if (!live) return;
  try {
    const work: Promise<unknown>[] = [];
    for (const scope of new Set(live.pokes)) work.push(send(c.env, scope, '/poke', { scope, seq }));
    for (const kick of live.kicks ?? []) work.push(send(c.env, kick.scope, '/kick', { userId: kick.userId }));
    if (work.length > 0) c.executionCtx.waitUntil(Promise.all(work));
  } catch (error) {
    log({ level: 'warn', msg: 'live notify failed', error: (error as Error).message });
  }
}

async function send(env: Env, scope: LiveScope, path: string, body: unknown): Promise<void> {
  try {
    const stub = hubStub(env, scope);
    if (!stub) return;
    const res = await stub.fetch(`https://hub${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.body?.cancel();
    if (!res.ok) log({ level: 'warn', msg: 'live hub refused', scope, path, status: res.status });
  } catch (error) {
    log({ level: 'warn', msg: 'live hub unreachable', scope, path, error: (error as Error).message });
  }
}
