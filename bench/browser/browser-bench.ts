import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import type { BenchApi } from './bench-api.js';

/**
 * Runs the bench page (bench-page.ts, bundled here with esbuild, React in its production build) in Debian's
 * Chromium through playwright-core, served by a tiny HTTP server on a free port: IndexedDB needs a real origin,
 * which page.setContent's about:blank is not. Flags as in test/e2e/app-driver.ts, plus an exposed GC (one before
 * each timed sample).
 */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BENCH_FLAGS = ['--js-flags=--expose-gc'];
/** CPU profiles of the timed calls land here when BENCH_PROFILE=1 (open them in Chrome's DevTools). */
const PROFILES = join(process.cwd(), 'test-results', 'bench');

type Method = { [K in keyof BenchApi]: BenchApi[K] extends (...args: never[]) => unknown ? K : never }[keyof BenchApi];

export interface BenchBrowser {
  /** Calls one of the page's workloads and returns what it returned (figures, not live objects). */
  call<K extends Method>(name: K, ...args: Parameters<BenchApi[K]>): Promise<Awaited<ReturnType<BenchApi[K]>>>;
  /** Like call, recording a CPU profile of it (Chrome's sampling profiler over CDP); returns the top self times. */
  profile<K extends Method>(label: string, name: K, ...args: Parameters<BenchApi[K]>): Promise<{ result: Awaited<ReturnType<BenchApi[K]>>; top: string[] }>;
  close(): Promise<void>;
}

export async function bundleBenchPage(): Promise<string> {
  const out = await build({
    entryPoints: [join(import.meta.dirname, 'bench-page.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  return out.outputFiles[0]!.text;
}

function serve(script: string): Promise<Server> {
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body><script type="module" src="/bench.js"></script></body></html>';
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Self time per function from a CDP profile, highest first: where a slow workload spends its time. */
function topSelfTimes(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[]; timeDeltas?: number[] }, count = 15): string[] {
  const byNode = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0)));
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id);
    if (!us) continue;
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    byName.set(name, (byName.get(name) ?? 0) + us);
  }
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
}

export async function openBenchBrowser(): Promise<BenchBrowser> {
  const script = await bundleBenchPage();
  const server = await serve(script);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...BENCH_FLAGS] });
    const page: Page = await browser.newPage();
    const cdp: CDPSession = await page.context().newCDPSession(page);
    // The page's heap figures: a full GC, then the heap in use, asked over CDP while the page awaits this.
    await page.exposeFunction('benchHeap', async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => document.title === 'bench ready' || document.title === 'bench failed', undefined, { timeout: 60_000 }).catch(() => {
      throw new Error(`the bench page did not load: ${errors.join('; ') || 'no error reported'}`);
    });
    if (!(await page.evaluate(() => (globalThis as unknown as { bench: BenchApi }).bench.gcExposed()))) throw new Error('Chromium did not expose gc()');
    const call = (async (name: string, ...args: unknown[]) =>
      page.evaluate(([n, a]) => (globalThis as unknown as { bench: Record<string, (...x: unknown[]) => unknown> }).bench[n as string]!(...(a as unknown[])), [name, args] as const)) as BenchBrowser['call'];
    const opened = browser;
    return {
      call,
      async profile(label, name, ...args) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
        const result = await call(name, ...args);
        const { profile } = await cdp.send('Profiler.stop');
        mkdirSync(PROFILES, { recursive: true });
        writeFileSync(join(PROFILES, `${label}.cpuprofile`), JSON.stringify(profile));
        return { result, top: topSelfTimes(profile) };
      },
      async close() {
        await opened.close();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  } catch (error) {
    await browser?.close();
    server.close();
    throw error;
  }
}
