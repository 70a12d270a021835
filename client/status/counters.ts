import type { Table } from 'dexie';
import type { CounterRow } from '../storage/rows.js';

/** Persisted diagnostics counters (DESIGN section 5). */
export const COUNTER_NAMES = [
  'enqueued',
  'applied',
  'deduplicated',
  'retried',
  'failed',
  'discarded',
  'conflicts',
  'authPauses',
  'clockDrift',
  'pulls',
  'rowsPulled',
  'cursorResets',
  'settingsPushed',
  'settingsStale',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

/** Adds to a counter; call inside the transaction of the change it counts, so counts and data agree. */
export async function bump(table: Table<CounterRow, string>, name: CounterName, by = 1): Promise<void> {
  if (by === 0) return;
  const row = await table.get(name);
  await table.put({ name, value: (row?.value ?? 0) + by });
}

/**
 * Several counters in one read and one write (inside the transaction of the change they count): `add` adds to
 * counters, `atLeast` raises a counter to a value it may lag behind (the `enqueued` floor, see outbox-store).
 */
export async function tally(table: Table<CounterRow, string>, add: Partial<Counters>, atLeast: Partial<Counters> = {}): Promise<void> {
  const names = [...new Set([...Object.keys(add), ...Object.keys(atLeast)])].filter((n) => (add[n as CounterName] ?? 0) !== 0 || n in atLeast) as CounterName[];
  if (names.length === 0) return;
  const rows = await table.bulkGet(names);
  const changed: CounterRow[] = [];
  names.forEach((name, i) => {
    const before = rows[i]?.value ?? 0;
    const value = Math.max(before + (add[name] ?? 0), atLeast[name] ?? Number.NEGATIVE_INFINITY);
    if (value !== before || !rows[i]) changed.push({ name, value });
  });
  if (changed.length > 0) await table.bulkPut(changed);
}

/** Every counter as stored; `enqueued` is only a floor here, the engine derives it (outbox-store enqueuedCount). */
export async function readCounters(table: Table<CounterRow, string>): Promise<Counters> {
  const out = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counters;
  for (const row of await table.toArray()) if ((COUNTER_NAMES as readonly string[]).includes(row.name)) out[row.name as CounterName] = row.value;
  return out;
}
