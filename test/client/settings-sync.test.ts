import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ClientClock } from '../../client/settings/client-clock.js';
import { pullSettings, pushSettings, type SettingsDeps } from '../../client/settings/settings-sync.js';
import { writeSetting } from '../../client/settings/write-setting.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { createHlc } from '../../shared/index.js';
import { FakeSettingsServer } from './fake-settings-server.js';

/** Push and pull of settings registers against an in-memory merge endpoint, request by request. */
let dbs = 0;
const T0 = 1_800_000_000_000;

function client(fetch: typeof globalThis.fetch, wall = () => T0) {
  const db = new SyncDatabase(`settings-sync-${dbs++}`, { indexedDB, IDBKeyRange });
  const clock = new ClientClock({ wall });
  const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch });
  const deps: SettingsDeps = { db, http, clock, now: wall };
  return deps;
}

/** Another device's register, stamped later than anything the client under test issued. */
const newerRegister = (key: string, value: unknown) => ({ key, value, hlc: createHlc({ nodeId: 'beefbeefbeefbeef', now: () => T0 + 60_000 }).next() });

describe('settings push and pull', () => {
  it('a stale answer carrying a newer register: the local register takes it and is clean, after one PATCH', async () => {
    let t = T0;
    const server = new FakeSettingsServer(() => t);
    const deps = client(server.fetch, () => t);
    await writeSetting(deps, 'user', 'u', 'theme', 'light');
    // Another device's newer write reaches the server first.
    t += 1_000;
    await server.fetch('http://server.test/api/settings', { method: 'PATCH', body: JSON.stringify({ entries: [newerRegister('theme', 'dark')] }) });
    const before = server.merges;
    expect(await pushSettings(deps, 'user', 'u')).toEqual({ state: 'done' });
    expect(server.merges - before).toBe(1);
    expect(await deps.db.settings.get(['user', 'u', 'theme'])).toMatchObject({ value: 'dark', dirty: 0 });
  });

  it('a pull carrying a newer register overwrites a dirty older one; an older one leaves it dirty', async () => {
    let t = T0;
    const server = new FakeSettingsServer(() => t);
    const deps = client(server.fetch, () => t);
    await server.fetch('http://server.test/api/settings', {
      method: 'PATCH',
      body: JSON.stringify({ entries: [newerRegister('theme', 'dark'), { key: 'locale', value: 'fr', hlc: createHlc({ nodeId: 'beefbeefbeefbeef', now: () => T0 - 60_000 }).next() }] }),
    });
    await writeSetting(deps, 'user', 'u', 'theme', 'light');
    await writeSetting(deps, 'user', 'u', 'locale', 'de');
    expect(await pullSettings(deps, 'user', 'u')).toEqual({ state: 'done' });
    expect(await deps.db.settings.get(['user', 'u', 'theme'])).toMatchObject({ value: 'dark', dirty: 0 });
    expect(await deps.db.settings.get(['user', 'u', 'locale'])).toMatchObject({ value: 'de', dirty: 1 });
    t += 1;
    expect(await pushSettings(deps, 'user', 'u')).toEqual({ state: 'done' });
    expect(server.registers.get('locale')?.value).toBe('de');
  });

  it('a register that never settles ends the push with an error after the round limit, not done', async () => {
    let patches = 0;
    // A server that refuses every stamp as drifted, whatever the client does.
    const stubborn: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const body = (await request.json()) as { entries: { key: string }[] };
      patches++;
      const response = {
        results: body.entries.map((e) => ({ key: e.key, status: 'rejected', code: 'CLOCK_DRIFT' })),
        changes: [],
        cursor: 'c',
        hasMore: false,
        serverHlc: createHlc({ nodeId: 'feedfeedfeedfeed', now: () => T0 }).next(),
        serverTime: T0,
      };
      return new Response(JSON.stringify(response), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const deps = client(stubborn);
    await writeSetting(deps, 'user', 'u', 'theme', 'dark');
    expect(await pushSettings(deps, 'user', 'u')).toMatchObject({ state: 'error', code: 'SETTINGS_UNSETTLED' });
    expect(patches).toBe(50);
    expect(await deps.db.settings.get(['user', 'u', 'theme'])).toMatchObject({ value: 'dark', dirty: 1 });
  });

  it('a stamp refused as drifted is re-stamped on the measured server time and lands', async () => {
    let t = T0;
    const server = new FakeSettingsServer(() => t);
    const HOUR = 60 * 60_000;
    const deps = client(server.fetch, () => t + HOUR); // an hour ahead: beyond the 5-minute drift limit
    const first = await writeSetting(deps, 'user', 'u', 'theme', 'dark');
    t += 10;
    expect(await pushSettings(deps, 'user', 'u')).toEqual({ state: 'done' });
    const stored = server.registers.get('theme');
    expect(stored?.value).toBe('dark');
    expect(stored!.hlc < first.hlc).toBe(true);
    expect(Math.abs(deps.clock.offsetMs + HOUR)).toBeLessThanOrEqual(10);
  });
});
