/**
 * The browser bench page: bundled by esbuild (bench/browser/bundle.ts), loaded in Debian's Chromium, driven by
 * bench/browser/browser-bench.ts through `window.bench`. Every workload runs the real client code against the
 * real IndexedDB; each call is one sample of one side and returns its own figures, timed here with
 * performance.now() (no round trip to Node on the clock). Each sample starts on a fresh database and a forced
 * GC (Chromium runs with --js-flags=--expose-gc), and deletes its database afterwards.
 */
import Dexie from 'dexie';
import { createElement, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { createSyncEngine } from '../../client/index.js';
import { projectsCollection } from '../../client/pull/collections.js';
import { pullCollection } from '../../client/pull/pull-collection.js';
import { SyncProvider, useProjects } from '../../client/react/index.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { noLocks } from '../../client/tabs/locks.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import type { BenchApi, HeapFigures } from './bench-api.js';

const ORG = '11111111-1111-4111-8111-111111111111';
const USER = 'bench-user';

const gc = () => (globalThis as { gc?: () => void }).gc?.();
/**
 * The JS heap in use after a full GC, read by Node over CDP (HeapProfiler.collectGarbage, Runtime.getHeapUsage)
 * while this page waits: performance.memory is quantized and lags, this is exact.
 */
const settledHeap = () => (globalThis as unknown as { benchHeap: () => Promise<number> }).benchHeap();

let databases = 0;
const freshName = (kind: string) => `bench-${kind}-${Date.now()}-${databases++}`;

const projectRow = (i: number) => ({
  id: `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`,
  orgId: ORG,
  name: `Project ${i}`,
  description: `Appraisal of study ${i}: a short description as projects have`,
  createdBy: USER,
  createdAt: 1_764_000_000_000 + i,
  updatedAt: 1_764_000_000_000 + i,
  deletedAt: null,
  version: 1,
});

/**
 * Pull apply: the rows as pages of the wire format, serialized and encoded once up front, so a sample's fetch
 * only hands out bytes (the server's work is not ours). Bytes, not strings: their buffers sit outside the JS
 * heap as a network buffer does, and Blink externalizes a string handed to Response (its characters leave the
 * heap), which would read as the heap shrinking by a page per page. Ours parses, validates, applies each page.
 */
let pull: { rows: ReturnType<typeof projectRow>[]; pages: Uint8Array<ArrayBuffer>[]; pageSize: number } | null = null;

function preparePull(rows: number, pageSize: number): { pageBytes: number } {
  const items = Array.from({ length: rows }, (_, i) => projectRow(i));
  const pages: Uint8Array<ArrayBuffer>[] = [];
  const encoder = new TextEncoder();
  for (let from = 0; from < rows; from += pageSize) {
    const page = items.slice(from, from + pageSize);
    const next = from + page.length;
    pages.push(encoder.encode(JSON.stringify({ items: page, nextCursor: String(next), hasMore: next < rows, serverTime: 5 })));
  }
  pull = { rows: items, pages, pageSize };
  return { pageBytes: pages[0]?.length ?? 0 };
}

/** A fetch serving the prepared pages by cursor; `each` runs (and is awaited) before every page is handed out. */
function pageFetch(each?: (page: number) => Promise<void>): typeof fetch {
  return async (input) => {
    if (!pull) throw new Error('preparePull first');
    const url = new URL(input instanceof Request ? input.url : String(input));
    const page = Math.floor(Number(url.searchParams.get('cursor') ?? 0) / pull.pageSize);
    await each?.(page);
    return new Response(pull.pages[page], { headers: { 'content-type': 'application/json' } });
  };
}

async function runPull(fetchFn: typeof fetch): Promise<number> {
  if (!pull) throw new Error('preparePull first');
  const db = new SyncDatabase(freshName('pull'));
  await db.open();
  const http = createHttpClient({ baseUrl: location.origin, getToken: () => 'token', fetch: fetchFn });
  gc();
  const start = performance.now();
  const result = await pullCollection({ db, http, userId: USER, now: Date.now, limit: pull.pageSize }, projectsCollection(ORG));
  const ms = performance.now() - start;
  if (result.state !== 'done' || result.rows !== pull.rows.length) throw new Error(`pull ended ${JSON.stringify(result)}`);
  const stored = await db.projects.count();
  db.close();
  await Dexie.delete(db.name);
  if (stored !== pull.rows.length) throw new Error(`pull stored ${stored} of ${pull.rows.length} rows`);
  return ms;
}

async function pullFloor(): Promise<number> {
  if (!pull) throw new Error('preparePull first');
  const db = new SyncDatabase(freshName('floor'));
  await db.open();
  gc();
  const start = performance.now();
  await db.projects.bulkPut(pull.rows);
  const ms = performance.now() - start;
  db.close();
  await Dexie.delete(db.name);
  return ms;
}

/** Pages parsed, held on the global object while their size is measured (nothing can drop them early). */
const holder = globalThis as { benchHeldPages?: unknown };

/**
 * Heap while pulling: a settled heap (after GC) at every page boundary, against the heap before the pull and
 * against one page held parsed. Untimed (the GCs would dominate the clock).
 */
async function pullHeap(): Promise<HeapFigures> {
  if (!pull) throw new Error('preparePull first');
  // One page: the heap with a few pages held parsed, less the heap once they are let go, per page (a single
  // page's difference drowns in whatever else becomes garbage between two reads).
  const held = Math.min(5, pull.pages.length);
  holder.benchHeldPages = await Promise.all(pull.pages.slice(0, held).map((bytes) => new Response(bytes).json()));
  const holding = await settledHeap();
  delete holder.benchHeldPages;
  const base = await settledHeap();
  const onePage = (holding - base) / held;
  const boundaries: number[] = [];
  await runPull(pageFetch(async () => void boundaries.push((await settledHeap()) - base)));
  const after = (await settledHeap()) - base;
  return { onePage, peakGrowth: Math.max(after, ...boundaries), endGrowth: after, boundaries };
}

/** Enqueue through the public API (row + op in one transaction each), on an engine that is not syncing. */
async function enqueueOurs(writes: number): Promise<number> {
  const engine = createSyncEngine({
    baseUrl: location.origin,
    userId: USER,
    getToken: () => 'token',
    appName: freshName('enqueue'),
    fetch: offline,
    locks: noLocks,
    channel: null,
    events: null,
    WebSocket: null,
  });
  await engine.ready;
  gc();
  const start = performance.now();
  for (let i = 0; i < writes; i++) await engine.projects.create(ORG, { name: `Project ${i}` });
  const ms = performance.now() - start;
  const queued = await engine.db.ops.count();
  await engine.close();
  await Dexie.delete(engine.db.name);
  if (queued !== writes) throw new Error(`enqueued ${queued} of ${writes}`);
  return ms;
}

async function enqueueFloor(writes: number): Promise<number> {
  const db = new SyncDatabase(freshName('puts'));
  await db.open();
  gc();
  const start = performance.now();
  for (let i = 0; i < writes; i++) await db.projects.put({ ...projectRow(i), id: crypto.randomUUID() });
  const ms = performance.now() - start;
  db.close();
  await Dexie.delete(db.name);
  return ms;
}

/**
 * The storage work one create needs, done bare (outbox layout v6): in one transaction over the same three stores
 * (ops, counters, the row's; a create with an id it generated reads no row, so it needs no shadow), the one read
 * (the `enqueued` floor: the number, the previous one + 1, is checked by the unique order index and the floor)
 * goes out together with the two writes (the op and the row): one round trip. Ours against this is the engine's
 * own cost; this against a single put is what IndexedDB charges for keeping an outbox.
 */
async function enqueueStorage(writes: number): Promise<number> {
  const db = new SyncDatabase(freshName('storage'));
  await db.open();
  gc();
  const start = performance.now();
  for (let i = 0; i < writes; i++) {
    const row = { ...projectRow(i), id: crypto.randomUUID() };
    const entity = `projects:${row.id}`;
    await db.transaction('rw', [db.ops, db.counters, db.projects], async () => {
      const floor = db.counters.get('enqueued');
      const op = { id: crypto.randomUUID(), userId: USER, lane: `project:${row.id}`, method: 'POST' as const, path: `/api/orgs/${ORG}/projects`, body: { id: row.id, name: row.name }, status: 'pending' as const, attempts: 0, nextAttemptAt: 0, lastAttempt: null, error: null, createdAt: 0, effect: { kind: 'put' as const, table: 'projects' as const, row }, entity, order: i + 1, summary: `Create project '${row.name}'`, group: ORG, groupMode: 'shared' as const };
      const stored = Promise.all([db.ops.add(op), db.projects.put(row)]);
      if ((await floor) !== undefined) throw new Error(`order ${i + 1} was not due (a floor is stored)`);
      await stored;
    });
  }
  const ms = performance.now() - start;
  db.close();
  await Dexie.delete(db.name);
  return ms;
}

/** The device is offline: the engine's start-up sync fails fast and the cache is all there is. */
const offline: typeof fetch = async () => {
  throw new TypeError('Failed to fetch');
};

/** Cold start: one database seeded as a previous session left it, opened afresh by every sample. */
let cold: { appName: string; projects: number } | null = null;

async function seedColdStart(projects: number, settings: number): Promise<void> {
  const appName = freshName('cold');
  const db = new SyncDatabase(`${appName}-${USER}`);
  await db.projects.bulkPut(Array.from({ length: projects }, (_, i) => projectRow(i)));
  await db.settings.bulkPut(
    Array.from({ length: settings }, (_, i) => ({ scope: 'user' as const, scopeId: USER, key: `custom.k${i}`, value: i, hlc: `2026-11-25T11:33:52.123Z-0000-3f9a1c2b7d4e5f60`, updatedAt: 1, dirty: 0 as const })),
  );
  db.close();
  cold = { appName, projects };
}

/** Engine creation (and start, as the app does) to the first render of useProjects with the cached rows. */
async function coldOurs(): Promise<number> {
  if (!cold) throw new Error('seedColdStart first');
  const { appName, projects } = cold;
  const host = document.createElement('div');
  document.body.append(host);
  gc();
  const start = performance.now();
  const engine = createSyncEngine({ baseUrl: location.origin, userId: USER, getToken: () => 'token', appName, fetch: offline, WebSocket: null });
  void engine.start();
  const root = createRoot(host);
  const shown = new Promise<number>((resolve) => {
    function Probe() {
      const rows = useProjects(ORG);
      useEffect(() => {
        if (rows && rows.length === projects) resolve(performance.now());
      }, [rows]);
      return createElement('p', null, rows ? `${rows.length} projects` : 'loading');
    }
    root.render(createElement(SyncProvider, { engine, children: createElement(Probe) }));
  });
  const ms = (await shown) - start;
  root.unmount();
  host.remove();
  await engine.close();
  return ms;
}

/** The floor: open the same database with the bare IndexedDB API and getAll its projects. */
async function coldFloor(): Promise<number> {
  if (!cold) throw new Error('seedColdStart first');
  const name = `${cold.appName}-${USER}`;
  gc();
  const start = performance.now();
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const rows = await new Promise<unknown[]>((resolve, reject) => {
    const request = db.transaction('projects', 'readonly').objectStore('projects').getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const ms = performance.now() - start;
  db.close();
  if (rows.length !== cold.projects) throw new Error(`getAll read ${rows.length} of ${cold.projects}`);
  return ms;
}

const api: BenchApi = {
  preparePull,
  pullOurs: () => runPull(pageFetch()),
  pullFloor,
  pullHeap,
  enqueueOurs,
  enqueueFloor,
  enqueueStorage,
  seedColdStart,
  coldOurs,
  coldFloor,
  gcExposed: () => typeof (globalThis as { gc?: unknown }).gc === 'function',
};
(globalThis as { bench?: BenchApi }).bench = api;
document.title = 'bench ready';
