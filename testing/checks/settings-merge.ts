import { compareRegisters, formatHlc, parseHlc, settingPageSchema, settingSchema, type Setting } from '../../shared/index.js';
import type { CheckContext, CheckUser, ConformanceCheck } from '../check.js';
import { expectError, expectShape, expectStatus, expectThat, expectValue } from '../expect.js';
import { clientClock, mergeSettings, pullAll } from './fixtures.js';

/*
 * The settings merge (DESIGN sections 3 and 4; server/sync/plan-merge.ts, server/services/settings.ts):
 * `PATCH /settings { entries: [{ key, value, hlc }], cursor? }` judges each entry on its own against the stored
 * register with the shared LWW order (compareRegisters: higher stamp wins, an equal stamp falls to the greater
 * canonical JSON), answers one result per entry in request order (applied | stale with `current` | rejected
 * with a code) and every register changed since the cursor. Keys under `custom.` take any JSON, so the checks
 * use them and hold no opinion on the app's own registry.
 */

async function stored(ctx: CheckContext, user: CheckUser, key: string): Promise<Setting | undefined> {
  const page = await pullAll(ctx, user, '/settings', settingPageSchema);
  const item = page.items.find((s) => s.key === key);
  return item === undefined ? undefined : expectValue(item, settingSchema, `the stored register of ${key}`);
}

const result = (response: { results: readonly { key: string; status: string }[] }, i: number) => response.results[i];

export const settingsMergeChecks: readonly ConformanceCheck[] = [
  {
    id: 'settings.later-stamp-wins',
    title: 'a later stamp wins and is stored',
    rule: 'An entry whose stamp is later than the stored register’s is applied; the register then reads back with that value and stamp.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const clock = clientClock();
      const key = `custom.${ctx.unique('lww')}`;
      const [t1, t2] = [clock.next(), clock.next()];
      const first = await mergeSettings(ctx, ann, '/settings', [{ key, value: 'one', hlc: t1 }]);
      expectThat(result(first, 0)?.status === 'applied', `the first write of ${key} applied`, undefined, JSON.stringify(first.results));
      const second = await mergeSettings(ctx, ann, '/settings', [{ key, value: { n: 2 }, hlc: t2 }]);
      expectThat(result(second, 0)?.status === 'applied', 'an entry with a later stamp applied', undefined, JSON.stringify(second.results));
      const reg = await stored(ctx, ann, key);
      expectThat(reg?.hlc === t2 && JSON.stringify(reg.value) === '{"n":2}', 'GET /settings to show the later write', undefined, JSON.stringify(reg));
    },
  },
  {
    id: 'settings.earlier-stamp-loses',
    title: 'an earlier stamp is stale, carries the winner, and changes nothing',
    rule: 'An entry whose stamp is earlier than the stored register’s is answered stale with `current`, the register that won; the stored register does not change.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const clock = clientClock();
      const key = `custom.${ctx.unique('lww')}`;
      const [early, late] = [clock.next(), clock.next()];
      await mergeSettings(ctx, ann, '/settings', [{ key, value: 'late', hlc: late }]);
      const before = await stored(ctx, ann, key);
      const res = await mergeSettings(ctx, ann, '/settings', [{ key, value: 'early', hlc: early }]);
      const r = res.results[0];
      expectThat(r?.status === 'stale', 'an entry with an earlier stamp answered stale', undefined, JSON.stringify(res.results));
      expectThat(r.current?.hlc === late && r.current.value === 'late', 'the stale result’s current to be the winning register', undefined, JSON.stringify(r));
      const after = await stored(ctx, ann, key);
      expectThat(JSON.stringify(after) === JSON.stringify(before), 'the stored register unchanged by a losing entry', undefined, `before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    },
  },
  {
    id: 'settings.same-stamp-idempotent',
    title: 'the same register twice changes nothing the second time',
    rule: 'Merging is idempotent: re-sending an entry with the stored stamp and value is not applied again (stale, current = itself) and leaves the register as it was, updatedAt included.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const key = `custom.${ctx.unique('again')}`;
      const entry = { key, value: [1, 'two', { three: 3 }], hlc: clientClock().next() };
      const first = await mergeSettings(ctx, ann, '/settings', [entry]);
      expectThat(first.results[0]?.status === 'applied', 'the first delivery applied', undefined, JSON.stringify(first.results));
      const before = await stored(ctx, ann, key);
      const again = await mergeSettings(ctx, ann, '/settings', [entry], first.cursor);
      const r = again.results[0];
      expectThat(r?.status === 'stale' && r.current?.hlc === entry.hlc, 'the second delivery answered stale with the same register as current', undefined, JSON.stringify(again.results));
      const after = await stored(ctx, ann, key);
      expectThat(JSON.stringify(after) === JSON.stringify(before), 'the stored register unchanged', undefined, `before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    },
  },
  {
    id: 'settings.equal-stamp-tie-break',
    title: 'an equal stamp with another value falls to the shared tie-break',
    rule: 'Two registers with one stamp and different values (corruption, a replayed write) resolve as the shared compareRegisters does: the greater canonical JSON wins, whichever arrives first.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      for (const [first, second] of [['a', 'b'], ['b', 'a']] as const) {
        const key = `custom.${ctx.unique('tie')}`;
        const hlc = clientClock().next();
        await mergeSettings(ctx, ann, '/settings', [{ key, value: first, hlc }]);
        const res = await mergeSettings(ctx, ann, '/settings', [{ key, value: second, hlc }]);
        const winner = compareRegisters({ value: second, hlc }, { value: first, hlc }) > 0 ? second : first;
        const expected = winner === second ? 'applied' : 'stale';
        expectThat(res.results[0]?.status === expected, `"${second}" over "${first}" at one stamp to be ${expected}`, undefined, JSON.stringify(res.results));
        const reg = await stored(ctx, ann, key);
        expectThat(reg?.value === winner, `the register to hold "${winner}"`, undefined, JSON.stringify(reg));
      }
    },
  },
  {
    id: 'settings.clock-drift',
    title: 'a stamp far in the future is rejected CLOCK_DRIFT and does not move the server clock',
    rule: 'An entry stamped more than the drift limit (5 min) ahead of server time is rejected with code CLOCK_DRIFT, not stored, and serverHlc stays below it.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const key = `custom.${ctx.unique('drift')}`;
      const ahead = formatHlc({ ms: Date.now() + 60 * 60_000, counter: 0, node: 'd1d1d1d1d1d1d1d1' });
      const ok = `custom.${ctx.unique('fine')}`;
      const res = await mergeSettings(ctx, ann, '/settings', [
        { key, value: 'from the future', hlc: ahead },
        { key: ok, value: 'now', hlc: clientClock().next() },
      ]);
      const [drifted, fine] = res.results;
      expectThat(drifted?.status === 'rejected' && drifted.code === 'CLOCK_DRIFT', 'the drifted entry rejected with code CLOCK_DRIFT', undefined, JSON.stringify(res.results));
      expectThat(fine?.status === 'applied', 'the other entry of the request still applied', undefined, JSON.stringify(res.results));
      expectThat(parseHlc(res.serverHlc).ms < parseHlc(ahead).ms, 'serverHlc not dragged to the drifted stamp', undefined, `serverHlc ${res.serverHlc}, drifted ${ahead}`);
      expectThat((await stored(ctx, ann, key)) === undefined, 'the drifted entry not stored');
    },
  },
  {
    id: 'settings.per-entry-rejection',
    title: 'bad entries are rejected one by one while the rest apply',
    rule: 'Each entry is judged alone, results in request order: a malformed key or stamp is rejected VALIDATION_FAILED, an unknown key SETTING_KEY_UNKNOWN, a too-deep value SETTING_VALUE_INVALID, one over 16 KiB SETTING_VALUE_TOO_LARGE; the valid ones apply. A key named twice refuses the whole request (400).',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const clock = clientClock();
      const good = `custom.${ctx.unique('good')}`;
      const entries = [
        { key: good, value: { nested: [1, 2, 3] }, hlc: clock.next() },
        { key: 'conformance.unknown-key', value: 1, hlc: clock.next() },
        { key: `custom.${ctx.unique('deep')}`, value: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`), hlc: clock.next() },
        { key: `custom.${ctx.unique('big')}`, value: 'x'.repeat(17 * 1024), hlc: clock.next() },
        { key: `custom.${ctx.unique('stamp')}`, value: 1, hlc: 'yesterday' },
        { key: 'bad key!', value: 1, hlc: clock.next() },
      ];
      const res = await mergeSettings(ctx, ann, '/settings', entries);
      const got = res.results.map((r) => [r.key, r.status, r.code ?? null]);
      const want = [
        [good, 'applied', null],
        ['conformance.unknown-key', 'rejected', 'SETTING_KEY_UNKNOWN'],
        [entries[2]?.key, 'rejected', 'SETTING_VALUE_INVALID'],
        [entries[3]?.key, 'rejected', 'SETTING_VALUE_TOO_LARGE'],
        [entries[4]?.key, 'rejected', 'VALIDATION_FAILED'],
        ['bad key!', 'rejected', 'VALIDATION_FAILED'],
      ];
      expectThat(JSON.stringify(got) === JSON.stringify(want), `results in request order: ${JSON.stringify(want)}`, undefined, JSON.stringify(got));
      const page = await pullAll(ctx, ann, '/settings', settingPageSchema);
      const keys = page.items.map((s) => s.key);
      expectThat(keys.includes(good) && keys.length === 1, 'only the valid entry stored', undefined, JSON.stringify(keys));
      const twice = [{ key: good, value: 1, hlc: clock.next() }, { key: good, value: 2, hlc: clock.next() }];
      expectError(await ctx.send(ann, 'PATCH', '/settings', { json: { entries: twice } }), 'VALIDATION_FAILED', 'a merge naming one key twice');
    },
  },
  {
    id: 'settings.changes-since-cursor',
    title: 'a merge returns what other devices changed since its cursor, once',
    rule: 'The merge answers every register changed since the request’s cursor (so a loser learns the winner in the same round trip) and a cursor to continue from; a change is not returned again past that cursor.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const [phone, laptop] = [clientClock(), clientClock()];
      const start = await mergeSettings(ctx, ann, '/settings', []);
      expectThat(start.changes.length === 0, 'a new user’s merge without entries to carry no changes', undefined, JSON.stringify(start.changes));
      const fromPhone = `custom.${ctx.unique('phone')}`;
      await mergeSettings(ctx, ann, '/settings', [{ key: fromPhone, value: 'p', hlc: phone.next() }]);
      const fromLaptop = `custom.${ctx.unique('laptop')}`;
      const seen = await mergeSettings(ctx, ann, '/settings', [{ key: fromLaptop, value: 'l', hlc: laptop.next() }], start.cursor);
      expectThat(seen.changes.some((c) => c.key === fromPhone && c.value === 'p'), 'the laptop’s merge to return the phone’s write since its cursor', undefined, JSON.stringify(seen.changes));
      const next = await mergeSettings(ctx, ann, '/settings', [], seen.cursor);
      expectThat(!next.changes.some((c) => c.key === fromPhone), 'the phone’s write not returned again past the new cursor', undefined, JSON.stringify(next.changes));
      const all = [...seen.changes, ...next.changes];
      expectThat(all.some((c) => c.key === fromLaptop) || (await stored(ctx, ann, fromLaptop))?.value === 'l', 'the laptop’s own write stored', undefined, JSON.stringify(all));
    },
  },
  {
    id: 'settings.put-server-stamped',
    title: 'PUT stores a server-stamped register that beats older stamps',
    rule: 'PUT /settings/:key { value } is for plain clients: the server stamps the register (a valid HLC), answers it, and a merge entry stamped before it is stale.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const key = `custom.${ctx.unique('put')}`;
      const older = clientClock(-10 * 60_000).next();
      const res = await ctx.send(ann, 'PUT', `/settings/${key}`, { json: { value: { plain: true } } });
      expectStatus(res, 200, `PUT /settings/${key}`);
      const reg = expectShape(res, settingSchema, 'PUT to answer the register { key, value, hlc, updatedAt }');
      expectThat(reg.key === key && JSON.stringify(reg.value) === '{"plain":true}', 'the answered register to carry the key and value', res);
      const merge = await mergeSettings(ctx, ann, '/settings', [{ key, value: 'older', hlc: older }]);
      expectThat(merge.results[0]?.status === 'stale' && merge.results[0].current?.hlc === reg.hlc, 'an entry stamped ten minutes before the PUT to be stale against it', undefined, JSON.stringify(merge.results));
    },
  },
];
