import type { ClientClock } from '../settings/client-clock.js';
import { pullSettings, pushSettings, type SettingsEvent } from '../settings/settings-sync.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { HttpClient } from '../transport/http-client.js';
import { orgMembersCollection, orgsCollection, projectMembersCollection, projectsCollection } from './collections.js';
import { pullCollection } from './pull-collection.js';
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

/**
 * A sync pass as named steps, in dependency order (after dexie-cloud's sync.ts):
 *
 *   orgs ─▶ push user settings ─▶ pull user settings ─▶ for each org the user has:
 *     org members ─▶ projects ─▶ push org settings (admins) ─▶ pull org settings ─▶ each project's members
 *
 * Later steps are decided from what earlier ones stored (the orgs pulled decide which orgs are visited), so the
 * plan is a generator read one step at a time.
 */
export async function* pullPlan(deps: PullPlanDeps): AsyncGenerator<PullStep> {
  const { db, userId } = deps;
  const pull = { db, http: deps.http, userId, now: deps.now, signal: deps.signal };
  const settings = { db, http: deps.http, clock: deps.clock, now: deps.now, signal: deps.signal, ...(deps.log ? { log: deps.log } : {}) };
  yield step('orgs', () => pullCollection(pull, orgsCollection()));
  yield step('settings:user', () => pushSettings(settings, 'user', userId));
  yield step('settings:user', () => pullSettings(settings, 'user', userId));
  for (const org of await db.orgs.toArray()) {
    yield step(`orgMembers:${org.id}`, () => pullCollection(pull, orgMembersCollection(org.id)));
    yield step(`projects:${org.id}`, () => pullCollection(pull, projectsCollection(org.id)));
    // Plain members cannot write org settings (the client refuses such writes), so they have nothing to push.
    if (org.role !== 'member') yield step(`settings:org:${org.id}`, () => pushSettings(settings, 'org', org.id));
    yield step(`settings:org:${org.id}`, () => pullSettings(settings, 'org', org.id));
    for (const project of await db.projects.where('orgId').equals(org.id).toArray()) {
      // A project created offline has no members on the server until its create op lands.
      if (await db.shadows.get(`projects:${project.id}`)) continue;
      yield step(`projectMembers:${project.id}`, () => pullCollection(pull, projectMembersCollection(org.id, project.id)));
    }
  }
}

/** How a pass ended: every step ran (some may have failed on their own), or a 401 / abort stopped it. */
export type PassResult = { readonly state: 'done' } | { readonly state: 'auth' } | { readonly state: 'aborted' };

/**
 * Runs a plan step by step. A failed step is reported and the pass goes on (one org's trouble does not stop
 * the others); a 401 or an abort stops the pass.
 */
export async function runPlan(plan: AsyncIterable<PullStep>, onError: (step: string, result: Extract<StepResult, { state: 'error' }>) => void): Promise<PassResult> {
  for await (const next of plan) {
    const result = await next.run();
    if (result.state === 'auth' || result.state === 'aborted') return { state: result.state };
    if (result.state === 'error') onError(next.name, result);
  }
  return { state: 'done' };
}
