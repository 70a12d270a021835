import { performance } from 'node:perf_hooks';

/** One row of `npm run bench`: ours against a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  unit: string;
  /** Our figure. */
  value: number;
  /** The comparison figure, measured in the same process a moment before or after. */
  baseline: number;
  /** Expressed so that the goal reads naturally: a slowdown factor for "at most", a speedup for "at least". */
  ratio: number;
  /** E.g. "ratio <= 3" or "ratio >= 4". */
  goal: string;
  pass: boolean;
  note?: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median wall time of `run` in ms. `setup` builds fresh input for each sample and is not timed (merges mutate
 * their target, so each sample needs its own copy).
 */
export function timeMedian<T>(setup: () => T, run: (input: T) => unknown, samples = 7, warmup = 2): number {
  const times: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const input = setup();
    const start = performance.now();
    run(input);
    const elapsed = performance.now() - start;
    if (i >= warmup) times.push(elapsed);
  }
  return median(times);
}

/** Calls per second of `op`, as the median of several timed batches. */
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

export function atMost(name: string, unit: string, value: number, baseline: number, limit: number, note?: string): BenchResult {
  const ratio = value / baseline;
  return { name, unit, value, baseline, ratio, goal: `ratio <= ${limit}`, pass: ratio <= limit, ...(note ? { note } : {}) };
}

export function atLeast(name: string, unit: string, value: number, baseline: number, limit: number, higherIsBetter: boolean, note?: string): BenchResult {
  const ratio = higherIsBetter ? value / baseline : baseline / value;
  return { name, unit, value, baseline, ratio, goal: `ratio >= ${limit}`, pass: ratio >= limit, ...(note ? { note } : {}) };
}

export function formatTable(results: readonly BenchResult[]): string {
  const fmt = (n: number) => (n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));
  const rows = results.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, `${fmt(r.baseline)} ${r.unit}`, r.ratio.toFixed(2), r.goal, r.pass ? 'pass' : 'MISS']);
  const header = ['benchmark', 'ours', 'baseline', 'ratio', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
