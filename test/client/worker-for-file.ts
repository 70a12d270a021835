import { afterAll, beforeAll } from 'vitest';
import { startWorker, type RunningWorker, type WorkerOptions } from './worker-harness.js';

/**
 * One Worker for the calling test file: started before its tests, stopped after them. Returns a getter to call
 * inside the tests.
 */
export function workerForFile(options: WorkerOptions = {}): () => RunningWorker {
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    worker = await startWorker(options);
  }, 90_000);
  afterAll(async () => {
    await worker?.stop();
  });
  return () => {
    if (!worker) throw new Error('the Worker is not running: call workerForFile() at the top of a test file');
    return worker;
  };
}
