import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncEngine, type SyncEngine, type SyncEngineOptions } from '../../client/index.js';
import { CrashFetch, KillingFetch, TabLocks, type CrashPoint } from './crash-harness.js';
import { FaultyFetch } from './faulty-fetch.js';
import { api, signUp, startWorker, STORAGE_MODES, type RunningWorker, type TestAccount, type WorkerStorage } from './worker-harness.js';
import { nodeEngine } from './node-engine.js';

/**
 * Crashes (issue 11 item 5), the real client (Dexie on fake-indexeddb) against the real Worker under
 * `wrangler dev`: an engine stopped or its tab killed after the server committed but before the local ack, a
 * tab closed mid-replay, and the Worker killed mid-request and mid-batch then restarted on the same local D1 and
 * port. After the restart nothing is lost and nothing is applied twice: server versions count every effect.
 */
let original: RunningWorker;
let worker: RunningWorker;
let restarted: RunningWorker[] = [];
let apps = 0;

/** Kills the Worker's process group as a crash does, then starts it again on the same D1 and port. */
async function restartWorker(storage: WorkerStorage): Promise<void> {
  await worker.kill();
  worker = await startWorker({ persistDir: original.persistDir, port: original.port, storage });
  restarted.push(worker);
}

/**
 * Whether the files of the Hub objects' SQLite under `persistDir` (wrangler dev keeps them beside D1's, in
 * `v3/do/<worker>-<class>/`, main file and WAL) hold `text`: where an org's rows live, read from the disk rather
 * than through the Worker that wrote them.
 */
function objectFilesHold(persistDir: string, text: string): boolean {
  const dir = join(persistDir, 'v3', 'do', 'offline-sync-engine-Hub');
  if (!existsSync(dir)) return false;
  const needle = Buffer.from(text);
  return readdirSync(dir).some((file) => readFileSync(join(dir, file)).includes(needle));
}

/**
 * One tab of `account`'s app: engines of the same `app` share one IndexedDB database (same name, same factory).
 * The replay tests run in both replay modes: one lane at a time, and lanes side by side (the default). A crash
 * lands in the write sent after k others; with lanes side by side some of those may still be on the wire when it
 * does (their answers lost too), so those runs check that at most k were answered and at least one answer was
 * replayed, and
 * the same end state: each op applied once (server versions count every effect), the counters adding up.
 */
const MODES = [
  { lanes: 1, mode: 'one lane at a time' },
  { lanes: 4, mode: 'lanes side by side' },
] as const;

function tab(account: TestAccount, app: string, fetch: typeof globalThis.fetch, extra: Partial<SyncEngineOptions> = {}): SyncEngine {
  return createSyncEngine({
    baseUrl: original.baseUrl,
    userId: account.id,
    getToken: () => account.token,
    fetch,
    ...nodeEngine,
    appName: app,
    backoff: { baseMs: 1, capMs: 5, maxAttempts: 8 },
    random: () => 0,
    ...extra,
  });
}

async function orgOf(owner: TestAccount): Promise<string> {
  return (await api(worker.baseUrl, owner.token, 'POST', '/api/orgs', { name: 'Lab' })).body.id;
}

interface ServerProject {
  id: string;
  name: string;
  version: number;
  deletedAt: number | null;
}

async function serverProjects(account: TestAccount, orgId: string): Promise<ServerProject[]> {
  return (await api(worker.baseUrl, account.token, 'GET', `/api/orgs/${orgId}/projects?limit=1000`)).body.items;
}

/** Syncs until nothing is queued (bounded: a backoff may defer a retry past one cycle). */
async function settle(engine: SyncEngine, rounds = 40) {
  for (let i = 0; i < rounds; i++) {
    await engine.syncNow();
    if ((await engine.status()).pendingCount === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Syncs until nothing is queued or `ms` have passed. A request the kill cut off after the Worker claimed its
 * Idempotency-Key holds that key for a minute (server/http/idempotency.ts LOCK_MS): until then its op is answered
 * 409 IDEMPOTENCY_IN_PROGRESS, which never spends its last attempt, and it lands once the claim expires.
 */
async function settleWithin(engine: SyncEngine, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await engine.syncNow();
    if ((await engine.status()).pendingCount === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The counters add up: every op queued was applied, failed or discarded, or is still pending. */
async function expectAccounted(engine: SyncEngine) {
  const [c, status] = [await engine.counters(), await engine.status()];
  expect(c.enqueued, JSON.stringify(c)).toBe(c.applied + c.discarded + status.pendingCount + status.failedCount);
}

/**
 * The queue every replay test starts from, and what the server must hold once it has all landed exactly once:
 * a duplicate create answers 409 (the op would fail), a duplicate rename bumps the version.
 */
async function queueWork(engine: SyncEngine, orgId: string) {
  const a = await engine.projects.create(orgId, { name: 'A' });
  await engine.projects.update(orgId, a.id, { name: 'A1' });
  await engine.projects.update(orgId, a.id, { name: 'A2' });
  const b = await engine.projects.create(orgId, { name: 'B' });
  await engine.projects.update(orgId, b.id, { name: 'B1' });
  const c = await engine.projects.create(orgId, { name: 'C' });
  return {
    ops: 6,
    expected: [
      { id: a.id, name: 'A2', version: 3, deletedAt: null },
      { id: b.id, name: 'B1', version: 2, deletedAt: null },
      { id: c.id, name: 'C', version: 1, deletedAt: null },
    ].sort((x, y) => x.id.localeCompare(y.id)),
  };
}

const shape = (rows: ServerProject[]) => rows.map(({ id, name, version, deletedAt }) => ({ id, name, version, deletedAt })).sort((x, y) => x.id.localeCompare(y.id));

type Death = 'closed' | 'killed';

/**
 * How a tab dies. closed: engine.close() (it aborts the request in flight; the op goes back to pending).
 * killed: the tab is gone at once: its database connection is closed under it, so nothing it still runs can
 * write (the op stays `syncing` in IndexedDB), and the browser frees its sync lock.
 */
function die(engine: SyncEngine, how: Death): () => Promise<void> {
  return async () => {
    if (how === 'killed') engine.db.close();
    await engine.close();
  };
}

/**
 * Every case in each storage mode. In org-objects an org's rows live in its hub's Durable Object, whose SQLite
 * wrangler dev keeps under the same --persist-to as D1: a restart on it must keep both. One mode's Worker at a
 * time: the describes run in order, each starting and stopping its own.
 */
describe.each(STORAGE_MODES)('storage: %s', (storage) => {
  beforeAll(async () => {
    original = await startWorker({ storage });
    worker = original;
    restarted = [];
  }, 180_000);
  afterAll(async () => {
    for (const w of restarted) await w.stop();
    // The first one owns the state folder (a killed one still removes it).
    await original?.stop();
  }, 60_000);

  describe('engine crashes', () => {
    // Engine stopped after the server committed a write, before the local ack: then a new engine on the same
    // IndexedDB replays it with the same key, and the server answers with what it stored.
    it.each<{ how: Death; lanes: number; mode: string }>(MODES.flatMap((m) => [{ how: 'closed' as const, ...m }, { how: 'killed' as const, ...m }]))(
      'stopped ($how) after the server committed, before the ack, $mode: reopened, it replays with the same key, applied once',
      async ({ how, lanes }) => {
        const ann = await signUp(worker.baseUrl, 'Ann');
        const orgId = await orgOf(ann);
        const app = `crash-${apps++}`;
        const net = new CrashFetch();
        const first = tab(ann, app, net.fetch, { replayConcurrency: lanes });
        await first.ready;
        const { ops, expected } = await queueWork(first, orgId);
        let died: Promise<void> = Promise.resolve();
        // Lane heads go first (the three creates), so the write sent once three were answered is a rename (A→A1
        // with one lane at a time): it commits, and the engine dies before the answer is stored.
        net.plan = { afterWrites: 3, point: 'after-commit', crash: () => (died = die(first, how)()) };
        await first.start();
        await first.syncNow().catch(() => undefined);
        await died;
        const lost = net.log.find((l) => l.lost);
        expect(lost).toMatchObject({ method: 'PATCH', status: 200 });
        if (lanes === 1) expect((await serverProjects(ann, orgId)).find((p) => p.name === 'A1')).toMatchObject({ version: 2 });

        const wire = new FaultyFetch();
        const second = tab(ann, app, wire.fetch, { replayConcurrency: lanes });
        await second.start();
        await settle(second);
        expect((await second.status()).pendingCount).toBe(0);
        expect((await second.status()).failedCount).toBe(0);
        expect(shape(await serverProjects(ann, orgId))).toEqual(expected);
        // The lost answer came back as the stored one (same key), and each op counted once across both engines.
        const counters = await second.counters();
        if (lanes === 1) expect(counters.deduplicated).toBe(1);
        else expect(counters.deduplicated).toBeGreaterThanOrEqual(1);
        expect([counters.enqueued, counters.applied, counters.failed]).toEqual([ops, ops, 0]);
        expect(await second.db.ops.count()).toBe(0);
        expect(shape((await second.db.projects.toArray()) as ServerProject[])).toEqual(expected);
        await expectAccounted(second);
        await second.close();
      },
      120_000,
    );

    // A tab closed mid-replay: k writes answered, then the tab dies before or after the next one reaches the server.
    const MID_REPLAY: { k: number; point: CrashPoint; how: Death }[] = [
      { k: 0, point: 'after-commit', how: 'killed' },
      { k: 2, point: 'before-send', how: 'closed' },
      { k: 3, point: 'after-commit', how: 'closed' },
      { k: 5, point: 'after-commit', how: 'killed' },
    ];
    it.each(MODES.flatMap((m) => MID_REPLAY.map((c) => ({ ...c, ...m }))))('tab $how mid-replay after $k of 6 writes ($point), $mode: nothing lost, nothing applied twice', async ({ k, point, how, lanes }) => {
      const ann = await signUp(worker.baseUrl, 'Ann');
      const orgId = await orgOf(ann);
      const app = `crash-${apps++}`;
      const net = new CrashFetch();
      const first = tab(ann, app, net.fetch, { replayConcurrency: lanes });
      await first.ready;
      const { ops, expected } = await queueWork(first, orgId);
      let died: Promise<void> = Promise.resolve();
      net.plan = { afterWrites: k, point, crash: () => (died = die(first, how)()) };
      await first.start();
      await first.syncNow().catch(() => undefined);
      await died;
      expect(net.crashed).toBe(true);
      const answered = net.log.filter((l) => l.method !== 'GET' && l.status !== undefined && !l.lost).length;
      // k writes left before the crash: one at a time, each was answered; side by side, some may have been cut off.
      if (lanes === 1) expect(answered).toBe(k);
      else expect(answered).toBeLessThanOrEqual(k);

      const second = tab(ann, app, new FaultyFetch().fetch, { replayConcurrency: lanes });
      await second.start();
      await settle(second);
      expect(shape(await serverProjects(ann, orgId))).toEqual(expected);
      const counters = await second.counters();
      expect([counters.enqueued, counters.applied, counters.failed]).toEqual([ops, ops, 0]);
      const replayedAtLeast = point === 'after-commit' ? 1 : 0;
      if (lanes === 1) expect(counters.deduplicated).toBe(replayedAtLeast);
      else expect(counters.deduplicated).toBeGreaterThanOrEqual(replayedAtLeast);
      expect((await second.status()).pendingCount).toBe(0);
      expect(shape((await second.db.projects.toArray()) as ServerProject[])).toEqual(expected);
      await expectAccounted(second);
      await second.close();
    }, 120_000);

    it('a killed leader’s write in flight is replayed by the tab that takes the lead over (same IndexedDB)', async () => {
      const ann = await signUp(worker.baseUrl, 'Ann');
      const orgId = await orgOf(ann);
      const app = `crash-${apps++}`;
      const locks = new TabLocks();
      const net = new CrashFetch();
      const leader = tab(ann, app, net.fetch, { locks });
      const follower = tab(ann, app, new FaultyFetch().fetch, { locks });
      await leader.start();
      await follower.start();
      await leader.syncNow();
      expect([(await leader.status()).leader, (await follower.status()).leader]).toEqual([true, false]);

      let died: Promise<void> = Promise.resolve();
      net.plan = { afterWrites: 0, point: 'after-commit', crash: () => (died = die(leader, 'killed')()) };
      const { ops, expected } = await queueWork(leader, orgId);
      await leader.syncNow().catch(() => undefined);
      await died;
      expect(net.log.find((l) => l.lost)).toMatchObject({ method: 'POST', status: 201 });

      for (let i = 0; i < 100 && !(await follower.status()).leader; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await follower.status()).leader).toBe(true);
      await settle(follower);
      expect((await follower.status()).pendingCount).toBe(0);
      expect(shape(await serverProjects(ann, orgId))).toEqual(expected);
      const counters = await follower.counters();
      expect([counters.enqueued, counters.applied, counters.failed, counters.deduplicated]).toEqual([ops, ops, 0, 1]);
      await expectAccounted(follower);
      await follower.close();
    }, 120_000);
  });

  describe('Worker crashes', () => {
    // The Worker's process group is SIGKILLed while the write is on the wire, `afterMs` after it left: before,
    // during or after the server's commit, whichever the machine makes it. Either way it must land exactly once.
    it.each(MODES.map((m) => ({ afterMs: 0, ...m })))('killed mid-request ($afterMs ms in), $mode, restarted on the same D1 and port: the client retries, each op lands once', async ({ afterMs, lanes }) => {
      const ann = await signUp(worker.baseUrl, 'Ann');
      const orgId = await orgOf(ann);
      const net = new KillingFetch();
      const engine = tab(ann, `crash-${apps++}`, net.fetch, { replayConcurrency: lanes });
      await engine.ready;
      const { ops, expected } = await queueWork(engine, orgId);
      // The write sent once three were answered (the rename A→A1 with one lane at a time) is in flight when the
      // Worker dies; with lanes side by side other writes may be too.
      let committed: boolean | null = null;
      net.plan = {
        afterWrites: 3,
        afterMs,
        kill: async () => {
          await restartWorker(storage);
          const a = (await serverProjects(ann, orgId)).find((p) => p.name.startsWith('A'));
          committed = lanes === 1 ? a?.name === 'A1' : null;
        },
      };
      await engine.start();
      await settle(engine);
      await net.done;
      await settleWithin(engine, 90_000);
      console.info(`[crash] Worker killed ${afterMs} ms into ${net.killedDuring}: the request ${net.outcome}; committed before the kill: ${committed}`);
      expect(net.killedDuring).toMatch(/^PATCH /);
      expect(shape(await serverProjects(ann, orgId))).toEqual(expected);
      // Where the restarted Worker read them from: in org-objects the org's object files under the persist dir
      // hold every project; in d1 none does (the rows are D1's), which also shows the mode took effect.
      for (const p of expected) expect(objectFilesHold(original.persistDir, p.id), `project ${p.id} in the Hub objects' SQLite files`).toBe(storage === 'org-objects');
      const counters = await engine.counters();
      expect([counters.enqueued, counters.applied, counters.failed]).toEqual([ops, ops, 0]);
      expect((await engine.status()).pendingCount).toBe(0);
      expect(shape((await engine.db.projects.toArray()) as ServerProject[])).toEqual(expected);
      await engine.close();
    }, 300_000);

    it('killed mid-batch (a 400-register settings merge): D1 holds all of the batch or none, and the retry settles every register once', async () => {
      const ann = await signUp(worker.baseUrl, 'Ann');
      const net = new KillingFetch();
      // No interval pull: nothing may retry the merge before D1 is read after the restart.
      const engine = tab(ann, `crash-${apps++}`, net.fetch, { pullIntervalMs: 3_600_000 });
      // Written before the engine syncs, so they go as one merge: 400 entries, one D1 batch.
      await engine.ready;
      const keys = Array.from({ length: 400 }, (_, i) => `custom.crash.${String(i).padStart(3, '0')}`);
      const written = new Map<string, string>();
      for (const key of keys) written.set(key, (await engine.settings.set('user', key, { n: key.length, at: key })).hlc);
      const onServer = async () =>
        ((await api(worker.baseUrl, ann.token, 'GET', '/api/settings?limit=1000')).body.items as { key: string; hlc: string; value: unknown }[]).filter((s) =>
          s.key.startsWith('custom.crash.'),
        );
      let stored = -1;
      net.plan = {
        afterWrites: 0,
        afterMs: 10,
        kill: async () => {
          await restartWorker(storage);
          // Before the client retries: the restarted Worker's D1 holds the whole batch or nothing of it.
          stored = (await onServer()).length;
        },
      };
      await engine.start();
      await engine.syncNow();
      await net.done;
      console.info(`[crash] Worker killed 10 ms into ${net.killedDuring}: the request ${net.outcome}; after the restart D1 held ${stored} of 400`);
      expect(net.killedDuring).toBe('PATCH /api/settings');
      expect([0, 400]).toContain(stored);

      for (let i = 0; i < 5 && (await engine.db.settings.where('dirty').equals(1).count()) > 0; i++) await engine.syncNow();
      expect(await engine.db.settings.where('dirty').equals(1).count()).toBe(0);
      const after = await onServer();
      expect(after).toHaveLength(400);
      expect(new Map(after.map((s) => [s.key, s.hlc]))).toEqual(written);
      expect((await engine.counters()).settingsPushed).toBe(400);
      await engine.close();
    }, 300_000);
  });
});
