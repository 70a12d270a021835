/**
 * A conformance kit for the routes contract (package subpath `./testing`).
 *
 * An app that keeps its own REST routes instead of mounting the engine's must still answer the engine's
 * protocol: idempotency keys, cursor pages with tombstones, the error body, If-Match, the settings merge and
 * cross-user isolation (DESIGN section 4). The kit checks that over HTTP, against the routes as they run: each
 * check is data (`{ id, title, rule, run }`), makes its own users and data, and fails with what the contract
 * expects, what it sent and what came back.
 *
 * With vitest (or jest, mocha, node:test: anything with describe/it), one test per check:
 *
 *   import { afterAll, beforeAll, describe, it } from 'vitest';
 *   import { betterAuthUsers, defineConformanceTests } from '<package>/testing';
 *
 *   let baseUrl: string; // where your server listens, once beforeAll started it
 *   defineConformanceTests(
 *     () => ({ baseUrl: `${baseUrl}/api`, newUser: betterAuthUsers(`${baseUrl}/api/auth`) }),
 *     { describe, it },
 *     { timeout: 60_000 },
 *   );
 *
 * Anywhere else (a script, CI step), one report:
 *
 *   const report = await runConformance({ baseUrl: 'http://127.0.0.1:8787/api', newUser: betterAuthUsers('http://127.0.0.1:8787/api/auth') });
 *   console.log(formatReport(report));
 *   process.exitCode = report.ok ? 0 : 1;
 *
 * The target:
 * - `baseUrl`: where the sync routes are mounted; checks request `<baseUrl>/orgs`, `<baseUrl>/settings`, … and
 *   assume no prefix.
 * - `newUser()`: a fresh signed-in user per call, as `{ headers, id? }` (the id comes from `GET <baseUrl>/me`
 *   when absent). `betterAuthUsers(authBaseUrl)` signs users up through Better Auth's email/password route and
 *   authenticates them with the bearer plugin's `set-auth-token`; any other auth fits a function of your own.
 * - `fetch` (optional): any `(request: Request) => Promise<Response>`, e.g. an in-process `app.fetch`.
 *
 * Options (both entry points): `only` / `skip` (check ids such as `idempotency.replay`, or groups such as
 * `cursors`), `checks` (your own list: `conformanceChecks` plus checks of your own), `requestTimeoutMs`.
 *
 * What the checks assume: the server's clock and the test machine's agree within a few minutes (settings
 * stamps come from the machine's clock; the drift limit is 5 min); the app's settings registry accepts
 * `custom.*` keys (the contract's rule) and does not register `conformance.unknown-key`. Checks write real data
 * (orgs, projects, settings of fresh users): run them against a test deployment, not production.
 *
 * Not checked over HTTP (no request can provoke them): 410 CURSOR_EXPIRED from the tombstone retention window
 * (30 days; the role-change 410 is checked), a claim that outlives its lock after a crash, record expiry after
 * 24 h, and a whole-request CLOCK_DRIFT (the contract's merge judges drift per entry). 409
 * IDEMPOTENCY_IN_PROGRESS is checked as "every concurrent duplicate answers 201 or 409", but whether a race is
 * actually provoked depends on timing (the check notes how many duplicates got 409).
 *
 * The kit imports only shared/ (schemas, the HLC, the LWW order) and uses only fetch, Request, Response and
 * Headers, so it runs in Node 20, a Worker or a browser.
 */
export { betterAuthUsers, type BetterAuthUsersOptions } from './better-auth-users.js';
export { groupOf, type CheckContext, type CheckUser, type ConformanceCheck } from './check.js';
export {
  conformanceChecks,
  cursorChecks,
  errorChecks,
  idempotencyChecks,
  ifMatchChecks,
  isolationChecks,
  settingsMergeChecks,
} from './checks/index.js';
export { ConformanceFailure } from './conformance-failure.js';
export { defineConformanceTests, type DefineConformanceOptions, type TestApi } from './define-conformance-tests.js';
export { NoAnswerError, type Exchange, type SendOptions, type SentRequest } from './exchange.js';
export { expectError, expectErrorBody, expectShape, expectStatus, expectThat, expectValue, expectWellFormed, fail, isReplayed } from './expect.js';
export { formatReport, type CheckResult, type ConformanceReport } from './report.js';
export { runCheck, runConformance, selectChecks, type ConformanceOptions } from './run-conformance.js';
export type { ConformanceTarget, ConformanceUser, FetchLike } from './target.js';
