import { openBenchBrowser, type BenchBrowser } from '../browser/browser-bench.js';
import { atMost, atMostGoal, measurePairs, pairedBench, pairedRow, type BenchResult, type PairOptions } from '../harness.js';

/**
 * The client paths a user feels, in Debian's Chromium on its real IndexedDB (issue 12 items 1-3), each against
 * the floor of the same storage work done bare, sample by sample in the same page:
 * - pull apply: pages of projects through pullCollection (the engine's pull path for a collection: ky over an
 *   injected fetch serving the pages from memory, page schema, one transaction per page with its cursor) vs
 *   one Dexie bulkPut of the same rows; and the heap at every page boundary, settled by a GC, vs one page;
 * - enqueue: engine.projects.create (row + op in one transaction each) vs single-row Dexie puts, goal 2.5x (the
 *   outbox keeps an op beside the row: two records, their indexes and the read that checks the op's number);
 * - cold start: createSyncEngine + start + a React root with useProjects, to the render with every cached
 *   project, vs opening the same database with bare IndexedDB and getAll of its projects.
 */
export interface BrowserSizes {
  readonly pullRows: number;
  readonly pageSize: number;
  readonly enqueueWrites: number;
  readonly coldProjects: number;
  readonly coldSettings: number;
}

export const FULL_SIZES: BrowserSizes = { pullRows: 100_000, pageSize: 1000, enqueueWrites: 1000, coldProjects: 5000, coldSettings: 500 };

/** Sampling per workload: the pull is seconds a sample, the others a fraction of one. */
export interface BrowserSampling {
  readonly pull: PairOptions;
  readonly enqueue: PairOptions;
  readonly cold: PairOptions;
}

// A 100k-row pull is most of a minute a side on a busy shared machine: fewer pairs, no warm-up pair (a hundred
// pages warm the JIT within the sample).
const FULL_SAMPLING: BrowserSampling = {
  pull: { warmup: 0, minSamples: 3, maxSamples: 9, budgetMs: 240_000 },
  enqueue: { warmup: 1, minSamples: 7, maxSamples: 21, budgetMs: 120_000 },
  cold: { warmup: 2, minSamples: 15, maxSamples: 61, budgetMs: 90_000 },
};

const KiB = 1024;
const count = (n: number) => n.toLocaleString('en-US');

/** With BENCH_PROFILE=1 each workload's side is profiled once more after sampling (files in test-results/bench). */
async function profileOnce(browser: BenchBrowser, label: string, run: (b: BenchBrowser) => Promise<{ top: string[] }>): Promise<void> {
  if (process.env.BENCH_PROFILE !== '1') return;
  const { top } = await run(browser);
  console.log(`\ncpu profile ${label} (self time):\n${top.join('\n')}`);
}

export async function browserClientRows(sizes: BrowserSizes, sampling: BrowserSampling = FULL_SAMPLING): Promise<BenchResult[]> {
  const browser = await openBenchBrowser();
  try {
    const { pullRows, pageSize, enqueueWrites, coldProjects, coldSettings } = sizes;
    const pages = Math.ceil(pullRows / pageSize);
    const { pageBytes } = await browser.call('preparePull', pullRows, pageSize);
    const pull = await pairedBench(
      `pull ${count(pullRows)} projects (${pages} pages of ${count(pageSize)}) into IndexedDB: ours vs one bulkPut`,
      'ms',
      atMostGoal(1.5),
      () => browser.call('pullOurs'),
      () => browser.call('pullFloor'),
      { ...sampling.pull, note: `one page is ${Math.round(pageBytes / KiB)} KiB of JSON` },
    );
    await profileOnce(browser, 'pull-ours', (b) => b.profile('pull-ours', 'pullOurs'));
    const heap = await browser.call('pullHeap');
    const heapRow = atMost(
      `pull ${count(pullRows)} projects: heap growth at page boundaries vs one page held`,
      'KiB',
      heap.peakGrowth / KiB,
      heap.onePage / KiB,
      3,
      `JS heap (CDP, after a full GC) at each of ${heap.boundaries.length} page fetches and at the end, over the heap before the pull; ` +
        `growth at the first, middle and last page: ${[0, heap.boundaries.length >> 1, heap.boundaries.length - 1].map((i) => Math.round((heap.boundaries[i] ?? 0) / KiB)).join(', ')} KiB, at the end ${Math.round(heap.endGrowth / KiB)} KiB`,
    );

    // What bounds it: the same reads and writes done bare (no engine), paired with ours and with the puts.
    const bare = () => browser.call('enqueueStorage', enqueueWrites);
    const few = Math.min(3, sampling.enqueue.minSamples ?? 3);
    const explain = { ...sampling.enqueue, minSamples: few, maxSamples: few };
    const engineCost = pairedRow('', 'ms', atMostGoal(2.5), await measurePairs(atMostGoal(2.5), () => browser.call('enqueueOurs', enqueueWrites), bare, explain));
    const storageCost = pairedRow('', 'ms', atMostGoal(2.5), await measurePairs(atMostGoal(2.5), bare, () => browser.call('enqueueFloor', enqueueWrites), explain));
    const enqueue = await pairedBench(
      `enqueue ${count(enqueueWrites)} optimistic creates: ours vs single-row puts`,
      'ms',
      atMostGoal(2.5),
      () => browser.call('enqueueOurs', enqueueWrites),
      () => browser.call('enqueueFloor', enqueueWrites),
      {
        ...sampling.enqueue,
        note:
          `ours: engine.projects.create = the op (its order is its enqueue number and the enqueued count) + the row in one transaction, sent with its 1 read (the enqueued floor: the unique order index checks the number; a fresh id's row is not read) in one round trip; floor: one Dexie put. ` +
          `The same read and 2 writes done bare cost ${storageCost.ratio.toFixed(2)}x the puts (${storageCost.spread?.map((x) => x.toFixed(2)).join('-')}), ` +
          `and ours ${engineCost.ratio.toFixed(2)}x that bare work (${engineCost.spread?.map((x) => x.toFixed(2)).join('-')}), medians of ${few} pairs`,
      },
    );
    await profileOnce(browser, 'enqueue-ours', (b) => b.profile('enqueue-ours', 'enqueueOurs', enqueueWrites));

    await browser.call('seedColdStart', coldProjects, coldSettings);
    const coldRow = await pairedBench(
      `cold start, ${count(coldProjects)} projects + ${count(coldSettings)} settings: engine to first useProjects data vs raw getAll`,
      'ms',
      atMostGoal(1.5),
      () => browser.call('coldOurs'),
      () => browser.call('coldFloor'),
      { ...sampling.cold, note: 'ours: createSyncEngine + start (offline) + React root until useProjects renders every row; floor: indexedDB.open + getAll' },
    );
    await profileOnce(browser, 'cold-ours', (b) => b.profile('cold-ours', 'coldOurs'));
    return [pull, heapRow, enqueue, coldRow];
  } finally {
    await browser.close();
  }
}

export const browserClientSuite = () => browserClientRows(FULL_SIZES);
