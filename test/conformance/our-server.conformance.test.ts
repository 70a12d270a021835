import { describe, expect, it } from 'vitest';
import { betterAuthUsers, conformanceChecks, defineConformanceTests, runCheck, type ConformanceTarget } from '../../testing/index.js';
import { workerForFile } from '../client/worker-for-file.js';
import { STORAGE_MODES } from '../client/worker-harness.js';
import { MUTANTS } from './mutants.js';

/**
 * This repo's Worker, under `wrangler dev` on a free port, passes every check of the conformance kit over
 * HTTP (the same kit an app with its own routes runs against them), in each storage mode: the routes' contract
 * does not depend on where an org's rows live. And every check fails against a mutant of it that breaks the
 * check's rule (mutants.ts), so no check passes whatever the server does. The mutants wrap the answers, not the
 * storage, so they run against the d1 Worker only.
 */
for (const storage of STORAGE_MODES) {
  describe(`storage: ${storage}`, () => {
    const worker = workerForFile({ storage });
    const target = (): ConformanceTarget => ({ baseUrl: `${worker().baseUrl}/api`, newUser: betterAuthUsers(`${worker().baseUrl}/api/auth`) });

    defineConformanceTests(target, { describe, it }, { timeout: 60_000 });

    if (storage === 'd1') {
      describe('every check fails against a mutant of this server that breaks its rule', () => {
        it('has one mutant per check', () => {
          expect(MUTANTS.map((m) => m.check).sort()).toEqual(conformanceChecks.map((c) => c.id).sort());
        });

        for (const mutant of MUTANTS) {
          it(`${mutant.check} fails when ${mutant.breaks}`, async () => {
            const check = conformanceChecks.find((c) => c.id === mutant.check);
            if (!check) throw new Error(`no check ${mutant.check}`);
            const result = await runCheck({ ...target(), fetch: mutant.wrap((request) => fetch(request)) }, check);
            expect(result.status, `${mutant.check} passed against a server where ${mutant.breaks}`).toBe('failed');
            expect(result.message).toMatch(/^expected: /);
            expect(result.message).not.toMatch(/the check itself threw/);
          }, 60_000);
        }
      });
    }
  });
}
