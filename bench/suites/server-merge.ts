import { createHlc, createNodeId } from '../../shared/index.js';
import type { RunningWorker, TestAccount } from '../../test/client/worker-harness.js';
import { signUp } from '../../test/client/worker-harness.js';
import { atMostGoal, collectGarbage, measurePairs, median, pairedRow, type BenchResult, type Sample } from '../harness.js';
import { envNumber, interleave, pairedResult, send, takeD1Counts, type D1Counts } from './server-probe.js';

/**
 * Issue 12 items 6 and 7, against the Worker under `wrangler dev` (its D1 binding counted by the probe entry):
 * - server merge: one 500-entry settings PATCH vs the same 500 registers as 500 single-entry PATCHes sent one
 *   after another (each sample stamps every register anew, so every entry applies and is written);
 * - duplicate delivery: the same 500-entry PATCH sent again with its Idempotency-Key vs the first request.
 * Merges are sent as the client's settings push sends them: bearer token, `{ entries, cursor? }`; the client
 * sends no Idempotency-Key on a merge (a register merge is idempotent by itself), the duplicate row does.
 */
const ENTRIES = 500;

function stamper() {
  const hlc = createHlc({ nodeId: createNodeId() });
  return (keys: readonly string[], value: number) => keys.map((key) => ({ key, value, hlc: hlc.next() }));
}

const keys = Array.from({ length: ENTRIES }, (_, i) => `custom.bench.${i}`);

type Entry = { key: string; value: number; hlc: string };

async function patch(worker: RunningWorker, account: TestAccount, entries: Entry[], headers: Record<string, string> = {}) {
  const res = await send(worker.baseUrl, account.token, 'PATCH', '/api/settings', { entries }, headers);
  const results = (res.body as { results?: { status: string; current?: { hlc: string } }[] } | null)?.results ?? [];
  // A bench that measured refusals would measure nothing: every entry must be applied, or be `stale` against
  // its own stamp (a merge resent after wrangler dev's proxy lost it, whose first delivery had committed).
  const accepted = results.filter((r, i) => r.status === 'applied' || (r.status === 'stale' && r.current?.hlc === entries[i]?.hlc));
  if (res.status !== 200 || accepted.length !== entries.length) {
    throw new Error(`merge bench: expected ${entries.length} applied entries, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return res;
}

const perRequest = (c: D1Counts, requests: number) => `${c.statements} statements (${(c.statements / requests).toFixed(1)} a request), ${c.rowsWritten} rows written`;

export async function serverMergeRows(worker: RunningWorker): Promise<BenchResult[]> {
  const pairs = envNumber('BENCH_MERGE_PAIRS', 5);
  const account = await signUp(worker.baseUrl, 'Merge');
  const stamp = stamper();
  let value = 0;
  let batchCounts: D1Counts | undefined;
  let singleCounts: D1Counts | undefined;

  const oneBatch = async () => {
    const entries = stamp(keys, ++value);
    await takeD1Counts(worker.baseUrl);
    const start = performance.now();
    await patch(worker, account, entries);
    const ms = performance.now() - start;
    batchCounts = await takeD1Counts(worker.baseUrl);
    return ms;
  };
  const singles = async () => {
    const entries = stamp(keys, ++value);
    await takeD1Counts(worker.baseUrl);
    const start = performance.now();
    for (const entry of entries) await patch(worker, account, [entry]);
    const ms = performance.now() - start;
    singleCounts = await takeD1Counts(worker.baseUrl);
    return ms;
  };
  const merge = await interleave(pairs, 1, oneBatch, singles);
  const b = batchCounts as D1Counts;
  const s = singleCounts as D1Counts;
  const counted = `D1 per sample (counted at the binding by the probe entry; rows_written is D1's meta, index entries included): 1x${ENTRIES}: ${perRequest(b, 1)}; ${ENTRIES}x1: ${perRequest(s, ENTRIES)}`;

  const duplicate = await duplicateRow(worker, account, () => stamp(keys, ++value));

  return [
    pairedResult(`server merge: one ${ENTRIES}-entry PATCH vs ${ENTRIES} single-entry PATCHes`, 'ms', merge, (ours, baseline) => baseline / ours, {
      text: 'ratio >= 10',
      pass: (r) => r >= 10,
    }, counted),
    {
      name: `server merge: D1 statements, 1x${ENTRIES} vs ${ENTRIES}x1`,
      unit: 'statements',
      value: b.statements,
      baseline: s.statements,
      ratio: s.statements / b.statements,
      goal: 'ratio >= 10',
      pass: s.statements / b.statements >= 10,
      note: 'counted at the D1 binding (probe entry), one sample each',
    },
    {
      name: `server merge: D1 rows written, 1x${ENTRIES} vs ${ENTRIES}x1`,
      unit: 'rows',
      value: b.rowsWritten,
      baseline: s.rowsWritten,
      ratio: s.rowsWritten / b.rowsWritten,
      goal: 'ratio >= 1',
      pass: s.rowsWritten >= b.rowsWritten,
      note: 'D1 meta rows_written (a register is its row plus its index entries); the batch writes each register once and the per-request rows (seq, server clock) once',
    },
    duplicate,
  ];
}

/**
 * Duplicate delivery: the same 500-entry PATCH sent again with its Idempotency-Key vs a first delivery. A replay
 * needs its first to have been answered, so each first leaves its key in a queue the replays take from; the
 * two sides then pair and alternate like any other row (measurePairs: A B, B A, a GC before each request).
 * Each sample is the median of `BENCH_DUPLICATE_BLOCK` requests (5): single requests through wrangler dev on a
 * shared machine carry spikes of several times the median, and a spread made of those says nothing.
 */
async function duplicateRow(worker: RunningWorker, account: TestAccount, entries: () => Entry[]): Promise<BenchResult> {
  const block = envNumber('BENCH_DUPLICATE_BLOCK', 5);
  const goal = atMostGoal(0.3);
  const answered: { entries: Entry[]; headers: Record<string, string>; body: unknown }[] = [];
  let firstCounts: D1Counts | undefined;
  let replayCounts: D1Counts | undefined;
  let replayRowsWritten = 0;
  let replayedAll = true;

  const sendFirst = async () => {
    const sent = { entries: entries(), headers: { 'Idempotency-Key': crypto.randomUUID() } };
    collectGarbage();
    const start = performance.now();
    const first = await patch(worker, account, sent.entries, sent.headers);
    const ms = performance.now() - start;
    replayedAll &&= !first.replayed;
    answered.push({ ...sent, body: first.body });
    return ms;
  };
  const firsts: Sample = async () => {
    await takeD1Counts(worker.baseUrl);
    const times: number[] = [];
    for (let i = 0; i < block; i++) times.push(await sendFirst());
    firstCounts = await takeD1Counts(worker.baseUrl);
    return median(times);
  };
  const replays: Sample = async () => {
    while (answered.length < block) await sendFirst(); // untimed: only the first pair, when replays go first
    const due = answered.splice(0, block);
    await takeD1Counts(worker.baseUrl);
    const times: number[] = [];
    for (const first of due) {
      collectGarbage();
      const start = performance.now();
      const again = await patch(worker, account, first.entries, first.headers);
      times.push(performance.now() - start);
      replayedAll &&= again.replayed && JSON.stringify(again.body) === JSON.stringify(first.body);
    }
    replayCounts = await takeD1Counts(worker.baseUrl);
    replayRowsWritten += replayCounts.rowsWritten;
    return median(times);
  };
  const pairs = await measurePairs(goal, replays, firsts, {
    warmup: 1,
    minSamples: envNumber('BENCH_DUPLICATE_PAIRS', 9),
    maxSamples: Math.max(envNumber('BENCH_DUPLICATE_PAIRS', 9), 21),
    budgetMs: 90_000,
  });
  const r = replayCounts as D1Counts;
  const f = firstCounts as D1Counts;
  const row = pairedRow(
    `duplicate ${ENTRIES}-entry PATCH (same Idempotency-Key) vs the first`,
    'ms',
    goal,
    pairs,
    `each sample the median of ${block} requests; a replay ran ${r.statements / block} statements in ${r.batches / block} D1 round trip(s) and wrote ${replayRowsWritten} rows in all (a first: ${f.statements / block} statements in ${f.batches / block} batches); ${replayedAll ? 'every replay answered the stored body with Idempotent-Replayed' : 'NOT every replay was answered from the stored body'}`,
  );
  return { ...row, goal: `${row.goal}, 0 rows written`, pass: row.pass && replayRowsWritten === 0 && replayedAll };
}
