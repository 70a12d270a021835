import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ClientClock } from '../../client/settings/client-clock.js';
import { pullSettings, pushSettings, type SettingsDeps } from '../../client/settings/settings-sync.js';
import { writeSetting } from '../../client/settings/write-setting.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import type { HttpClient, SendRequest } from '../../client/transport/http-client.js';
import { formatHlc, type Setting, type SettingMergeResult } from '../../shared/index.js';

let dbs = 0;
const T = Date.UTC(2026, 10, 25);
/** A register written elsewhere, a minute after anything this device stamps: it wins every comparison. */
const winner: Setting = { key: 'custom.a', value: 'theirs', hlc: formatHlc({ ms: T + 60_000, counter: 0, node: 'eeeeeeeeeeeeeeee' }), updatedAt: T };

/** An HttpClient answering from a script: one function per request, in order; records what was sent. */
function scripted(answers: ((request: SendRequest) => unknown)[]) {
  const sent: SendRequest[] = [];
  const http: HttpClient = {
    refusedToken: () => null,
    async send(request) {
      sent.push(request);
      const answer = answers[Math.min(sent.length, answers.length) - 1] as (r: SendRequest) => unknown;
      return { kind: 'response', status: 200, body: answer(request), headers: new Headers() };
    },
  };
  return { http, sent };
}

const mergeResponse = (results: SettingMergeResult[], changes: Setting[]) => ({
  results,
  changes,
  cursor: 'c1',
  hasMore: false,
  serverHlc: winner.hlc,
  serverTime: T,
});

function depsWith(http: HttpClient): SettingsDeps {
  const db = new SyncDatabase(`settings-stale-${dbs++}`, { indexedDB, IDBKeyRange });
  return { db, http, clock: new ClientClock({ wall: () => T }), now: () => T };
}

describe('pushSettings: a stale result without `current`', () => {
  it('stops pushing the lost register and takes the winner from `changes`', async () => {
    const { http, sent } = scripted([() => mergeResponse([{ key: 'custom.a', status: 'stale' }], [winner])]);
    const deps = depsWith(http);
    await writeSetting(deps, 'user', 'u1', 'custom.a', 'mine');
    expect(await pushSettings(deps, 'user', 'u1')).toEqual({ state: 'done' });
    expect(sent).toHaveLength(1);
    expect(await deps.db.settings.get(['user', 'u1', 'custom.a'])).toMatchObject({ value: 'theirs', hlc: winner.hlc, dirty: 0 });
  });

  it('stops pushing it when the winner is not in `changes` either, and the next pull brings it', async () => {
    const { http, sent } = scripted([
      () => mergeResponse([{ key: 'custom.a', status: 'stale' }], []),
      () => ({ items: [winner], nextCursor: 'c2', hasMore: false, serverTime: T }),
    ]);
    const deps = depsWith(http);
    await writeSetting(deps, 'user', 'u1', 'custom.a', 'mine');
    expect(await pushSettings(deps, 'user', 'u1')).toEqual({ state: 'done' });
    expect(sent).toHaveLength(1);
    expect(await deps.db.settings.get(['user', 'u1', 'custom.a'])).toMatchObject({ value: 'mine', dirty: 0 });
    expect(await pullSettings(deps, 'user', 'u1')).toEqual({ state: 'done' });
    expect(await deps.db.settings.get(['user', 'u1', 'custom.a'])).toMatchObject({ value: 'theirs', hlc: winner.hlc, dirty: 0 });
  });

  it('keeps pushing a register written again while the push was in flight', async () => {
    const { http, sent } = scripted([
      () => mergeResponse([{ key: 'custom.a', status: 'stale' }], []),
      () => mergeResponse([{ key: 'custom.a', status: 'applied' }], []),
    ]);
    const deps = depsWith(http);
    const send = http.send.bind(http);
    http.send = async (request) => {
      if (sent.length === 0) await writeSetting(deps, 'user', 'u1', 'custom.a', 'newer');
      return send(request);
    };
    await writeSetting(deps, 'user', 'u1', 'custom.a', 'mine');
    expect(await pushSettings(deps, 'user', 'u1')).toEqual({ state: 'done' });
    expect(sent.map((r) => (r.body as { entries: { value: unknown }[] }).entries.map((e) => e.value))).toEqual([['mine'], ['newer']]);
    expect(await deps.db.settings.get(['user', 'u1', 'custom.a'])).toMatchObject({ value: 'newer', dirty: 0 });
  });
});

describe('writeSetting', () => {
  it('stores a key named __proto__ exactly as written', async () => {
    const deps = depsWith(scripted([]).http);
    const text = '{"__proto__":{"x":1},"a":1}';
    await writeSetting(deps, 'user', 'u1', 'custom.p', JSON.parse(text));
    expect(JSON.stringify((await deps.db.settings.get(['user', 'u1', 'custom.p']))?.value)).toBe(text);
  });
});
