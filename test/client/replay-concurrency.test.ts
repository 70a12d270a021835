import { describe, expect, it } from 'vitest';
import { ClientValidationError, createSyncEngine } from '../../client/index.js';
import { FakeServer } from './fake-server.js';
import { frozenTimers, nodeEngine } from './node-engine.js';

/**
 * Issue 17 item 2: lanes that wait for no other lane replay side by side, up to `replayConcurrency` at once
 * (default 4); lanes of one org still wait for each other where memberships depend on it (op-group.ts).
 */
const ORG = '11111111-1111-4111-8111-111111111111';
let apps = 0;


/**
 * A network in front of the fake server that holds each mutating request `delayMs` before answering (or, with
 * `gather` set, until that many are on the wire, at most a second, so a slow machine still reaches the
 * concurrency), and records when each arrives and is answered, and how many are on the wire at once.
 */
function slowNetwork(server: FakeServer, delayMs = 20) {
  const gathered: (() => void)[] = [];
  let dropped = () => {};
  const untilDropped = new Promise<void>((resolve) => (dropped = resolve));
  const net = {
    gather: 0,
    offline: false,
    /**
     * The nth mutating request from now (1-based) gets no answer at all; the requests before it are held on the
     * wire until then (at most a second), so they are in flight when it fails.
     */
    dropNth: 0,
    inFlight: 0,
    maxInFlight: 0,
    log: [] as string[],
    fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (request.method === 'GET') return server.fetch(request);
      const what = `${request.method} ${new URL(request.url).pathname}`;
      if (net.offline) throw new TypeError('Failed to fetch');
      if (net.dropNth > 0 && --net.dropNth === 0) {
        net.log.push(`no answer ${what}`);
        dropped();
        throw new TypeError('Failed to fetch');
      }
      const holdForDrop = net.dropNth > 0;
      net.inFlight++;
      net.maxInFlight = Math.max(net.maxInFlight, net.inFlight);
      net.log.push(`arrive ${what}`);
      try {
        if (holdForDrop) await Promise.race([untilDropped, new Promise((r) => setTimeout(r, 1_000))]);
        if (net.gather > 0) {
          const all = new Promise<void>((resolve) => gathered.push(resolve));
          if (net.inFlight >= net.gather) for (const release of gathered.splice(0)) release();
          await Promise.race([all, new Promise((r) => setTimeout(r, 1_000))]);
        } else await new Promise((r) => setTimeout(r, delayMs));
        return await server.fetch(request);
      } finally {
        net.inFlight--;
        net.log.push(`answer ${what}`);
      }
    },
  };
  return net;
}

function engineOn(server: FakeServer, net: ReturnType<typeof slowNetwork>, replayConcurrency?: number) {
  return createSyncEngine({
    baseUrl: 'http://server.test',
    userId: 'user-1',
    getToken: () => server.validToken,
    fetch: net.fetch,
    ...nodeEngine,
    appName: `replay-concurrency-${apps++}`,
    timers: frozenTimers,
    pullIntervalMs: 3_600_000,
    ...(replayConcurrency !== undefined ? { replayConcurrency } : {}),
  });
}

/** Queues `count` project creates offline (each its own lane), then brings the network back and syncs. */
async function replayCreates(replayConcurrency: number | undefined, count: number) {
  const server = new FakeServer();
  const net = slowNetwork(server);
  const engine = engineOn(server, net, replayConcurrency);
  await engine.start();
  await engine.syncNow();
  net.offline = true;
  for (let i = 0; i < count; i++) await engine.projects.create(ORG, { name: `P${i}` });
  await engine.syncNow();
  net.offline = false;
  net.gather = replayConcurrency ?? 4;
  await engine.syncNow();
  expect(server.alive()).toHaveLength(count);
  expect(await engine.db.ops.count()).toBe(0);
  await engine.close();
  return net.maxInFlight;
}

describe('replaying lanes side by side', () => {
  it('sends up to replayConcurrency lanes at once: 4 by default, as told otherwise', async () => {
    expect(await replayCreates(undefined, 8)).toBe(4);
    expect(await replayCreates(2, 8)).toBe(2);
    expect(await replayCreates(1, 3)).toBe(1);
  });

  it('refuses a concurrency that is not a whole number >= 1, with a typed error', () => {
    const server = new FakeServer();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => engineOn(server, slowNetwork(server), bad), String(bad)).toThrow(ClientValidationError);
    }
  });

  it('an org member op waits for the org’s earlier project ops; the project ops after it wait for it', async () => {
    const server = new FakeServer();
    const net = slowNetwork(server);
    const engine = engineOn(server, net);
    await engine.start();
    await engine.syncNow();
    net.offline = true;
    const first = await engine.projects.create(ORG, { name: 'First' });
    await engine.projects.update(ORG, first.id, { name: 'First, renamed' });
    await engine.orgMembers.add(ORG, { userId: 'ann', role: 'member' });
    const second = await engine.projects.create(ORG, { name: 'Second' });
    await engine.projectMembers.add(ORG, second.id, { userId: 'ann', role: 'member' });
    await engine.syncNow();
    net.offline = false;
    net.log.length = 0;
    await engine.syncNow();

    const projects = `/api/orgs/${ORG}/projects`;
    const at = (entry: string) => {
      const index = net.log.indexOf(entry);
      expect(index, entry).toBeGreaterThanOrEqual(0);
      return index;
    };
    // The org member add arrives only once both ops of the first project were answered, and the second
    // project (and its member add, which needs ann in the org) only once the org member add was.
    expect(at(`arrive POST /api/orgs/${ORG}/members`)).toBeGreaterThan(at(`answer PATCH ${projects}/${first.id}`));
    expect(at(`arrive POST ${projects}`) < at(`answer POST ${projects}`)).toBe(true);
    const secondCreate = net.log.lastIndexOf(`arrive POST ${projects}`);
    expect(secondCreate).toBeGreaterThan(at(`answer POST /api/orgs/${ORG}/members`));
    expect(server.projectMembers.get(`${second.id}:ann`)?.deletedAt).toBeNull();
    expect(await engine.db.ops.count()).toBe(0);
    await engine.close();
  });

  it('once a send gets no answer no new send starts, and the sends already in flight finish and are recorded', async () => {
    const server = new FakeServer();
    const net = slowNetwork(server);
    const engine = engineOn(server, net);
    await engine.start();
    await engine.syncNow();
    net.offline = true;
    const projects = [];
    for (let i = 0; i < 6; i++) projects.push(await engine.projects.create(ORG, { name: `P${i}` }));
    await engine.syncNow();
    net.offline = false;
    // The second lane's send gets no answer while the first is still on the wire.
    net.dropNth = 2;
    net.log.length = 0;
    await engine.syncNow();
    const noAnswer = net.log.findIndex((e) => e.startsWith('no answer'));
    expect(noAnswer).toBeGreaterThan(0);
    const arrivals = net.log.filter((e) => e.startsWith('arrive'));
    // No send started after it; what was on the wire then was answered after it, and recorded.
    expect(net.log.slice(noAnswer).filter((e) => e.startsWith('arrive'))).toEqual([]);
    expect(net.log.slice(noAnswer).filter((e) => e.startsWith('answer')).length).toBeGreaterThan(0);
    expect(net.log.filter((e) => e.startsWith('answer'))).toHaveLength(arrivals.length);
    expect(server.alive()).toHaveLength(arrivals.length);
    const ops = await engine.db.ops.toArray();
    expect(ops.filter((op) => op.status === 'syncing')).toEqual([]);
    expect(ops).toHaveLength(6 - arrivals.length);
    await engine.close();
  });
});
