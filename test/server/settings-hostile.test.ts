import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { LIMITS, createHlc, formatHlc, settingPageSchema, settingsMergeResponseSchema } from '../../shared/index.js';
import { call, createOrg, expectError, signUp, type TestUser } from './helpers.js';

/**
 * Hostile input against the settings routes (issue 7): no input answers 5xx, and nothing a request can store
 * (or anything already stored) makes a later read of the scope fail.
 */

const clock = () => createHlc({ nodeId: 'c1c1c1c1c1c1c1c1' });

/** JSON text nested `depth` containers deep, alternating arrays and objects. */
const deepJson = (depth: number) => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"a":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return `${open}1${close}`;
};

/** Scopes as a route prefix: every case runs against the user's settings and an org's. */
async function scopes(): Promise<{ user: TestUser; paths: string[] }> {
  const user = await signUp('Hostile');
  const org = await createOrg(user);
  return { user, paths: ['/api/settings', `/api/orgs/${org.id}/settings`] };
}

const rawMerge = (token: string, path: string, body: string) => call(path, { method: 'PATCH', token, body });

async function expectReadable(token: string, path: string) {
  for (const query of ['', '?limit=1']) {
    const page = await call(`${path}${query}`, { token });
    expect(page.status, JSON.stringify(page.body).slice(0, 300)).toBe(200);
    settingPageSchema.parse(page.body);
  }
  const merged = await call(path, { method: 'PATCH', token, body: { entries: [] } });
  expect(merged.status, JSON.stringify(merged.body).slice(0, 300)).toBe(200);
  return settingsMergeResponseSchema.parse(merged.body);
}

describe('deeply nested values', () => {
  it('accepts a value 64 containers deep and refuses 65, per entry in a merge and as 400 on PUT', async () => {
    const { user, paths } = await scopes();
    const hlc = clock();
    for (const path of paths) {
      const ok = await rawMerge(user.token, path, `{"entries":[{"key":"custom.edge","value":${deepJson(LIMITS.maxJsonDepth)},"hlc":"${hlc.next()}"}]}`);
      expect(ok.status).toBe(200);
      expect(ok.body.results).toEqual([{ key: 'custom.edge', status: 'applied' }]);
      const over = await rawMerge(user.token, path, `{"entries":[{"key":"custom.edge","value":${deepJson(LIMITS.maxJsonDepth + 1)},"hlc":"${hlc.next()}"}]}`);
      expect(over.body.results).toEqual([expect.objectContaining({ key: 'custom.edge', status: 'rejected', code: 'SETTING_VALUE_INVALID' })]);
      expectError(await call(`${path}/custom.edge`, { method: 'PUT', token: user.token, body: `{"value":${deepJson(LIMITS.maxJsonDepth + 1)}}` }), 'VALIDATION_FAILED', 400);
      const page = await expectReadable(user.token, path);
      expect(JSON.stringify(page.changes.find((c) => c.key === 'custom.edge')?.value)).toBe(deepJson(LIMITS.maxJsonDepth));
    }
  });

  it.each([1_500, 10_000, 100_000])('refuses a value %i deep without a 5xx, in either scope, and the scope stays readable', async (depth) => {
    const { user, paths } = await scopes();
    const hlc = clock();
    const value = deepJson(depth);
    for (const path of paths) {
      const merged = await rawMerge(
        user.token,
        path,
        `{"entries":[{"key":"custom.x","value":${value},"hlc":"${hlc.next()}"},{"key":"custom.y","value":1,"hlc":"${hlc.next()}"}]}`,
      );
      expect(merged.status, JSON.stringify(merged.body).slice(0, 300)).toBe(200);
      expect(merged.body.results).toEqual([
        expect.objectContaining({ key: 'custom.x', status: 'rejected', code: 'SETTING_VALUE_INVALID' }),
        { key: 'custom.y', status: 'applied' },
      ]);
      expectError(await call(`${path}/custom.x`, { method: 'PUT', token: user.token, body: `{"value":${value}}` }), 'VALIDATION_FAILED', 400);
      const page = await expectReadable(user.token, path);
      expect(page.changes.map((c) => c.key)).toEqual(['custom.y']);
    }
  });

  it('reads a stored value SQLite cannot parse (a legacy row) as a delete at its stamp, on every read path', async () => {
    const { user, paths } = await scopes();
    const orgId = paths[1]?.split('/')[3] as string;
    const stamp = formatHlc({ ms: Date.now() - 1000, counter: 0, node: 'dddddddddddddddd' });
    const legacy: [string, string, string][] = [
      ['user', user.id, deepJson(1_500)],
      ['org', orgId, deepJson(1_500)],
      ['user', user.id, 'not json'],
    ];
    for (const [i, [scope, scopeId, text]] of legacy.entries()) {
      await env.DB.prepare(
        `INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq)
         VALUES (?, ?, ?, ?, ?, ?, (SELECT value FROM sync_meta WHERE name = 'seq'))`,
      )
        .bind(scope, scopeId, `custom.legacy${i}`, text, stamp, Date.now())
        .run();
    }
    for (const path of paths) {
      const merged = await expectReadable(user.token, path);
      const legacyChanges = merged.changes.filter((c) => c.key.startsWith('custom.legacy'));
      expect(legacyChanges.length).toBeGreaterThan(0);
      for (const c of legacyChanges) expect(c).toMatchObject({ value: null, hlc: stamp });
      const page = settingPageSchema.parse((await call(path, { token: user.token })).body);
      expect(page.items.map((i) => i.value)).toEqual(legacyChanges.map(() => null));
      // An older write to the key loses to the legacy register and learns it as it reads: a delete at its stamp.
      const key = legacyChanges[0]?.key as string;
      const older = formatHlc({ ms: Date.now() - 5000, counter: 0, node: 'dddddddddddddddd' });
      const stale = await call(path, { method: 'PATCH', token: user.token, body: { entries: [{ key, value: 1, hlc: older }] } });
      expect(stale.body.results).toEqual([{ key, status: 'stale', current: expect.objectContaining({ key, value: null, hlc: stamp }) }]);
      // A newer write replaces it.
      const newer = await call(path, { method: 'PATCH', token: user.token, body: { entries: [{ key, value: 2, hlc: clock().next() }] } });
      expect(newer.body.results).toEqual([{ key, status: 'applied' }]);
    }
  });
  it('reads a stored stamp that is not a stamp as a delete at the bottom of the clock order; the next merge or PUT replaces it', async () => {
    const { user, paths } = await scopes();
    const orgId = paths[1]?.split('/')[3] as string;
    // Above every stamp in string order, below it, an impossible date of the right shape, and a number.
    const unreadable: (string | number)[] = ['zzzz', '', '2026-02-30T00:00:00.000Z-0000-dddddddddddddddd', 99];
    for (const [scope, scopeId] of [['user', user.id], ['org', orgId]] as const) {
      for (const [i, hlc] of unreadable.entries()) {
        await env.DB.prepare(
          `INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq)
           VALUES (?, ?, ?, '"kept"', ?, ?, (SELECT value FROM sync_meta WHERE name = 'seq'))`,
        )
          .bind(scope, scopeId, `custom.badstamp${i}`, hlc, Date.now())
          .run();
      }
    }
    const bottom = '1970-01-01T00:00:00.000Z-0000-0000000000000000';
    const hlc = clock();
    for (const path of paths) {
      const merged = await expectReadable(user.token, path);
      const bad = merged.changes.filter((c) => c.key.startsWith('custom.badstamp'));
      expect(bad.map((c) => c.key).sort()).toEqual(unreadable.map((_, i) => `custom.badstamp${i}`));
      for (const c of bad) expect(c).toMatchObject({ value: null, hlc: bottom });
      // Every write is newer than the bottom: a merge applies over each kind, as its answer says.
      const entries = unreadable.map((_, i) => ({ key: `custom.badstamp${i}`, value: i, hlc: hlc.next() }));
      const applied = await call(path, { method: 'PATCH', token: user.token, body: { entries: entries.slice(0, 3) } });
      expect(applied.body.results).toEqual(entries.slice(0, 3).map((e) => ({ key: e.key, status: 'applied' })));
      // And a PUT, which the server stamps.
      const put = await call(`${path}/custom.badstamp3`, { method: 'PUT', token: user.token, body: { value: 3 } });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      const page = settingPageSchema.parse((await call(`${path}?limit=500`, { token: user.token })).body);
      const now = page.items.filter((item) => item.key.startsWith('custom.badstamp')).sort((a, b) => (a.key < b.key ? -1 : 1));
      expect(now.map((item) => item.value)).toEqual([0, 1, 2, 3]);
      expect(now.slice(0, 3).map((item) => item.hlc)).toEqual(entries.slice(0, 3).map((e) => e.hlc));
    }
  });
});

describe('keys named __proto__', () => {
  // Raw text: a JS object literal cannot even hold an own `__proto__` key, JSON.parse makes one.
  const sent = '{"__proto__":{"x":1},"a":1,"b":[{"__proto__":null}]}';

  it('are stored and read back exactly as sent, by merge and by PUT, in either scope', async () => {
    const { user, paths } = await scopes();
    const hlc = clock();
    for (const path of paths) {
      const merged = await rawMerge(user.token, path, `{"entries":[{"key":"custom.merged","value":${sent},"hlc":"${hlc.next()}"}]}`);
      expect(merged.body.results).toEqual([{ key: 'custom.merged', status: 'applied' }]);
      const put = await call(`${path}/custom.put`, { method: 'PUT', token: user.token, body: `{"value":${sent}}` });
      expect(put.status).toBe(200);
      expect(JSON.stringify(put.body.value)).toBe(sent);
      const page = settingPageSchema.parse((await call(path, { token: user.token })).body);
      const byKey = new Map(page.items.map((i) => [i.key, JSON.stringify(i.value)]));
      expect(byKey.get('custom.merged')).toBe(sent);
      expect(byKey.get('custom.put')).toBe(sent);
    }
  });
});

describe('stale results', () => {
  /** A string register of (almost) 16 KiB of UTF-8, three bytes a character: the most bytes per register. */
  const big = (tag: string) => `${tag}:${'€'.repeat(Math.floor((LIMITS.maxSettingValueBytes - 40) / 3))}`;
  const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

  it('refuse a merge naming a key twice, whatever the count (a 16 KiB winner and 500 older entries for it)', async () => {
    const { user, paths } = await scopes();
    for (const path of paths) {
      const put = await call(`${path}/custom.big`, { method: 'PUT', token: user.token, body: { value: big('winner') } });
      expect(put.status).toBe(200);
      const older = formatHlc({ ms: Date.now() - 60_000, counter: 0, node: 'dddddddddddddddd' });
      for (const n of [2, 130, 500]) {
        const entries = Array.from({ length: n }, (_, i) => ({ key: 'custom.big', value: i, hlc: older }));
        const res = await call(path, { method: 'PATCH', token: user.token, body: { entries } });
        const body = expectError(res, 'VALIDATION_FAILED', 400);
        expect(body.details?.issues).toEqual([expect.objectContaining({ path: ['entries', '1', 'key'] })]);
      }
      const page = settingPageSchema.parse((await call(path, { token: user.token })).body);
      expect(page.items.map((i) => [i.key, i.hlc])).toEqual([['custom.big', put.body.hlc]]);
    }
  });

  it('stay bounded when 500 distinct keys each lose to a stored 16 KiB register, and replay the same', async () => {
    const { user, paths } = await scopes();
    const orgId = paths[1]?.split('/')[3] as string;
    const winner = formatHlc({ ms: Date.now(), counter: 0, node: 'eeeeeeeeeeeeeeee' });
    const older = formatHlc({ ms: Date.now() - 60_000, counter: 0, node: 'dddddddddddddddd' });
    const keys = Array.from({ length: LIMITS.maxMergeEntries }, (_, i) => `custom.k${String(i).padStart(3, '0')}`);
    const insert = env.DB.prepare(
      `INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq)
       VALUES (?, ?, ?, ?, ?, 1, (SELECT value FROM sync_meta WHERE name = 'seq'))`,
    );
    for (const [scope, scopeId] of [['user', user.id], ['org', orgId]] as const) {
      await env.DB.batch(keys.map((k) => insert.bind(scope, scopeId, k, JSON.stringify(big(k)), winner)));
    }
    for (const path of paths) {
      const request = { entries: keys.map((key) => ({ key, value: 1, hlc: older })) };
      const headers = { 'Idempotency-Key': `bounded-${path}` };
      const res = await call(path, { method: 'PATCH', token: user.token, body: request, headers });
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      const body = settingsMergeResponseSchema.parse(res.body);
      expect(body.results.map((r) => [r.key, r.status])).toEqual(keys.map((k) => [k, 'stale']));
      const withCurrent = body.results.filter((r) => r.current);
      expect(withCurrent.length).toBeGreaterThan(0);
      expect(withCurrent.length).toBeLessThan(keys.length);
      for (const r of withCurrent) expect(r.current).toMatchObject({ key: r.key, value: big(r.key), hlc: winner });
      expect(utf8(withCurrent.map((r) => r.current))).toBeLessThanOrEqual(LIMITS.maxMergeCurrentBytes + 2 * withCurrent.length);
      expect(utf8(body.changes)).toBeLessThanOrEqual(LIMITS.maxMergeChangesBytes);
      expect(body.hasMore).toBe(true);
      expect(utf8(body)).toBeLessThan(1_600_000);
      const replay = await call(path, { method: 'PATCH', token: user.token, body: request, headers });
      expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
      expect(replay.body).toEqual(res.body);
    }
  });
});
