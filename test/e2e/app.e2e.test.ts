import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../client/worker-harness.js';
import { workerForFile } from '../client/worker-for-file.js';
import {
  createOrgInApp,
  createProjectInApp,
  deleteProjectInApp,
  launchChromium,
  orgIdByName,
  projectNames,
  renameProjectInApp,
  screenshot,
  serverProjects,
  signUpInApp,
  syncNow,
  waitSynced,
} from './app-driver.js';

/**
 * The app end to end: real Chromium (playwright-core), real IndexedDB and service worker, the app and API
 * served by the Worker under `wrangler dev` on a free port. Each user has their own browser context.
 * Screenshots of the main screens land in test-results/e2e/.
 */
const worker = workerForFile();
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

const controlledByServiceWorker = (page: Page) =>
  expect.poll(() => page.evaluate(() => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined), { timeout: 15_000 }).toBe(true);

async function openSettings(page: Page) {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-theme').waitFor();
}

describe('the app in Chromium', () => {
  it('signs up, creates an org and projects, changes settings, and renders it all from IndexedDB with the network cut', async () => {
    const baseUrl = worker().baseUrl;
    const ann = await signUpInApp(browser, baseUrl, 'Ann');
    const { page, context } = ann;
    await screenshot(page, '1-welcome');
    await createOrgInApp(page, 'Evidence Lab');
    await createProjectInApp(page, 'RCT appraisal');
    await createProjectInApp(page, 'Cohort review');
    await openSettings(page);
    await page.getByTestId('settings-theme').selectOption('dark');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await waitSynced(page);
    await screenshot(page, '1-settings-dark');
    const orgId = await orgIdByName(baseUrl, ann.token, 'Evidence Lab');
    expect([...(await serverProjects(baseUrl, ann.token, orgId)).keys()].sort()).toEqual(['Cohort review', 'RCT appraisal']);
    expect((await api(baseUrl, ann.token, 'GET', '/api/settings')).body.items).toEqual([expect.objectContaining({ key: 'theme', value: 'dark' })]);

    await controlledByServiceWorker(page);
    await context.setOffline(true);
    await page.goto('/');
    await expect.poll(() => projectNames(page), { timeout: 15_000 }).toEqual(['Cohort review', 'RCT appraisal']);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await expect.poll(async () => (await page.getByTestId('online-state').textContent())?.toLowerCase()).toMatch(/offline|no network/);
    await screenshot(page, '1-offline-reload');
    await context.close();
  }, 120_000);

  it('queues creates, renames, deletes and settings offline, keeps them through a reload, and lands each exactly once', async () => {
    const baseUrl = worker().baseUrl;
    const bea = await signUpInApp(browser, baseUrl, 'Bea');
    const { page, context } = bea;
    await createOrgInApp(page, 'Offline Lab');
    await createProjectInApp(page, 'Keep me');
    await createProjectInApp(page, 'Remove me');
    await waitSynced(page);
    await controlledByServiceWorker(page);
    const orgId = await orgIdByName(baseUrl, bea.token, 'Offline Lab');

    await context.setOffline(true);
    await createProjectInApp(page, 'Made offline');
    await renameProjectInApp(page, 'Keep me', 'Kept and renamed');
    await deleteProjectInApp(page, 'Remove me');
    await openSettings(page);
    await page.getByTestId('settings-theme').selectOption('light');
    await page.getByTestId('nav-projects').click();
    await expect.poll(async () => Number(await page.getByTestId('pending-count').textContent())).toBe(3);
    await screenshot(page, '2-offline-queued');

    await page.reload();
    await expect.poll(() => projectNames(page), { timeout: 15_000 }).toEqual(['Kept and renamed', 'Made offline']);
    expect(await page.getByTestId('outbox-op').count()).toBe(3);
    expect(await page.getByTestId('outbox-op').allTextContents()).toEqual([
      expect.stringContaining("Create project 'Made offline'"),
      expect.stringContaining("Rename project 'Keep me' to 'Kept and renamed'"),
      expect.stringContaining("Delete project 'Remove me'"),
    ]);
    expect(Object.fromEntries(await serverProjects(baseUrl, bea.token, orgId))).toEqual({ 'Keep me': 1, 'Remove me': 1 });

    await context.setOffline(false);
    await syncNow(page);
    await waitSynced(page);
    await screenshot(page, '2-drained');
    // Exactly the intended state, each write applied once: the rename made version 2, nothing more.
    expect(Object.fromEntries(await serverProjects(baseUrl, bea.token, orgId))).toEqual({ 'Kept and renamed': 2, 'Made offline': 1 });
    expect((await api(baseUrl, bea.token, 'GET', '/api/settings')).body.items).toEqual([expect.objectContaining({ key: 'theme', value: 'light' })]);
    await context.close();
  }, 120_000);

  it('survives the network failing mid-replay (requests dropped before and after the server commits)', async () => {
    const baseUrl = worker().baseUrl;
    const cy = await signUpInApp(browser, baseUrl, 'Cy');
    const { page, context } = cy;
    await createOrgInApp(page, 'Flaky Lab');
    await waitSynced(page);
    const orgId = await orgIdByName(baseUrl, cy.token, 'Flaky Lab');

    await page.getByTestId('offline-toggle').check();
    for (const name of ['One', 'Two', 'Three', 'Four']) await createProjectInApp(page, name);
    await renameProjectInApp(page, 'Two', 'Two (renamed)');
    // While the queue drains, writes fail in turn: dropped before reaching the server, or after it committed.
    let writes = 0;
    await page.route('**/api/orgs/*/projects**', async (route) => {
      if (route.request().method() === 'GET') return route.continue();
      writes++;
      if (writes % 3 === 1) return route.abort('connectionreset');
      if (writes % 3 === 2) {
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.getByTestId('offline-toggle').uncheck();
    for (let i = 0; i < 20 && Number(await page.getByTestId('pending-count').textContent()) > 0; i++) {
      await syncNow(page);
      await page.waitForTimeout(500);
      // The UI never shows a half state: the names are always the intended ones.
      expect(await projectNames(page)).toEqual(['Four', 'One', 'Three', 'Two (renamed)']);
    }
    await page.unroute('**/api/orgs/*/projects**');
    await syncNow(page);
    await waitSynced(page, 60_000);
    expect(writes).toBeGreaterThan(5);
    await screenshot(page, '3-after-flaky-replay');
    expect(Object.fromEntries(await serverProjects(baseUrl, cy.token, orgId))).toEqual({ One: 1, 'Two (renamed)': 2, Three: 1, Four: 1 });
    await context.close();
  }, 120_000);

  it('two users of one org: an edit in one shows in the other, and one setting changed on both converges to the later write', async () => {
    const baseUrl = worker().baseUrl;
    const ann = await signUpInApp(browser, baseUrl, 'Ann');
    const bob = await signUpInApp(browser, baseUrl, 'Bob');
    await createOrgInApp(ann.page, 'Shared Lab');
    await createProjectInApp(ann.page, 'Joint review');
    await ann.page.getByTestId('nav-org').click();
    await ann.page.getByTestId('member-email').first().fill(bob.email);
    await ann.page.getByTestId('member-role').first().selectOption('admin');
    await ann.page.getByTestId('add-member').first().click();
    await waitSynced(ann.page);
    await expect.poll(() => ann.page.getByTestId('member-row').count()).toBe(2);
    await screenshot(ann.page, '4-org-members');

    await syncNow(bob.page);
    await bob.page.getByTestId('nav-projects').click();
    await expect.poll(() => projectNames(bob.page), { timeout: 20_000 }).toEqual(['Joint review']);
    await ann.page.getByTestId('nav-projects').click();
    // Live pokes: once Bob's tab is live, Ann's rename shows there with no reload and no manual sync.
    await expect.poll(() => bob.page.getByTestId('live-state').textContent(), { timeout: 20_000 }).toBe('Live');
    await renameProjectInApp(ann.page, 'Joint review', 'Joint review v2');
    await waitSynced(ann.page);
    await expect.poll(() => projectNames(bob.page), { timeout: 10_000 }).toEqual(['Joint review v2']);
    await screenshot(bob.page, '4-live-update');

    await openSettings(ann.page);
    await openSettings(bob.page);
    await ann.page.getByTestId('settings-default-tool').selectOption('casp');
    await waitSynced(ann.page);
    await bob.page.getByTestId('settings-default-tool').selectOption('jbi');
    await waitSynced(bob.page);
    await syncNow(ann.page);
    await syncNow(bob.page);
    for (const user of [ann, bob]) await expect.poll(() => user.page.getByTestId('settings-default-tool').inputValue(), { timeout: 20_000 }).toBe('jbi');
    await screenshot(bob.page, '4-settings-converged');
    await ann.context.close();
    await bob.context.close();
  }, 180_000);

  it('a rename the server refuses (the user was removed offline) shows failed with its reason, rolls back, and discard leaves nothing of the org', async () => {
    const baseUrl = worker().baseUrl;
    const ann = await signUpInApp(browser, baseUrl, 'Ann');
    const bob = await signUpInApp(browser, baseUrl, 'Bob');
    await ann.context.close();
    const org = await api(baseUrl, ann.token, 'POST', '/api/orgs', { name: 'Closing Lab' });
    await api(baseUrl, ann.token, 'POST', `/api/orgs/${org.body.id}/members`, { userId: bob.id, role: 'admin' });
    await api(baseUrl, ann.token, 'POST', `/api/orgs/${org.body.id}/projects`, { name: 'Alpha' });
    const { page } = bob;
    await syncNow(page);
    await expect.poll(() => projectNames(page), { timeout: 20_000 }).toEqual(['Alpha']);

    await page.getByTestId('offline-toggle').check();
    await renameProjectInApp(page, 'Alpha', 'Alpha (Bob)');
    await api(baseUrl, ann.token, 'DELETE', `/api/orgs/${org.body.id}/members/${bob.id}`);
    await page.getByTestId('offline-toggle').uncheck();
    await syncNow(page);
    const op = page.getByTestId('outbox-op');
    await expect.poll(() => op.getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
    expect(await op.getByTestId('op-error').textContent()).toMatch(/not found|ORG_NOT_FOUND/i);
    await syncNow(page);
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(0);
    await screenshot(page, '5-refused-op');
    await op.getByTestId('op-discard').click();
    await expect.poll(() => page.getByTestId('outbox-op').count()).toBe(0);
    await syncNow(page);
    expect(await page.getByTestId('org-switcher').count()).toBe(0);
    expect(await page.content()).not.toContain('Alpha');
    await screenshot(page, '5-after-discard');
    await bob.context.close();
  }, 120_000);

  it('two tabs of one user: only the leader replays, and both show the result', async () => {
    const baseUrl = worker().baseUrl;
    const dee = await signUpInApp(browser, baseUrl, 'Dee');
    await createOrgInApp(dee.page, 'Tabs Lab');
    await waitSynced(dee.page);
    const second = await dee.context.newPage();
    await second.goto('/');
    await second.getByTestId('sync-bar').waitFor();
    const sent = new Map<Page, number>([
      [dee.page, 0],
      [second, 0],
    ]);
    for (const tab of [dee.page, second]) {
      tab.on('request', (request) => {
        if (request.method() === 'POST' && /\/api\/orgs\/[^/]+\/projects$/.test(new URL(request.url()).pathname)) sent.set(tab, (sent.get(tab) ?? 0) + 1);
      });
    }
    // The write is made in the second tab; whichever tab leads sends it, once.
    await createProjectInApp(second, 'Made in tab two');
    await waitSynced(second);
    await expect.poll(() => projectNames(dee.page), { timeout: 20_000 }).toEqual(['Made in tab two']);
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBe(1);
    expect(sent.get(dee.page)).toBe(1);
    await screenshot(second, '6-second-tab');
    await dee.context.close();
  }, 120_000);
});
