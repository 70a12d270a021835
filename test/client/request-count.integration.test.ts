import { describe, expect, it } from 'vitest';
import { createSyncEngine } from '../../client/index.js';
import { FaultyFetch } from './faulty-fetch.js';
import { api, signUp, type TestAccount } from './worker-harness.js';
import { workerForFile } from './worker-for-file.js';
import { nodeEngine } from './node-engine.js';

/**
 * Sync costs O(changes), not O(projects) (issue 10): against the real Worker, a cycle with nothing changed sends
 * at most 2 requests whatever the number of orgs and projects, and a cycle after one rename at most 4. Counted
 * at the fetch, for 1 org x 50 projects and 3 orgs x 20.
 */
const worker = workerForFile();
let apps = 0;

async function layout(account: TestAccount, orgs: number, projectsPerOrg: number) {
  const baseUrl = worker().baseUrl;
  const ids: { orgId: string; projectIds: string[] }[] = [];
  for (let o = 0; o < orgs; o++) {
    const orgId = (await api(baseUrl, account.token, 'POST', '/api/orgs', { name: `Org ${o}` })).body.id as string;
    const projectIds: string[] = [];
    for (let p = 0; p < projectsPerOrg; p++) {
      projectIds.push((await api(baseUrl, account.token, 'POST', `/api/orgs/${orgId}/projects`, { name: `P${p}` })).body.id as string);
    }
    ids.push({ orgId, projectIds });
  }
  return ids;
}

describe('requests per sync cycle', () => {
  for (const [orgs, projects] of [
    [1, 50],
    [3, 20],
  ] as const) {
    it(`${orgs} org(s) x ${projects} projects: an idle cycle sends at most 2 requests, one rename at most 4`, async () => {
      const baseUrl = worker().baseUrl;
      const ann = await signUp(baseUrl, 'Ann');
      const ids = await layout(ann, orgs, projects);
      const net = new FaultyFetch();
      const engine = createSyncEngine({
        baseUrl,
        userId: ann.id,
        getToken: () => ann.token,
        fetch: net.fetch,
        ...nodeEngine,
        pullIntervalMs: 3_600_000,
        appName: `requests-${apps++}`,
      });
      await engine.start();
      await engine.syncNow();
      expect(await engine.db.projects.count()).toBe(orgs * projects);
      expect(await engine.db.projectMembers.count()).toBe(orgs * projects);

      let before = net.log.length;
      await engine.syncNow();
      const idle = net.log.slice(before).map((r) => `${r.method} ${r.path}`);
      expect(idle.length, idle.join('\n')).toBeLessThanOrEqual(2);

      const target = ids[ids.length - 1]!;
      await api(baseUrl, ann.token, 'PATCH', `/api/orgs/${target.orgId}/projects/${target.projectIds[7]}`, { name: 'Renamed elsewhere' });
      before = net.log.length;
      await engine.syncNow();
      const afterRename = net.log.slice(before).map((r) => `${r.method} ${r.path}`);
      expect(afterRename.length, afterRename.join('\n')).toBeLessThanOrEqual(4);
      expect(await engine.db.projects.get(target.projectIds[7]!)).toMatchObject({ name: 'Renamed elsewhere' });
      console.info(`requests per cycle, ${orgs}x${projects}: idle ${idle.length}, after one rename ${afterRename.length}`);
      await engine.close();
    }, 120_000);
  }
});
