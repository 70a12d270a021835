import { createHlc, createNodeId } from '../../shared/index.js';
import { api, signUp, type RunningWorker, type TestAccount } from '../../test/client/worker-harness.js';
import { median, type BenchResult } from '../harness.js';
import { devProxy, envNumber, percentile, send } from './server-probe.js';

/**
 * Issue 12 item 9: server capacity on one local D1. CLIENTS concurrent clients (each its own user, all members
 * of one org) alternate a settings merge of ENTRIES user registers and a project write (a create, then renames
 * of it), for BENCH_CAPACITY_S seconds, as the client sends them (bearer token; Idempotency-Key on project
 * writes). Writes/s counts registers applied plus projects written.
 *
 * The floor: the same clients, the same mix and the same rows, sent to the probe entry's /api/__bench/floor,
 * which writes them as bare statements through the same D1 binding in one batch (no auth, idempotency, change
 * sequence, planning read or stored response). Both sides go through HTTP and the same workerd, so the ratio is
 * what the Worker's own work costs. The floor route exists only in the bench entry (server-probe-worker.mts),
 * which nothing deploys.
 */
const CLIENTS = 20;
const ENTRIES = 5;

interface Client {
  account: TestAccount;
  projectId: string | null;
  floorProjectId: string;
  stamp: () => string;
  writes: number;
}

interface Run {
  writes: number;
  seconds: number;
  latencies: number[];
  failures: Map<number, number>;
}

type Side = 'ours' | 'floor';

async function oneRequest(worker: RunningWorker, orgId: string, client: Client, side: Side, turn: number): Promise<{ status: number; written: number }> {
  const { account } = client;
  if (turn % 2 === 0) {
    const entries = Array.from({ length: ENTRIES }, (_, i) => ({ key: `custom.cap.${i}`, value: turn, hlc: client.stamp() }));
    if (side === 'floor') {
      const res = await send(worker.baseUrl, account.token, 'POST', '/api/__bench/floor', { kind: 'settings', scopeId: account.id, entries });
      return { status: res.status, written: (res.body as { written?: number } | null)?.written ?? 0 };
    }
    const res = await send(worker.baseUrl, account.token, 'PATCH', '/api/settings', { entries });
    const results = (res.body as { results?: { status: string }[] } | null)?.results ?? [];
    return { status: res.status, written: results.filter((r) => r.status === 'applied').length };
  }
  const name = `Capacity ${turn}`;
  if (side === 'floor') {
    const res = await send(worker.baseUrl, account.token, 'POST', '/api/__bench/floor', { kind: 'project', id: client.floorProjectId, orgId, name, createdBy: account.id });
    return { status: res.status, written: (res.body as { written?: number } | null)?.written ?? 0 };
  }
  const key = { 'Idempotency-Key': crypto.randomUUID() };
  const res = client.projectId
    ? await send(worker.baseUrl, account.token, 'PATCH', `/api/orgs/${orgId}/projects/${client.projectId}`, { name }, key)
    : await send(worker.baseUrl, account.token, 'POST', `/api/orgs/${orgId}/projects`, { name }, key);
  if (res.status === 201) client.projectId = (res.body as { id: string }).id;
  return { status: res.status, written: res.status < 300 ? 1 : 0 };
}

async function run(worker: RunningWorker, orgId: string, clients: Client[], side: Side, seconds: number): Promise<Run> {
  const out: Run = { writes: 0, seconds: 0, latencies: [], failures: new Map() };
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      for (let turn = 0; performance.now() < deadline; turn++) {
        const sent = performance.now();
        const { status, written } = await oneRequest(worker, orgId, client, side, turn);
        out.latencies.push(performance.now() - sent);
        out.writes += written;
        if (status >= 300) out.failures.set(status, (out.failures.get(status) ?? 0) + 1);
      }
    }),
  );
  out.seconds = (performance.now() - start) / 1000;
  return out;
}

const rate = (r: Run) => r.writes / r.seconds;
const describe = (r: Run) =>
  `${Math.round(rate(r))} writes/s, ${Math.round(r.latencies.length / r.seconds)} requests/s, p50 ${percentile(r.latencies, 50).toFixed(0)} ms, p95 ${percentile(r.latencies, 95).toFixed(0)} ms` +
  (r.failures.size ? `, non-2xx ${[...r.failures].map(([s, n]) => `${s}x${n}`).join(' ')}` : '');

export async function serverCapacityRows(worker: RunningWorker): Promise<BenchResult[]> {
  const seconds = envNumber('BENCH_CAPACITY_S', 20);
  const pairs = envNumber('BENCH_CAPACITY_PAIRS', 2);
  const accounts: TestAccount[] = [];
  for (let i = 0; i < CLIENTS; i++) accounts.push(await signUp(worker.baseUrl, `Capacity${i}`));
  const owner = accounts[0] as TestAccount;
  const orgId = (await api(worker.baseUrl, owner.token, 'POST', '/api/orgs', { name: 'Capacity' })).body.id as string;
  for (const member of accounts.slice(1)) await api(worker.baseUrl, owner.token, 'POST', `/api/orgs/${orgId}/members`, { userId: member.id, role: 'member' });
  const clients: Client[] = accounts.map((account) => {
    const hlc = createHlc({ nodeId: createNodeId() });
    return { account, projectId: null, floorProjectId: crypto.randomUUID(), stamp: () => hlc.next(), writes: 0 };
  });

  await run(worker, orgId, clients, 'ours', 1);
  await run(worker, orgId, clients, 'floor', 1);
  const ours: Run[] = [];
  const floor: Run[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      ours.push(await run(worker, orgId, clients, 'ours', seconds));
      floor.push(await run(worker, orgId, clients, 'floor', seconds));
    } else {
      floor.push(await run(worker, orgId, clients, 'floor', seconds));
      ours.push(await run(worker, orgId, clients, 'ours', seconds));
    }
  }
  const ratios = ours.map((o, i) => rate(o) / rate(floor[i] as Run));
  const ratio = median(ratios);
  const fivexx = ours.reduce((n, r) => n + [...r.failures].filter(([s]) => s >= 500).reduce((m, [, c]) => m + c, 0), 0);
  return [
    {
      name: `server capacity: ${CLIENTS} clients, merges of ${ENTRIES} + project writes, ${seconds} s: ours vs D1 floor`,
      unit: 'writes/s',
      value: median(ours.map(rate)),
      baseline: median(floor.map(rate)),
      ratio,
      goal: 'ratio >= 0.5, no 5xx',
      pass: ratio >= 0.5 && fivexx === 0,
      note: `requests wrangler dev's proxy dropped and were resent (workers-sdk#14641), whole suite: ${devProxy.drops}; ${pairs} pairs, ratio spread ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; ours ${ours.map(describe).join(' | ')}; floor ${floor.map(describe).join(' | ')}`,
    },
  ];
}
