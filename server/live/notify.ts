import { log as jsonLines, type LogSink } from '../http/log.js';

/** A hub's name: one hub per org and one per user (for user settings and the user's list of orgs). */
export type LiveScope = `org:${string}` | `user:${string}`;

/** What a committed write tells the hubs: the scopes to poke, and users to cut off from a scope. */
export interface LiveEffect {
  readonly pokes: readonly LiveScope[];
  readonly kicks?: readonly { readonly scope: LiveScope; readonly userId: string }[];
}

export const orgScope = (orgId: string): LiveScope => `org:${orgId}`;
export const userScope = (userId: string): LiveScope => `user:${userId}`;

/** The hub of a scope in `hub` (the Hub class's namespace), or null when there is none: polling only. */
export function hubStub(hub: DurableObjectNamespace | undefined, scope: LiveScope): DurableObjectStub | null {
  if (!hub) return null;
  return hub.get(hub.idFromName(scope));
}

export interface NotifyOptions {
  /** Keeps the pokes running after the response (the request's `executionCtx.waitUntil`). */
  readonly waitUntil: (work: Promise<unknown>) => void;
  readonly log?: LogSink | undefined;
}

/**
 * After a write committed: pokes (and kicks) the hubs of `hub` in the background (`waitUntil`), so the response
 * is not delayed; `seq` is the write's change sequence (commit's result). Nothing happens without a namespace.
 * A hub that fails or is unreachable never fails the write: clients still converge by polling.
 */
export function notifyHubs(hub: DurableObjectNamespace | undefined, live: LiveEffect | undefined, seq: number, options: NotifyOptions): void {
  const log = options.log ?? jsonLines;
  if (!live || !hub) return;
  try {
    const work: Promise<unknown>[] = [];
    for (const scope of new Set(live.pokes)) work.push(send(hub, scope, '/poke', { scope, seq }, log));
    for (const kick of live.kicks ?? []) work.push(send(hub, kick.scope, '/kick', { userId: kick.userId }, log));
    if (work.length > 0) options.waitUntil(Promise.all(work));
  } catch (error) {
    log({ level: 'warn', msg: 'live notify failed', error: (error as Error).message });
  }
}

async function send(hub: DurableObjectNamespace, scope: LiveScope, path: string, body: unknown, log: LogSink): Promise<void> {
  try {
    const stub = hubStub(hub, scope);
    if (!stub) return;
    const res = await stub.fetch(`https://hub${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.body?.cancel();
    if (!res.ok) log({ level: 'warn', msg: 'live hub refused', scope, path, status: res.status });
  } catch (error) {
    log({ level: 'warn', msg: 'live hub unreachable', scope, path, error: (error as Error).message });
  }
}
