import { env } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/d1';
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { formatHlc, settingsMergeResponseSchema } from '../../shared/index.js';
import * as schema from '../../server/db/schema.js';
import type { AppEnv, Db } from '../../server/env.js';
import { prepareMerge } from '../../server/services/settings.js';
import { commitPlanned } from '../../server/sync/commit-planned.js';
import { call, signUp, type TestUser } from './helpers.js';

/**
 * Two merges of one key racing (issue 8): each answer must agree with what is stored. The higher stamp always
 * stands and is `applied`. The lower one is `stale` with `current` equal to the stored winner, or `applied`
 * only when it really stood for a while: it committed before the winner's merge read the scope, so the winner's
 * `changes` (both merges send the cursor from before the round) carry it. Before issue 8 the lower one could be
 * reported `applied` although the SQL guard had kept the winner.
 */

const ROUNDS = 20;

async function patch(user: TestUser, body: unknown, idempotencyKey: string) {
  const res = await call('/api/settings', { method: 'PATCH', token: user.token, body, headers: { 'Idempotency-Key': idempotencyKey } });
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  return { raw: res.body as unknown, body: settingsMergeResponseSchema.parse(res.body), replayed: res.headers.get('Idempotent-Replayed') };
}

async function stored(userId: string, key: string) {
  return env.DB.prepare("SELECT value, hlc FROM settings WHERE scope = 'user' AND scope_id = ? AND key = ?")
    .bind(userId, key)
    .first<{ value: string; hlc: string }>();
}

describe('racing merges of one key', () => {
  it('answer what the batch wrote: the winner applied, the loser stale with the stored winner, replays identical', async () => {
    const ann = await signUp('Racer');
    const outcomes = { loserStale: 0, loserFirst: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const key = `custom.race${round}`;
      const ms = Date.now();
      const low = { key, value: `low${round}`, hlc: formatHlc({ ms, counter: 0, node: 'aaaaaaaaaaaaaaaa' }) };
      const high = { key, value: `high${round}`, hlc: formatHlc({ ms, counter: 1, node: 'bbbbbbbbbbbbbbbb' }) };
      const { cursor } = (await patch(ann, { entries: [] }, `race-base-${round}`)).body;
      // Both orders: half the rounds send the winner first.
      const sent = round % 2 === 0 ? [high, low] : [low, high];
      const requests = sent.map((entry, i) => ({ body: { entries: [entry], cursor }, idempotencyKey: `race-${round}-${i}` }));
      const answers = await Promise.all(requests.map((r) => patch(ann, r.body, r.idempotencyKey)));
      const [highAnswer, lowAnswer] = (sent[0] === high ? answers : [...answers].reverse()) as [typeof answers[0], typeof answers[0]];

      expect(await stored(ann.id, key)).toEqual({ value: JSON.stringify(high.value), hlc: high.hlc });
      expect(highAnswer.body.results).toEqual([{ key, status: 'applied' }]);
      const [lowResult] = lowAnswer.body.results;
      if (lowResult?.status === 'applied') {
        outcomes.loserFirst++;
        expect(highAnswer.body.changes, 'the loser reported applied, but the winner never saw it stored').toContainEqual(
          expect.objectContaining({ key, value: low.value, hlc: low.hlc }),
        );
      } else {
        outcomes.loserStale++;
        expect(lowResult).toEqual({ key, status: 'stale', current: expect.objectContaining({ key, value: high.value, hlc: high.hlc }) });
      }

      // Replays return the stored answer byte for byte and write nothing.
      for (const [i, r] of requests.entries()) {
        const replay = await patch(ann, r.body, r.idempotencyKey);
        expect(replay.replayed).toBe('true');
        expect(replay.raw).toEqual((answers[i] as { raw: unknown }).raw);
      }
      expect(await stored(ann.id, key)).toEqual({ value: JSON.stringify(high.value), hlc: high.hlc });
    }
    // Both branches are legitimate; the figures show which ones the scheduler produced.
    console.info('racing merges', outcomes);
    expect(outcomes.loserStale + outcomes.loserFirst).toBe(ROUNDS);
  });

  it('plans again when a newer write commits between the read and the batch, and stores the answer it gives', async () => {
    const ann = await signUp('Racer');
    const db = drizzle(env.DB, { schema }) as Db;
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, state, created_at, locked_until, expires_at)
       VALUES (?, 'between', 'f', 'mine', 'in_progress', ?, ?, ?)`,
    )
      .bind(ann.id, now, now + 60_000, now + 86_400_000)
      .run();
    const context = { var: { db, idempotencyClaim: { userId: ann.id, key: 'between', claim: 'mine', stored: false } } } as unknown as Context<AppEnv>;
    const ours = { key: 'custom.between', value: 'ours', hlc: formatHlc({ ms: now, counter: 0, node: 'aaaaaaaaaaaaaaaa' }) };
    const theirs = { key: 'custom.between', value: 'theirs', hlc: formatHlc({ ms: now, counter: 1, node: 'bbbbbbbbbbbbbbbb' }) };
    let plans = 0;
    const { response, plan } = await commitPlanned(context, async () => {
      const planned = await prepareMerge(db, { scope: 'user', scopeId: ann.id }, { entries: [ours] }, now);
      // The first plan saw nothing stored and said `applied`; then another device's newer write commits.
      if (plans++ === 0) {
        expect(planned.results).toEqual([{ key: ours.key, status: 'applied' }]);
        expect((await call('/api/settings', { method: 'PATCH', token: ann.token, body: { entries: [theirs] } })).status).toBe(200);
      }
      return planned;
    });
    expect(plans).toBe(2);
    expect(plan.results).toEqual([{ key: ours.key, status: 'stale', current: expect.objectContaining({ value: 'theirs', hlc: theirs.hlc }) }]);
    const body = await response.text();
    expect(JSON.parse(body).results).toEqual(plan.results);
    expect(await stored(ann.id, ours.key)).toEqual({ value: JSON.stringify('theirs'), hlc: theirs.hlc });
    const record = await env.DB.prepare("SELECT state, body FROM idempotency_keys WHERE user_id = ? AND key = 'between'").bind(ann.id).first();
    expect(record).toEqual({ state: 'done', body });
  });
});
