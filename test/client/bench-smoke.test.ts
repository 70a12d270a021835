import { describe, expect, it } from 'vitest';
import { browserClientRows } from '../../bench/suites/browser-client.js';
import type { BenchResult } from '../../bench/harness.js';

/**
 * A smoke run of the browser bench harness (bench/browser, bench/suites/browser-client.ts) with tiny sizes:
 * the page bundles, Chromium loads it, every workload runs the real client on real IndexedDB and returns
 * figures, and the rows have the shape `npm run bench -- --json` writes. Goals are time-based and never
 * asserted here; `npm run bench -- browser-client` runs the full sizes.
 */
const once = { warmup: 0, minSamples: 2, maxSamples: 2 };

function expectRowShape(row: BenchResult) {
  const json = JSON.parse(JSON.stringify(row)) as BenchResult;
  expect(Object.keys(json)).toEqual(expect.arrayContaining(['name', 'unit', 'value', 'baseline', 'ratio', 'goal', 'pass']));
  expect(typeof json.name).toBe('string');
  expect(typeof json.unit).toBe('string');
  expect(json.goal).toMatch(/^ratio (<=|>=) \d/);
  expect(typeof json.pass).toBe('boolean');
  for (const figure of [json.value, json.baseline, json.ratio]) expect(Number.isFinite(figure)).toBe(true);
  expect(json.baseline).toBeGreaterThan(0);
  if (json.spread) {
    // A timed row: both sides took time.
    expect(json.value).toBeGreaterThan(0);
    expect(json.samples).toBe(once.minSamples);
    expect(json.spread[0]).toBeLessThanOrEqual(json.ratio);
    expect(json.spread[1]).toBeGreaterThanOrEqual(json.ratio);
  }
}

describe('browser bench harness (tiny sizes)', () => {
  it('runs pull, heap, enqueue and cold start in Chromium and returns finite figures in the JSON row shape', async () => {
    const rows = await browserClientRows(
      { pullRows: 200, pageSize: 20, enqueueWrites: 20, coldProjects: 100, coldSettings: 10 },
      { pull: once, enqueue: once, cold: once },
    );
    expect(rows.map((r) => r.name)).toEqual([
      'pull 200 projects (10 pages of 20) into IndexedDB: ours vs one bulkPut',
      'pull 200 projects: heap growth at page boundaries vs one page held',
      'enqueue 20 optimistic creates: ours vs single-row puts',
      'cold start, 100 projects + 10 settings: engine to first useProjects data vs raw getAll',
    ]);
    for (const row of rows) expectRowShape(row);
    // Timed rows are interleaved pairs; the heap row is one reading of each side.
    expect(rows.map((r) => r.spread !== undefined)).toEqual([true, false, true, true]);
  }, 120_000);
});
