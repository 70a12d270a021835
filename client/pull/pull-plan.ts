import type { ClientClock } from '../settings/client-clock.js';
import { dropUnpushable, pullSettings, pushSettings, type SettingsEvent } from '../settings/settings-sync.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { HttpClient } from '../transport/http-client.js';
import type { OrgRow } from '../storage/rows.js';
import { orgMembersCollection, orgProjectMembersCollection, orgsCollection, projectMembersCollection, projectsCollection } from './collections.js';
import { pullCollection } from './pull-collection.js';
import { onlyQueued } from '../outbox/server-rows.js';
import { StorageFullError } from '../errors.js';
import { isStorageFull } from '../storage/storage-full.js';
import type { StepResult } from './step-result.js';

export interface PullPlanDeps {
  readonly db: SyncDatabase;
  readonly http: HttpClient;
  readonly userId: string;
  readonly clock: ClientClock;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly log?: (event: SettingsEvent) => void;
}

/** One named step of a sync pass. `name` is the collection it syncs (status and errors are keyed by it). */
export interface PullStep {
  readonly name: string;
  run(): Promise<StepResult>;
}

const step = (name: string, run: () => Promise<StepResult>): PullStep => ({ name, run });

/** The org's change heads (a server that has them sends them on every org row). */
type OrgHeads = NonNullable<OrgRow['heads']>;

/**
 * A step that runs only when its collection may have changed: the org's head for it moved since the last
 * complete pull, or the collection has no cursor yet, or its last pull failed. A skipped collection is as fresh
 * as the orgs page that said nothing moved, so it takes that page's time as its last sync. After a complete
 * pull the head it ran for is recorded: a write that landed between the orgs page and this pull moves the head
 * again, so the next pass pulls once more (a false positive costs a page; a miss is impossible).
 */
function headed(db: SyncDatabase, orgsSyncedAt: number | null, collection: string, head: number | undefined, run: () => Promise<StepResult>): PullStep {
  return step(collection, async () => {
    const state = await db.syncState.get(collection);
    const fresh = head !== undefined && state !== undefined && state.cursor !== null && state.lastError === null && state.head === head;
    if (fresh) {
      await db.syncState.update(collection, { lastSyncedAt: orgsSyncedAt ?? state.lastSyncedAt });
      return { state: 'done', rows: 0 };
    }
    const result = await run();
    if (result.state === 'done' && head !== undefined) await db.syncState.update(collection, { head });
    return result;
  });
}

/**
 * A sync pass as named steps, in dependency order (after dexie-cloud's sync.ts):
 *
 *   orgs ─▶ push user settings ─▶ pull user settings ─▶ for each org the user has:
 *     org members ─▶ projects ─▶ push org settings (admins) ─▶ pull org settings ─▶ project members
 *
 * An org's sub-collections are pulled only when the org's change head for them moved (the orgs delta brings
 * an org row back whenever any head moves), so an idle pass costs two requests whatever the number of orgs
 * and projects. Against a server without heads every collection is pulled, and project members one request
 * per project. Later steps are decided from what earlier ones stored (the orgs pulled decide which orgs are
 * visited), so the plan is a generator read one step at a time.
 */
export async function* pullPlan(deps: PullPlanDeps): AsyncGenerator<PullStep> {
  const { db, userId } = deps;
  const pull = { db, http: deps.http, userId, now: deps.now, signal: deps.signal };
  const settings = { db, http: deps.http, clock: deps.clock, now: deps.now, signal: deps.signal, ...(deps.log ? { log: deps.log } : {}) };
  yield step('orgs', () => pullCollection(pull, orgsCollection()));
  yield step('settings:user', () => pushSettings(settings, 'user', userId));
  yield step('settings:user', () => pullSettings(settings, 'user', userId));
  // Read once the orgs step has run (the generator resumes after it): what every skipped collection is as fresh as.
  const orgsSyncedAt = (await db.syncState.get('orgs'))?.lastSyncedAt ?? null;
  for (const org of await db.orgs.toArray()) {
    const heads: Partial<OrgHeads> = org.heads ?? {};
    yield headed(db, orgsSyncedAt, `orgMembers:${org.id}`, heads.members, () => pullCollection(pull, orgMembersCollection(org.id)));
    yield headed(db, orgsSyncedAt, `projects:${org.id}`, heads.projects, () => pullCollection(pull, projectsCollection(org.id)));
    // Plain members cannot write org settings (the client refuses such writes), so they have nothing to push,
    // except what they wrote before they lost the right (an admin demoted meanwhile): dropped, the server's
    // registers pulled afresh in their place. A push sends nothing when no register is dirty.
    if (org.role !== 'member') yield step(`settings:org:${org.id}`, () => pushSettings(settings, 'org', org.id));
    else if ((await db.settings.where('[scope+scopeId]').equals(['org', org.id]).filter((r) => r.dirty === 1).count()) > 0) {
      yield step(`settings:org:${org.id}`, () => dropUnpushable(settings, 'org', org.id));
    }
    yield headed(db, orgsSyncedAt, `settings:org:${org.id}`, heads.settings, () => pullSettings(settings, 'org', org.id));
    if (org.heads) {
      yield headed(db, orgsSyncedAt, `projectMembers:org:${org.id}`, heads.projectMembers, () => pullCollection(pull, orgProjectMembersCollection(org.id)));
      continue;
    }
    for (const project of await db.projects.where('orgId').equals(org.id).toArray()) {
      // A project created offline has no members on the server until its create op lands.
      if (await onlyQueued(db, `projects:${project.id}`)) continue;
      yield step(`projectMembers:${project.id}`, () => pullCollection(pull, projectMembersCollection(org.id, project.id)));
    }
  }
}

/** How a pass ended: every step ran (some may have failed on their own), or a 401 / abort stopped it. */
export type PassResult = { readonly state: 'done' } | { readonly state: 'auth' } | { readonly state: 'aborted' };

/**
 * Runs a plan step by step. A failed step is reported and the pass goes on (one org's trouble does not stop
 * the others); a 401 or an abort stops the pass. A step whose writes the device refused (a full disk) failed
 * with STORAGE_FULL: its transaction rolled back whole, so its cursor did not move and the next pass retries it.
 */
export async function runPlan(plan: AsyncIterable<PullStep>, onError: (step: string, result: Extract<StepResult, { state: 'error' }>) => void): Promise<PassResult> {
  for await (const next of plan) {
    const result = await next.run().catch((error: unknown): StepResult => {
      if (!isStorageFull(error)) throw error;
      return { state: 'error', code: 'STORAGE_FULL', message: new StorageFullError().message };
    });
    if (result.state === 'auth' || result.state === 'aborted') return { state: result.state };
    if (result.state === 'error') onError(next.name, result);
  }
  return { state: 'done' };
}
