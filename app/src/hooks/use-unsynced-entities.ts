import { useMemo } from 'react';
import { useOutbox } from 'offline-sync-engine/client/react';

/**
 * Which rows have changes the server has not confirmed, by the op's `entity` (`<table>:<key>`, a composite
 * key joined with ':', e.g. `projects:<id>`, `orgMembers:<orgId>:<userId>`): 'failed' wins over 'pending',
 * so a row shows the state that needs the user.
 */
export function useUnsyncedEntities(): ReadonlyMap<string, 'pending' | 'failed'> {
  const outbox = useOutbox();
  return useMemo(() => {
    const map = new Map<string, 'pending' | 'failed'>();
    for (const op of outbox?.pending ?? []) map.set(op.entity, 'pending');
    for (const op of outbox?.failed ?? []) map.set(op.entity, 'failed');
    return map;
  }, [outbox]);
}

/** The last key part of every unsynced entity under `prefix` (e.g. the user ids of `orgMembers:<orgId>:`). */
export function useUnsyncedIds(prefix: string): ReadonlySet<string> {
  const entities = useUnsyncedEntities();
  return useMemo(() => new Set([...entities.keys()].filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length))), [entities, prefix]);
}
