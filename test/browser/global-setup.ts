import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startWorker, type RunningWorker } from '../client/worker-harness.js';

/**
 * Node side of the browser project: checks that Chromium is there and starts the real Worker under
 * `wrangler dev` on a free port for the tests in the page.
 */
let worker: RunningWorker | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    workerUrl: string;
  }
}

export async function setup(project: TestProject) {
  if (!existsSync('/usr/bin/chromium')) {
    throw new Error('Chromium is missing: install it with `apt-get update && apt-get install -y chromium` (.ci/run does this).');
  }
  // The page is served by vitest from a localhost port: a cross-origin caller the Worker trusts only in local
  // development, which this is.
  worker = await startWorker({ trustLocalhostOrigins: true });
  project.provide('workerUrl', worker.baseUrl);
}

export async function teardown() {
  await worker?.stop();
}
