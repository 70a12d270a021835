import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { projectsCollection } from '../../client/pull/collections.js';
import { pullCollection } from '../../client/pull/pull-collection.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient } from '../../client/transport/http-client.js';
import { atMostGoal, pairedBench, timed, type BenchResult } from '../harness.js';

const ORG = '11111111-1111-4111-8111-111111111111';
const N = 5000;
const PAGE = 1000;

/**
 * Pulling 5,000 projects in pages of 1,000 (fake-indexeddb, a fetch that serves the pages from memory):
 * ours (parse, per-page transaction with cursor, bulk writes) against the floor of writing the same rows with
 * one Dexie bulkPut per page and nothing else.
 */
export async function clientPullSuite(): Promise<BenchResult[]> {
  const items = Array.from({ length: N }, (_, i) => ({
    id: `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`,
    orgId: ORG,
    name: `Project ${i}`,
    description: '',
    createdBy: 'user',
    createdAt: 1,
    updatedAt: 1,
    deletedAt: null,
    version: 1,
  }));
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const from = Number(url.searchParams.get('cursor') ?? 0);
    const page = items.slice(from, from + PAGE);
    const body = { items: page, nextCursor: String(from + page.length), hasMore: from + page.length < N, serverTime: 5 };
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  };
  let run = 0;
  const fresh = () => new SyncDatabase(`bench-pull-${run++}-${Date.now()}`, { indexedDB, IDBKeyRange });
  const ours = timed(
    () => ({ db: fresh(), http: createHttpClient({ baseUrl: 'http://bench', getToken: () => 'token', fetch: fetch as typeof globalThis.fetch }) }),
    ({ db, http }) => pullCollection({ db, http, userId: 'user', now: Date.now, limit: PAGE }, projectsCollection(ORG)),
    ({ db }) => db.close(),
  );
  const floor = timed(
    async () => {
      const raw = fresh();
      await raw.open();
      return raw;
    },
    async (raw) => {
      for (let from = 0; from < N; from += PAGE) await raw.projects.bulkPut(items.slice(from, from + PAGE));
    },
    (raw) => raw.close(),
  );
  // Ours also validates every item with the shared zod schema, checks for pending ops and saves the cursor.
  return [await pairedBench('pull 5k projects (5 pages): ours vs bulkPut floor', 'ms', atMostGoal(4), ours, floor, { minSamples: 7, maxSamples: 21 })];
}
