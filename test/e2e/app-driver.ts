import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { api, signIn, type TestAccount } from '../client/worker-harness.js';

/**
 * Drives the app as a person does: Debian's Chromium through playwright-core, one browser context per user
 * (its own cookies, IndexedDB and service worker), the app served by the Worker under `wrangler dev`.
 */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of every test's main screens, for a reviewer (git-ignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'e2e');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does this).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface AppUser extends TestAccount {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
}

let users = 0;

/** A new person in a new browser context, on the app's sign-in screen. */
export async function openApp(browser: Browser, baseUrl: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto('/');
  return { context, page };
}

/** Signs up through the app's own form; returns the account (with a bearer token for API checks). */
export async function signUpInApp(browser: Browser, baseUrl: string, name: string): Promise<AppUser> {
  const { context, page } = await openApp(browser, baseUrl);
  const email = `${name.toLowerCase()}-${Date.now().toString(36)}-${users++}@example.com`;
  const password = 'correct horse battery';
  await page.getByTestId('name').fill(name);
  await page.getByTestId('email').fill(email);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('sign-up').click();
  await expect.poll(() => page.getByTestId('sync-bar').count(), { timeout: 15_000 }).toBe(1);
  const account = { id: '', email, password, token: '' };
  const token = await signIn(baseUrl, account);
  const me = await api(baseUrl, token, 'GET', '/api/me');
  return { ...account, id: me.body.user.id, token, name, context, page };
}

/** Creates an org from the app (online: orgs are created on the server) and waits until it is selected. */
export async function createOrgInApp(page: Page, name: string): Promise<void> {
  await page.getByTestId('new-org-name').fill(name);
  await page.getByTestId('create-org').click();
  await expect.poll(() => page.getByTestId('org-switcher').locator('option:checked').textContent(), { timeout: 15_000 }).toContain(name);
}

export async function createProjectInApp(page: Page, name: string): Promise<void> {
  await page.getByTestId('new-project-name').fill(name);
  await page.getByTestId('create-project').click();
  await expect.poll(() => projectNames(page)).toContain(name);
}

export async function renameProjectInApp(page: Page, from: string, to: string): Promise<void> {
  const row = page.getByTestId('project-row').filter({ hasText: from });
  await row.getByTestId('rename-project').click();
  await row.getByTestId('rename-input').fill(to);
  await row.getByTestId('rename-save').click();
  await expect.poll(() => projectNames(page)).toContain(to);
}

export async function deleteProjectInApp(page: Page, name: string): Promise<void> {
  await page.getByTestId('project-row').filter({ hasText: name }).getByTestId('delete-project').click();
  await expect.poll(() => projectNames(page)).not.toContain(name);
}

/** The project names the projects page shows, sorted. */
export async function projectNames(page: Page): Promise<string[]> {
  return (await page.getByTestId('project-link').allTextContents()).map((t) => t.trim()).sort();
}

/** Waits until the sync bar shows nothing pending (the outbox drained). */
export async function waitSynced(page: Page, timeout = 30_000): Promise<void> {
  await expect.poll(async () => (await page.getByTestId('pending-count').textContent())?.trim(), { timeout }).toBe('0');
}

export async function syncNow(page: Page): Promise<void> {
  await page.getByTestId('sync-now').click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The org's live projects as the server holds them: name → version. */
export async function serverProjects(baseUrl: string, token: string, orgId: string): Promise<Map<string, number>> {
  const res = await api(baseUrl, token, 'GET', `/api/orgs/${orgId}/projects?limit=1000`);
  expect(res.status).toBe(200);
  const alive = (res.body.items as { name: string; version: number; deletedAt: number | null }[]).filter((p) => p.deletedAt === null);
  return new Map(alive.map((p) => [p.name, p.version]));
}

/** The id of the org the user's app has selected, read from the server by name. */
export async function orgIdByName(baseUrl: string, token: string, name: string): Promise<string> {
  const res = await api(baseUrl, token, 'GET', '/api/orgs?limit=1000');
  const org = (res.body.items as { id: string; name: string; deletedAt: number | null }[]).find((o) => o.name === name && o.deletedAt === null);
  if (!org) throw new Error(`no org named ${name} on the server`);
  return org.id;
}
