import { rmSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncEngine, type SyncEngine } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import { FaultyFetch } from './faulty-fetch.js';
import { faultySockets, type FaultySockets } from './live-faulty-sockets.js';
import { api, signIn, signUp, startWorker, type RunningWorker, type TestAccount } from './worker-harness.js';

/**
 * Live pokes under faults, against the real Worker under wrangler dev (issue 10 item 3): the Worker killed and
 * restarted on the same data and port, a socket cut by the network, the session revoked while its socket is open,
 * and a storm of 1,000 writes. Engines run in Node on fake-indexeddb with real `ws` sockets (injected through
 * live-faulty-sockets.ts, which only adds the faults); every request the engine sends is counted at its fetch.
 */
let worker: RunningWorker;
let firstPersistDir = '';
beforeAll(async () => {
  worker = await startWorker();
  firstPersistDir = worker.persistDir;
}, 180_000);
afterAll(async () => {
  // After a restart the running Worker does not own the state folder: remove it here.
  await worker?.stop();
  if (firstPersistDir) rmSync(firstPersistDir, { recursive: true, force: true });
});

let apps = 0;
/** Reconnect waits are full jitter (random x 1 s, 2 s, 4 s …): a fixed draw keeps them short and the runs alike. */
const RANDOM = () => 0.2;
/** No poll during a test: whatever arrives, arrives by a poke or a reconnect's pull. */
const NO_POLL_MS = 3_600_000;

interface Client {
  readonly engine: SyncEngine;
  readonly net: FaultyFetch;
  readonly sockets: FaultySockets;
}

function engineFor(account: TestAccount, getToken: () => string | null): Client {
  const net = new FaultyFetch();
  const sockets = faultySockets();
  const engine = createSyncEngine({
    baseUrl: worker.baseUrl,
    userId: account.id,
    getToken,
    fetch: net.fetch,
    WebSocket: sockets.WebSocket,
    random: RANDOM,
    indexedDB,
    IDBKeyRange,
    locks: noLocks,
    channel: null,
    events: null,
    pullIntervalMs: NO_POLL_MS,
    appName: `live-faults-${apps++}`,
  });
  return { engine, net, sockets };
}

/** Ann owns an org with one project; Bob, an admin there, writes from another device. */
async function twoUsers() {
  const baseUrl = worker.baseUrl;
  const [ann, bob] = await Promise.all([signUp(baseUrl, 'Ann'), signUp(baseUrl, 'Bob')]);
  const orgId = (await api(baseUrl, ann.token, 'POST', '/api/orgs', { name: 'Faults Lab' })).body.id as string;
  expect((await api(baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/members`, { userId: bob.id, role: 'admin' })).status).toBe(201);
  const projectId = (await api(baseUrl, ann.token, 'POST', `/api/orgs/${orgId}/projects`, { name: 'P0' })).body.id as string;
  return { ann, bob, orgId, projectId };
}

async function rename(account: TestAccount, orgId: string, projectId: string, name: string): Promise<void> {
  const res = await api(worker.baseUrl, account.token, 'PATCH', `/api/orgs/${orgId}/projects/${projectId}`, { name });
  expect(res.status).toBe(200);
}

/**
 * One write of the storm, sent until it is answered: under 20 concurrent writes on a busy machine, wrangler dev's
 * proxy sometimes loses its connection to the Worker and answers 503 "Your worker restarted mid-request" with
 * Retry-After: 0, or drops the connection (both happen with the hubs disabled too). The Idempotency-Key makes the resend apply at most once.
 */
async function writeOnce(baseUrl: string, token: string, method: string, path: string, body: unknown): Promise<void> {
  const key = crypto.randomUUID();
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key, origin: baseUrl },
      body: JSON.stringify(body),
    }).catch((error: unknown) => {
      if (attempt === 10) throw error;
      return null; // the connection dropped (the same proxy trouble): send again
    });
    if (!res) continue;
    const text = await res.text();
    if (res.ok) return;
    // The lost first send may still be running: its key then answers 409 IDEMPOTENCY_IN_PROGRESS for a moment.
    const retry = res.status === 503 || (res.status === 409 && text.includes('IDEMPOTENCY_IN_PROGRESS'));
    if (retry && res.status === 409) await new Promise((resolve) => setTimeout(resolve, 200));
    if (!retry || attempt === 10) throw new Error(`${method} ${path} answered ${res.status} (attempt ${attempt}): ${text.slice(0, 300)}`);
  }
}

const isLive = async (engine: SyncEngine) => (await engine.status()).live;
const nameIn = async (engine: SyncEngine, projectId: string) => (await engine.db.projects.get(projectId))?.name;
/** A pull pass starts with the orgs page (the heads say what else to pull). */
const pullPasses = (net: FaultyFetch, from = 0) => net.log.slice(from).filter((r) => r.method === 'GET' && r.path === '/api/orgs').length;

async function goLive(client: Client): Promise<void> {
  await client.engine.start();
  await client.engine.syncNow();
  await expect.poll(() => isLive(client.engine), { timeout: 30_000 }).toBe(true);
  // Each socket's connect asked for a pull: let those finish, or one still queued on a busy machine runs after the
  // test's next write and pulls what the test says was missed (seen once in CI: the 1006 case saw the rename early).
  await client.engine.syncNow();
}

describe('live pokes under faults', () => {
  it('the Worker killed and restarted: the socket reconnects by itself, pulls once for what it missed, and pokes flow again', async () => {
    const { ann, bob, orgId, projectId } = await twoUsers();
    const client = engineFor(ann, () => ann.token);
    const { engine, net, sockets } = client;
    await goLive(client);

    await worker.kill();
    await expect.poll(() => isLive(engine), { timeout: 30_000 }).toBe(false);
    // Until released, every reconnect attempt fails as an unreachable hub does: the next write is surely missed.
    sockets.hold();
    worker = await startWorker({ persistDir: worker.persistDir, port: worker.port });
    await rename(bob, orgId, projectId, 'Written while the socket was down');
    expect(await nameIn(engine, projectId)).toBe('P0');
    expect(await isLive(engine)).toBe(false);

    const before = net.log.length;
    const openedBefore = sockets.opened();
    sockets.release();
    await expect.poll(() => nameIn(engine, projectId), { timeout: 60_000 }).toBe('Written while the socket was down');
    await expect.poll(() => isLive(engine), { timeout: 60_000 }).toBe(true);
    // One pull per reconnected socket (the user's and the org's), merged when they come close together.
    expect(sockets.opened() - openedBefore).toBe(2);
    const passes = pullPasses(net, before);
    expect(passes).toBeGreaterThanOrEqual(1);
    expect(passes).toBeLessThanOrEqual(2);

    await rename(bob, orgId, projectId, 'Poked after the restart');
    await expect.poll(() => nameIn(engine, projectId), { timeout: 30_000 }).toBe('Poked after the restart');
    await engine.close();
  }, 240_000);

  it('a socket cut by the network (1006) reconnects by itself and pulls what it missed', async () => {
    const { ann, bob, orgId, projectId } = await twoUsers();
    const client = engineFor(ann, () => ann.token);
    const { engine, net, sockets } = client;
    await goLive(client);

    sockets.hold();
    expect(sockets.dropAll()).toBe(2);
    await expect.poll(() => isLive(engine), { timeout: 30_000 }).toBe(false);
    await rename(bob, orgId, projectId, 'Missed while cut off');
    // Refused attempts prove the engine kept trying on its own while cut off.
    await expect.poll(() => sockets.refused(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(await nameIn(engine, projectId)).toBe('P0');

    const before = net.log.length;
    sockets.release();
    await expect.poll(() => nameIn(engine, projectId), { timeout: 60_000 }).toBe('Missed while cut off');
    await expect.poll(() => isLive(engine), { timeout: 60_000 }).toBe(true);
    expect(pullPasses(net, before)).toBeLessThanOrEqual(2);

    await rename(bob, orgId, projectId, 'Poked after the cut');
    await expect.poll(() => nameIn(engine, projectId), { timeout: 30_000 }).toBe('Poked after the cut');
    await engine.close();
  }, 180_000);

  it('the session revoked while its socket is open: the engine stops pulling and goes not-live, then resumes with a fresh token', async () => {
    const { ann, bob, orgId, projectId } = await twoUsers();
    let token: string | null = ann.token;
    const client = engineFor(ann, () => token);
    const { engine, net } = client;
    await goLive(client);

    // Revoked elsewhere (sign-out from another device; an expiry is the same): the engine still holds the token.
    const signOut = await fetch(`${worker.baseUrl}/api/auth/sign-out`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json', origin: worker.baseUrl },
      body: '{}',
    });
    expect(signOut.ok).toBe(true);
    expect((await api(worker.baseUrl, ann.token, 'GET', '/api/me')).status).toBe(401);

    // The open socket still gets a (data-free) poke; the pull it causes is refused, and the engine pauses.
    await rename(bob, orgId, projectId, 'While revoked');
    await expect.poll(async () => (await engine.status()).pausedForAuth, { timeout: 30_000 }).toBe(true);
    await expect.poll(() => isLive(engine), { timeout: 30_000 }).toBe(false);
    expect(net.log.some((r) => r.status === 401)).toBe(true);

    // Paused: more writes and explicit syncs send nothing with the dead token, and nothing reopens a socket.
    let sent = net.log.length;
    await rename(bob, orgId, projectId, 'Still revoked');
    await engine.syncNow();
    expect(net.log.length).toBe(sent);
    expect(await nameIn(engine, projectId)).toBe('P0');

    // Signed out on this device too: no credentials at all; still nothing sent, still not live.
    token = null;
    engine.tokenChanged();
    await engine.syncNow();
    expect(net.log.length).toBe(sent);
    expect(await isLive(engine)).toBe(false);

    // Signed in again: a fresh token reopens the sockets and convergence resumes.
    token = await signIn(worker.baseUrl, ann);
    expect(token).toBeTruthy();
    engine.tokenChanged();
    await expect.poll(() => nameIn(engine, projectId), { timeout: 30_000 }).toBe('Still revoked');
    await expect.poll(() => isLive(engine), { timeout: 60_000 }).toBe(true);
    expect((await engine.status()).pausedForAuth).toBe(false);
    sent = net.log.length;
    await rename(bob, orgId, projectId, 'Live again');
    await expect.poll(() => nameIn(engine, projectId), { timeout: 30_000 }).toBe('Live again');
    // Let the pulls still in flight (the other socket's poke) finish: then every request since went through with
    // the fresh token (none refused; a pull still on the wire has no status yet, which failed this once in CI).
    await engine.syncNow();
    const since = net.log.slice(sent);
    expect(since.some((r) => r.status === 200)).toBe(true);
    expect(since.filter((r) => r.status === 401 || r.status === 403)).toEqual([]);
    await engine.close();
  }, 180_000);

  it('a storm of 1,000 writes by another user coalesces into few pulls, and the engine converges to the server', async () => {
    const { ann, bob, orgId } = await twoUsers();
    const baseUrl = worker.baseUrl;
    const seeds: string[] = [];
    for (let i = 0; i < 20; i++) seeds.push((await api(baseUrl, bob.token, 'POST', `/api/orgs/${orgId}/projects`, { name: `Seed ${i}` })).body.id as string);
    const client = engineFor(ann, () => ann.token);
    const { engine, net } = client;
    await goLive(client);

    const WRITES = 1_000;
    const CONCURRENCY = 20;
    const before = net.log.length;
    // 20 callers at a time: even writes create projects, odd ones rename the seeds.
    let next = 0;
    const caller = async () => {
      while (next < WRITES) {
        const i = next++;
        const [method, path, body] =
          i % 2 === 0
            ? ['POST', `/api/orgs/${orgId}/projects`, { name: `Storm ${i}` }]
            : ['PATCH', `/api/orgs/${orgId}/projects/${seeds[(i >> 1) % seeds.length]}`, { name: `Renamed ${i}` }];
        await writeOnce(baseUrl, bob.token, method, path, body);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, caller));
    const stormMs = Date.now() - started;

    // The server's final state, read with Bob's token, is what Ann's engine must hold.
    const server = new Map<string, string>();
    let cursor = '';
    for (;;) {
      const page = (await api(baseUrl, bob.token, 'GET', `/api/orgs/${orgId}/projects?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
      for (const row of page.items) if (row.deletedAt === null) server.set(row.id, row.name);
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    expect(server.size).toBe(1 + seeds.length + WRITES / 2);
    const local = async () => new Map((await engine.db.projects.where('orgId').equals(orgId).toArray()).map((p) => [p.id, p.name] as const));
    await expect.poll(local, { timeout: 120_000, interval: 200 }).toEqual(server);

    const requests = net.log.slice(before);
    const passes = pullPasses(net, before);
    console.info(`poke storm: ${WRITES} writes (${CONCURRENCY} at a time, ${stormMs} ms) -> ${passes} pull passes, ${requests.length} requests by the engine`);
    expect(requests.every((r) => r.method === 'GET')).toBe(true);
    // The bound: a pass never overlaps another, and every poke that lands while one runs folds into a single
    // rerun. A pass is at least two round trips (the orgs page, then what its heads say) through the same server
    // that commits the writes 20 at a time, so it spans at least one wave of writes: at most WRITES / CONCURRENCY
    // passes (50; about half that is expected, the rest is room for a noisy machine). A pass after changes in one
    // org sends at most 4 requests plus extra pages (1,500 changed rows at 200 a page: under 10 more in all).
    expect(passes).toBeLessThanOrEqual(WRITES / CONCURRENCY);
    expect(requests.length).toBeLessThanOrEqual((4 * WRITES) / CONCURRENCY + 10);
    await engine.close();
  }, 600_000);
});
