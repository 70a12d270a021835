import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { signUp, startWorker, type RunningWorker } from '../client/worker-harness.js';

/**
 * Node side of the browser project: checks that Chromium is there, starts the real Worker under
 * `wrangler dev` on a free port, and signs two users up (Better Auth only accepts sign-ups from trusted
 * origins, which the test page's origin is not), handing URL and tokens to the tests.
 */
let worker: RunningWorker | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    workerUrl: string;
    accounts: { id: string; token: string }[];
  }
}

export async function setup(project: TestProject) {
  if (!existsSync('/usr/bin/chromium')) {
    throw new Error('Chromium is missing: install it with `apt-get update && apt-get install -y chromium` (.ci/run does this).');
  }
  worker = await startWorker();
  const accounts = [await signUp(worker.baseUrl, 'Browser'), await signUp(worker.baseUrl, 'Other')];
  project.provide('workerUrl', worker.baseUrl);
  project.provide('accounts', accounts.map((a) => ({ id: a.id, token: a.token })));
}

export async function teardown() {
  await worker?.stop();
}
