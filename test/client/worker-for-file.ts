import { afterAll, beforeAll } from 'vitest';
import { startWorker, type RunningWorker, type WorkerOptions } from './worker-harness.js';

/**
 * One Worker for the calling test file: started before its tests, stopped after them. Returns a getter to call
 * inside the tests.
 */
export function workerForFile(options: WorkerOptions = {}): () => RunningWorker {
  let worker: RunningWorker | undefined;
  let starting: Promise<RunningWorker> | undefined;
  beforeAll(async () => {
    starting = startWorker(options);
    worker = await starting;
  }, 180_000);
  afterAll(async () => {
    // A start that outlived its hook's timeout still finishes: stop that Worker too, not only a started one.
    await (worker ?? (await starting?.catch(() => undefined)))?.stop();
  });
  return () => {
    if (!worker) throw new Error('the Worker is not running: call workerForFile() at the top of a test file');
    return worker;
  };
}
