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

export async function readCounters(table: Table<CounterRow, string>): Promise<Counters> {
  const out = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counters;
  for (const row of await table.toArray()) if ((COUNTER_NAMES as readonly string[]).includes(row.name)) out[row.name as CounterName] = row.value;
  return out;
}
