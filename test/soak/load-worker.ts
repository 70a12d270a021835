import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, type RunningWorker, type WorkerOptions } from '../client/worker-harness.js';

/**
 * The Worker under `wrangler dev`, bundled first into one file of its own. Why: `wrangler dev` reloads the
 * Worker whenever a file of its bundle changes and answers the requests in flight with 503 "Your worker
 * restarted mid-request"; a long load run or a bench must measure the server, not someone's edit to shared/
 * while it runs. Same code, same bindings, same local D1: only the moment the source is read differs.
 * The bundle sits inside the checkout (node_modules/.cache, ignored): wrangler finds wrangler.toml by walking
 * up from the script.
 */
export async function startFrozenWorker(entry = 'server/worker.ts', options: Omit<WorkerOptions, 'script'> = {}): Promise<RunningWorker> {
  mkdirSync(join('node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join('node_modules', '.cache', 'frozen-worker-'));
  const script = join(dir, 'worker.mjs');
  try {
    await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      external: ['cloudflare:*', 'node:*'],
      mainFields: ['module', 'main'],
      conditions: ['workerd', 'worker', 'browser', 'import'],
      outfile: script,
      logLevel: 'warning',
    });
    const worker = await startWorker({ ...options, script });
    return {
      ...worker,
      stop: async () => {
        await worker.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
