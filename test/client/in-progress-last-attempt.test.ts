import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { projectWrites } from '../../client/entities/projects.js';
import { DEFAULT_BACKOFF } from '../../client/outbox/backoff.js';
import { drain } from '../../client/outbox/replay-loop.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { classify } from '../../client/transport/classify.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { FakeServer, type Fault } from './fake-server.js';

/**
 * Issue 17 item 5: a request that crashed mid-flight holds its Idempotency-Key for 60 s, and every retry inside
 * that window answers 409 IDEMPOTENCY_IN_PROGRESS. The backoff's delays are jittered, so in about 0.2% of runs
 * all of an op's attempts fell inside the window and it failed with RETRIES_EXHAUSTED, though the server had
 * given no verdict on it (and may even have committed it). An in-progress answer never spends the last attempt.
 */
const ORG = '11111111-1111-4111-8111-111111111111';
const MAX_ATTEMPTS = 3;
let dbs = 0;

async function setup(faults: Fault[]) {
  const server = new FakeServer();
  server.faults = faults;
  const db = new SyncDatabase(`in-progress-${dbs++}`, { indexedDB, IDBKeyRange });
  let clock = 1_000_000;
  let ids = 0;
  const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => server.validToken, fetch: server.fetch });
  const writes = projectWrites({ db, userId: 'user-1', now: () => clock, newId: () => `00000000-0000-4000-8000-${(++ids).toString(16).padStart(12, '0')}`, kick: () => {} });
  const project = await writes.create(ORG, { name: 'Held' });
  /** One drain per backoff: the clock jumps past the longest wait first. */
  const replay = async () => {
    clock += 10 * 60_000;
    return drain({ db, http, userId: 'user-1', now: () => clock, random: () => 0.5, policy: { ...DEFAULT_BACKOFF, maxAttempts: MAX_ATTEMPTS } });
  };
  return { server, db, project, replay };
}

describe('409 IDEMPOTENCY_IN_PROGRESS', () => {
  it('is classified as a retry whose key the server still holds; other retryable answers are not', () => {
    const response = (status: number, code: string) => ({
      kind: 'response' as const,
      status,
      body: { code, message: 'm', statusCode: status, timestamp: 1 },
      headers: new Headers({ 'Retry-After': '1' }),
    });
    expect(classify(response(409, 'IDEMPOTENCY_IN_PROGRESS'), 'POST', 0)).toMatchObject({ type: 'retry', keyHeld: true, retryAfterMs: 1000 });
    expect(classify(response(503, 'INTERNAL'), 'POST', 0)).not.toHaveProperty('keyHeld');
    expect(classify(response(429, 'RATE_LIMITED'), 'POST', 0)).not.toHaveProperty('keyHeld');
  });

  it('answering every attempt (and more) never fails the op: it lands once the key is released; the attempts before the last are still spent', async () => {
    const held = Array.from({ length: MAX_ATTEMPTS + 2 }, (): Fault => 'in-progress');
    const { server, db, project, replay } = await setup([...held, 'ok']);
    for (let i = 0; i < held.length; i++) {
      await replay();
      const op = (await db.ops.toArray())[0];
      expect(op?.status, `after in-progress answer ${i + 1}`).toBe('pending');
      expect(op?.attempts).toBeLessThan(MAX_ATTEMPTS);
    }
    await replay();
    expect(server.projects.get(project.id)?.name).toBe('Held');
    expect(await db.ops.count()).toBe(0);
    expect(await db.counters.get('failed')).toBeUndefined();

    // The attempts before the last are still spent: a 5xx after them exhausts the op as before.
    const other = await setup(['in-progress', 'in-progress', 'in-progress', 'transient']);
    for (let i = 0; i < 4; i++) await other.replay();
    expect(await other.db.ops.toArray()).toMatchObject([{ status: 'failed', attempts: MAX_ATTEMPTS, error: { code: 'RETRIES_EXHAUSTED' } }]);
    expect(other.server.projects.size).toBe(0);
  });
});
