import { afterAll, describe, expect, it } from 'vitest';
import { runChaos, stopChaosWorker } from '../soak/chaos-scenario.js';
import { chaosSeed, describeReport } from '../soak/chaos-report.js';
import { STORAGE_MODES, type WorkerStorage } from './worker-harness.js';

/**
 * The chaos convergence run, small (issue 11 item 1): 4 engines x 40 actions and one Worker restart, against
 * the real Worker under wrangler dev, once per storage mode (in org-objects the restart must keep the org
 * objects' SQLite as well as D1). `npm run soak` runs the same scenario at full size with fresh seeds. Here
 * the seed is fixed (2026) so that every CI run plays the same actions; SOAK_SEED=<n> replays another run and
 * SOAK_SEED=random draws one. A failure prints the command that replays it. (A random small run found a missed
 * org member once, seed 275046984, not reproduced on replay: see the stop note of issue 11.)
 */
const seed = chaosSeed(2026);

// A run cut short by the test timeout still stops its Worker.
afterAll(stopChaosWorker, 60_000);

const command = (storage: WorkerStorage) => `npx vitest run --project node test/client/chaos.integration.test.ts -t 'storage: ${storage}'`;

describe.each(STORAGE_MODES)('chaos convergence (small, storage: %s)', (storage) => {
  it('converges: caches equal the server, ops apply once or fail with a reason, registers keep the top stamp, counters add up', async () => {
    const report = await runChaos({ seed, engines: 4, actionsPerEngine: 40, restarts: 1, storage, ...(process.env.CHAOS_VERBOSE ? { log: (line: string) => process.stdout.write(`${line}\n`) } : {}) });
    // Printed on success too (the node project hides a passing test's console): size, seed, duration, faults.
    process.stdout.write(`\n${describeReport(report, command(storage))}\n`);
    expect(report.violations, describeReport(report, command(storage))).toEqual([]);
  }, 480_000);
});
