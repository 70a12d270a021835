/// <reference lib="dom" />
import { cpSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageJson, packageName, root } from '../../scripts/package-entries.mjs';
import { conformanceChecks } from '../../testing/index.js';
import { startWorker, type RunningWorker } from '../client/worker-harness.js';
import { launchChromium } from '../e2e/app-driver.js';
import { filesUnder, importedSpecifiers, isPathSpecifier, packageOf } from '../package/imports.js';
import { packPackage } from '../package/packed-package.js';
import { run } from '../package/run-command.js';

/**
 * examples/existing-worker as an adopting app builds it: a copy outside the repo (so a path into the repo
 * cannot resolve), the packed tarball installed in place of the package, then its own scripts: typecheck, build
 * the page, copy the engine's migrations after its own, apply them, and `wrangler dev` with its own wrangler.
 * Then a person in Chromium signs up, creates an org, creates a project offline, comes online and the server has
 * it once; the app's own route still answers; and the conformance kit from the installed package passes against
 * the example's /api.
 */
const EXAMPLE = join(root, 'examples', 'existing-worker');
const GENERATED = /_offline-sync-engine_/;

let work = '';
let app = '';
let worker: RunningWorker | undefined;
let browser: Browser | undefined;

const npm = (args: string[]) => run('npm', args, app);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ose-example-'));
  const { tarball } = await packPackage(work);
  app = join(work, 'app');
  cpSync(EXAMPLE, app, {
    recursive: true,
    filter: (source) => {
      const parts = relative(EXAMPLE, source).split(sep);
      return !parts.some((part) => ['node_modules', 'dist', '.wrangler', '.dev.vars'].includes(part)) && !GENERATED.test(source);
    },
  });
  const manifestPath = join(app, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.dependencies[packageName] = `file:${tarball}`;
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
  await npm(['run', 'typecheck']);
  await npm(['run', 'build']);
  await npm(['run', 'migrations']);
  worker = await startWorker({ config: join(app, 'wrangler.toml'), wrangler: join(app, 'node_modules', '.bin', 'wrangler'), cwd: app });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const base = () => {
  if (!worker) throw new Error('the example Worker did not start (see beforeAll)');
  return worker.baseUrl;
};

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const statusText = (page: Page) => page.getByTestId('status').textContent();
const projectNames = (page: Page) => page.getByTestId('project').allTextContents();

describe('examples/existing-worker, built from the packed tarball', () => {
  it('imports the engine only by its package name, and pins the versions this repo is tested with', () => {
    const manifest = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8'));
    const declared = { ...manifest.dependencies, ...manifest.devDependencies } as Record<string, string>;
    const files = ['src', 'page', 'scripts'].flatMap((dir) => filesUnder(join(EXAMPLE, dir), /\.(ts|tsx|mjs|js)$/));
    expect(files.length).toBeGreaterThan(5);
    const outside: string[] = [];
    const undeclared: string[] = [];
    for (const file of files) {
      for (const specifier of importedSpecifiers(file)) {
        if (isPathSpecifier(specifier)) {
          if (relative(EXAMPLE, resolve(file, '..', specifier)).startsWith('..')) outside.push(`${relative(root, file)}: ${specifier}`);
        } else if (!specifier.startsWith('node:') && !(packageOf(specifier) in declared)) {
          undeclared.push(`${relative(root, file)}: ${specifier}`);
        }
      }
    }
    expect(outside, 'imports that reach out of the example into the repo').toEqual([]);
    expect(undeclared, 'imports of packages the example does not declare').toEqual([]);
    // The engine comes from the tarball, extracted (not a link into the repo).
    expect(lstatSync(join(app, 'node_modules', packageName)).isSymbolicLink()).toBe(false);
    expect(JSON.parse(readFileSync(join(app, 'node_modules', packageName, 'package.json'), 'utf8')).version).toBe(packageJson.version);
    // The same versions as the repo's own (an install from npm's cache after `npm ci`, and the versions tested).
    const repoVersions = { ...packageJson.dependencies, ...packageJson.devDependencies } as Record<string, string>;
    const drifted = Object.entries(declared)
      .filter(([name]) => name !== packageName)
      .filter(([name, version]) => repoVersions[name] !== version)
      .map(([name, version]) => `${name}@${version} (repo: ${repoVersions[name] ?? 'absent'})`);
    expect(drifted).toEqual([]);
  });

  it('signs up, creates a project offline, comes online, and the server has it exactly once; its own route still answers', async () => {
    const context: BrowserContext = await browser!.newContext({ baseURL: base() });
    try {
      const page = await context.newPage();
      await page.goto('/');
      await page.getByTestId('name').fill('Ann');
      await page.getByTestId('email').fill(`ann-${Date.now().toString(36)}@example.com`);
      await page.getByTestId('password').fill('correct horse battery');
      await page.getByTestId('sign-up').click();
      await expect.poll(() => statusText(page), { timeout: 20_000 }).toContain('0 pending');
      const token = await page.evaluate(() => (JSON.parse(localStorage.getItem('example.session') ?? '{}') as { token?: string }).token ?? '');
      expect(token).not.toBe('');

      await page.getByTestId('org-name').fill('Example Lab');
      await page.getByTestId('create-org').click();
      await expect.poll(() => page.getByTestId('org').locator('option:checked').textContent(), { timeout: 15_000 }).toBe('Example Lab');
      const orgs = await call(token, 'GET', '/api/orgs?limit=100');
      const orgId = (orgs.body.items as { id: string; name: string }[]).find((o) => o.name === 'Example Lab')?.id;
      expect(orgId).toBeDefined();

      await context.setOffline(true);
      await page.getByTestId('project-name').fill('Offline study');
      await page.getByTestId('create-project').click();
      await expect.poll(() => projectNames(page)).toEqual(['Offline study']);
      await expect.poll(() => statusText(page), { timeout: 15_000 }).toContain('1 pending');
      expect((await call(token, 'GET', `/api/orgs/${orgId}/projects?limit=100`)).body.items).toEqual([]);

      await context.setOffline(false);
      await expect.poll(() => statusText(page), { timeout: 30_000 }).toContain('online · 0 pending');
      const onServer = (await call(token, 'GET', `/api/orgs/${orgId}/projects?limit=100`)).body.items as { id: string; name: string }[];
      expect(onServer.map((p) => p.name)).toEqual(['Offline study']);
      const localId = await page.evaluate(
        (name) =>
          new Promise<string[]>((resolveIds, reject) => {
            // The engine's database for this user: <appName>-<userId>.
            const session = JSON.parse(localStorage.getItem('example.session') ?? '{}') as { userId: string };
            const open = indexedDB.open(`example-${session.userId}`);
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const all = open.result.transaction('projects').objectStore('projects').getAll();
              all.onsuccess = () => resolveIds((all.result as { id: string; name: string }[]).filter((p) => p.name === name).map((p) => p.id));
              all.onerror = () => reject(all.error);
            };
          }),
        'Offline study',
      );
      expect(localId).toEqual([onServer[0]!.id]);

      await page.reload();
      await expect.poll(() => projectNames(page), { timeout: 15_000 }).toEqual(['Offline study']);

      // The app's own route, beside the mounted sync server, on the same session.
      await page.getByTestId('feedback').fill('Works offline too');
      await page.getByTestId('send-feedback').click();
      await expect.poll(() => page.getByTestId('feedback-count').textContent(), { timeout: 15_000 }).toBe('1 sent');
      const feedback = await call(token, 'GET', '/api/feedback');
      expect(feedback.status).toBe(200);
      expect(feedback.body.items.map((f: { message: string }) => f.message)).toEqual(['Works offline too']);
      expect((await fetch(`${base()}/api/feedback`)).status).toBe(401);
    } finally {
      await context.close();
    }
  });

  it('passes the conformance kit of the installed package against its /api', async () => {
    const output = await npm(['run', '--silent', 'conformance', '--', base()]);
    const summary = /routes conformance: (\d+) passed, (\d+) failed/.exec(output);
    expect(summary, output).not.toBeNull();
    expect({ passed: Number(summary![1]), failed: Number(summary![2]) }).toEqual({ passed: conformanceChecks.length, failed: 0 });
  });
});
