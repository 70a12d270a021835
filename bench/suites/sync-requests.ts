import { createSyncEngine } from '../../client/index.js';
import { api, signUp, startWorker, type RunningWorker, type TestAccount } from '../../test/client/worker-harness.js';
import type { BenchResult } from '../harness.js';
import { nodeEngine } from '../../test/client/node-engine.js';

/**
 * Requests a sync cycle sends, counted at the fetch, against the Worker under `wrangler dev` (issue 10):
 * ours (the pull plan follows the orgs' change heads) against the same engine talking to the same server
 * with the heads hidden from it (it then pulls every collection, project members one request per project).
 * Goals are absolute: an idle cycle at most 2 requests, a cycle after one rename at most 4.
 */
let apps = 0;

async function layout(baseUrl: string, account: TestAccount, orgs: number, projectsPerOrg: number) {
  const projects: { orgId: string; projectId: string }[] = [];
  for (let o = 0; o < orgs; o++) {
    const orgId = (await api(baseUrl, account.token, 'POST', '/api/orgs', { name: `Org ${o}` })).body.id as string;
    for (let p = 0; p < projectsPerOrg; p++) {
      projects.push({ orgId, projectId: (await api(baseUrl, account.token, 'POST', `/api/orgs/${orgId}/projects`, { name: `P${p}` })).body.id as string });
    }
  }
  return projects;
}

/** A fetch that counts requests and, for the baseline, removes `heads` from org rows (an engine without them). */
function countingFetch(hideHeads: boolean) {
  const counter = { requests: 0 };
  const fetchFn: typeof fetch = async (input, init) => {
    counter.requests++;
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!hideHeads || url.pathname !== '/api/orgs' || !response.ok) return response;
    const page = (await response.json()) as { items: Record<string, unknown>[] };
    const items = page.items.map(({ heads: _heads, ...row }) => row);
    return new Response(JSON.stringify({ ...page, items }), { status: response.status, headers: response.headers });
  };
  return { counter, fetchFn };
}

async function cycleCounts(worker: RunningWorker, account: TestAccount, target: { orgId: string; projectId: string }, hideHeads: boolean) {
  const { counter, fetchFn } = countingFetch(hideHeads);
  const engine = createSyncEngine({
    baseUrl: worker.baseUrl,
    userId: account.id,
    getToken: () => account.token,
    fetch: fetchFn,
    ...nodeEngine,
    pullIntervalMs: 3_600_000,
    appName: `bench-requests-${apps++}`,
  });
  await engine.start();
  await engine.syncNow();
  let before = counter.requests;
  await engine.syncNow();
  const idle = counter.requests - before;
  await api(worker.baseUrl, account.token, 'PATCH', `/api/orgs/${target.orgId}/projects/${target.projectId}`, { name: `Renamed ${apps}` });
  before = counter.requests;
  await engine.syncNow();
  const afterRename = counter.requests - before;
  await engine.close();
  return { idle, afterRename };
}

const row = (name: string, value: number, baseline: number, limit: number): BenchResult => ({
  name,
  unit: 'requests',
  value,
  baseline,
  ratio: value / baseline,
  goal: `ours <= ${limit}`,
  pass: value <= limit,
  note: 'baseline: the same engine with the org heads hidden (one request per collection and per project)',
});

export async function syncRequestsSuite(): Promise<BenchResult[]> {
  const worker = await startWorker();
  try {
    const results: BenchResult[] = [];
    for (const [orgs, perOrg] of [
      [1, 50],
      [3, 20],
    ] as const) {
      const account = await signUp(worker.baseUrl, 'Bench');
      const projects = await layout(worker.baseUrl, account, orgs, perOrg);
      const target = projects[projects.length - 1]!;
      const ours = await cycleCounts(worker, account, target, false);
      const baseline = await cycleCounts(worker, account, target, true);
      results.push(row(`requests per idle cycle, ${orgs}x${perOrg}`, ours.idle, baseline.idle, 2));
      results.push(row(`requests per cycle after one rename, ${orgs}x${perOrg}`, ours.afterRename, baseline.afterRename, 4));
    }
    return results;
  } finally {
    await worker.stop();
  }
}
