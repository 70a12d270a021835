import { useLiveQuery } from 'dexie-react-hooks';
import { useCallback, useEffect, useState } from 'react';
import type { Org, OrgMember, Project, ProjectMember } from '../../shared/index.js';
import type { SettingsScopeRef } from '../engine/sync-engine.js';
import type { SyncStatus } from '../engine/status.js';
import { opsWithStatus } from '../storage/ops-with-status.js';
import type { LocalOp } from '../storage/rows.js';
import { useSyncEngine } from './sync-provider.js';

/*
 * Cache-first hooks: each reads IndexedDB through a Dexie live query, so it renders from the local cache
 * before the network answers, and re-renders when a pull, a write or another tab changes the rows.
 * `undefined` means "still reading the cache", never "not on the server".
 */

export function useOrgs(): Org[] | undefined {
  const { db } = useSyncEngine();
  return useLiveQuery(() => db.orgs.orderBy('id').toArray(), [db]);
}

export function useProjects(orgId: string): Project[] | undefined {
  const { db } = useSyncEngine();
  return useLiveQuery(() => db.projects.where('orgId').equals(orgId).sortBy('name'), [db, orgId]);
}

export function useProject(projectId: string): Project | null | undefined {
  const { db } = useSyncEngine();
  return useLiveQuery(async () => (await db.projects.get(projectId)) ?? null, [db, projectId]);
}

export function useOrgMembers(orgId: string): OrgMember[] | undefined {
  const { db } = useSyncEngine();
  return useLiveQuery(() => db.orgMembers.where('orgId').equals(orgId).toArray(), [db, orgId]);
}

export function useProjectMembers(projectId: string): ProjectMember[] | undefined {
  const { db } = useSyncEngine();
  return useLiveQuery(() => db.projectMembers.where('projectId').equals(projectId).toArray(), [db, projectId]);
}

const scopeKey = (engineUser: string, scope: SettingsScopeRef): [string, string] =>
  scope === 'user' ? ['user', engineUser] : ['org', scope.orgId];

/** All registers of a scope as a plain object (deleted keys absent). */
export function useSettings(scope: SettingsScopeRef = 'user'): Record<string, unknown> | undefined {
  const { db, userId } = useSyncEngine();
  const [s, id] = scopeKey(userId, scope);
  return useLiveQuery(async () => {
    const rows = await db.settings.where('[scope+scopeId]').equals([s, id]).toArray();
    return Object.fromEntries(rows.filter((r) => r.value !== null).map((r) => [r.key, r.value]));
  }, [db, s, id]);
}

/** `[value, set]` for one setting; `set` stamps locally and syncs in the background. */
export function useSetting<T = unknown>(key: string, scope: SettingsScopeRef = 'user'): [T | null | undefined, (value: T | null) => Promise<void>] {
  const engine = useSyncEngine();
  const [s, id] = scopeKey(engine.userId, scope);
  const value = useLiveQuery(async () => ((await engine.db.settings.get([s, id, key]))?.value ?? null) as T | null, [engine.db, s, id, key]);
  const set = useCallback(
    async (next: T | null) => {
      await engine.settings.set(scope === 'user' ? 'user' : { orgId: id }, key, next);
    },
    [engine, id, key, s],
  );
  return [value, set];
}

export function useSyncStatus(): SyncStatus | undefined {
  const engine = useSyncEngine();
  const [status, setStatus] = useState<SyncStatus>();
  useEffect(() => engine.subscribe(setStatus), [engine]);
  // Queue changes show at once, whichever tab made them: an op added, sent, failed, retried or dropped moves one
  // of these counts or the last order number (a total alone would miss pending → failed). Counted through the
  // indexes, not by reading every op: this runs after every write, and reading the queue made N writes O(N²).
  const opsVersion = useLiveQuery(async () => {
    const { db } = engine;
    const [pending, syncing, failed, last] = await Promise.all([
      opsWithStatus(db, 'pending').count(),
      opsWithStatus(db, 'syncing').count(),
      opsWithStatus(db, 'failed').count(),
      db.ops.orderBy('order').last(),
    ]);
    return `${pending}:${syncing}:${failed}:${last?.order ?? 0}`;
  }, [engine.db]);
  useEffect(() => {
    void engine.status().then(setStatus);
  }, [engine, opsVersion]);
  return status;
}

/** What useOutbox gives: queued and failed ops in replay order, and the user's actions on them. */
export interface OutboxView {
  readonly pending: LocalOp[];
  readonly failed: LocalOp[];
  /** How many ops are queued after each op in its lane (by op id): what a discardLane of it also drops. */
  readonly behind: ReadonlyMap<string, number>;
  readonly retry: (id: string) => Promise<boolean>;
  readonly discard: (id: string) => Promise<boolean>;
  /** Drops the op and the ops queued behind it in its lane; resolves to how many were dropped. */
  readonly discardLane: (id: string) => Promise<number>;
}

/** Queued and failed ops, with retry and discard (of one op, or of a lane from an op on). */
export function useOutbox(): OutboxView | undefined {
  const engine = useSyncEngine();
  const ops = useLiveQuery(() => engine.db.ops.orderBy('order').toArray(), [engine.db]);
  if (!ops) return undefined;
  return {
    pending: ops.filter((op) => op.status === 'pending' || op.status === 'syncing'),
    failed: ops.filter((op) => op.status === 'failed'),
    behind: queuedBehind(ops),
    retry: engine.outbox.retry,
    discard: engine.outbox.discard,
    discardLane: engine.outbox.discardLane,
  };
}

/** Per op, how many ops after it (in replay order) share its lane. */
function queuedBehind(ops: readonly LocalOp[]): Map<string, number> {
  const seen = new Map<string, number>();
  const behind = new Map<string, number>();
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    const after = seen.get(op.lane) ?? 0;
    behind.set(op.id, after);
    seen.set(op.lane, after + 1);
  }
  return behind;
}
