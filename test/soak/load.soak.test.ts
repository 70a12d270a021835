import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../client/worker-harness.js';
import { describeLoad, runLoadScenario } from './load-scenario.js';
import { startFrozenWorker } from './load-worker.js';

/**
 * The load run at full size (issue 11 item 6): 50 concurrent clients, each 100 settings merges and 20 project
 * ops. Sizes for a replay: LOAD_CLIENTS, LOAD_MERGES, LOAD_OPS; LOAD_SEED replays the same choices.
 */
const seed = Number(process.env.LOAD_SEED ?? Date.now() % 1_000_000);
const size = {
  clients: Number(process.env.LOAD_CLIENTS ?? 50),
  mergesPerClient: Number(process.env.LOAD_MERGES ?? 100),
  opsPerClient: Number(process.env.LOAD_OPS ?? 20),
};

let worker: RunningWorker | undefined;
beforeAll(async () => {
  worker = await startFrozenWorker();
}, 300_000);
afterAll(async () => {
  await worker?.stop();
}, 60_000);

describe('load (full size)', () => {
  it(`${size.clients} clients x ${size.mergesPerClient} merges + ${size.opsPerClient} project ops: no 5xx, no lost register, every op applied exactly once`, async () => {
    const report = await runLoadScenario({ baseUrl: (worker as RunningWorker).baseUrl, seed, ...size, log: (line) => console.log(line) });
    const replay = `LOAD_SEED=${seed} LOAD_CLIENTS=${size.clients} LOAD_MERGES=${size.mergesPerClient} LOAD_OPS=${size.opsPerClient} npm run soak -- load`;
    const text = describeLoad(report, replay);
    console.log(text);
    expect(report.violations, text).toEqual([]);
    expect(report.merges).toBe(size.clients * size.mergesPerClient);
    expect(report.projectOps).toBe(size.clients * size.opsPerClient);
  });
});
