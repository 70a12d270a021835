import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { ClientValidationError, SyncClientError, createSyncEngine, type SyncEngine, type SyncLogEvent } from '../../client/index.js';
import { noLocks } from '../../client/tabs/locks.js';
import type { OrgRole, ProjectRole } from '../../shared/index.js';
import { api, signIn, signUp, startWorker, type RunningWorker, type TestAccount, type WorkerStorage } from '../client/worker-harness.js';
import { runChecks, type ChaosWorld } from './chaos-checks.js';
import { ChaosFetch, DEFAULT_RATES, FAULTS, sleep, type ChaosRates, type Fault, type WireExchange } from './chaos-fetch.js';
import { Ledger, type OpKind } from './chaos-ledger.js';
import { derive, type Rng } from './chaos-random.js';

/**
 * The chaos convergence scenario (issue 11 item 1): N engines (Node, each its own fake-indexeddb) for users
 * in two orgs with mixed roles do random writes through the engine's public API while the network drops,
 * loses, duplicates, delays and reorders their requests, their clocks sit up to a day off, their tokens
 * expire or their sessions end, they go offline, and the Worker is killed and restarted on the same local D1.
 * Then the network heals, everyone drains and pulls, and chaos-checks.ts compares every engine with the server
 * and with the ledger the test kept of what each engine did.
 *
 * Seeded: every choice comes from streams derived from `seed` (chaos-random.ts), so a seed replays the same
 * scenario; the interleaving on a busy machine still varies from run to run, which is the point.
 */
export interface ChaosOptions {
  readonly seed: number;
  readonly engines: number;
  readonly actionsPerEngine: number;
  readonly restarts: number;
  /** The Worker's storage mode (worker-harness.ts), kept through its restarts; d1 by default. */
  readonly storage?: WorkerStorage;
  readonly rates?: ChaosRates;
  /** How long everyone keeps syncing through the faults after the last action (default 3 s). */
  readonly tailMs?: number;
  /** Progress lines (the soak prints them). */
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  readonly engines: number;
  readonly actionsPerEngine: number;
  readonly restarts: number;
  readonly storage: WorkerStorage;
  readonly durationMs: number;
  readonly drainMs: number;
  readonly faults: Record<Fault, number>;
  /** Actions taken, by kind (`refused:` ones were refused locally, as the API says it would). */
  readonly actions: Record<string, number>;
  readonly ops: { readonly enqueued: number; readonly applied: number; readonly replayed: number; readonly failedThenDiscarded: number; readonly userRetries: number };
  readonly settingsWrites: number;
  readonly wireWrites: number;
  /** Answers of 500 or more from the Worker's side (not drawn by the chaos), over all engines. */
  readonly upstream5xx: number;
  /** Each engine's request trace, written when the run failed (one file per engine). */
  readonly traceFiles: readonly string[];
  /** Every broken guarantee, one readable line each: empty when the run passed. */
  readonly violations: string[];
}

/** How each engine's writes back off: fast, so a run is about chaos rather than waiting. */
const BACKOFF = { baseMs: 20, capMs: 400, maxAttempts: 10 };

const ACTION_WEIGHTS = {
  'project.create': 10,
  'project.update': 14,
  'project.delete': 4,
  'org.member.add': 6,
  'org.member.role': 5,
  'org.member.remove': 3,
  'project.member.add': 7,
  'project.member.role': 4,
  'project.member.remove': 3,
  'settings.user': 10,
  'settings.org': 8,
  offline: 3,
  'token.expire': 2,
  'token.signout': 1,
  sync: 3,
} as const;
type Action = keyof typeof ACTION_WEIGHTS;

const ORG_ROLES = { member: 6, admin: 3, owner: 1 } as const satisfies Record<OrgRole, number>;
const PROJECT_ROLES = { member: 4, owner: 1 } as const satisfies Record<ProjectRole, number>;

/** Valid values for the registered keys the run writes, and a custom key each scope may take. */
const USER_SETTINGS: Record<string, (rng: Rng) => unknown> = {
  theme: (rng) => rng.pick(['light', 'dark', 'system']),
  locale: (rng) => rng.pick(['en', 'fr', 'de-CH', 'pt-BR']),
  'notifications.email': (rng) => rng.chance(0.5),
  'editor.fontSize': (rng) => rng.int(8, 32),
  'custom.layout': (rng) => ({ columns: rng.int(1, 4), dense: rng.chance(0.5) }),
};
const ORG_SETTINGS: Record<string, (rng: Rng) => unknown> = {
  'appraisal.defaultTool': (rng) => rng.pick(['casp', 'jbi', 'amstar2', 'rob2', 'robins-i', 'grade']),
  'appraisal.blindReview': (rng) => rng.chance(0.5),
  'org.locale': (rng) => rng.pick(['en', 'fr', 'es']),
  'custom.banner': (rng) => `banner ${rng.int(0, 999)}`,
};

/** One engine of the run: its user, its network, its token, and what it is doing. */
export interface EngineRun {
  readonly index: number;
  readonly account: TestAccount;
  readonly engine: SyncEngine;
  readonly net: ChaosFetch;
  readonly rng: Rng;
  readonly clockOffsetMs: number;
  readonly token: { value: string | null };
  /** Set while the token is broken: the step at which it is repaired, and how. */
  auth: { mode: 'garbage' | 'signed-out'; until: number } | null;
  offlineUntil: number | null;
  /** Ids handed out by the engine's newId (project ids are passed in, so a write's last id is its op's). */
  readonly issued: string[];
}

/**
 * The Worker of a run still going: a test that times out never reaches runChaos's own cleanup, so its afterAll
 * calls stopChaosWorker() and nothing outlives the test file.
 */
let current: { worker: RunningWorker; persistDir: string } | null = null;

export async function stopChaosWorker(): Promise<void> {
  const running = current;
  current = null;
  if (!running) return;
  await running.worker.stop();
  rmSync(running.persistDir, { recursive: true, force: true });
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const { seed } = options;
  const say = (line: string) => options.log?.(`[+${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const violations: string[] = [];
  const wire: WireExchange[] = [];
  const ledger = new Ledger();
  const actions: Record<string, number> = {};
  const tally = (name: string) => (actions[name] = (actions[name] ?? 0) + 1);

  const storage = options.storage ?? 'd1';
  let worker: RunningWorker = await startWorker({ storage });
  const { persistDir, port, baseUrl } = worker;
  current = { worker, persistDir };
  const runs: EngineRun[] = [];
  let restarting: Promise<void> = Promise.resolve();
  let drainMs = 0;
  let traceFiles: string[] = [];
  try {
    // ---- Setup through the API (no chaos): users, two orgs with mixed roles, projects with some members.
    const setupRng = derive(seed, 0);
    const accounts: TestAccount[] = [];
    for (let i = 0; i < options.engines; i++) accounts.push(await signUp(baseUrl, `Chaos${i}`));
    const owners = [accounts[0]!, accounts[1 % accounts.length]!];
    const orgIds: string[] = [];
    for (const [o, owner] of owners.entries()) {
      const res = await api(baseUrl, owner.token, 'POST', '/api/orgs', { name: `Chaos org ${o}` });
      if (res.status !== 201) throw new Error(`setup: creating org ${o} answered ${res.status}`);
      orgIds.push(res.body.id as string);
    }
    const setupProjects = new Set<string>();
    const joined = new Set<string>(owners.map((o) => o.id));
    for (const [o, orgId] of orgIds.entries()) {
      const owner = owners[o]!;
      const members = [owner];
      for (const account of accounts) {
        if (account === owner) continue;
        // Most users in org 0, some in both; whoever is in neither yet joins org 1.
        const join = o === 0 ? setupRng.chance(0.8) : setupRng.chance(0.6) || !joined.has(account.id);
        if (!join) continue;
        const res = await api(baseUrl, owner.token, 'POST', `/api/orgs/${orgId}/members`, { userId: account.id, role: setupRng.weighted(ORG_ROLES) });
        if (res.status !== 201) throw new Error(`setup: adding a member answered ${res.status}`);
        members.push(account);
        joined.add(account.id);
      }
      for (let p = 0; p < 3; p++) {
        const id = setupRng.uuid();
        const res = await api(baseUrl, owner.token, 'POST', `/api/orgs/${orgId}/projects`, { id, name: `Setup ${o}.${p}` });
        if (res.status !== 201) throw new Error(`setup: creating a project answered ${res.status}`);
        setupProjects.add(id);
        for (const member of members.slice(1)) {
          if (!setupRng.chance(0.4)) continue;
          await api(baseUrl, owner.token, 'POST', `/api/orgs/${orgId}/projects/${id}/members`, { userId: member.id, role: setupRng.weighted(PROJECT_ROLES) });
        }
      }
    }

    say(`chaos: setup done (${accounts.length} users, ${setupProjects.size} projects)`);
    // ---- Engines: each its own IndexedDB, clock, network, token and random streams.
    for (const [index, account] of accounts.entries()) {
      const rng = derive(seed, 1, index);
      const idRng = derive(seed, 2, index);
      const net = new ChaosFetch(index, derive(seed, 3, index), wire, options.rates ?? DEFAULT_RATES);
      // Within ±24 h, mixed: far off (the first stamps are refused as drifted), minutes off (stamps the server
      // still takes, near the drift limit), and seconds off (about the correction threshold).
      const spread = rng.weighted({ hours: 4, minutes: 3, seconds: 3 });
      const clockOffsetMs = Math.round((rng() * 2 - 1) * { hours: 24 * 3_600_000, minutes: 10 * 60_000, seconds: 5_000 }[spread]);
      const token = { value: account.token as string | null };
      const issued: string[] = [];
      const logger = (event: SyncLogEvent) => {
        const { op, ...rest } = event as SyncLogEvent & { op?: { id: string } };
        net.note(`engine ${op ? `op ${op.id} ` : ''}${JSON.stringify(rest)}`);
        if (event.type === 'applied') {
          const entry = ledger.entry(event.op.id, index);
          entry.applied++;
          if (event.replayed) entry.replayed++;
        } else if (event.type === 'failed') ledger.entry(event.op.id, index).failures.push(event.code);
      };
      const engine = createSyncEngine({
        baseUrl,
        userId: account.id,
        getToken: () => token.value,
        fetch: net.fetch,
        indexedDB: new IDBFactory(),
        IDBKeyRange,
        locks: noLocks,
        channel: null,
        events: null,
        WebSocket: null,
        appName: `chaos-${index}`,
        backoff: BACKOFF,
        random: derive(seed, 4, index),
        now: () => Date.now() + clockOffsetMs,
        newId: () => {
          const id = idRng.uuid();
          issued.push(id);
          return id;
        },
        pullIntervalMs: 10_000,
        requestTimeoutMs: 15_000,
        logger,
      });
      runs.push({ index, account, engine, net, rng, clockOffsetMs, token, auth: null, offlineUntil: null, issued });
    }
    // Every engine starts from a warm cache (the app's usual state), over a quiet network; then the chaos begins.
    for (const run of runs) run.net.quiet = true;
    await Promise.all(runs.map(async (run) => {
      await run.engine.start();
      await syncBounded(run.engine, 30_000);
    }));
    for (const run of runs) run.net.quiet = false;
    say(`chaos: seed ${seed}, ${runs.length} engines x ${options.actionsPerEngine} actions, ${options.restarts} restarts; clock offsets (min): ${runs.map((r) => (r.clockOffsetMs / 60_000).toFixed(1)).join(' ')}`);

    // ---- The Worker is killed and restarted on the same D1 and port as the actions pass fixed marks.
    const total = runs.length * options.actionsPerEngine;
    let done = 0;
    const marks = Array.from({ length: options.restarts }, (_, k) => Math.floor(((k + 1) * total) / (options.restarts + 1)));
    const restartRng = derive(seed, 5);
    let restarts = 0;
    const progressed = () => {
      done++;
      if (restarts < marks.length && done >= marks[restarts]!) {
        restarts++;
        const downMs = restartRng.int(200, 2_000);
        restarting = restarting.then(async () => {
          say(`chaos: killing the Worker at action ${done}/${total}, down for ${downMs} ms`);
          await worker.kill();
          await sleep(downMs);
          worker = await startWorker({ persistDir, port, storage });
          if (current) current.worker = worker;
          else await worker.stop();
          say(`chaos: Worker back on port ${port}`);
        });
      }
    };

    // ---- The actions: every engine at once, each its own sequence.
    await Promise.all(runs.map((run) => actLoop(run, options.actionsPerEngine, { ledger, violations, tally, progressed, accounts: () => accounts, baseUrl })));
    await restarting;
    say('chaos: actions done');
    // A tail with the Worker up and the network still hostile: the ops queued while it was down replay through
    // the faults, not only through the healed network.
    await Promise.all(runs.map((run) => chaosTail(run, options.tailMs ?? 3_000, ledger)));
    say('chaos: tail done');

    // ---- Heal: network quiet, everyone online with a valid token, then drain and pull until nothing moves.
    const drainStart = Date.now();
    for (const run of runs) {
      run.net.offline = false;
      run.net.quiet = true;
      await repairToken(run, baseUrl, true);
    }
    await Promise.all(runs.map((run) => run.net.settled()));
    const drained = await drainAll(runs, ledger, violations, say);
    // Nothing is queued anywhere now: one more pull each sees the final server state.
    for (const run of runs) await finalPull(run, violations, say);
    drainMs = Date.now() - drainStart;
    if (drained) say(`chaos: drained in ${drainMs} ms`);

    const world: ChaosWorld = { baseUrl, runs, ledger, wire, orgIds, setupProjects };
    violations.push(
      ...(await runChecks(world).catch((error: unknown) => {
        // A check that could not even read the server's view: the traces say how the run got there.
        traceFiles = writeTraces(seed, runs);
        throw new Error(`${error instanceof Error ? error.message : String(error)} (seed ${seed}; request traces: ${traceFiles.join(' ')})`, { cause: error });
      })),
    );
    // CHAOS_TRACE=1 writes them for a passing run too.
    if (violations.length > 0 || process.env.CHAOS_TRACE) traceFiles = writeTraces(seed, runs);
  } finally {
    await restarting.catch(() => undefined);
    for (const run of runs) await run.engine.close().catch(() => undefined);
    current = null;
    await worker.stop();
    rmSync(persistDir, { recursive: true, force: true });
  }

  const faults = Object.fromEntries(FAULTS.map((f) => [f, runs.reduce((sum, r) => sum + r.net.faults[f], 0)])) as Record<Fault, number>;
  const entries = [...ledger.ops.values()];
  return {
    seed,
    engines: options.engines,
    actionsPerEngine: options.actionsPerEngine,
    restarts: options.restarts,
    storage,
    durationMs: Date.now() - started,
    drainMs,
    faults,
    actions,
    ops: {
      enqueued: entries.length,
      applied: entries.filter((e) => e.applied > 0).length,
      replayed: entries.filter((e) => e.replayed > 0).length,
      failedThenDiscarded: entries.filter((e) => e.discarded).length,
      userRetries: entries.reduce((sum, e) => sum + e.userRetries, 0),
    },
    settingsWrites: ledger.settings.length,
    wireWrites: wire.length,
    upstream5xx: runs.reduce((sum, r) => sum + r.net.upstream5xx, 0),
    traceFiles,
    violations,
  };
}

interface ActDeps {
  readonly ledger: Ledger;
  readonly violations: string[];
  readonly tally: (name: string) => void;
  readonly progressed: () => void;
  readonly accounts: () => TestAccount[];
  readonly baseUrl: string;
}

/** One engine's sequence of actions, with its offline periods, token trouble and failed-op handling. */
async function actLoop(run: EngineRun, count: number, deps: ActDeps): Promise<void> {
  const { engine, rng } = run;
  for (let step = 0; step < count; step++) {
    if (run.offlineUntil !== null && step >= run.offlineUntil) {
      run.offlineUntil = null;
      run.net.offline = false;
      // As the browser's `online` event would.
      void engine.syncNow().catch(() => undefined);
    }
    if (run.auth && step >= run.auth.until) await repairToken(run, deps.baseUrl, false);
    await settleFailedOps(run, deps.ledger, false);
    const action = rng.weighted(ACTION_WEIGHTS);
    try {
      await act(run, action, step, deps);
    } catch (error) {
      if (error instanceof ClientValidationError || error instanceof SyncClientError) deps.tally(`refused:${action}:${error.code}`);
      else deps.violations.push(`engine ${run.index}: ${action} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    const broken = await countersBroken(engine);
    if (broken) deps.violations.push(`engine ${run.index} after step ${step} (${action}): ${broken}`);
    deps.progressed();
    await sleep(rng.int(5, 60));
  }
}

async function chaosTail(run: EngineRun, ms: number, ledger: Ledger): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await settleFailedOps(run, ledger, false);
    await syncBounded(run.engine, Math.max(0, until - Date.now()));
    await sleep(run.rng.int(20, 100));
  }
}

/** Writes each engine's trace to a file in the temp folder; returns the paths. */
function writeTraces(seed: number, runs: readonly EngineRun[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), `chaos-${seed}-`));
  return runs.map((run) => {
    const file = join(dir, `engine-${run.index}.log`);
    writeFileSync(file, `${run.net.trace.join('\n')}\n`);
    return file;
  });
}

/**
 * The pull the checks compare against must itself have succeeded: a pass whose step met a 5xx (wrangler dev's
 * proxy answers some requests 503 under load) leaves that collection as it was, which the checks would report
 * as a stale cache. So the pass is repeated until no collection records an error, and one that never gets
 * through is a violation of its own.
 */
async function finalPull(run: EngineRun, violations: string[], say: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await run.engine.syncNow();
    const failed = (await run.engine.db.syncState.toArray()).filter((s) => s.lastError !== null);
    if (failed.length === 0) return;
    const errors = failed.map((s) => `${s.collection}: ${s.lastError!.code} ${s.lastError!.message}`).join('; ');
    say(`chaos: engine ${run.index}'s final pull #${attempt} left errors: ${errors}`);
    if (attempt === 20) return void violations.push(`engine ${run.index}: the final pull kept failing: ${errors}`);
    await sleep(250);
  }
}

/**
 * syncNow(), waited for at most `ms`. It resolves once a cycle that started after the call has finished
 * (scheduler.ts; it used to wait for the scheduler to go idle, which steady triggers could put off forever). The
 * bound keeps the tail on its schedule and a run from hanging on a cycle that does not end.
 */
async function syncBounded(engine: SyncEngine, ms: number): Promise<void> {
  await Promise.race([engine.syncNow(), sleep(ms)]);
}

/**
 * enqueued = applied + discarded + failed + pending, read in one transaction (counters and ops change together),
 * so it holds at every moment, not only at the end. Returns what is wrong, or null.
 */
export async function countersBroken(engine: SyncEngine): Promise<string | null> {
  const { db } = engine;
  return db.transaction('r', db.ops, db.counters, async () => {
    const c = await engine.counters();
    const ops = await db.ops.toArray();
    const failed = ops.filter((op) => op.status === 'failed').length;
    const pending = ops.filter((op) => op.status === 'pending' || op.status === 'syncing').length;
    const applied = ops.filter((op) => op.status === 'applied').length;
    if (c.enqueued === c.applied + c.discarded + failed + pending + applied) return null;
    return `counters do not add up: enqueued ${c.enqueued} != applied ${c.applied} + discarded ${c.discarded} + failed ${failed} + pending ${pending}${applied ? ` + applied-but-queued ${applied}` : ''}`;
  });
}

/**
 * What a user does with failed ops: retry those that ran out of attempts (the server may not have seen them),
 * sometimes retry another once, discard the rest so their lanes move on. Returns how many failed ops were left.
 */
async function settleFailedOps(run: EngineRun, ledger: Ledger, finalDrain: boolean): Promise<number> {
  const failed = (await run.engine.outbox.list()).filter((op) => op.status === 'failed');
  for (const op of failed) {
    const entry = ledger.entry(op.id, run.index);
    const exhausted = op.error?.code === 'RETRIES_EXHAUSTED';
    if (exhausted || (!finalDrain && entry.userRetries === 0 && run.rng.chance(0.15))) {
      if (await run.engine.outbox.retry(op.id)) {
        entry.userRetries++;
        run.net.note(`user retries op ${op.id} (${op.error?.code ?? ''})`);
      }
    } else if (await run.engine.outbox.discard(op.id)) {
      entry.discarded = true;
      run.net.note(`user discards op ${op.id} (${op.error?.code ?? ''})`);
    }
  }
  return failed.length;
}

/** Back to a valid token: the old one after an expiry, a new session after a sign-out. */
async function repairToken(run: EngineRun, baseUrl: string, mustSucceed: boolean): Promise<void> {
  if (!run.auth) return;
  if (run.auth.mode === 'signed-out') {
    for (let tries = 0; ; tries++) {
      try {
        const token = await signIn(baseUrl, run.account);
        run.net.note(`user signs in again: ${token ? 'new token' : 'no token'}`);
        if (token) {
          run.account.token = token;
          break;
        }
      } catch (error) {
        // the Worker is restarting
        run.net.note(`user signs in again: ${String(error)}`);
      }
      if (!mustSucceed || tries > 50) return;
      await sleep(200);
    }
  }
  run.token.value = run.account.token;
  run.auth = null;
  run.engine.tokenChanged();
}

async function act(run: EngineRun, action: Action, step: number, deps: ActDeps): Promise<void> {
  const { engine, rng, index } = run;
  const { db } = engine;
  const me = run.account.id;
  const orgs = await db.orgs.toArray();
  const projects = await db.projects.toArray();
  const orgMembers = await db.orgMembers.toArray();
  const projectMembers = await db.projectMembers.toArray();

  /** Queues one write through the public API and enters its op in the ledger. */
  const write = async (kind: OpKind, target: { orgId: string; projectId?: string; userId?: string }, call: () => Promise<unknown>) => {
    const before = run.issued.length;
    await call();
    const opId = run.issued[run.issued.length - 1];
    if (run.issued.length === before || opId === undefined) throw new Error(`${kind} queued no op`);
    const entry = deps.ledger.entry(opId, index);
    entry.kind = kind;
    entry.orgId = target.orgId;
    entry.projectId = target.projectId ?? null;
    entry.userId = target.userId ?? null;
    run.net.note(`action ${kind} ${JSON.stringify(target)} op ${opId}`);
    deps.tally(kind);
  };
  const setting = async (scope: 'user' | 'org', scopeId: string, key: string, value: unknown) => {
    const seen = await db.settings.get([scope, scopeId, key]);
    const written = await engine.settings.set(scope === 'user' ? 'user' : { orgId: scopeId }, key, value);
    deps.ledger.settings.push({ engine: index, scope, scopeId, key, value, hlc: written.hlc, seenHlc: seen?.hlc ?? null });
    deps.tally(`settings.${scope}`);
  };
  const name = () => `${rng.pick(['Alpha', 'Beta', 'Gamma', 'Delta', 'Omega'])} ${index}.${step}`;

  switch (action) {
    case 'project.create': {
      if (orgs.length === 0) break;
      const org = rng.pick(orgs);
      const id = rng.uuid();
      return write('project.create', { orgId: org.id, projectId: id }, () => engine.projects.create(org.id, { id, name: name(), ...(rng.chance(0.3) ? { description: `made by ${index}` } : {}) }));
    }
    case 'project.update': {
      if (projects.length === 0) break;
      const p = rng.pick(projects);
      const patch = rng.chance(0.7) ? { name: name() } : { description: `edited by ${index} at ${step}` };
      return write('project.update', { orgId: p.orgId, projectId: p.id }, () => engine.projects.update(p.orgId, p.id, patch));
    }
    case 'project.delete': {
      if (projects.length === 0) break;
      const p = rng.pick(projects);
      return write('project.delete', { orgId: p.orgId, projectId: p.id }, () => engine.projects.remove(p.orgId, p.id));
    }
    case 'org.member.add': {
      if (orgs.length === 0) break;
      const org = rng.pick(orgs);
      const inOrg = new Set(orgMembers.filter((m) => m.orgId === org.id).map((m) => m.userId));
      const candidates = deps.accounts().filter((a) => !inOrg.has(a.id));
      if (candidates.length === 0) break;
      const target = rng.pick(candidates);
      return write('org.member.add', { orgId: org.id, userId: target.id }, () => engine.orgMembers.add(org.id, { userId: target.id, role: rng.weighted(ORG_ROLES), email: target.email }));
    }
    case 'org.member.role': {
      const pool = rng.chance(0.2) ? orgMembers.filter((m) => m.userId === me) : orgMembers;
      if (pool.length === 0) break;
      const m = rng.pick(pool);
      return write('org.member.role', { orgId: m.orgId, userId: m.userId }, () => engine.orgMembers.updateRole(m.orgId, m.userId, rng.weighted(ORG_ROLES)));
    }
    case 'org.member.remove': {
      const pool = rng.chance(0.3) ? orgMembers.filter((m) => m.userId === me) : orgMembers.filter((m) => m.userId !== me);
      if (pool.length === 0) break;
      const m = rng.pick(pool);
      return write('org.member.remove', { orgId: m.orgId, userId: m.userId }, () => engine.orgMembers.remove(m.orgId, m.userId));
    }
    case 'project.member.add': {
      if (projects.length === 0) break;
      const p = rng.pick(projects);
      const inProject = new Set(projectMembers.filter((m) => m.projectId === p.id).map((m) => m.userId));
      const candidates = orgMembers.filter((m) => m.orgId === p.orgId && !inProject.has(m.userId));
      if (candidates.length === 0) break;
      const target = rng.pick(candidates);
      return write('project.member.add', { orgId: p.orgId, projectId: p.id, userId: target.userId }, () =>
        engine.projectMembers.add(p.orgId, p.id, { userId: target.userId, role: rng.weighted(PROJECT_ROLES), name: target.name }),
      );
    }
    case 'project.member.role': {
      if (projectMembers.length === 0) break;
      const m = rng.pick(projectMembers);
      return write('project.member.role', { orgId: m.orgId, projectId: m.projectId, userId: m.userId }, () => engine.projectMembers.updateRole(m.orgId, m.projectId, m.userId, rng.weighted(PROJECT_ROLES)));
    }
    case 'project.member.remove': {
      const pool = rng.chance(0.3) ? projectMembers.filter((m) => m.userId === me) : projectMembers;
      if (pool.length === 0) break;
      const m = rng.pick(pool);
      return write('project.member.remove', { orgId: m.orgId, projectId: m.projectId, userId: m.userId }, () => engine.projectMembers.remove(m.orgId, m.projectId, m.userId));
    }
    case 'settings.org': {
      if (orgs.length === 0) break;
      const org = rng.pick(orgs);
      const key = rng.pick(Object.keys(ORG_SETTINGS));
      // A plain member's write is refused locally (SyncClientError), as the API promises: tallied, not a fault.
      return setting('org', org.id, key, rng.chance(0.1) ? null : ORG_SETTINGS[key]!(rng));
    }
    case 'offline':
      run.net.offline = true;
      run.offlineUntil = step + rng.int(2, 12);
      deps.tally(action);
      return;
    case 'token.expire':
      if (run.auth) break;
      run.auth = { mode: 'garbage', until: step + rng.int(2, 10) };
      run.net.note('token expires');
      run.token.value = `expired-${rng.uuid()}`;
      deps.tally(action);
      return;
    case 'token.signout': {
      if (run.auth) break;
      // The session ends on the server; the engine still holds its (now revoked) token until a new sign-in.
      const res = await api(deps.baseUrl, run.account.token, 'POST', '/api/auth/sign-out', {}).catch(() => null);
      run.net.note(`user signs out: ${res ? res.status : 'no answer'}`);
      // No answer (the Worker was killed mid-request): the sign-out may have committed, so the user signs in
      // again as they would after any sign-out. Taking it as not done left an engine holding a revoked token
      // that nothing ever repaired (found through the traces: seed 1465110935).
      if (res && res.status !== 200) break;
      run.auth = { mode: 'signed-out', until: step + rng.int(2, 10) };
      deps.tally(action);
      return;
    }
    case 'sync':
      void engine.syncNow().catch(() => undefined);
      deps.tally(action);
      return;
    case 'settings.user':
      break;
  }
  // The fallback for every action that had nothing to act on: a new project where the user has an org, else a
  // user setting (an engine whose user left every org has nothing else to write).
  if (orgs.length > 0 && action !== 'settings.user') return act(run, 'project.create', step, deps);
  const key = rng.pick(Object.keys(USER_SETTINGS));
  return setting('user', me, key, rng.chance(0.1) ? null : USER_SETTINGS[key]!(rng));
}

/**
 * After the chaos: sync every engine until no op is queued and no register is dirty anywhere (failed ops are
 * settled as a user would). A failed op holds its lane, so a lane of k ops that all fail (a user who lost the
 * right to manage members) takes k rounds, one discard each: the bound is therefore on progress, not on time.
 * Returns false, with a violation, if nothing left the queues for STALL_MS (an op stuck for good), or if the
 * drain outlasts DRAIN_CAP_MS.
 */
const STALL_MS = 60_000;
const DRAIN_CAP_MS = 900_000;

async function drainAll(runs: EngineRun[], ledger: Ledger, violations: string[], log: (line: string) => void): Promise<boolean> {
  const started = Date.now();
  let lastProgress = started;
  let lastLeft = Number.POSITIVE_INFINITY;
  for (let round = 0; ; round++) {
    await Promise.all(runs.map((run) => syncBounded(run.engine, 20_000)));
    let busy = 0;
    let queued = 0;
    const left: string[] = [];
    for (const run of runs) {
      const failed = await settleFailedOps(run, ledger, true);
      const ops = await run.engine.db.ops.toArray();
      const dirty = await run.engine.db.settings.where('dirty').equals(1).count();
      queued += failed + ops.length + dirty;
      if (failed + ops.length + dirty > 0) {
        busy++;
        const status = await run.engine.status();
        const state = `${status.pausedForAuth ? 'paused for auth, ' : ''}${status.online ? '' : 'offline, '}last error ${status.lastError?.code ?? 'none'}`;
        left.push(`engine ${run.index} (${state}): ${ops.map((op) => `${op.method} ${op.path} ${op.status} ${op.error?.code ?? ''}`).join(', ')}${dirty ? ` + ${dirty} dirty settings` : ''}`);
      }
    }
    if (busy === 0) return true;
    if (queued < lastLeft) {
      lastLeft = queued;
      lastProgress = Date.now();
    }
    log(`chaos: drain round ${round} (${queued} left): ${left.join('; ')}`);
    const stalled = Date.now() - lastProgress > STALL_MS;
    if (stalled || Date.now() - started > DRAIN_CAP_MS) {
      const why = stalled ? `nothing left the queues for ${STALL_MS / 1000} s` : `still draining after ${DRAIN_CAP_MS / 1000} s`;
      violations.push(`the engines did not drain after the network healed (${why}, ${round} rounds):\n  ${left.join('\n  ')}`);
      return false;
    }
    await sleep(100);
  }
}
