import type { JsonValue, Setting, SettingScope } from '../../shared/index.js';
import { LIMITS } from '../../shared/limits.js';
import { compareRegisters } from '../../shared/merge/lww-register.js';
import { settingPageSchema } from '../../shared/schemas/page.js';
import { settingsMergeResponseSchema } from '../../shared/schemas/settings.js';
import { bump } from '../status/counters.js';
import type { SettingRow } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import { failedStep, type StepResult } from '../pull/step-result.js';
import { classify } from '../transport/classify.js';
import type { HttpClient } from '../transport/http-client.js';
import type { ClientClock } from './client-clock.js';
import { bumpPushEpoch, readPushEpoch, rebaseRegister } from './stamp-basis.js';

export interface SettingsDeps {
  readonly db: SyncDatabase;
  readonly http: HttpClient;
  readonly clock: ClientClock;
  readonly now: () => number;
  readonly log?: (event: SettingsEvent) => void;
  readonly signal?: AbortSignal;
}

export type SettingsEvent =
  | { readonly type: 'setting-stale'; readonly key: string }
  | { readonly type: 'setting-dropped'; readonly key: string; readonly code: string }
  | { readonly type: 'clock-drift'; readonly offsetMs: number };

export type SettingsSyncResult = StepResult;

const scopePath = (scope: SettingScope, scopeId: string) => (scope === 'user' ? '/api/settings' : `/api/orgs/${scopeId}/settings`);
const collectionOf = (scope: SettingScope, scopeId: string) => (scope === 'user' ? 'settings:user' : `settings:org:${scopeId}`);

/**
 * Merges a server register into the local one with the shared LWW order; a local winner stays dirty, and keeps
 * the register it beat as its next floor (the device has seen it: its next write of the key stays above it). A dirty
 * register stamped on an assumed offset is first moved onto the measured one (the answer that brought `incoming`
 * measured it): compared as stamped, a clock behind would lose its write here, before any push.
 */
async function mergeIncoming(db: SyncDatabase, clock: ClientClock, scope: SettingScope, scopeId: string, incoming: Setting): Promise<void> {
  const stored = await db.settings.get([scope, scopeId, incoming.key]);
  const local = stored?.dirty && stored.basis && !stored.basis.measured && clock.measured ? rebaseRegister(stored, clock, await readPushEpoch(db)) : stored;
  if (local && compareRegisters(local, incoming) >= 0) {
    // Ours wins or is the same register: if it is the same, the server has it, so it is no longer dirty.
    if (local.dirty && local.hlc === incoming.hlc) await db.settings.put({ ...local, dirty: 0 });
    else if (local.dirty && (local.nextFloor === undefined || incoming.hlc > local.nextFloor)) await db.settings.put({ ...local, nextFloor: incoming.hlc });
    else if (local !== stored) await db.settings.put(local);
    return;
  }
  await db.settings.put({ scope, scopeId, key: incoming.key, value: incoming.value as JsonValue | null, hlc: incoming.hlc, updatedAt: incoming.updatedAt, dirty: 0 });
}

/** Push rounds per call: each takes up to 500 dirty registers, so 50 settle 25,000 (and stop a loop). */
const MAX_PUSH_ROUNDS = 50;

/**
 * Pushes dirty registers of one scope in batches of up to 500 through the merge endpoint and merges what comes
 * back (results, then every change since our cursor). Registers stamped before the offset was measured are
 * first moved onto the measured offset; stamps refused as CLOCK_DRIFT are moved onto the offset that answer
 * measures. Either way a register keeps its write's time, now on the server's clock, and stays above what the
 * device knew when it wrote; one stamped on a measured offset and accepted keeps its stamp.
 */
export async function pushSettings(deps: SettingsDeps, scope: SettingScope, scopeId: string): Promise<SettingsSyncResult> {
  const { db, http } = deps;
  const collection = collectionOf(scope, scopeId);
  for (let round = 0; ; round++) {
    // The batch is read, moved onto a measured offset if it was stamped on an assumed one, and the push epoch
    // bumped, in one transaction: a write made meanwhile is either in this batch or known never to have been sent.
    const batch = await db.transaction('rw', db.settings, db.syncState, db.meta, async () => {
      const found = (await db.settings.where('[scope+scopeId]').equals([scope, scopeId]).filter((r) => r.dirty === 1).toArray()).slice(0, LIMITS.maxMergeEntries);
      if (found.length === 0 || round === MAX_PUSH_ROUNDS) return { dirty: found, state: undefined };
      const rows = deps.clock.measured ? await rebaseUnmeasured(db, deps.clock, found) : found;
      await bumpPushEpoch(db);
      return { dirty: rows, state: await db.syncState.get(collection) };
    });
    const { dirty, state } = batch;
    if (dirty.length === 0) return { state: 'done' };
    // Still dirty after every round: something keeps them from settling (a server that answers neither
    // applied nor a winner). Say so instead of claiming done; the next cycle tries again.
    if (round === MAX_PUSH_ROUNDS) return { state: 'error', code: 'SETTINGS_UNSETTLED', message: `registers still unsettled after ${MAX_PUSH_ROUNDS} rounds` };
    const sentAt = deps.now();
    const outcome = await http.send({
      method: 'PATCH',
      path: scopePath(scope, scopeId),
      body: { entries: dirty.map((r) => ({ key: r.key, value: r.value, hlc: r.hlc })), ...(state?.cursor ? { cursor: state.cursor } : {}) },
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const result = classify(outcome, 'PATCH', deps.now());
    if (result.type !== 'success') return failedStep(result);
    const parsed = settingsMergeResponseSchema.safeParse(result.body);
    if (!parsed.success) return { state: 'error', code: 'BAD_RESPONSE', message: parsed.error.issues[0]?.message ?? 'malformed merge response' };
    const response = parsed.data;
    const drifted: string[] = [];
    const pushed = new Map(dirty.map((r) => [r.key, r]));
    // The clock moves past what the server has seen before anything from this answer is stored, and its new
    // state is persisted with it: a write made after this one (even after a reload) is stamped above it all.
    deps.clock.observe(response.serverHlc);
    for (const r of response.results) if (r.current) deps.clock.observe(r.current.hlc);
    for (const change of response.changes) deps.clock.observe(change.hlc);
    await db.transaction('rw', db.settings, db.syncState, db.counters, db.meta, async () => {
      for (const r of response.results) {
        const sent = pushed.get(r.key);
        const local = await db.settings.get([scope, scopeId, r.key]);
        if (!sent || !local) continue;
        if (r.status === 'applied' && local.hlc === sent.hlc) await db.settings.put({ ...local, dirty: 0 });
        else if (r.status === 'stale') {
          await bump(db.counters, 'settingsStale');
          deps.log?.({ type: 'setting-stale', key: r.key });
          if (r.current) await mergeIncoming(db, deps.clock, scope, scopeId, r.current);
          // Past the server's budget a stale result comes without `current`: this register lost for good, so stop
          // pushing it. The winner arrives in `changes` (merged below) or the next pull.
          else if (local.hlc === sent.hlc) await db.settings.put({ ...local, dirty: 0 });
        } else if (r.status === 'rejected' && r.code === 'CLOCK_DRIFT') drifted.push(r.key);
        else if (r.status === 'rejected' && local.hlc === sent.hlc) {
          // The server will never take this value (its registry disagrees): stop pushing it, say so.
          await db.settings.put({ ...local, dirty: 0 });
          deps.log?.({ type: 'setting-dropped', key: r.key, code: r.code ?? 'REJECTED' });
        }
      }
      for (const change of response.changes) await mergeIncoming(db, deps.clock, scope, scopeId, change);
      await db.syncState.put({ collection, cursor: response.cursor, lastSyncedAt: response.serverTime, lastError: null });
      await bump(db.counters, 'settingsPushed', dirty.length);
      if (drifted.length > 0) await bump(db.counters, 'clockDrift', drifted.length);
      await db.meta.put({ key: 'hlcLast', value: deps.clock.last() });
    });
    if (drifted.length > 0) {
      // Our stamps ran ahead of the server by more than the drift limit: re-base on the offset this answer
      // measured (NTP midpoint), abandon the refused stamps, move each drifted register to its write's time on
      // the server's clock (above what it must stay above) and push again. Last writer wins means the write made
      // last, not the one synced last: stamping them from the current time would let a fast clock win.
      deps.clock.rebase(Math.round(response.serverTime - (sentAt + deps.now()) / 2), true);
      await db.transaction('rw', db.settings, db.meta, async () => {
        for (const key of drifted) {
          const local = await db.settings.get([scope, scopeId, key]);
          // Moved or rewritten since it was sent (a merge of this answer re-based it): not the refused stamp.
          if (!local?.dirty || local.hlc !== pushed.get(key)?.hlc) continue;
          const moved = rebaseRegister(local, deps.clock, null);
          // Unmoved, it would be refused again: only then does it take the current time.
          await db.settings.put(moved.hlc === local.hlc ? { ...moved, hlc: deps.clock.next() } : moved);
        }
        await db.meta.put({ key: 'hlcLast', value: deps.clock.last() });
      });
    }
  }
}

/**
 * Registers stamped on an assumed offset (a fresh install, before any answer told it the server's time), moved
 * onto the measured one before they are pushed, by the rule of ClientClock.rebaseStamp: a device whose clock was
 * behind would otherwise lose writes it made last, and one ahead (within the drift limit) win writes it did not.
 * Within a transaction over settings and meta; returns the rows as they are now.
 */
async function rebaseUnmeasured(db: SyncDatabase, clock: ClientClock, rows: SettingRow[]): Promise<SettingRow[]> {
  if (!rows.some((r) => r.basis && !r.basis.measured)) return rows;
  const epoch = await readPushEpoch(db);
  const out = rows.map((r) => (r.basis && !r.basis.measured ? rebaseRegister(r, clock, epoch) : r));
  await db.settings.bulkPut(out.filter((r, i) => r !== rows[i]));
  await db.meta.put({ key: 'hlcLast', value: clock.last() });
  return out;
}

/**
 * Org registers written while the user could write them (an admin, offline) that they no longer may push (now a
 * plain member): the server would refuse them for good, so they are dropped, each said (setting-dropped,
 * AUTH_FORBIDDEN), and the scope's cursor goes back to the start so the next pull brings the server's registers
 * in their place. Kept dirty, they would be shown as the org's settings forever and never sent.
 */
export async function dropUnpushable(deps: Pick<SettingsDeps, 'db' | 'log'>, scope: SettingScope, scopeId: string): Promise<SettingsSyncResult> {
  const { db } = deps;
  const collection = collectionOf(scope, scopeId);
  const dropped = await db.transaction('rw', db.settings, db.syncState, async () => {
    const dirty = await db.settings.where('[scope+scopeId]').equals([scope, scopeId]).filter((r) => r.dirty === 1).toArray();
    if (dirty.length === 0) return [];
    await db.settings.bulkDelete(dirty.map((r) => [r.scope, r.scopeId, r.key] as [SettingScope, string, string]));
    const state = await db.syncState.get(collection);
    await db.syncState.put({ collection, cursor: null, lastSyncedAt: state?.lastSyncedAt ?? null, lastError: null });
    return dirty;
  });
  for (const r of dropped) deps.log?.({ type: 'setting-dropped', key: r.key, code: 'AUTH_FORBIDDEN' });
  return { state: 'done' };
}

/** Pulls a scope's registers page by page from its cursor, merging each with the shared LWW order. */
export async function pullSettings(deps: SettingsDeps, scope: SettingScope, scopeId: string): Promise<SettingsSyncResult> {
  const { db, http } = deps;
  const collection = collectionOf(scope, scopeId);
  for (;;) {
    const state = await db.syncState.get(collection);
    const query = new URLSearchParams({ limit: '1000', ...(state?.cursor ? { cursor: state.cursor } : {}) });
    const outcome = await http.send({ method: 'GET', path: `${scopePath(scope, scopeId)}?${query}`, ...(deps.signal ? { signal: deps.signal } : {}) });
    const result = classify(outcome, 'GET', deps.now());
    if (result.type === 'permanent' && result.code === 'CURSOR_EXPIRED') {
      await db.transaction('rw', db.syncState, db.counters, async () => {
        await db.syncState.put({ collection, cursor: null, lastSyncedAt: state?.lastSyncedAt ?? null, lastError: null });
        await bump(db.counters, 'cursorResets');
      });
      continue;
    }
    if (result.type !== 'success') return failedStep(result);
    const page = settingPageSchema.safeParse(result.body);
    if (!page.success) return { state: 'error', code: 'BAD_PAGE', message: page.error.issues[0]?.message ?? 'malformed page' };
    for (const item of page.data.items) deps.clock.observe(item.hlc);
    await db.transaction('rw', db.settings, db.syncState, db.counters, db.meta, async () => {
      for (const item of page.data.items) await mergeIncoming(db, deps.clock, scope, scopeId, item);
      await db.meta.put({ key: 'hlcLast', value: deps.clock.last() });
      await db.syncState.put({ collection, cursor: page.data.nextCursor, lastSyncedAt: page.data.serverTime, lastError: null });
      await bump(db.counters, 'rowsPulled', page.data.items.length);
    });
    if (!page.data.hasMore) return { state: 'done' };
  }
}
