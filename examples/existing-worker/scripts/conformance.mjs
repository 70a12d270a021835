// Checks this app's sync routes against the engine's routes contract with the package's conformance kit
// (offline-sync-engine/testing), over HTTP, against a running Worker:
//   npm run conformance -- http://127.0.0.1:8787
// Exits 1 when a check fails. It signs up fresh users and writes test data: point it at local or test
// deployments only.
import { betterAuthUsers, formatReport, runConformance } from 'offline-sync-engine/testing';

const origin = (process.argv[2] ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const report = await runConformance({ baseUrl: `${origin}/api`, newUser: betterAuthUsers(`${origin}/api/auth`) });
console.log(formatReport(report));
process.exitCode = report.ok ? 0 : 1;
