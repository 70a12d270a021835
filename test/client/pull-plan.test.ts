import { projectWrites } from '../../client/entities/projects.js';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { pullPlan, runPlan, type PullStep } from '../../client/pull/pull-plan.js';
import type { StepResult } from '../../client/pull/step-result.js';
import { ClientClock } from '../../client/settings/client-clock.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';

const ORG = '11111111-1111-4111-8111-111111111111';
const steps = (...results: [string, StepResult][]): PullStep[] => results.map(([name, r]) => ({ name, run: async () => r }));

async function* from(list: PullStep[], ran: string[]) {
  for (const s of list) {
    ran.push(s.name);
    yield s;
  }
}

describe('pull plan', () => {
  it('runs every step, reporting failures and going on; a 401 or an abort stops the pass', async () => {
    const ran: string[] = [];
    const errors: string[] = [];
    const onError = (name: string, r: { code: string }) => errors.push(`${name}:${r.code}`);
    const ok: StepResult = { state: 'done' };
    expect(await runPlan(from(steps(['a', ok], ['b', { state: 'error', code: 'UNAVAILABLE', message: 'x' }], ['c', { state: 'lost-access' }], ['d', ok]), ran), onError)).toEqual({ state: 'done' });
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect(errors).toEqual(['b:UNAVAILABLE']);
    ran.length = 0;
    expect(await runPlan(from(steps(['a', ok], ['b', { state: 'auth' }], ['c', ok]), ran), onError)).toEqual({ state: 'auth' });
    expect(ran).toEqual(['a', 'b']);
    ran.length = 0;
    expect(await runPlan(from(steps(['a', { state: 'aborted' }], ['b', ok]), ran), onError)).toEqual({ state: 'aborted' });
    expect(ran).toEqual(['a']);
  });

  it('visits the orgs the first step stored, in dependency order, and skips members of offline-created projects', async () => {
    const db = new SyncDatabase(`pull-plan-${Math.random()}`, { indexedDB, IDBKeyRange });
    const org = { id: ORG, name: 'Lab', role: 'member', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 };
    const project = (id: string) => ({ id, orgId: ORG, name: id, description: '', createdBy: 'u', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 });
    const synced = '22222222-2222-4222-8222-222222222222';
    const offline = '33333333-3333-4333-8333-333333333333';
    const edited = '44444444-4444-4444-8444-444444444444';
    await db.projects.bulkPut([project(synced), project(edited)]);
    // Created offline (queued, the server has no row yet), and a rename queued on a row the server has.
    const writes = projectWrites({ db, userId: 'u', now: () => 1, newId: () => crypto.randomUUID(), kick: () => {} });
    await writes.create(ORG, { id: offline, name: offline });
    await writes.update(ORG, edited, { name: 'Renamed' });
    // The orgs step's pull stores the org the rest of the plan visits.
    const fetch: typeof globalThis.fetch = async (input) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      const items = path === '/api/orgs' ? [org] : path === `/api/orgs/${ORG}/projects` ? [project(synced), project(edited)] : [];
      return new Response(JSON.stringify({ items, nextCursor: 'c', hasMore: false, serverTime: 1 }), { headers: { 'content-type': 'application/json' } });
    };
    const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch });
    const deps = { db, http, userId: 'u', clock: new ClientClock({ wall: () => 1 }), now: () => 1, signal: new AbortController().signal };
    const names: string[] = [];
    for await (const step of pullPlan(deps)) {
      names.push(step.name);
      await step.run();
    }
    // A plain member pushes no org settings; the offline-created project has no members to pull yet, the renamed
    // one has (a queued edit does not make a project unknown to the server).
    expect(names.slice(0, 6)).toEqual(['orgs', 'settings:user', 'settings:user', `orgMembers:${ORG}`, `projects:${ORG}`, `settings:org:${ORG}`]);
    expect(names.slice(6).sort()).toEqual([`projectMembers:${synced}`, `projectMembers:${edited}`].sort());
    db.close();
  });
});
