import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { createSyncEngine, type SyncEngine } from '../../client/index.js';
import { openClientClock } from '../../client/settings/persisted-clock.js';
import { pullSettings, pushSettings, type SettingsDeps } from '../../client/settings/settings-sync.js';
import { writeSetting } from '../../client/settings/write-setting.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { canonicalJson, compareRegisters, type SettingScope } from '../../shared/index.js';
import { api, signUp, type TestAccount } from '../client/worker-harness.js';
import { nodeEngine } from '../client/node-engine.js';

/**
 * Load (issue 11 item 6): CLIENTS concurrent clients against one Worker, each sending MERGES settings merges and
 * OPS project ops, all through the real client code:
 * - merges: the client's settings sync (writeSetting stamps with the client clock and stores dirty; pushSettings
 *   sends one PATCH merge and applies the answer) on the client's own IndexedDB; half go to the user's own
 *   registers, half to a small pool of org registers every client writes (all clients are admins of one org),
 *   so stamps race for the same keys;
 * - project ops: a sync engine (outbox, Idempotency-Key = op id, replay) creating, renaming and deleting the
 *   client's projects, synced by the cycles its writes trigger.
 * Then everyone settles, and the server is checked:
 * - no response was a 5xx;
 * - every register equals the highest stamp any client wrote for it (value included), and every client's
 *   cached org registers equal the server's;
 * - every project op's effect is there exactly once: each created project once, with the last name given,
 *   version = 1 + renames (+ 1 for a delete), deleted exactly when deleted; nothing else in the org;
 *   every engine's counters add up (enqueued = applied, nothing failed, discarded or pending).
 * Throughput and p50/p95 latency per kind of request are reported, never asserted.
 */
export interface LoadOptions {
  readonly baseUrl: string;
  readonly clients: number;
  readonly mergesPerClient: number;
  readonly opsPerClient: number;
  readonly seed: number;
  /** Org registers every client writes (the contended ones). */
  readonly sharedKeys?: number;
  readonly log?: (line: string) => void;
}

export type RequestKind = 'merge' | 'project-op' | 'pull' | 'other';

export interface LoadReport {
  readonly seed: number;
  readonly clients: number;
  readonly durationMs: number;
  readonly requests: number;
  readonly byKind: Record<RequestKind, { count: number; p50: number; p95: number }>;
  readonly statuses: Record<string, number>;
  /**
   * Non-GET requests that wrangler dev's ProxyWorker lost on the way to the Worker and answered 503 itself
   * ("Your worker restarted mid-request", though nothing restarted: cloudflare/workers-sdk#14641). Not the
   * Worker's answer, so not counted as a 5xx of ours; the clients retry them as any 503 (same Idempotency-Key),
   * and the exactly-once checks cover those retries.
   */
  readonly devProxyDrops: number;
  readonly merges: number;
  readonly projectOps: number;
  readonly violations: string[];
}

/** mulberry32: a seeded stream per client, so a seed replays the same choices (timing still varies). */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The text wrangler dev's ProxyWorker answers when its connection to the Worker drops mid-request. */
export const DEV_PROXY_DROP = 'Your worker restarted mid-request';

interface Sample {
  kind: RequestKind;
  ms: number;
  status: number | 'network';
  /** For a 5xx: the method, path and the start of the body, for the report. */
  detail?: string;
  devProxyDrop?: boolean;
}

/** A fetch that records each request's kind, latency and status (the engines' and the settings sync's). */
function recordingFetch(samples: Sample[]): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    const kind: RequestKind =
      request.method === 'PATCH' && path.endsWith('/settings') ? 'merge' : path.includes('/projects') && request.method !== 'GET' ? 'project-op' : request.method === 'GET' && path !== '/api/me' ? 'pull' : 'other';
    const start = performance.now();
    try {
      const response = await fetch(request);
      // The body is read by the caller; the time to headers is the server's answer time.
      const sample: Sample = { kind, ms: performance.now() - start, status: response.status };
      samples.push(sample);
      if (response.status >= 500) {
        const text = await response.clone().text();
        sample.detail = `${request.method} ${path}: ${text.slice(0, 160)}`;
        sample.devProxyDrop = response.status === 503 && text.startsWith(DEV_PROXY_DROP);
      }
      return response;
    } catch (error) {
      samples.push({ kind, ms: performance.now() - start, status: 'network' });
      throw error;
    }
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

interface Written {
  scope: SettingScope;
  scopeId: string;
  key: string;
  value: unknown;
  hlc: string;
}

interface ProjectPlan {
  id: string;
  name: string;
  renames: number;
  deleted: boolean;
}

interface Client {
  index: number;
  account: TestAccount;
  engine: SyncEngine;
  settings: SettingsDeps;
  settingsDb: SyncDatabase;
  projects: ProjectPlan[];
}

let runs = 0;

const sharedKey = (i: number) => `custom.load.shared.${i}`;
const ownKey = (i: number) => `custom.load.own.${i}`;

/** Pushes a scope's dirty registers until none is left (a 429 from a contended merge is retried after a pause). */
async function settleSettings(client: Client, scope: SettingScope, scopeId: string, violations: string[]): Promise<void> {
  for (let round = 0; round < 40; round++) {
    const result = await pushSettings(client.settings, scope, scopeId);
    const dirty = await client.settingsDb.settings.where('[scope+scopeId]').equals([scope, scopeId]).filter((r) => r.dirty === 1).count();
    if (result.state === 'done' && dirty === 0) return;
    await new Promise((r) => setTimeout(r, 50 + 200 * Math.random()));
  }
  violations.push(`client ${client.index}: ${scope} registers still dirty after 40 pushes`);
}

export async function runLoadScenario(options: LoadOptions): Promise<LoadReport> {
  const { baseUrl, seed } = options;
  const sharedKeys = options.sharedKeys ?? 8;
  const log = options.log ?? (() => {});
  const run = runs++;
  const samples: Sample[] = [];
  const fetchFn = recordingFetch(samples);
  const violations: string[] = [];

  // Setup (not timed): accounts, one org where every client is an admin.
  const accounts: TestAccount[] = [];
  for (let i = 0; i < options.clients; i++) accounts.push(await signUp(baseUrl, `Load${i}`));
  const owner = accounts[0] as TestAccount;
  const orgId = (await api(baseUrl, owner.token, 'POST', '/api/orgs', { name: `Load ${seed}` })).body.id as string;
  for (const a of accounts.slice(1)) await api(baseUrl, owner.token, 'POST', `/api/orgs/${orgId}/members`, { userId: a.id, role: 'admin' });

  const clients: Client[] = [];
  for (const [index, account] of accounts.entries()) {
    const engine = createSyncEngine({
      baseUrl,
      userId: account.id,
      getToken: () => account.token,
      fetch: fetchFn,
      ...nodeEngine,
      pullIntervalMs: 3_600_000,
      appName: `load-${run}-${index}`,
      backoff: { baseMs: 20, capMs: 500, maxAttempts: 30 },
    });
    await engine.start();
    const settingsDb = new SyncDatabase(`load-settings-${run}-${index}`, { indexedDB, IDBKeyRange });
    await settingsDb.open();
    const clock = await openClientClock(settingsDb, Date.now, () => {});
    const http = createHttpClient({ baseUrl, getToken: () => account.token, fetch: fetchFn });
    clients.push({ index, account, engine, settingsDb, settings: { db: settingsDb, http, clock, now: Date.now }, projects: [] });
  }
  await Promise.all(clients.map((c) => c.engine.syncNow()));

  const written: Written[] = [];
  let merges = 0;
  let projectOps = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      const random = rng(seed ^ Math.imul(client.index + 1, 0x9e3779b1));
      const steps = options.mergesPerClient + options.opsPerClient;
      let opsLeft = options.opsPerClient;
      let mergesLeft = options.mergesPerClient;
      for (let step = 0; step < steps; step++) {
        // Ops spread evenly among the merges, in an order the seed decides.
        const doOp = opsLeft > 0 && (mergesLeft === 0 || random() < opsLeft / (opsLeft + mergesLeft));
        if (doOp) {
          opsLeft--;
          projectOps++;
          const live = client.projects.filter((p) => !p.deleted);
          const roll = random();
          if (live.length === 0 || roll < 0.4) {
            const name = `L${client.index}-${client.projects.length}`;
            const row = await client.engine.projects.create(orgId, { name });
            client.projects.push({ id: row.id, name, renames: 0, deleted: false });
          } else if (roll < 0.85) {
            const project = live[Math.floor(random() * live.length)] as ProjectPlan;
            project.renames++;
            project.name = `${project.name.split('~')[0]}~${project.renames}`;
            await client.engine.projects.update(orgId, project.id, { name: project.name });
          } else {
            const project = live[Math.floor(random() * live.length)] as ProjectPlan;
            project.deleted = true;
            await client.engine.projects.remove(orgId, project.id);
          }
          continue;
        }
        mergesLeft--;
        merges++;
        const org = random() < 0.5;
        const scope: SettingScope = org ? 'org' : 'user';
        const scopeId = org ? orgId : client.account.id;
        const count = 1 + Math.floor(random() * 3);
        for (let k = 0; k < count; k++) {
          const key = org ? sharedKey(Math.floor(random() * sharedKeys)) : ownKey(Math.floor(random() * 4));
          const value = { by: client.index, step, k };
          const row = await writeSetting(client.settings, scope, scopeId, key, value);
          written.push({ scope, scopeId, key, value: row.value, hlc: row.hlc });
        }
        // One merge: pushes this scope's dirty registers and applies the answer (a 429 leaves them dirty for later).
        await pushSettings(client.settings, scope, scopeId);
      }
    }),
  );
  const durationMs = performance.now() - started;
  log(`load: ${options.clients} clients done in ${(durationMs / 1000).toFixed(1)} s; settling`);

  // Settle: every register pushed, every op replayed, then everyone pulls.
  await Promise.all(
    clients.map(async (client) => {
      await settleSettings(client, 'user', client.account.id, violations);
      await settleSettings(client, 'org', orgId, violations);
      for (let round = 0; round < 40; round++) {
        await client.engine.syncNow();
        const status = await client.engine.status();
        if (status.pendingCount === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  // The last pull must itself succeed (wrangler dev's proxy answers some requests 503 under this load): retried,
  // and a client that never gets a page is a violation of its own, not a stale register reported later.
  await Promise.all(
    clients.map(async (c, index) => {
      for (let attempt = 0; ; attempt++) {
        const result = await pullSettings(c.settings, 'org', orgId);
        if (result.state === 'done') return;
        if (attempt === 20) return void violations.push(`client ${index}: the final org settings pull kept failing: ${JSON.stringify(result)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );

  await checkRegisters(baseUrl, clients, orgId, written, violations);
  await checkProjects(baseUrl, owner, clients, orgId, violations);

  for (const client of clients) {
    await client.engine.close();
    client.settingsDb.close();
  }

  const byKind = {} as LoadReport['byKind'];
  for (const kind of ['merge', 'project-op', 'pull', 'other'] as const) {
    const ms = samples.filter((s) => s.kind === kind).map((s) => s.ms);
    byKind[kind] = { count: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95) };
  }
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
  const fivexx = samples.filter((s) => typeof s.status === 'number' && s.status >= 500 && !s.devProxyDrop);
  const devProxyDrops = samples.filter((s) => s.devProxyDrop).length;
  if (fivexx.length > 0) violations.push(`${fivexx.length} responses were 5xx, e.g. ${fivexx.slice(0, 3).map((s) => `${s.status} ${s.detail}`).join(' | ')}`);
  return { seed, clients: options.clients, durationMs, requests: samples.length, byKind, statuses, devProxyDrops, merges, projectOps, violations };
}

/** The server's registers of a scope (every page). */
async function serverRegisters(baseUrl: string, token: string, path: string) {
  const out = new Map<string, { value: unknown; hlc: string }>();
  let cursor: string | undefined;
  for (;;) {
    const res = await api(baseUrl, token, 'GET', `${path}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    for (const item of res.body.items as { key: string; value: unknown; hlc: string }[]) out.set(item.key, item);
    if (!res.body.hasMore) return out;
    cursor = res.body.nextCursor;
  }
}

async function checkRegisters(baseUrl: string, clients: Client[], orgId: string, written: Written[], violations: string[]) {
  // The top stamp written for each register: the server must hold exactly that one (no write lost, none invented).
  const top = new Map<string, Written>();
  for (const w of written) {
    const id = `${w.scope}:${w.scopeId}:${w.key}`;
    const best = top.get(id);
    if (!best || compareRegisters(w, best) > 0) top.set(id, w);
  }
  const owner = clients[0] as Client;
  const org = await serverRegisters(baseUrl, owner.account.token, `/api/orgs/${orgId}/settings`);
  const users = new Map<string, Map<string, { value: unknown; hlc: string }>>();
  for (const c of clients) users.set(c.account.id, await serverRegisters(baseUrl, c.account.token, '/api/settings'));
  for (const [id, want] of top) {
    const have = want.scope === 'org' ? org.get(want.key) : users.get(want.scopeId)?.get(want.key);
    if (!have || have.hlc !== want.hlc || canonicalJson(have.value) !== canonicalJson(want.value)) {
      violations.push(`register ${id}: server has ${JSON.stringify(have)}, the top stamp written is ${want.hlc} ${JSON.stringify(want.value)}`);
    }
  }
  for (const key of org.keys()) if (![...top.values()].some((w) => w.scope === 'org' && w.key === key)) violations.push(`org register ${key} on the server was never written`);
  // Every client's cache holds the server's org registers once it has pulled.
  for (const c of clients) {
    for (const [key, have] of org) {
      const local = await c.settingsDb.settings.get(['org', orgId, key]);
      if (!local || local.hlc !== have.hlc) violations.push(`client ${c.index}: cached org register ${key} is ${local?.hlc ?? 'missing'}, the server has ${have.hlc}`);
    }
  }
}

async function checkProjects(baseUrl: string, owner: TestAccount, clients: Client[], orgId: string, violations: string[]) {
  const rows = new Map<string, { id: string; name: string; version: number; deletedAt: number | null }[]>();
  let cursor: string | undefined;
  for (;;) {
    const res = await api(baseUrl, owner.token, 'GET', `/api/orgs/${orgId}/projects?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET projects answered ${res.status}`);
    for (const item of res.body.items) rows.set(item.id, [...(rows.get(item.id) ?? []), item]);
    if (!res.body.hasMore) break;
    cursor = res.body.nextCursor;
  }
  const planned = new Map(clients.flatMap((c) => c.projects.map((p) => [p.id, p] as const)));
  for (const [id, found] of rows) {
    if (!planned.has(id)) violations.push(`project ${id} on the server was never created by a client`);
    if (found.length !== 1) violations.push(`project ${id} is listed ${found.length} times`);
  }
  // Live projects by name (a tombstone carries only its id): a create applied twice under two ids shows here.
  const names = new Map<string, number>();
  for (const [row] of rows.values()) if (row && row.deletedAt === null) names.set(row.name, (names.get(row.name) ?? 0) + 1);
  for (const [name, n] of names) if (n > 1) violations.push(`${n} projects are named ${name}`);
  for (const [id, plan] of planned) {
    const row = rows.get(id)?.[0];
    const version = 1 + plan.renames + (plan.deleted ? 1 : 0);
    if (!row) violations.push(`project ${id} (${plan.name}) is missing on the server`);
    else if (row.version !== version || (row.deletedAt !== null) !== plan.deleted || (!plan.deleted && row.name !== plan.name)) {
      violations.push(`project ${id}: server has version ${row.version}, name ${row.name}, deleted ${row.deletedAt !== null}; expected version ${version}, name ${plan.name}, deleted ${plan.deleted}`);
    }
  }
  for (const c of clients) {
    const counters = await c.engine.counters();
    const status = await c.engine.status();
    if (counters.enqueued !== counters.applied + counters.failed + counters.discarded + status.pendingCount || counters.failed > 0 || status.pendingCount > 0) {
      violations.push(`client ${c.index}: enqueued ${counters.enqueued}, applied ${counters.applied}, failed ${counters.failed}, discarded ${counters.discarded}, pending ${status.pendingCount}`);
    }
  }
}

/** The report as lines: what ran, throughput and latency (never asserted), and how to replay it. */
export function describeLoad(report: LoadReport, replay: string): string {
  const seconds = report.durationMs / 1000;
  const kinds = Object.entries(report.byKind)
    .map(([kind, k]) => `${kind}: ${k.count} (p50 ${k.p50.toFixed(0)} ms, p95 ${k.p95.toFixed(0)} ms)`)
    .join('; ');
  return [
    `load seed ${report.seed}: ${report.clients} clients, ${report.merges} merges and ${report.projectOps} project ops in ${seconds.toFixed(1)} s`,
    `throughput: ${(report.requests / seconds).toFixed(1)} requests/s in all, ${(report.merges / seconds).toFixed(1)} merges/s, ${(report.projectOps / seconds).toFixed(1)} project ops/s`,
    `requests ${report.requests} by kind: ${kinds}`,
    `statuses: ${JSON.stringify(report.statuses)} (of which ${report.devProxyDrops} 503s from wrangler dev's proxy, not the Worker: workers-sdk#14641)`,
    ...(report.violations.length ? [`${report.violations.length} violations, first: ${report.violations.slice(0, 5).join(' | ')}`] : ['no violations']),
    `replay: ${replay}`,
  ].join('\n');
}
