import { groupOf } from './check.js';
import { runCheck, selectChecks, type ConformanceOptions } from './run-conformance.js';
import type { ConformanceTarget } from './target.js';

/**
 * The two functions of a vitest-like runner the kit needs (vitest, jest, mocha, node:test's describe/it all fit).
 * Passed in, so the kit imports no test runner.
 */
export interface TestApi {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>, timeout?: number): unknown;
}

export interface DefineConformanceOptions extends ConformanceOptions {
  /** The outer describe block's name. Default `routes conformance`. */
  readonly title?: string;
  /** Passed as each test's timeout (ms); the runner's default when absent. */
  readonly timeout?: number;
}

/**
 * Registers one test per check, grouped by check group, so a runner shows each failure on its own. `target` may
 * be a function: it is called when a test runs, after the runner's `beforeAll` started the server.
 */
export function defineConformanceTests(
  target: ConformanceTarget | (() => ConformanceTarget),
  api: TestApi,
  options: DefineConformanceOptions = {},
): void {
  const resolve = typeof target === 'function' ? target : () => target;
  const checks = selectChecks(options);
  const groups = [...new Set(checks.map(groupOf))];
  api.describe(options.title ?? 'routes conformance', () => {
    for (const group of groups) {
      api.describe(group, () => {
        for (const check of checks.filter((c) => groupOf(c) === group)) {
          api.it(
            `${check.id}: ${check.title}`,
            async () => {
              const result = await runCheck(resolve(), check, options);
              if (result.status === 'failed') throw new Error(`${result.message ?? 'failed'}\nrule:     ${check.rule}`);
            },
            options.timeout,
          );
        }
      });
    }
  });
}
