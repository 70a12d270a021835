// `npm run bench [-- --json FILE]`: speed goals as ratios against baselines measured in the same run, so a
// noisy shared machine shifts both sides together. Not part of `npm test`.
import { writeFileSync } from 'node:fs';
import { formatTable, type BenchResult } from './harness.js';
import { browserClientSuite } from './suites/browser-client.js';
import { bundleSizeSuite } from './suites/bundle-size.js';
import { clientPullSuite } from './suites/client-pull.js';
import { serverCapacityModesSuite } from './suites/server-capacity-modes.js';
import { serverPathsSuite } from './suites/server-paths.js';
import { settingsCoalescingSuite } from './suites/settings-coalescing.js';
import { sharedCoreSuite } from './suites/shared-core.js';
import { syncRequestsSuite } from './suites/sync-requests.js';

const suites: Record<string, () => BenchResult[] | Promise<BenchResult[]>> = {
  'shared-core': sharedCoreSuite,
  'client-pull': clientPullSuite,
  'sync-requests': syncRequestsSuite,
  'browser-client': browserClientSuite,
  'settings-coalescing': settingsCoalescingSuite,
  'server-paths': serverPathsSuite,
  'capacity-modes': serverCapacityModesSuite,
  'bundle-size': bundleSizeSuite,
  'live-latency': async () => (await import('./suites/live-latency.js')).liveLatencySuite(),
};

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonFile) {
  console.error('usage: npm run bench -- [--json FILE] [suite ...]');
  process.exit(2);
}
const wanted = args.filter((a, i) => a !== '--json' && (jsonAt < 0 || i !== jsonAt + 1));
const unknown = wanted.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  const rows = await suite();
  console.log(formatTable(rows));
  results.push(...rows);
}
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
const goals = results.filter((r) => !r.informational);
const missed = goals.filter((r) => !r.pass);
const reportedRows = results.length - goals.length;
console.log(
  `\n${goals.length - missed.length} of ${goals.length} goals met${reportedRows ? ` (${reportedRows} more rows reported without a goal)` : ''}${missed.length ? `; missed: ${missed.map((r) => r.name).join('; ')}` : ''}`,
);
