import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createHlc, formatHlc, parseHlc, settingPageSchema, settingsMergeResponseSchema } from '../../shared/index.js';
import { addOrgMember, call, createOrg, expectError, signUp } from './helpers.js';

const client = (nodeId = 'c1c1c1c1c1c1c1c1', offsetMs = 0) => createHlc({ nodeId, now: () => Date.now() + offsetMs });

async function merge(token: string, entries: unknown[], cursor?: string, path = '/api/settings') {
  const res = await call(path, { method: 'PATCH', token, body: { entries, ...(cursor ? { cursor } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return settingsMergeResponseSchema.parse(res.body);
}

async function serverHlc(): Promise<string | null> {
  return (await env.DB.prepare("SELECT text FROM sync_meta WHERE name = 'server_hlc'").first<{ text: string | null }>())?.text ?? null;
}

describe('user settings', () => {
  it('PUT stamps on the server and GET pages the registers', async () => {
    const ann = await signUp('Ann');
    const put = await call('/api/settings/theme', { method: 'PUT', token: ann.token, body: { value: 'dark' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'theme', value: 'dark', hlc: expect.stringMatching(/Z-[0-9a-f]{4}-[0-9a-f]{16}$/) });
    const page = settingPageSchema.parse((await call('/api/settings', { token: ann.token })).body);
    expect(page.items).toEqual([put.body]);
    expectError(await call('/api/settings/theme', { method: 'PUT', token: ann.token, body: { value: 'blue' } }), 'VALIDATION_FAILED', 400);
    expectError(await call('/api/settings/nope', { method: 'PUT', token: ann.token, body: { value: 1 } }), 'VALIDATION_FAILED', 400);
    expectError(await call('/api/settings/appraisal.defaultTool', { method: 'PUT', token: ann.token, body: { value: 'casp' } }), 'VALIDATION_FAILED', 400);
  });

  it('a PUT wins over a register stamped ahead of the server clock', async () => {
    const ann = await signUp('Ann');
    const ahead = client('a1a1a1a1a1a1a1a1', 60_000).next();
    await merge(ann.token, [{ key: 'locale', value: 'fr', hlc: ahead }]);
    const put = await call('/api/settings/locale', { method: 'PUT', token: ann.token, body: { value: 'de' } });
    expect(put.body.value).toBe('de');
    expect(put.body.hlc > ahead).toBe(true);
  });

  it('merges: newer applies, older is stale and carries the winner, each user sees only their own', async () => {
    const [ann, bob] = await Promise.all([signUp('Ann'), signUp('Bob')]);
    const clock = client();
    const older = clock.next();
    const newer = clock.next();
    const first = await merge(ann.token, [{ key: 'theme', value: 'dark', hlc: newer }]);
    expect(first.results).toEqual([{ key: 'theme', status: 'applied' }]);
    const second = await merge(ann.token, [{ key: 'theme', value: 'light', hlc: older }], first.cursor);
    expect(second.results[0]).toMatchObject({ key: 'theme', status: 'stale', current: { key: 'theme', value: 'dark', hlc: newer } });
    expect(second.changes).toEqual([expect.objectContaining({ key: 'theme', value: 'dark', hlc: newer })]);
    const bobView = await merge(bob.token, []);
    expect(bobView.changes).toEqual([]);
    // A delete is a register too: null with a newer stamp wins and is pulled as null.
    const deleted = await merge(ann.token, [{ key: 'theme', value: null, hlc: clock.next() }], second.cursor);
    expect(deleted.results[0]?.status).toBe('applied');
    const page = settingPageSchema.parse((await call('/api/settings', { token: ann.token })).body);
    expect(page.items[0]).toMatchObject({ key: 'theme', value: null });
  });

  it('returns every change since the cursor, including other devices’ writes', async () => {
    const ann = await signUp('Ann');
    const phone = client('0000000000000001');
    const laptop = client('0000000000000002');
    const start = await merge(ann.token, []);
    await merge(ann.token, [
      { key: 'locale', value: 'en', hlc: phone.next() },
      { key: 'custom.layout', value: { columns: 2 }, hlc: phone.next() },
    ]);
    const seen = await merge(ann.token, [{ key: 'theme', value: 'system', hlc: laptop.next() }], start.cursor);
    expect(seen.changes.map((c) => c.key).sort()).toEqual(['custom.layout', 'locale']);
    const next = await merge(ann.token, [], seen.cursor);
    expect(next.changes.map((c) => c.key)).toEqual(['theme']);
    const quiet = await merge(ann.token, [], next.cursor);
    expect(quiet.changes).toEqual([]);
  });

  it('rejects drifted stamps per entry without moving the server clock', async () => {
    const ann = await signUp('Ann');
    await merge(ann.token, [{ key: 'locale', value: 'en', hlc: client().next() }]);
    const before = await serverHlc();
    const drifted = client('dddddddddddddddd', 60 * 60_000).next();
    const res = await merge(ann.token, [{ key: 'theme', value: 'dark', hlc: drifted }]);
    expect(res.results).toEqual([expect.objectContaining({ key: 'theme', status: 'rejected', code: 'CLOCK_DRIFT' })]);
    expect(await serverHlc()).toBe(before);
    expect(parseHlc(res.serverHlc).ms).toBeLessThan(parseHlc(drifted).ms);
    expect(Math.abs(res.serverTime - Date.now())).toBeLessThan(60_000);
  });

  it('rejects unknown keys, bad values and oversized values per entry while the rest apply', async () => {
    const ann = await signUp('Ann');
    const clock = client();
    const res = await merge(ann.token, [
      { key: 'theme', value: 'dark', hlc: clock.next() },
      { key: 'unknown.key', value: 1, hlc: clock.next() },
      { key: 'custom.big', value: 'x'.repeat(17 * 1024), hlc: clock.next() },
      { key: 'notifications.email', value: 'yes', hlc: clock.next() },
      { key: 'locale', value: 'en', hlc: 'yesterday' },
      { key: 'bad key!', value: 1, hlc: clock.next() },
      { key: 'custom.ok', value: { nested: [1, 2, 3] }, hlc: clock.next() },
    ]);
    expect(res.results.map((r) => [r.key, r.status, r.code])).toEqual([
      ['theme', 'applied', undefined],
      ['unknown.key', 'rejected', 'SETTING_KEY_UNKNOWN'],
      ['custom.big', 'rejected', 'SETTING_VALUE_TOO_LARGE'],
      ['notifications.email', 'rejected', 'SETTING_VALUE_INVALID'],
      ['locale', 'rejected', 'VALIDATION_FAILED'],
      ['bad key!', 'rejected', 'VALIDATION_FAILED'],
      ['custom.ok', 'applied', undefined],
    ]);
    const page = settingPageSchema.parse((await call('/api/settings', { token: ann.token })).body);
    expect(page.items.map((i) => i.key).sort()).toEqual(['custom.ok', 'theme']);
  });

  it('merges 500 entries in one request within D1’s bound-parameter limit', async () => {
    const ann = await signUp('Ann');
    const clock = client();
    const entries = Array.from({ length: 500 }, (_, i) => ({ key: `custom.k${i}`, value: { i }, hlc: clock.next() }));
    const res = await merge(ann.token, entries);
    expect(res.results.filter((r) => r.status === 'applied')).toHaveLength(500);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM settings WHERE scope = 'user' AND scope_id = ?").bind(ann.id).first<{ n: number }>();
    expect(rows?.n).toBe(500);
    expectError(
      await call('/api/settings', { method: 'PATCH', token: ann.token, body: { entries: [...entries, entries[0]] } }),
      'VALIDATION_FAILED',
      400,
    );
  });

  it('without a cursor answers every register of the scope, bounded and paged with hasMore', async () => {
    const ann = await signUp('Ann');
    const stamp = client().next();
    // 1,001 stored registers: one more than a merge's changes carry.
    const insert = env.DB.prepare(
      `INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq)
       VALUES ('user', ?, ?, '1', ?, 1, (SELECT value FROM sync_meta WHERE name = 'seq'))`,
    );
    await env.DB.batch(Array.from({ length: 1001 }, (_, i) => insert.bind(ann.id, `custom.k${String(i).padStart(4, '0')}`, stamp)));
    const first = await merge(ann.token, [{ key: 'theme', value: 'dark', hlc: client().next() }]);
    expect(first.results).toEqual([{ key: 'theme', status: 'applied' }]);
    expect(first.changes).toHaveLength(1000);
    expect(first.hasMore).toBe(true);
    const rest = await merge(ann.token, [], first.cursor);
    expect(rest.hasMore).toBe(false);
    // The request's own write was not yet stored when changes were read: it comes after the cursor.
    expect([...first.changes, ...rest.changes].map((c) => c.key).sort()).toEqual([
      ...Array.from({ length: 1001 }, (_, i) => `custom.k${String(i).padStart(4, '0')}`),
      'theme',
    ]);
  });

  it('breaks an equal-stamp tie the same way the shared merge does', async () => {
    const ann = await signUp('Ann');
    const hlc = formatHlc({ ms: Date.now(), counter: 0, node: 'eeeeeeeeeeeeeeee' });
    await merge(ann.token, [{ key: 'custom.tie', value: 'a', hlc }]);
    const res = await merge(ann.token, [{ key: 'custom.tie', value: 'b', hlc }]);
    expect(res.results[0]?.status).toBe('applied');
    const res2 = await merge(ann.token, [{ key: 'custom.tie', value: 'a', hlc }]);
    expect(res2.results[0]).toMatchObject({ status: 'stale', current: { value: 'b' } });
  });

  it('breaks an equal-stamp tie by code point, as the SQL guard does: the answer always matches what is stored', async () => {
    const ann = await signUp('Ann');
    // JS's `<` puts "\uFFFD" above "😀" (UTF-16 units FFFD > D83D); UTF-8 bytes and code points put "😀" above.
    for (const [n, [first, second]] of [['😀', '\uFFFD'], ['\uFFFD', '😀']].entries()) {
      const key = `custom.tie${n}`;
      const hlc = formatHlc({ ms: Date.now(), counter: n, node: 'eeeeeeeeeeeeeeee' });
      await merge(ann.token, [{ key, value: first, hlc }]);
      const res = await merge(ann.token, [{ key, value: second, hlc }]);
      expect(res.results[0]).toMatchObject(second === '😀' ? { status: 'applied' } : { status: 'stale', current: { value: '😀' } });
      const page = settingPageSchema.parse((await call('/api/settings', { token: ann.token })).body);
      expect(page.items.find((i) => i.key === key)?.value).toBe('😀');
    }
  });
});

describe('org settings', () => {
  it('members read, admins write, outsiders see nothing', async () => {
    const [owner, member, outsider] = await Promise.all([signUp('Own'), signUp('Mem'), signUp('Out')]);
    const org = await createOrg(owner);
    await addOrgMember(owner, org.id, member);
    const path = `/api/orgs/${org.id}/settings`;
    const put = await call(`${path}/appraisal.defaultTool`, { method: 'PUT', token: owner.token, body: { value: 'casp' } });
    expect(put.status).toBe(200);
    const merged = await merge(owner.token, [{ key: 'appraisal.blindReview', value: true, hlc: client().next() }], undefined, path);
    expect(merged.results[0]?.status).toBe('applied');
    const read = settingPageSchema.parse((await call(path, { token: member.token })).body);
    expect(read.items.map((i) => i.key).sort()).toEqual(['appraisal.blindReview', 'appraisal.defaultTool']);
    expectError(await call(`${path}/appraisal.defaultTool`, { method: 'PUT', token: member.token, body: { value: 'jbi' } }), 'AUTH_FORBIDDEN', 403);
    expectError(await call(path, { method: 'PATCH', token: member.token, body: { entries: [] } }), 'AUTH_FORBIDDEN', 403);
    expectError(await call(path, { token: outsider.token }), 'ORG_NOT_FOUND', 404);
    // User-scope keys are not org settings.
    expectError(await call(`${path}/theme`, { method: 'PUT', token: owner.token, body: { value: 'dark' } }), 'VALIDATION_FAILED', 400);
  });
});
