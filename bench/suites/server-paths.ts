import type { BenchResult } from '../harness.js';
import { serverCapacityRows } from './server-capacity.js';
import { serverMergeRows } from './server-merge.js';
import { startProbeWorker } from './server-probe.js';
import { serverReplayRows } from './server-replay.js';

/**
 * `npm run bench -- server-paths`: the server-side paths of issue 12 (items 4, 6, 7, 9) against one Worker
 * under `wrangler dev` on a free port, through the bench-only probe entry (D1 counted, the D1 floor). Sizes from
 * the environment: BENCH_REPLAY_OPS (2000), BENCH_REPLAY_PAIRS (3), BENCH_MERGE_PAIRS (5),
 * BENCH_DUPLICATE_PAIRS (at least 9, more up to 21 while the median's interval straddles the goal),
 * BENCH_DUPLICATE_BLOCK (5 requests a sample), BENCH_CAPACITY_S (20, as the issue asks), BENCH_CAPACITY_PAIRS (2).
 */
export async function serverPathsSuite(): Promise<BenchResult[]> {
  const worker = await startProbeWorker();
  try {
    return [...(await serverMergeRows(worker)), ...(await serverReplayRows(worker)), ...(await serverCapacityRows(worker))];
  } finally {
    await worker.stop();
  }
}
