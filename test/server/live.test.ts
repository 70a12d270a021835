import { SELF, createExecutionContext, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../server/app.js';
import type { Hub } from '../../server/live/hub.js';
import { createHlc } from '../../shared/index.js';
import { ORIGIN, addOrgMember, call, createOrg, createProject, expectError, seqHead, signUp, type TestUser } from './helpers.js';

/** The hubs' namespace (optional in Env: a deployment may run without live pokes; wrangler.toml declares it). */
const hubs = (env as unknown as { HUB: DurableObjectNamespace<Hub> }).HUB;

/** The run's storage mode (vitest.config.ts: the workers-org project sets SYNC_STORAGE). */
const ORG_OBJECTS = env.SYNC_STORAGE === 'org-objects';

/** workerd evicts a Durable Object after 10 s without events: wait a little longer. */
const HIBERNATE_AFTER_MS = 12_000;

const clock = createHlc({ nodeId: 'b2b2b2b2b2b2b2b2', now: () => Date.now() });

/** The bearer token as a subprotocol, the way a browser sends it (percent-encoded: a signed token has '/' '=' '+'). */
const bearerProtocol = (token: string) => `bearer.${encodeURIComponent(token)}`;

async function upgrade(scope: string, headers: Record<string, string>): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/api/live?scope=${encodeURIComponent(scope)}`, { headers: { origin: ORIGIN, upgrade: 'websocket', ...headers } });
}

/** A live socket with a queue of what arrived: messages, and its close. */
async function connect(user: TestUser, scope: string) {
  const res = await upgrade(scope, { 'sec-websocket-protocol': bearerProtocol(user.token) });
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error('no webSocket on the 101');
  const messages: unknown[] = [];
  let closed: { code: number; reason: string } | null = null;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  ws.addEventListener('message', (e) => {
    messages.push(typeof e.data === 'string' && e.data.startsWith('{') ? JSON.parse(e.data) : e.data);
    wake();
  });
  ws.addEventListener('close', (e) => {
    closed = { code: e.code, reason: e.reason };
    wake();
  });
  ws.accept();
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 5_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    res,
    ws,
    messages,
    closed: () => closed,
    nextMessage: async (index: number) => {
      await until(() => messages.length > index, `message ${index}`);
      return messages[index];
    },
    waitClose: async () => {
      await until(() => closed !== null, 'close');
      return closed as unknown as { code: number; reason: string };
    },
  };
}

describe('live hub (GET /api/live)', () => {
  it('refuses an unauthenticated upgrade with 401 AUTH_REQUIRED', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const attempts: Record<string, string>[] = [{}, { 'sec-websocket-protocol': 'bearer.not-a-token' }, { authorization: 'Bearer nope' }];
    for (const headers of attempts) {
      const res = await upgrade(`org:${org.id}`, headers);
      expect(res.webSocket).toBeNull();
      expectError({ status: res.status, body: await res.json() }, 'AUTH_REQUIRED', 401);
    }
  });

  it('refuses a non-member with 404 ORG_NOT_FOUND (and an unknown org alike), a bad scope with 400', async () => {
    const [owner, stranger] = await Promise.all([signUp('Own'), signUp('Str')]);
    const org = await createOrg(owner);
    for (const scope of [`org:${org.id}`, `org:${crypto.randomUUID()}`]) {
      const res = await upgrade(scope, { 'sec-websocket-protocol': bearerProtocol(stranger.token) });
      expectError({ status: res.status, body: await res.json() }, 'ORG_NOT_FOUND', 404);
    }
    const bad = await upgrade('everything', { authorization: `Bearer ${owner.token}` });
    expectError({ status: bad.status, body: await bad.json() }, 'VALIDATION_FAILED', 400);
  });

  it('answers a plain (non-upgrade) request with 426 UPGRADE_REQUIRED', async () => {
    const owner = await signUp('Own');
    const res = await call('/api/live?scope=user', { token: owner.token });
    expectError(res, 'UPGRADE_REQUIRED', 426);
    expect(res.headers.get('upgrade')).toBe('websocket');
  });

  it('accepts the token in Sec-WebSocket-Protocol (101, protocol echoed) or in Authorization, and answers ping with pong', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const live = await connect(owner, `org:${org.id}`);
    expect(live.res.headers.get('sec-websocket-protocol')).toBe(bearerProtocol(owner.token));
    live.ws.send('ping');
    expect(await live.nextMessage(0)).toBe('pong');
    live.ws.close(1000, 'done');

    const viaHeader = await upgrade('user', { authorization: `Bearer ${owner.token}` });
    expect(viaHeader.status).toBe(101);
    expect(viaHeader.headers.get('sec-websocket-protocol')).toBeNull();
    viaHeader.webSocket?.accept();
    viaHeader.webSocket?.close(1000, 'done');
  });

  it('pokes the org hub after a project write and after an org settings merge, with the write’s seq', async () => {
    const [owner, member] = await Promise.all([signUp('Own'), signUp('Mem')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member);
    const live = await connect(member, `org:${org.id}`);

    const project = await createProject(owner, org.id);
    const afterCreate = await seqHead(org.id);
    expect(await live.nextMessage(0)).toEqual({ type: 'poke', scope: `org:${org.id}`, seq: afterCreate });

    const rename = await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: owner.token, body: { name: 'Renamed' } });
    expect(rename.status).toBe(200);
    expect(await live.nextMessage(1)).toEqual({ type: 'poke', scope: `org:${org.id}`, seq: await seqHead(org.id) });

    const merge = await call(`/api/orgs/${org.id}/settings`, {
      method: 'PATCH',
      token: owner.token,
      body: { entries: [{ key: 'appraisal.blindReview', value: true, hlc: clock.next() }] },
    });
    expect(merge.status).toBe(200);
    expect(await live.nextMessage(2)).toEqual({ type: 'poke', scope: `org:${org.id}`, seq: await seqHead(org.id) });
    expect(live.messages).toHaveLength(3);
    live.ws.close(1000, 'done');
  });

  it('pokes the user hub after a user settings write, and only that user’s', async () => {
    const [ann, bob] = await Promise.all([signUp('Ann'), signUp('Bob')]);
    const annLive = await connect(ann, 'user');
    const bobLive = await connect(bob, 'user');
    const put = await call('/api/settings/theme', { method: 'PUT', token: ann.token, body: { value: 'dark' } });
    expect(put.status).toBe(200);
    expect(await annLive.nextMessage(0)).toEqual({ type: 'poke', scope: `user:${ann.id}`, seq: await seqHead() });
    bobLive.ws.send('ping');
    expect(await bobLive.nextMessage(0)).toBe('pong');
    expect(bobLive.messages).toEqual(['pong']);
    annLive.ws.close(1000, 'done');
    bobLive.ws.close(1000, 'done');
  });

  it('closes a removed member’s sockets with 4403 and keeps the others poked', async () => {
    const [owner, member] = await Promise.all([signUp('Own'), signUp('Mem')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member);
    const memberLive = await connect(member, `org:${org.id}`);
    const ownerLive = await connect(owner, `org:${org.id}`);

    const removed = await call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'DELETE', token: owner.token });
    expect(removed.status).toBe(200);
    expect((await memberLive.waitClose()).code).toBe(4403);
    expect(await ownerLive.nextMessage(0)).toEqual({ type: 'poke', scope: `org:${org.id}`, seq: await seqHead(org.id) });

    // And they cannot come back in.
    const again = await upgrade(`org:${org.id}`, { 'sec-websocket-protocol': bearerProtocol(member.token) });
    expectError({ status: again.status, body: await again.json() }, 'ORG_NOT_FOUND', 404);
    ownerLive.ws.close(1000, 'done');
  });

  // workerd evicts an idle Durable Object after 10 s of inactivity; its hibernatable sockets stay open and the
  // next event builds a fresh instance. The hub keeps no per-socket state in memory (the user id is the socket's
  // tag, kept by the runtime), so nothing needs restoring on the wake.
  it('hibernation round-trip: sockets survive the hub’s eviction; after the wake they answer ping, get pokes, and a kick still finds its user', async () => {
    const [owner, member] = await Promise.all([signUp('Own'), signUp('Mem')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member);
    const project = await createProject(owner, org.id);
    const stub = hubs.get(hubs.idFromName(`org:${org.id}`));
    // In org-objects storage the create's poke comes with its directory delivery (the object's alarm): let it
    // go before the sockets open, as it has in d1 storage, so the sockets' first message is the test's own.
    if (ORG_OBJECTS) await runDurableObjectAlarm(stub);
    const memberLive = await connect(member, `org:${org.id}`);
    const ownerLive = await connect(owner, `org:${org.id}`);
    // A mark on the running instance: it stays while the instance lives, and is gone only if the object was evicted.
    const mark = (hub: Hub) => hub as unknown as { mark?: string };
    await runInDurableObject(stub, (hub) => void (mark(hub).mark = 'before eviction'));
    expect(await runInDurableObject(stub, (hub) => mark(hub).mark)).toBe('before eviction');

    await new Promise((resolve) => setTimeout(resolve, HIBERNATE_AFTER_MS));
    // The wake comes from a socket: 'ping' reaches webSocketMessage on a fresh instance.
    memberLive.ws.send('ping');
    expect(await memberLive.nextMessage(0)).toBe('pong');
    const woken = await runInDurableObject(stub, (hub, state) => ({
      mark: mark(hub).mark,
      sockets: state.getWebSockets().length,
      memberSockets: state.getWebSockets(member.id).length,
      ownerSockets: state.getWebSockets(owner.id).length,
    }));
    expect(woken).toEqual({ mark: undefined, sockets: 2, memberSockets: 1, ownerSockets: 1 });

    const rename = await call(`/api/orgs/${org.id}/projects/${project.id}`, { method: 'PATCH', token: owner.token, body: { name: 'After the wake' } });
    expect(rename.status).toBe(200);
    const poke = { type: 'poke', scope: `org:${org.id}`, seq: await seqHead(org.id) };
    expect(await memberLive.nextMessage(1)).toEqual(poke);
    expect(await ownerLive.nextMessage(0)).toEqual(poke);

    // The tags came through the eviction: the kick closes the member's socket and only theirs.
    const removed = await call(`/api/orgs/${org.id}/members/${member.id}`, { method: 'DELETE', token: owner.token });
    expect(removed.status).toBe(200);
    expect((await memberLive.waitClose()).code).toBe(4403);
    expect(await ownerLive.nextMessage(1)).toEqual({ type: 'poke', scope: `org:${org.id}`, seq: await seqHead(org.id) });
    ownerLive.ws.send('ping');
    expect(await ownerLive.nextMessage(2)).toBe('pong');
    expect(ownerLive.closed()).toBeNull();
    ownerLive.ws.close(1000, 'done');
  }, 60_000);

  // In org-objects storage the hub is where the org's rows live: without it there is no write, and the answer
  // is the typed 500 (as a D1 outage is in d1 storage), with nothing written.
  it(ORG_OBJECTS ? 'an unreachable hub is an unreachable org: the write answers the typed 500' : 'a hub that fails or is unreachable never fails the write', async () => {
    const owner = await signUp('Own');
    const org = await createOrg(owner);
    const broken = [
      { idFromName: () => { throw new Error('no hub'); } },
      { idFromName: () => 'id', get: () => ({ fetch: async () => { throw new Error('hub down'); } }) },
      { idFromName: () => 'id', get: () => ({ fetch: async () => new Response('boom', { status: 500 }) }) },
    ];
    for (const HUB of broken) {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`${ORIGIN}/api/orgs/${org.id}/projects`, {
          method: 'POST',
          headers: { origin: ORIGIN, authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Still written' }),
        }),
        { ...env, HUB },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      if (ORG_OBJECTS) expectError({ status: res.status, body: await res.json() }, 'INTERNAL', 500);
      else expect(res.status).toBe(201);
    }
  });
});
