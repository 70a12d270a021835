import { afterAll, describe, expect, it } from 'vitest';
import { runChaos, stopChaosWorker } from './chaos-scenario.js';
import { chaosSeed, describeReport } from './chaos-report.js';

/**
 * The chaos convergence run at full size (issue 11 item 1): 10 engines x 300 actions, the Worker killed and
 * restarted twice. Sizes can be changed for a replay with SOAK_ENGINES, SOAK_ACTIONS and SOAK_RESTARTS.
 */
const seed = chaosSeed();
const size = {
  engines: Number(process.env.SOAK_ENGINES ?? 10),
  actionsPerEngine: Number(process.env.SOAK_ACTIONS ?? 300),
  restarts: Number(process.env.SOAK_RESTARTS ?? 2),
};

// A run cut short by the test timeout still stops its Worker.
afterAll(stopChaosWorker, 60_000);

describe('chaos convergence (full size)', () => {
  it(`${size.engines} engines x ${size.actionsPerEngine} actions, ${size.restarts} restarts: caches equal the server, ops apply once or fail with a reason, registers keep the top stamp, counters add up`, async () => {
    const report = await runChaos({ seed, ...size, log: (line) => console.log(line) });
    const replay = 'npm run soak -- chaos';
    console.log(describeReport(report, replay));
    expect(report.violations, describeReport(report, replay)).toEqual([]);
  });
});
