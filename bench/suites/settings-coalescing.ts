import { isDeepStrictEqual } from 'node:util';
import { LIMITS } from '../../shared/index.js';
import { createSyncEngine } from '../../client/index.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { api, signUp, startWorker } from '../../test/client/worker-harness.js';
import type { BenchResult } from '../harness.js';
import { nodeEngine } from '../../test/client/node-engine.js';

/**
 * Settings coalescing (issue 12 item 5), in Node (fake-indexeddb) against the real Worker under `wrangler dev`:
 * the engine takes `writes` settings writes over `keys` keys while offline, then comes back online; every
 * request of the reconnect cycle is counted at the fetch, with its bytes. The baseline is the plain way, one
 * request per write (`PUT /api/settings/:key`), sent through the same transport to the same Worker, so both
 * carry the same headers. Bytes are an HTTP/1.1 request's: request line, the headers the client sets, body.
 */
export interface CoalescingSizes {
  readonly writes: number;
  readonly keys: number;
}

interface Tally {
  requests: number;
  bytes: number;
}

async function bytesOf(request: Request): Promise<number> {
  const url = new URL(request.url);
  let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  request.headers.forEach((value, name) => (head += `${name}: ${value}\r\n`));
  const body = request.body ? new Uint8Array(await request.clone().arrayBuffer()).byteLength : 0;
  return Buffer.byteLength(`${head}\r\n`) + body;
}

/**
 * A fetch that counts what it sends (all, and settings writes), throws as an absent network does while
 * `offline`, and past `forwardLimit` requests answers 200 itself instead of sending (the bytes are the same).
 */
function countingFetch(forwardLimit = Infinity) {
  const state = { offline: false, all: { requests: 0, bytes: 0 } as Tally, settings: { requests: 0, bytes: 0 } as Tally };
  const fetchFn: typeof fetch = async (input, init) => {
    if (state.offline) throw new TypeError('fetch failed');
    const request = new Request(input, init);
    const bytes = await bytesOf(request);
    state.all.requests++;
    state.all.bytes += bytes;
    if (request.method !== 'GET' && new URL(request.url).pathname.startsWith('/api/settings')) {
      state.settings.requests++;
      state.settings.bytes += bytes;
    }
    if (state.all.requests > forwardLimit) return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    return fetch(request);
  };
  return { state, fetchFn };
}

/** Baseline requests actually sent to the Worker; the rest are counted only. */
const SENT_BASELINE = 100;

const valueOf = (i: number) => ({ step: i, label: `write ${i}` });

export async function settingsCoalescingRows(sizes: CoalescingSizes = { writes: 10_000, keys: 200 }): Promise<BenchResult[]> {
  const { writes, keys } = sizes;
  const keyOf = (i: number) => `custom.bench.k${i % keys}`;
  const worker = await startWorker();
  try {
    const account = await signUp(worker.baseUrl, 'Coalesce');
    const { state, fetchFn } = countingFetch();
    const engine = createSyncEngine({
      baseUrl: worker.baseUrl,
      userId: account.id,
      getToken: () => account.token,
      fetch: fetchFn,
      ...nodeEngine,
      pullIntervalMs: 3_600_000,
      appName: `bench-coalesce-${Date.now()}`,
    });
    await engine.start();
    await engine.syncNow();

    state.offline = true;
    for (let i = 0; i < writes; i++) await engine.settings.set('user', keyOf(i), valueOf(i));
    const dirty = await engine.db.settings.where('dirty').equals(1).count();
    state.offline = false;
    state.all = { requests: 0, bytes: 0 };
    state.settings = { requests: 0, bytes: 0 };
    await engine.syncNow();
    const ours = { ...state.settings };
    const cycle = { ...state.all };
    const stillDirty = await engine.db.settings.where('dirty').equals(1).count();
    await engine.close();

    // The server holds every key's last write: coalescing lost nothing.
    const held = await api(worker.baseUrl, account.token, 'GET', '/api/settings?limit=1000');
    const server = new Map((held.body.items as { key: string; value: unknown }[]).map((item) => [item.key, item.value]));
    const wrong = Array.from({ length: keys }, (_, k) => writes - keys + k).filter((i) => i >= 0 && !isDeepStrictEqual(server.get(keyOf(i)), valueOf(i)));
    if (stillDirty > 0 || wrong.length > 0) throw new Error(`settings did not settle: ${stillDirty} still dirty, ${wrong.length} keys without their last write`);

    // The baseline: every write as its own request, in order, through the same transport. The first ones go to the
    // Worker (it takes them: the shape is real); the rest are counted and answered here, since the Worker takes a
    // few requests a second on a busy shared machine and 10,000 would take most of an hour.
    const plain = countingFetch(SENT_BASELINE);
    const http = createHttpClient({ baseUrl: worker.baseUrl, getToken: () => account.token, fetch: plain.fetchFn });
    for (let i = 0; i < writes; i++) {
      const outcome = await http.send({ method: 'PUT', path: `/api/settings/${encodeURIComponent(keyOf(i))}`, body: { value: valueOf(i) } });
      if (outcome.kind !== 'response' || outcome.status !== 200) throw new Error(`baseline PUT ${i} failed: ${JSON.stringify(outcome)}`);
    }
    const baseline = plain.state.settings;

    const expected = Math.ceil(dirty / LIMITS.maxMergeEntries);
    const where = `Node, fake-indexeddb, real Worker under wrangler dev; ${writes.toLocaleString('en-US')} writes over ${keys} keys offline, ${dirty} dirty on reconnect`;
    return [
      {
        name: `settings: ${writes.toLocaleString('en-US')} offline writes over ${keys} keys, requests on reconnect vs one per write`,
        unit: 'requests',
        value: ours.requests,
        baseline: baseline.requests,
        ratio: ours.requests / baseline.requests,
        goal: `ours <= ceil(${dirty} dirty / ${LIMITS.maxMergeEntries}) = ${expected}`,
        pass: ours.requests <= expected,
        note: `${where}; the whole reconnect cycle sent ${cycle.requests} requests (pulls included), ${Math.round(cycle.bytes / 1024)} KiB`,
      },
      {
        name: `settings: ${writes.toLocaleString('en-US')} offline writes over ${keys} keys, bytes on reconnect vs one request per write`,
        unit: 'KiB',
        value: ours.bytes / 1024,
        baseline: baseline.bytes / 1024,
        ratio: ours.bytes / baseline.bytes,
        goal: 'ratio <= 0.025 (1/40)',
        pass: ours.bytes / baseline.bytes <= 1 / 40,
        note: `bytes: request line, host and the headers the client sets, body; baseline: every write as PUT /api/settings/:key through the same transport (the first ${SENT_BASELINE} sent to the Worker, the rest counted without sending)`,
      },
    ];
  } finally {
    await worker.stop();
  }
}

export const settingsCoalescingSuite = () => settingsCoalescingRows();
