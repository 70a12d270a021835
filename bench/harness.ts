import { performance } from 'node:perf_hooks';

/** One row of `npm run bench`: ours against a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  unit: string;
  /** Our figure (for paired rows: the median of our samples). */
  value: number;
  /** The comparison figure, measured in the same process, interleaved with ours. */
  baseline: number;
  /**
   * Expressed so that the goal reads naturally: a slowdown factor for "at most", a speedup for "at least". For
   * paired rows: the median of the per-pair ratios (not the ratio of the medians).
   */
  ratio: number;
  /** E.g. "ratio <= 3" or "ratio >= 4". */
  goal: string;
  pass: boolean;
  /** A figure reported beside the goals, with no goal of its own: never counted as met or missed. */
  informational?: true;
  /** Paired rows: the lowest and highest per-pair ratio. */
  spread?: [number, number];
  /** Paired rows: how many (ours, baseline) pairs were timed after the warm-up. */
  samples?: number;
  note?: string;
}

/**
 * A goal on the ratio. "at most" reads ours / baseline (a slowdown); "at least" reads as a speedup: for
 * figures where lower is better (ms) baseline / ours, where higher is better (ops/s) ours / baseline.
 */
export interface Goal {
  readonly kind: 'at-most' | 'at-least';
  readonly limit: number;
  readonly higherIsBetter?: boolean;
}
export const atMostGoal = (limit: number): Goal => ({ kind: 'at-most', limit });
export const atLeastGoal = (limit: number, higherIsBetter = false): Goal => ({ kind: 'at-least', limit, higherIsBetter });

const ratioOf = (goal: Goal, ours: number, baseline: number) =>
  goal.kind === 'at-least' && !goal.higherIsBetter ? baseline / ours : ours / baseline;
const meets = (goal: Goal, ratio: number) => (goal.kind === 'at-most' ? ratio <= goal.limit : ratio >= goal.limit);
const goalText = (goal: Goal) => `ratio ${goal.kind === 'at-most' ? '<=' : '>='} ${goal.limit}`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * A distribution-free 95% confidence interval of the median from order statistics (binomial, normal
 * approximation): below 9 samples it is the whole min-max range, and it narrows as samples are added, which
 * min-max never does. It decides when a paired row has enough samples.
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = 0.98 * Math.sqrt(n);
  // Ranks (1-based) n/2 - 0.98 sqrt(n) and 1 + n/2 + 0.98 sqrt(n), rounded: for 9 samples the 2nd and 8th.
  const lo = Math.max(0, Math.round(n / 2 - half) - 1);
  const hi = Math.min(n - 1, Math.round(1 + n / 2 + half) - 1);
  return [sorted[lo] as number, sorted[hi] as number];
}

/** Forces a full GC between samples when node runs with --expose-gc (the bench script does), else nothing. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
export const gcExposed = () => typeof (globalThis as { gc?: unknown }).gc === 'function';

/** One sample of one side: builds its input (untimed), then returns its figure (ms, ops/s, …). */
export type Sample = () => number | Promise<number>;

/**
 * A Sample timing `run` in ms: `setup` builds fresh input (untimed; merges mutate their target, so each sample
 * needs its own copy), then a GC, so one sample's garbage is not collected on the next one's clock.
 */
export function timed<T>(setup: () => T | Promise<T>, run: (input: T) => unknown, teardown?: (input: T) => unknown): Sample {
  return async () => {
    const input = await setup();
    collectGarbage();
    const start = performance.now();
    const out = run(input);
    if (out instanceof Promise) await out;
    const elapsed = performance.now() - start;
    if (teardown) await teardown(input);
    return elapsed;
  };
}

export interface PairOptions {
  /** Pairs run and thrown away first (JIT, caches). */
  readonly warmup?: number;
  readonly minSamples?: number;
  /** Sampling stops here even when the row's interval still straddles its goal (the note then says so). */
  readonly maxSamples?: number;
  /** Or once this much wall time has gone into sampling (ms). */
  readonly budgetMs?: number;
}

export interface Pairs {
  readonly ours: number[];
  readonly baseline: number[];
}

/**
 * Ours and the baseline interleaved (A B, B A, A B …: who goes first alternates, so neither always runs on a
 * warmer or more fragmented heap), each sample on fresh input. Runs at least `minSamples` pairs, then more
 * until the median ratio's 95% interval lies on one side of the goal, up to `maxSamples` or `budgetMs`. A shared
 * machine's load shifts both halves of a pair together, so per-pair ratios are steadier than two loops' medians.
 */
export async function measurePairs(goal: Goal, ours: Sample, baseline: Sample, options: PairOptions = {}): Promise<Pairs> {
  const { warmup = 1, minSamples = 7, maxSamples = 31, budgetMs = 120_000 } = options;
  const pairs: Pairs = { ours: [], baseline: [] };
  const started = performance.now();
  for (let i = 0; ; i++) {
    const first = i % 2 === 0;
    const a = first ? await ours() : await baseline();
    const b = first ? await baseline() : await ours();
    if (i < warmup) continue;
    pairs.ours.push(first ? a : b);
    pairs.baseline.push(first ? b : a);
    const n = pairs.ours.length;
    if (n < minSamples) continue;
    if (n >= maxSamples || performance.now() - started > budgetMs) break;
    const [lo, hi] = medianInterval(ratios(goal, pairs));
    if (lo > goal.limit || hi < goal.limit) break;
  }
  return pairs;
}

const ratios = (goal: Goal, pairs: Pairs) => pairs.ours.map((v, i) => ratioOf(goal, v, pairs.baseline[i] as number));

/**
 * A row from interleaved pairs: medians of each side, the median per-pair ratio, its min-max spread, and a note
 * when the spread crosses the goal (some pairs on the other side of it: the verdict rests on the median).
 */
export function pairedRow(name: string, unit: string, goal: Goal, pairs: Pairs, note?: string): BenchResult {
  const r = ratios(goal, pairs);
  const ratio = median(r);
  const spread: [number, number] = [Math.min(...r), Math.max(...r)];
  const [lo, hi] = medianInterval(r);
  const crosses = spread[0] <= goal.limit && spread[1] >= goal.limit;
  const against = r.filter((x) => meets(goal, x) !== meets(goal, ratio)).length;
  const notes = [
    ...(note ? [note] : []),
    ...(crosses ? [`spread crosses the goal: ${against} of ${r.length} pairs on the other side; median 95% interval ${lo.toFixed(2)}-${hi.toFixed(2)}`] : []),
  ];
  return {
    name,
    unit,
    value: median(pairs.ours),
    baseline: median(pairs.baseline),
    ratio,
    goal: goalText(goal),
    pass: meets(goal, ratio),
    spread,
    samples: r.length,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

/** measurePairs then pairedRow: the usual way to make a timed row. */
export async function pairedBench(name: string, unit: string, goal: Goal, ours: Sample, baseline: Sample, options?: PairOptions & { note?: string }): Promise<BenchResult> {
  return pairedRow(name, unit, goal, await measurePairs(goal, ours, baseline, options), options?.note);
}

/** Calls per second of `op` over one timed batch: a Sample for measurePairs. */
export function opsPerSecondSample(op: () => unknown, batch: number): Sample {
  return () => {
    collectGarbage();
    const start = performance.now();
    for (let i = 0; i < batch; i++) op();
    return batch / ((performance.now() - start) / 1000);
  };
}

/**
 * Median wall time of `run` in ms, timed in its own loop. Prefer measurePairs for a row against a baseline: two
 * separate loops let the machine's load differ between them.
 */
export function timeMedian<T>(setup: () => T, run: (input: T) => unknown, samples = 7, warmup = 2): number {
  const times: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const input = setup();
    collectGarbage();
    const start = performance.now();
    run(input);
    const elapsed = performance.now() - start;
    if (i >= warmup) times.push(elapsed);
  }
  return median(times);
}

/** Calls per second of `op`, as the median of several timed batches (see timeMedian on pairing). */
export function opsPerSecond(op: () => unknown, batch = 200_000, samples = 7): number {
  for (let i = 0; i < batch; i++) op(); // warm up the JIT
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) op();
    rates.push(batch / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

/** A row from one figure each (counts, sizes: figures without noise, or measured once). */
export function atMost(name: string, unit: string, value: number, baseline: number, limit: number, note?: string): BenchResult {
  const ratio = value / baseline;
  return { name, unit, value, baseline, ratio, goal: `ratio <= ${limit}`, pass: ratio <= limit, ...(note ? { note } : {}) };
}

/** A row with no goal: a figure worth watching beside the goals (e.g. what splitting costs in total). */
export function reported(name: string, unit: string, value: number, baseline: number, note?: string): BenchResult {
  return { name, unit, value, baseline, ratio: value / baseline, goal: 'none (reported)', pass: true, informational: true, ...(note ? { note } : {}) };
}

export function atLeast(name: string, unit: string, value: number, baseline: number, limit: number, higherIsBetter: boolean, note?: string): BenchResult {
  const ratio = higherIsBetter ? value / baseline : baseline / value;
  return { name, unit, value, baseline, ratio, goal: `ratio >= ${limit}`, pass: ratio >= limit, ...(note ? { note } : {}) };
}

export function formatTable(results: readonly BenchResult[]): string {
  const fmt = (n: number) => (n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));
  const rows = results.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    `${fmt(r.baseline)} ${r.unit}`,
    r.ratio.toFixed(2),
    r.spread ? `${r.spread[0].toFixed(2)}-${r.spread[1].toFixed(2)} (n=${r.samples})` : '',
    r.goal,
    r.informational ? '' : r.pass ? 'pass' : 'MISS',
  ]);
  const header = ['benchmark', 'ours', 'baseline', 'ratio', 'spread', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  const notes = results.flatMap((r) => (r.note ? [`  ${r.name}: ${r.note}`] : []));
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...(notes.length ? ['notes:', ...notes] : [])].join('\n');
}
