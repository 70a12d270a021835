import { createSyncEngine } from '../../client/index.js';
import { FaultyFetch } from '../../test/client/faulty-fetch.js';
import { api, signUp, type RunningWorker, type TestAccount } from '../../test/client/worker-harness.js';
import type { BenchResult } from '../harness.js';
import { DEV_PROXY_DROP } from '../../test/soak/load-scenario.js';
import { devProxy, envNumber, pairedResult, type PairedTimes } from './server-probe.js';
import { nodeEngine } from '../../test/client/node-engine.js';

/**
 * Issue 12 item 4, issue 17 item 2: a queue of project ops (per project: create, rename, rename, delete) made
 * offline, drained by the engine once the network is back, against a plain loop sending the same requests one
 * after another with fetch (bearer token, Idempotency-Key, JSON body, response read), in the order the engine
 * would send them one lane at a time (lane heads first: every create, then every first rename, …). The engine
 * replays independent lanes side by side (replayConcurrency, default 4; every project is its own lane and
 * project ops of one org wait for nothing but earlier org member ops). Goal: the engine at least twice as fast.
 *
 * The engine's time runs from the moment the network comes back (syncNow is called at once) to the last op's
 * `applied` event (its local ack committed); the pull that follows the drain is not counted.
 */
const OPS_PER_PROJECT = 4;
let apps = 0;

async function engineDrain(worker: RunningWorker, account: TestAccount, orgId: string, projects: number): Promise<number> {
  const net = new FaultyFetch();
  let applied = 0;
  let lastApplied = 0;
  const engine = createSyncEngine({
    baseUrl: worker.baseUrl,
    userId: account.id,
    getToken: () => account.token,
    fetch: net.fetch,
    ...nodeEngine,
    pullIntervalMs: 3_600_000,
    appName: `bench-replay-${apps++}`,
    // A 503 from wrangler dev's proxy (workers-sdk#14641) is retried almost at once, as the baseline does.
    backoff: { baseMs: 1, capMs: 5, maxAttempts: 8 },
    logger: (event) => {
      if (event.type === 'retry') devProxy.drops++;
      if (event.type === 'applied') {
        applied++;
        lastApplied = performance.now();
      }
    },
  });
  await engine.start();
  await engine.syncNow();
  net.offline = true;
  for (let p = 0; p < projects; p++) {
    const project = await engine.projects.create(orgId, { name: `Replay ${p}` });
    await engine.projects.update(orgId, project.id, { name: `Replay ${p} a` });
    await engine.projects.update(orgId, project.id, { name: `Replay ${p} b` });
    await engine.projects.remove(orgId, project.id);
  }
  await engine.syncNow(); // settle the cycles the writes triggered (each stops at the first offline send)
  const queued = (await engine.status()).pendingCount;
  if (queued !== projects * OPS_PER_PROJECT) throw new Error(`replay bench: ${queued} ops queued, expected ${projects * OPS_PER_PROJECT}`);
  const start = performance.now();
  net.offline = false;
  await engine.syncNow();
  const status = await engine.status();
  await engine.close();
  if (applied !== queued || status.pendingCount !== 0 || status.failedCount !== 0) {
    throw new Error(`replay bench: ${applied} of ${queued} ops applied, ${status.pendingCount} pending, ${status.failedCount} failed`);
  }
  return lastApplied - start;
}

async function plainLoop(worker: RunningWorker, account: TestAccount, orgId: string, projects: number): Promise<number> {
  const ids = Array.from({ length: projects }, () => crypto.randomUUID());
  const base = `${worker.baseUrl}/api/orgs/${orgId}/projects`;
  const requests: { method: string; url: string; body?: unknown }[] = [
    ...ids.map((id, p) => ({ method: 'POST', url: base, body: { name: `Plain ${p}`, id } })),
    ...ids.map((id, p) => ({ method: 'PATCH', url: `${base}/${id}`, body: { name: `Plain ${p} a` } })),
    ...ids.map((id, p) => ({ method: 'PATCH', url: `${base}/${id}`, body: { name: `Plain ${p} b` } })),
    ...ids.map((id) => ({ method: 'DELETE', url: `${base}/${id}` })),
  ];
  const start = performance.now();
  for (const r of requests) {
    const key = crypto.randomUUID();
    for (;;) {
      const res = await fetch(r.url, {
        method: r.method,
        headers: {
          authorization: `Bearer ${account.token}`,
          'idempotency-key': key,
          ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(r.body !== undefined ? { body: JSON.stringify(r.body) } : {}),
      });
      const text = await res.text();
      // wrangler dev's proxy lost it (workers-sdk#14641): sent again at once, as the engine retries a 503.
      if (res.status === 503 && text.startsWith(DEV_PROXY_DROP)) {
        devProxy.drops++;
        continue;
      }
      if (!res.ok) throw new Error(`replay bench baseline: ${r.method} ${r.url} answered ${res.status} ${text.slice(0, 200)}`);
      JSON.parse(text);
      break;
    }
  }
  return performance.now() - start;
}

export async function serverReplayRows(worker: RunningWorker): Promise<BenchResult[]> {
  const ops = envNumber('BENCH_REPLAY_OPS', 2000);
  const pairs = envNumber('BENCH_REPLAY_PAIRS', 3);
  const projects = Math.max(1, Math.round(ops / OPS_PER_PROJECT));
  const account = await signUp(worker.baseUrl, 'Replay');
  const orgId = (await api(worker.baseUrl, account.token, 'POST', '/api/orgs', { name: 'Replay' })).body.id as string;
  // Warm-up pair at a tenth of the size (JIT, the Worker's first requests), then A B, B A, … at full size.
  const warm = Math.max(1, Math.round(projects / 10));
  await engineDrain(worker, account, orgId, warm);
  await plainLoop(worker, account, orgId, warm);
  const times: PairedTimes = { ours: [], baseline: [] };
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      times.ours.push(await engineDrain(worker, account, orgId, projects));
      times.baseline.push(await plainLoop(worker, account, orgId, projects));
    } else {
      times.baseline.push(await plainLoop(worker, account, orgId, projects));
      times.ours.push(await engineDrain(worker, account, orgId, projects));
    }
  }
  return [
    pairedResult(`replay ${projects * OPS_PER_PROJECT} queued project ops: engine vs a plain fetch loop`, 'ms', times, (ours, baseline) => baseline / ours, {
      text: 'ratio >= 2',
      pass: (r) => r >= 2,
    }, `requests retried after a dev-proxy 503 or other retryable answer, both sides, whole suite so far: ${devProxy.drops}`),
  ];
}
