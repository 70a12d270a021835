import Dexie from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { EngineClosedError, createSyncEngine, type SyncLogEvent, type Timers } from '../../client/index.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { noLocks, type LockManagerLike } from '../../client/tabs/locks.js';
import { parseHlc } from '../../shared/index.js';
import { FakeServer } from './fake-server.js';

const ORG = '11111111-1111-4111-8111-111111111111';
let apps = 0;

/** Fake timers for the scheduler only (IndexedDB keeps its real ones). */
class ManualTimers implements Timers {
  now = 1_000_000;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void; every?: number }>();
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.pending.delete(id as number);
  setInterval = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn, every: ms });
    return id;
  };
  clearInterval = (id: unknown) => void this.pending.delete(id as number);
  /** Whether a one-shot timer is armed for time `at` (the scheduler arms its due-timer after the drain returns). */
  armedAt(at: number): boolean {
    return [...this.pending.values()].some((t) => !t.every && t.at === at);
  }
  /** Moves time on and runs what fell due. */
  advance(ms: number) {
    this.now += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at > this.now) continue;
      if (t.every) t.at += t.every;
      else this.pending.delete(id);
      t.fn();
    }
  }
}

const settle = () => new Promise((r) => setTimeout(r, 30));

function engineOn(server: FakeServer, extra: Partial<Parameters<typeof createSyncEngine>[0]> = {}) {
  return createSyncEngine({
    baseUrl: 'http://server.test',
    userId: 'user-1',
    getToken: () => server.validToken,
    fetch: server.fetch,
    indexedDB,
    IDBKeyRange,
    locks: noLocks,
    channel: null,
    events: null,
    appName: `engine-${apps++}`,
    ...extra,
  });
}

describe('engine scheduling', () => {
  it('retries after the backoff delay, on the scheduler’s timer, and logs the retry', async () => {
    const server = new FakeServer();
    const timers = new ManualTimers();
    const events: SyncLogEvent[] = [];
    const engine = engineOn(server, { timers, now: () => timers.now, random: () => 0.999, logger: (e) => events.push(e), pullIntervalMs: 3_600_000 });
    await engine.start();
    await engine.syncNow();
    server.faults = ['transient'];
    const project = await engine.projects.create(ORG, { name: 'Later' });
    await engine.syncNow();
    const [op] = await engine.db.ops.toArray();
    expect(op).toMatchObject({ status: 'pending', attempts: 1 });
    expect(op!.nextAttemptAt - timers.now).toBe(999); // full jitter of the 1 s base, random 0.999
    expect(events.some((e) => e.type === 'retry')).toBe(true);
    timers.advance(998);
    await settle();
    expect(server.projects.has(project.id)).toBe(false);
    timers.advance(2);
    // The scheduler's own timer sends it: no trigger from the test.
    await expect.poll(() => server.projects.get(project.id)).toMatchObject({ name: 'Later' });
    await expect.poll(() => engine.db.ops.count()).toBe(0); // acknowledged just after the server applied it
    await engine.close();
  });

  it('waits longer each time no answer comes (attempts untouched), and any trigger sends at once', async () => {
    const server = new FakeServer();
    const timers = new ManualTimers();
    const engine = engineOn(server, { timers, now: () => timers.now, random: () => 0.999, pullIntervalMs: 3_600_000 });
    await engine.start();
    await engine.syncNow();
    server.faults = ['offline', 'offline', 'offline', 'offline'];
    const project = await engine.projects.create(ORG, { name: 'While offline' });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await expect.poll(async () => (await engine.db.ops.toArray())[0]?.offlineWaits).toBe(i + 1);
      const [op] = await engine.db.ops.toArray();
      expect(op).toMatchObject({ status: 'pending', attempts: 0, error: { code: 'OFFLINE' } });
      waits.push(op!.nextAttemptAt - timers.now);
      if (i === 3) break;
      // The op's wait is written before the drain returns and the scheduler arms its due-timer: advance only then.
      await expect.poll(() => timers.armedAt(op!.nextAttemptAt)).toBe(true);
      timers.advance(op!.nextAttemptAt - timers.now); // the due-timer fires: still no answer
    }
    expect(waits).toEqual([999, 1998, 3996, 7992]); // full jitter at 0.999 of 1 s, 2 s, 4 s, 8 s
    // The network is back: a trigger (here syncNow; the browser's online event is the same) does not wait 8 s.
    await engine.syncNow();
    expect(server.projects.has(project.id)).toBe(true);
    await engine.close();
  });

  it('a 401 pauses the queue without spending an attempt or counting a retry, and a new token resumes it', async () => {
    const server = new FakeServer();
    const timers = new ManualTimers();
    let token = server.validToken;
    const engine = engineOn(server, { timers, now: () => timers.now, getToken: () => token, pullIntervalMs: 3_600_000 });
    await engine.start();
    await engine.syncNow();
    server.faults = ['unauthorized'];
    const project = await engine.projects.create(ORG, { name: 'Behind a 401' });
    await engine.syncNow();
    expect(await engine.db.ops.toArray()).toMatchObject([{ status: 'pending', attempts: 0 }]);
    const status = await engine.status();
    expect(status.pausedForAuth).toBe(true);
    expect(await engine.counters()).toMatchObject({ retried: 0, authPauses: 1 });
    await engine.syncNow(); // still the refused token: nothing goes out
    expect(server.projects.has(project.id)).toBe(false);
    server.validToken = 'token-2';
    token = 'token-2';
    engine.tokenChanged();
    await expect.poll(() => server.projects.has(project.id)).toBe(true);
    expect((await engine.counters()).retried ?? 0).toBe(0);
    await engine.close();
  });

  it('fails an op after the maximum attempts with RETRIES_EXHAUSTED, rolls it back, and lets the user retry it', async () => {
    const server = new FakeServer();
    const timers = new ManualTimers();
    const events: SyncLogEvent[] = [];
    const engine = engineOn(server, { timers, now: () => timers.now, random: () => 0, backoff: { maxAttempts: 3 }, logger: (e) => events.push(e) });
    await engine.start();
    await engine.syncNow();
    server.faults = ['transient', 'transient', 'transient'];
    const project = await engine.projects.create(ORG, { name: 'Doomed' });
    await engine.syncNow();
    const [op] = await engine.db.ops.toArray();
    expect(op).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'RETRIES_EXHAUSTED' } });
    expect(await engine.db.projects.get(project.id)).toBeUndefined();
    expect(events).toContainEqual(expect.objectContaining({ type: 'failed', code: 'RETRIES_EXHAUSTED' }));
    expect((await engine.status()).failedCount).toBe(1);
    await engine.outbox.retry(op!.id);
    expect(await engine.db.projects.get(project.id)).toMatchObject({ name: 'Doomed' });
    await engine.syncNow();
    expect(server.projects.has(project.id)).toBe(true);
    expect(await engine.counters()).toMatchObject({ enqueued: 1, applied: 1, failed: 1 });
    await engine.close();
  });

  it('fails a rejected op with the server’s code, logs a conflict for 409/412, and discard drops it', async () => {
    const server = new FakeServer();
    const events: SyncLogEvent[] = [];
    const engine = engineOn(server, { logger: (e) => events.push(e) });
    await engine.start();
    await engine.syncNow();
    const id = '22222222-2222-4222-8222-222222222222';
    server.projects.set(id, { id, orgId: ORG, name: 'Taken', description: '', version: 1, deletedAt: null });
    await engine.projects.create(ORG, { id, name: 'Mine' });
    await engine.syncNow();
    const [op] = await engine.db.ops.toArray();
    expect(op).toMatchObject({ status: 'failed', error: { code: 'ALREADY_EXISTS', statusCode: 409 } });
    expect(events).toContainEqual(expect.objectContaining({ type: 'conflict', code: 'ALREADY_EXISTS' }));
    expect((await engine.counters()).conflicts).toBe(1);
    await engine.outbox.discard(op!.id);
    expect(await engine.db.ops.count()).toBe(0);
    expect((await engine.counters()).discarded).toBe(1);
    await engine.close();
  });
});

describe('triggers and status', () => {
  it('syncs when the browser comes back online, and reports pending age, last sync and staleness', async () => {
    const server = new FakeServer();
    const timers = new ManualTimers();
    server.clock = () => timers.now + 30_000; // the server's clock runs 30 s ahead of this device's
    const events = new EventTarget();
    const engine = engineOn(server, {
      timers,
      now: () => timers.now,
      events: { addEventListener: (t, fn) => events.addEventListener(t, fn), removeEventListener: (t, fn) => events.removeEventListener(t, fn) },
      staleAfterMs: 60_000,
    });
    await engine.start();
    await engine.syncNow();
    let status = await engine.status();
    expect(status).toMatchObject({ online: true, pausedForAuth: false, leader: true, pendingCount: 0, failedCount: 0, oldestPendingAgeMs: null });
    expect(Object.keys(status.lastSyncedAt)).toEqual(expect.arrayContaining(['orgs', 'settings:user']));

    server.faults = ['offline'];
    const project = await engine.projects.create(ORG, { name: 'While offline' });
    await expect.poll(async () => (await engine.status()).online).toBe(false);
    timers.advance(5_000);
    status = await engine.status();
    expect(status).toMatchObject({ online: false, pendingCount: 1, oldestPendingAgeMs: 5_000 });
    expect(server.projects.has(project.id)).toBe(false);

    events.dispatchEvent(new Event('online'));
    await expect.poll(() => server.projects.has(project.id)).toBe(true);
    await expect.poll(async () => (await engine.status()).pendingCount).toBe(0);
    status = await engine.status();
    // The offset was measured from serverTime: last sync is judged on the server's clock.
    expect(status).toMatchObject({ online: true, pendingCount: 0, stale: false, clockOffsetMs: 30_000 });
    timers.advance(61_000);
    expect((await engine.status()).stale).toBe(true);
    await engine.close();
  });
});

describe('tabs', () => {
  /** An exclusive lock shared by engines in one process, like navigator.locks across tabs. */
  function sharedLocks(): LockManagerLike {
    let tail = Promise.resolve();
    let held = false;
    return {
      request: (name, options, callback) => {
        if (options.ifAvailable && held) return callback(null);
        const run = tail.then(async () => {
          held = true;
          try {
            await callback({ name });
          } finally {
            held = false;
          }
        });
        tail = run.catch(() => undefined);
        return run;
      },
    };
  }

  it('only the tab holding the lock syncs; a write in another tab is sent once, by the leader', async () => {
    const server = new FakeServer();
    const locks = sharedLocks();
    const appName = `tabs-${apps++}`;
    const leader = engineOn(server, { locks, appName });
    const follower = engineOn(server, { locks, appName });
    await leader.start();
    await follower.start();
    expect((await leader.status()).leader).toBe(true);
    expect((await follower.status()).leader).toBe(false);
    const project = await follower.projects.create(ORG, { name: 'From tab 2' });
    await follower.syncNow(); // a follower does not send
    expect(server.projects.has(project.id)).toBe(false);
    await leader.syncNow();
    expect(server.effects).toHaveLength(1);
    // The follower sees the result through the shared database.
    expect(await follower.db.ops.count()).toBe(0);
    await leader.close();
    await follower.close();
  });

  it('a write queued in a follower tab reaches the leader over the tab channel and is sent at once', async () => {
    const server = new FakeServer();
    const locks = sharedLocks();
    const appName = `tabs-${apps++}`;
    // An in-memory BroadcastChannel: a message reaches every other channel of the same name.
    const channels = new Set<{ name: string; listeners: ((e: { data: unknown }) => void)[] }>();
    const channel = (name: string) => {
      const self = { name, listeners: [] as ((e: { data: unknown }) => void)[] };
      channels.add(self);
      return {
        postMessage: (data: unknown) => {
          for (const other of channels) if (other !== self && other.name === name) for (const l of other.listeners) l({ data });
        },
        addEventListener: (_type: 'message', listener: (e: { data: unknown }) => void) => void self.listeners.push(listener),
        close: () => void channels.delete(self),
      };
    };
    const leader = engineOn(server, { locks, appName, channel, pullIntervalMs: 3_600_000 });
    const follower = engineOn(server, { locks, appName, channel, pullIntervalMs: 3_600_000 });
    await leader.start();
    await follower.start();
    const project = await follower.projects.create(ORG, { name: 'From tab 2' });
    await expect.poll(() => server.projects.has(project.id)).toBe(true);
    expect(server.effects).toHaveLength(1);
    await leader.close();
    await follower.close();
  });

  it('without locks two tabs both sync, and the op still reaches the server once', async () => {
    const server = new FakeServer();
    const appName = `tabs-${apps++}`;
    const a = engineOn(server, { appName });
    const b = engineOn(server, { appName });
    await a.start();
    await b.start();
    await a.projects.create(ORG, { name: 'Raced' });
    await Promise.all([a.syncNow(), b.syncNow(), a.syncNow(), b.syncNow()]);
    await a.syncNow();
    expect(server.effects).toHaveLength(1);
    await a.close();
    await b.close();
  });

  it('logout in one tab closes the others', async () => {
    const server = new FakeServer();
    const appName = `tabs-${apps++}`;
    const a = engineOn(server, { appName, channel: undefined });
    const b = engineOn(server, { appName, channel: undefined });
    await a.start();
    await b.start();
    await a.logout();
    await expect
      .poll(() => b.syncNow().then(() => 'open', (error) => (error instanceof EngineClosedError ? 'closed' : String(error))))
      .toBe('closed');
  });
});

describe('storage', () => {
  it('persists the clock: a new engine instance is a new node and stamps above the last stamp', async () => {
    const server = new FakeServer();
    const appName = `clock-${apps++}`;
    const first = engineOn(server, { appName, now: () => 2_000_000_000_000 });
    const a = await first.settings.set('user', 'theme', 'dark');
    await first.close();
    const second = engineOn(server, { appName, now: () => 1_000_000_000_000 }); // its wall clock is far behind
    const b = await second.settings.set('user', 'theme', 'light');
    expect(b.hlc > a.hlc).toBe(true);
    expect(parseHlc(b.hlc).node).not.toBe(parseHlc(a.hlc).node);
    await second.close();
  });

  it('migrates a version-1 database forward', async () => {
    const name = `migrate-${apps++}`;
    const v1 = new Dexie(name, { indexedDB, IDBKeyRange });
    v1.version(1).stores({ ops: 'id, order, lane, status, entity' });
    await v1.open();
    await v1.table('ops').put({ id: 'op-1', order: 1, lane: 'l', status: 'pending', entity: 'e' });
    await v1.table('ops').put({ id: 'op-2', order: 2, lane: 'project:p', path: '/api/orgs/o1/projects/p', status: 'pending', entity: 'projects:p' });
    await v1.table('ops').put({ id: 'op-3', order: 3, lane: 'org:o1', path: '/api/orgs/o1/members/u', status: 'pending', entity: 'orgMembers:o1:u' });
    v1.close();
    const db = new SyncDatabase(name, { indexedDB, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(6);
    expect(await db.ops.get('op-1')).toMatchObject({ nextAttemptAt: 0 });
    // v4: the org group each op orders against, from its lane and path (a path naming no org: its own lane).
    expect(await db.ops.get('op-1')).toMatchObject({ group: 'lane:l', groupMode: 'exclusive' });
    expect(await db.ops.get('op-2')).toMatchObject({ group: 'o1', groupMode: 'shared' });
    expect(await db.ops.get('op-3')).toMatchObject({ group: 'o1', groupMode: 'exclusive' });
    expect(await db.ops.where('[group+groupMode+order]').between(['o1', 'exclusive', 0], ['o1', 'exclusive', 10]).primaryKeys()).toEqual(['op-3']);
    expect(await db.ops.where('[status+nextAttemptAt]').equals(['pending', 0]).count()).toBe(3);
    expect(await db.ops.where('[lane+order]').equals(['l', 1]).count()).toBe(1);
    db.close();
  });

  it('migrates a version-3 outbox: queued ops keep their order and lane, `enqueued` keeps counting, the next op goes last', async () => {
    const server = new FakeServer();
    const appName = `migrate-v3-${apps++}`;
    const v3 = new Dexie(`${appName}-u`, { indexedDB, IDBKeyRange });
    v3.version(3).stores({ ops: 'id, order, lane, status, entity, [status+nextAttemptAt], [lane+order]', shadows: 'entity', counters: 'name', meta: 'key', projects: 'id, orgId' });
    await v3.open();
    // As v3 left it: 7 ops ever queued (the counter) but the order row at 9 (orders are not counts there), two
    // still queued in one lane, the first a create (its shadow: null) and a rename of it.
    const project = { id: 'p1', orgId: ORG, name: 'Renamed', description: '', createdBy: 'u', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 };
    const op = (id: string, order: number, method: 'POST' | 'PATCH', effect: Record<string, unknown>) => ({
      id, order, lane: 'project:p1', method, path: method === 'POST' ? `/api/orgs/${ORG}/projects` : `/api/orgs/${ORG}/projects/p1`, body: { name: project.name },
      status: 'pending', attempts: 0, nextAttemptAt: 0, lastAttempt: null, error: null, createdAt: 1, userId: 'u', entity: 'projects:p1', effect,
    });
    await v3.table('ops').bulkPut([
      op('op-a', 8, 'POST', { kind: 'put', table: 'projects', row: { ...project, name: 'First' } }),
      op('op-b', 9, 'PATCH', { kind: 'patch', table: 'projects', key: 'p1', patch: { name: 'Renamed' } }),
    ]);
    await v3.table('shadows').put({ entity: 'projects:p1', table: 'projects', key: 'p1', row: null });
    await v3.table('projects').put(project);
    await v3.table('counters').put({ name: 'enqueued', value: 7 });
    await v3.table('meta').put({ key: 'opOrder', value: 9 });
    v3.close();

    const engine = engineOn(server, { appName, userId: 'u' });
    await engine.ready;
    expect(engine.db.verno).toBe(6);
    expect(await engine.db.meta.get('opOrder')).toBeUndefined();
    expect((await engine.db.ops.orderBy('order').toArray()).map((o) => [o.id, o.order])).toEqual([['op-a', 6], ['op-b', 7]]);
    expect((await engine.counters()).enqueued).toBe(7);
    await engine.projects.update(ORG, 'p1', { name: 'Third' });
    expect((await engine.db.ops.orderBy('order').toArray()).map((o) => o.order)).toEqual([6, 7, 8]);
    expect((await engine.counters()).enqueued).toBe(8);
    expect(await engine.db.projects.get('p1')).toMatchObject({ name: 'Third' });
    // Discarding the create rolls back to the server state the old null shadow recorded: nothing (the renames
    // queued after it apply to no row). The count of ops ever queued does not drop with the queue.
    await engine.outbox.discard('op-a');
    expect(await engine.db.projects.get('p1')).toBeUndefined();
    expect(await engine.counters()).toMatchObject({ enqueued: 8, discarded: 1 });
    await engine.close();
  });

  it('plans PDF cache eviction least-recently-used first under a byte budget', async () => {
    const server = new FakeServer();
    let t = 1;
    const engine = engineOn(server, { now: () => t++ });
    await engine.ready;
    const project = '33333333-3333-4333-8333-333333333333';
    const a = await engine.pdfMeta.record({ projectId: project, studyId: 's', fileName: 'a.pdf', size: 400, etag: 'a' });
    const b = await engine.pdfMeta.record({ projectId: project, studyId: 's', fileName: 'b.pdf', size: 300, etag: 'b' });
    const c = await engine.pdfMeta.record({ projectId: project, studyId: 's', fileName: 'c.pdf', size: 300, etag: 'c' });
    await engine.pdfMeta.touch(a.id); // a is now the most recently used
    expect((await engine.pdfMeta.evictionPlan(1000)).map((e) => e.id)).toEqual([]);
    expect((await engine.pdfMeta.evictionPlan(700)).map((e) => e.id)).toEqual([b.id]);
    expect((await engine.pdfMeta.evictionPlan(400)).map((e) => e.id)).toEqual([b.id, c.id]);
    expect((await engine.pdfMeta.evictionPlan(399)).map((e) => e.id)).toEqual([b.id, c.id, a.id]);
    await expect(engine.pdfMeta.record({ projectId: 'not-a-uuid', studyId: 's', fileName: 'x', size: -1, etag: '' })).rejects.toThrow();
    await engine.close();
  });
});
