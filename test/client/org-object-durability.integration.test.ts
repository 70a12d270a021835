import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from './worker-harness.js';

/**
 * Issue 19's spike (notes/issue-19-design.md, section 8 step 1) under `wrangler dev` (4.86, the workerd in
 * node_modules), where the real Worker → Durable Object path runs: HTTP → the test-only Worker
 * test/server/org-object-fixture/worker.ts → RPC → the spike object (SQLite-backed, `new_sqlite_classes`,
 * drizzle durable-sqlite, migrations in the constructor). It pins what the per-org object storage relies on
 * beyond test/server/org-object-storage.test.ts (which runs under vitest-pool-workers):
 * 4. Durability through a kill: every write acknowledged to the client survives a SIGKILL of the whole
 *    wrangler/workerd process group in the middle of a write loop and a restart on the same `--persist-to`, and
 *    no write is half-applied (each inserts two rows and bumps the seq in one transactionSync: both rows and
 *    the bump, or nothing).
 * Also, under wrangler dev: `.sql` files import as text (wrangler's default Text rule) and equal the inlined
 * bundle; a thrown error reaches the Worker with its own properties but as a plain Error; the Worker and the
 * object share module state (one isolate); miniflare writes a `__miniflare_do_name` table into every object
 * addressed by name, so even a never-written object has a storage file and one table (the design's
 * "initialized?" check must look for its own table, not for an empty sqlite_master).
 * 5. Figures, printed and not asserted: RPC round trip Worker → object (p50 of 200, inside the Worker and from
 *    Node against a Worker-only route), and single-row transactionSync inserts/s inside the object.
 */

const CONFIG = 'test/server/org-object-fixture/wrangler.toml';
/** The object class directories wrangler dev's --persist-to holds: `v3/do/<worker name>-<class>/<id>.sqlite`. */
const DO_DIR = (persistDir: string, className: string) => join(persistDir, 'v3', 'do', `offline-sync-engine-org-object-spike-${className}`);
/**
 * Busy work between the two inserts of a durability write: ~14 ms here against ~1-2 ms of RPC and HTTP around
 * it, and 4 loops keep the object queued, so the kill lands inside a transaction most of the time.
 */
const SPIN = 10_000_000;
const LOOPS = 4;

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function p50(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

describe('4. the spike object through a SIGKILL of wrangler dev', () => {
  it('every acknowledged write is present after the restart on the same persist dir, and none is half-applied', { timeout: 240_000 }, async () => {
    const first = await startWorker({ config: CONFIG });
    const persistDir = first.persistDir;
    let second: RunningWorker | undefined;
    try {
      // Warm up: the object is constructed (migrations run) before the loop starts.
      expect(await getJson(`${first.baseUrl}/describe`)).toMatchObject({ migrations: 2, seq: 0 });
      const acked = new Set<string>();
      const notAcked = new Set<string>();
      let killed = false;
      const killAt = 30 + Math.floor(Math.random() * 60);
      const kill = (async () => {
        while (acked.size < killAt) await new Promise((r) => setTimeout(r, 1));
        killed = true;
        await first.kill();
      })();
      const loop = async (loopId: number) => {
        for (let i = 0; !killed; i++) {
          const k = `w${loopId}-${String(i).padStart(4, '0')}`;
          try {
            const res = await fetch(`${first.baseUrl}/write?k=${k}&spin=${SPIN}`, { method: 'POST' });
            const body = (await res.json()) as { ok: boolean };
            (res.ok && body.ok ? acked : notAcked).add(k);
          } catch {
            // No answer (the kill, or a connection wrangler's proxy dropped): not acknowledged.
            notAcked.add(k);
          }
        }
      };
      await Promise.all([...Array.from({ length: LOOPS }, (_, i) => loop(i)), kill]);

      second = await startWorker({ config: CONFIG, persistDir });
      const pairs = await getJson<{ batch: string; rows: number }[]>(`${second.baseUrl}/pairs`);
      const present = new Map(pairs.map((p) => [p.batch, p.rows]));
      const missing = [...acked].filter((k) => present.get(k) !== 2);
      const halfApplied = pairs.filter((p) => p.rows !== 2);
      const committedUnacked = [...notAcked].filter((k) => present.has(k));
      console.log(
        `[org-object-durability] acknowledged ${acked.size}, not acknowledged ${notAcked.size} (${committedUnacked.length} of them committed: ` +
          `the answer was lost in the kill), present after restart ${present.size}, missing ${missing.length}, half-applied ${halfApplied.length}`,
      );
      expect(missing).toEqual([]);
      expect(halfApplied).toEqual([]);
      expect([...present.keys()].every((k) => acked.has(k) || notAcked.has(k))).toBe(true);
      // The seq bump was in the same transaction as the rows: one per write present, none per write lost.
      const after = await getJson<{ migrations: number; seq: number; migrateRuns: number }>(`${second.baseUrl}/describe`);
      expect(after).toMatchObject({ migrations: 2, seq: present.size, migrateRuns: 1 });
      // The restarted object takes writes again.
      expect(await getJson(`${second.baseUrl}/write?k=after-restart&spin=0`, { method: 'POST' })).toEqual({ ok: true, value: { seq: present.size + 1 } });
    } finally {
      await first.kill();
      await second?.stop();
      rmSync(persistDir, { recursive: true, force: true });
    }
  });
});

describe('the spike object under wrangler dev: imports, errors, isolates, never-written objects, figures', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker({ config: CONFIG });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
  });

  it('.sql files import as text and equal migrations.gen.ts; so does drizzle-kit’s migrations.js bundle', async () => {
    expect(await getJson(`${worker.baseUrl}/sql-import`)).toEqual({ sqlMatchesGen: true, kitBundleMatchesGen: true });
  });

  it('a thrown error reaches the Worker as a plain Error carrying its own properties and remote: true', async () => {
    expect(await getJson(`${worker.baseUrl}/throw`)).toEqual({
      isError: true,
      name: 'SpikeError',
      message: 'org moved',
      ownKeys: ['code', 'details', 'message', 'name', 'remote', 'status'],
      code: 'RATE_LIMITED',
      status: 429,
      details: { retryAfter: 1 },
      remote: true,
    });
  });

  it('the Worker and the object share module state (one isolate)', async () => {
    expect(await getJson(`${worker.baseUrl}/marker`)).toEqual({ same: true });
  });

  it('an object addressed by name but never written has a storage file holding only miniflare’s __miniflare_do_name', async () => {
    const pinged = await getJson<{ id: string; value: unknown }>(`${worker.baseUrl}/bare?name=never-written`);
    const read = await getJson<{ id: string; value: unknown }>(`${worker.baseUrl}/bare?name=only-read&read=1`);
    expect(pinged.value).toBe(1);
    expect(read.value).toEqual(['__miniflare_do_name']);
    const files = readdirSync(DO_DIR(worker.persistDir, 'SpikeBareObject'));
    expect(files).toEqual(expect.arrayContaining([`${pinged.id}.sqlite`, `${read.id}.sqlite`]));
    // The migrated object's schema has it too, beside its own tables.
    expect(await getJson(`${worker.baseUrl}/describe?object=named`)).toMatchObject({
      tables: ['__drizzle_migrations', '__miniflare_do_name', 'item_notes', 'items', 'meta'],
    });
    expect(existsSync(DO_DIR(worker.persistDir, 'SpikeObject'))).toBe(true);
  });

  it('figures: RPC round trip Worker → object, transactionSync inserts/s (printed)', async () => {
    const base = worker.baseUrl;
    const inWorker = await getJson<{ p50: number; max: number }>(`${base}/rpc-latency?n=200`);
    const timed = async (path: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 200; i++) {
        const start = performance.now();
        await getJson(`${base}${path}`);
        samples.push(performance.now() - start);
      }
      return p50(samples);
    };
    await timed('/ping-object');
    const workerOnly = await timed('/ping');
    const withRpc = await timed('/ping-object');
    const bench = await getJson<{ rows: number; bareMs: number; dialectMs: number; drizzleMs: number }>(`${base}/bench?n=2000&object=bench`, { method: 'POST' });
    expect(bench.rows).toBe(2000);
    console.log(
      `[org-object-durability] wrangler dev: RPC ping p50 inside the Worker ${inWorker.p50} ms (max ${inWorker.max}, 1 ms clock steps); ` +
        `from Node p50 /ping (Worker only) ${workerOnly.toFixed(2)} ms vs /ping-object (+ RPC) ${withRpc.toFixed(2)} ms ` +
        `→ RPC ≈ ${(withRpc - workerOnly).toFixed(2)} ms; 2000 single-row transactionSync inserts: bare ${bench.bareMs.toFixed(0)} ms ` +
        `(${Math.round(2000 / (bench.bareMs / 1000))}/s), sqlToQuery + exec ${bench.dialectMs.toFixed(0)} ms (${Math.round(2000 / (bench.dialectMs / 1000))}/s), ` +
        `drizzle query builder ${bench.drizzleMs.toFixed(0)} ms (${Math.round(2000 / (bench.drizzleMs / 1000))}/s)`,
    );
  });
});
