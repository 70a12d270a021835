import fc from 'fast-check';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { Dexie } from 'dexie';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF } from '../../client/outbox/backoff.js';
import { applyEffect, effectKey } from '../../client/outbox/effects.js';
import { discardOp, recoverSyncing, retryOp, shows } from '../../client/outbox/outbox-store.js';
import { purgeOrg } from '../../client/pull/purge.js';
import { drain, type ReplayEvent } from '../../client/outbox/replay-loop.js';
import { orgMemberWrites, projectMemberWrites } from '../../client/entities/members.js';
import { projectWrites } from '../../client/entities/projects.js';
import { opsWithStatus } from '../../client/storage/ops-with-status.js';
import type { LocalOp } from '../../client/storage/rows.js';
import { SyncDatabase } from '../../client/storage/sync-database.js';
import { createHttpClient, type HttpClient } from '../../client/transport/http-client.js';
import { FakeServer, type Fault } from './fake-server.js';

/**
 * Model-based test of the outbox: random sequences of offline writes (projects, org members, project members),
 * server outcomes, auth expiry, crashes and manual retry/discard, and losing access to an org at any point (its
 * ops pending, in flight or failed), replayed one lane at a time or several side by side.
 * After every command: no row of a revoked org is visible. After every run and a final drain: local state
 * equals the server's (minus the revoked org), every op was applied at most once and either applied or failed
 * with a reason, no lane was ever sent out of order, and no op reached the server while an op of its org it
 * depends on was still unanswered (see below).
 */
const ORG = '11111111-1111-4111-8111-111111111111';
/** The org the user may lose (by a LoseAccess command, or mid-request by the 'revoke-after-commit' fault). */
const ORG_B = '22222222-2222-4222-8222-222222222222';
const USER = 'user-1';
/** The people the user adds to orgs and projects. */
const PEOPLE = ['ann', 'ben', 'cat'];

/**
 * What a dependent op waits for, stated from the server's side: a project member add needs the person in the
 * org, so a project lane's op must not reach the server while an earlier org member op of its org is
 * unanswered; an org member op (a removal takes the person out of the org's projects) must not while an earlier
 * op of any project lane of its org is. Unanswered = pending or syncing in the outbox; ops held behind a failed
 * op of their lane wait for the user and hold nobody.
 */
function dependencyViolations(sent: LocalOp, queued: readonly LocalOp[]): string[] {
  const orgOf = (op: LocalOp) => op.path.split('/')[3];
  const orgLane = (op: LocalOp) => op.lane.startsWith('org:');
  const failedAt = new Map<string, number>();
  for (const op of queued) if (op.status === 'failed') failedAt.set(op.lane, Math.min(op.order, failedAt.get(op.lane) ?? Infinity));
  return queued
    .filter((op) => op.order < sent.order && op.lane !== sent.lane && orgOf(op) === orgOf(sent) && (orgLane(op) || orgLane(sent)))
    .filter((op) => (op.status === 'pending' || op.status === 'syncing') && !((failedAt.get(op.lane) ?? Infinity) < op.order))
    .map((op) => `${sent.method} ${sent.path} (#${sent.order}) reached the server before ${op.method} ${op.path} (#${op.order}, ${op.status}) was answered`);
}

interface Model {
  known: number;
}

class Real {
  server = new FakeServer();
  token = 'token-1';
  offline = false;
  clock = 1_000_000;
  ids = 0;
  db: SyncDatabase;
  /** Every op ever enqueued: id → its lane and enqueue position. */
  readonly ops = new Map<string, { lane: string; order: number; method: string }>();
  readonly failures = new Map<string, string>();
  readonly projects: { id: string; orgId: string }[] = [];
  /** Idempotency keys in the order requests reached the server. */
  readonly sent: string[] = [];
  readonly violations: string[] = [];
  /** The drain running now, and the last one a send stopped (no answer, or a 401). */
  private pass = 0;
  private stoppedPass = -1;
  private stoppedBy = '';
  private dbCount = 0;

  constructor(
    private readonly name: string,
    /** Lanes a drain sends at once. */
    readonly concurrency: number,
  ) {
    this.db = this.open();
    this.server.revocable = ORG_B;
    // What the engine's pull does when it learns of the revocation (an org tombstone or a 404 on its routes).
    this.server.onRevoke = (orgId) => purgeOrg(this.db, orgId);
  }

  /** The user lost the org: the server refuses it, and the client's pull purges it. */
  async revoke(orgId: string) {
    this.server.revokedOrgs.add(orgId);
    await purgeOrg(this.db, orgId);
  }

  open(): SyncDatabase {
    return new SyncDatabase(`${this.name}-${this.dbCount}`, { indexedDB, IDBKeyRange });
  }

  newId = () => {
    const n = (++this.ids).toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${n}`;
  };

  http = createHttpClient({
    baseUrl: 'http://server.test',
    getToken: () => this.token,
    fetch: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const key = request.headers.get('idempotency-key');
      if (this.offline) throw new TypeError('Failed to fetch');
      if (key) {
        this.sent.push(key);
        // Only a lane's first op may ever be on the wire: nothing earlier in its lane may still be queued
        // (pending, failed or otherwise).
        const op = await this.db.ops.get(key);
        if (op) {
          const earlier = await this.db.ops.where('[lane+order]').between([op.lane, Dexie.minKey], [op.lane, op.order]).count();
          if (earlier > 0) this.violations.push(`${op.method} ${op.path} sent with ${earlier} earlier op(s) queued in ${op.lane}`);
          this.violations.push(...dependencyViolations(op, await this.db.ops.toArray()));
        }
      }
      return this.server.fetch(request);
    },
  });

  /**
   * A pass sends nothing new once a send got no answer or a 401 (the sends already in flight finish): no send
   * may start after the replay told us so (its log event comes once the op is rescheduled, a little after the
   * pass stopped, so this misses a send in between but never blames a send made before the stop).
   */
  private readonly wire = this.http;
  readonly replayHttp: HttpClient = {
    refusedToken: () => this.wire.refusedToken(),
    send: (request) => {
      if (request.method !== 'GET' && this.stoppedPass === this.pass) this.violations.push(`${request.method} ${request.path} sent after its pass stopped (${this.stoppedBy})`);
      return this.wire.send(request);
    },
  };

  private readonly replayLog = (event: ReplayEvent) => {
    if (event.type === 'auth-paused' || (event.type === 'retry' && event.reason.startsWith('network:'))) {
      this.stoppedPass = this.pass;
      this.stoppedBy = event.type === 'auth-paused' ? '401' : event.reason;
    }
  };

  private ctx() {
    return { db: this.db, userId: USER, now: () => this.clock, newId: this.newId, kick: () => {} };
  }

  writes() {
    return projectWrites(this.ctx());
  }

  orgMembers() {
    return orgMemberWrites(this.ctx());
  }

  projectMembers() {
    return projectMemberWrites(this.ctx());
  }

  /** The org an app still shows: B until the user lost it, A otherwise. */
  shownOrg(inB: boolean) {
    return inB && !this.server.revokedOrgs.has(ORG_B) ? ORG_B : ORG;
  }

  async recordNewestOp() {
    const op = await this.db.ops.orderBy('order').last();
    if (op && !this.ops.has(op.id)) this.ops.set(op.id, { lane: op.lane, order: op.order, method: op.method });
  }

  async drain(signal?: AbortSignal) {
    // Far enough ahead that every backoff is due: timing is the backoff tests' business, order is this one's.
    this.clock += 10 * 60_000;
    this.pass++;
    return drain({
      db: this.db,
      http: this.replayHttp,
      log: this.replayLog,
      userId: USER,
      now: () => this.clock,
      random: () => 0.5,
      policy: { ...DEFAULT_BACKOFF, maxAttempts: 4 },
      concurrency: this.concurrency,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * The visible rows always equal the server state (the shadow's row; nothing without a shadow) with the shown
   * (pending/syncing, scope not lost) ops applied in order, for every row with ops queued or a shadow; a shadow
   * never outlives the ops on its row; and nothing of a revoked org is visible, or kept as a server copy that an
   * outbox transition could restore.
   */
  async checkView() {
    for (const orgId of this.server.revokedOrgs) {
      expect(await this.db.projects.where('orgId').equals(orgId).count(), `visible projects of revoked ${orgId}`).toBe(0);
      expect(await this.db.orgMembers.where('orgId').equals(orgId).count(), `visible org members of revoked ${orgId}`).toBe(0);
      expect(await this.db.projectMembers.where('orgId').equals(orgId).count(), `visible project members of revoked ${orgId}`).toBe(0);
      const kept = (await this.db.shadows.toArray()).filter((s) => s.row !== null && s.row.orgId === orgId);
      expect(kept.map((s) => s.entity), `shadows of revoked ${orgId}`).toEqual([]);
    }
    const queued = (await this.db.ops.orderBy('entity').uniqueKeys()) as string[];
    const shadows = new Map((await this.db.shadows.toArray()).map((s) => [s.entity, s]));
    for (const entity of shadows.keys()) expect(queued, `shadow of ${entity} without ops`).toContain(entity);
    for (const entity of queued) {
      const ops = await this.db.ops.where('entity').equals(entity).sortBy('order');
      const { effect } = ops[0]!;
      const expected = ops.filter(shows).reduce((row, op) => applyEffect(row, op.effect), shadows.get(entity)?.row ?? null);
      const visible = (await this.db.table(effect.table).get(effectKey(effect) as never)) ?? null;
      expect(visible, `visible row of ${entity}`).toEqual(expected);
    }
    // A row with neither ops nor a shadow is the server's: only an answer put it there (this client writes alone).
    for (const project of await this.db.projects.toArray()) {
      if (queued.includes(`projects:${project.id}`)) continue;
      expect(this.server.projects.has(project.id), `visible ${project.id} with no ops is not on the server`).toBe(true);
    }
    expect(this.violations).toEqual([]);
  }

  async noteFailures() {
    for (const op of await opsWithStatus(this.db, 'failed').toArray()) this.failures.set(op.id, op.error?.code ?? '?');
  }
}

type Cmd = fc.AsyncCommand<Model, Real>;

class Create implements Cmd {
  constructor(readonly name: string, readonly inB: boolean) {}
  check = () => true;
  async run(m: Model, r: Real) {
    // The app creates only in orgs it still shows: after the revocation, in the other one.
    const orgId = r.shownOrg(this.inB);
    const row = await r.writes().create(orgId, { name: this.name });
    r.projects.push({ id: row.id, orgId });
    await r.recordNewestOp();
    m.known++;
    expect(await r.db.projects.get(row.id)).toMatchObject({ name: this.name });
    await r.checkView();
  }
  toString = () => `create(${JSON.stringify(this.name)}${this.inB ? ', org B' : ''})`;
}

class Rename implements Cmd {
  constructor(readonly index: number, readonly name: string) {}
  check = (m: Readonly<Model>) => m.known > 0;
  async run(_m: Model, r: Real) {
    const { id, orgId } = r.projects[this.index % r.projects.length]!;
    await r.writes().update(orgId, id, { name: this.name });
    await r.recordNewestOp();
    await r.checkView();
  }
  toString = () => `rename(#${this.index}, ${JSON.stringify(this.name)})`;
}

class Remove implements Cmd {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.known > 0;
  async run(_m: Model, r: Real) {
    const { id, orgId } = r.projects[this.index % r.projects.length]!;
    await r.writes().remove(orgId, id);
    await r.recordNewestOp();
    expect(await r.db.projects.get(id)).toBeUndefined();
    await r.checkView();
  }
  toString = () => `remove(#${this.index})`;
}

class Drain implements Cmd {
  constructor(readonly faults: Fault[]) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    r.server.faults = [...this.faults];
    const attempts = new Map((await r.db.ops.toArray()).map((op) => [op.id, op.attempts]));
    const refused = r.server.unauthorized.length;
    const result = await r.drain();
    await r.noteFailures();
    if (result.state === 'paused-for-auth') {
      expect(r.token === r.server.validToken && !this.faults.includes('unauthorized')).toBe(false);
      // A 401 pauses the queue without spending the attempt of the op it answered.
      const key = r.server.unauthorized[r.server.unauthorized.length - 1];
      expect(r.server.unauthorized.length).toBeGreaterThan(refused);
      if (key) expect((await r.db.ops.get(key))?.attempts, `attempts of ${key} after a 401`).toBe(attempts.get(key));
    }
    await r.checkView();
  }
  toString = () => `drain(${this.faults.join(',')})`;
}

/** The user adds someone to an org (A, or B while shown), or removes them from it. */
class OrgMember implements Cmd {
  constructor(readonly add: boolean, readonly inB: boolean, readonly person: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const orgId = r.shownOrg(this.inB);
    const userId = PEOPLE[this.person % PEOPLE.length]!;
    if (this.add) await r.orgMembers().add(orgId, { userId, role: 'member' });
    else await r.orgMembers().remove(orgId, userId);
    await r.recordNewestOp();
    await r.checkView();
  }
  toString = () => `${this.add ? 'add' : 'remove'}-org-member(${PEOPLE[this.person % PEOPLE.length]}${this.inB ? ', org B' : ''})`;
}

/** The user adds someone to a project: the server takes it only if they are in the project's org by then. */
class ProjectMember implements Cmd {
  constructor(readonly index: number, readonly person: number) {}
  check = (m: Readonly<Model>) => m.known > 0;
  async run(_m: Model, r: Real) {
    // The app shows only the projects of orgs the user still has.
    const shown = r.projects.filter((p) => !r.server.revokedOrgs.has(p.orgId));
    if (shown.length === 0) return;
    const { id, orgId } = shown[this.index % shown.length]!;
    await r.projectMembers().add(orgId, id, { userId: PEOPLE[this.person % PEOPLE.length]!, role: 'member' });
    await r.recordNewestOp();
    await r.checkView();
  }
  toString = () => `add-project-member(#${this.index}, ${PEOPLE[this.person % PEOPLE.length]})`;
}

/** The user is removed from org B (once): the server refuses it from now on and the client purges it. */
class LoseAccess implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.revoke(ORG_B);
    await r.checkView();
  }
  toString = () => 'lose-access(org B)';
}

class SetOffline implements Cmd {
  constructor(readonly offline: boolean) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    r.offline = this.offline;
  }
  toString = () => (this.offline ? 'offline' : 'online');
}

class ExpireToken implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    r.server.validToken = `${r.server.validToken}+`;
  }
  toString = () => 'expire-token';
}

class RefreshToken implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    r.token = r.server.validToken;
  }
  toString = () => 'refresh-token';
}

/** The process dies while a request is in flight, after the server committed it; the app restarts. */
class Crash implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    r.server.faults = ['hang-after-commit'];
    const abandoned = r.drain().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 5));
    r.db.close();
    void abandoned;
    r.server.faults = [];
    r.db = r.open();
    await recoverSyncing(r.db);
    expect(await opsWithStatus(r.db, 'syncing').count()).toBe(0);
    await r.checkView();
  }
  toString = () => 'crash+restart';
}

class RetryFailed implements Cmd {
  constructor(readonly index: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const failed = await opsWithStatus(r.db, 'failed').toArray();
    const op = failed[this.index % Math.max(1, failed.length)];
    if (op) expect(await retryOp(r.db, op.id, r.clock)).toBe(true);
    await r.checkView();
  }
  toString = () => `retry(#${this.index})`;
}

class DiscardFailed implements Cmd {
  constructor(readonly index: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.noteFailures();
    const failed = await opsWithStatus(r.db, 'failed').toArray();
    const op = failed[this.index % Math.max(1, failed.length)];
    if (op) expect(await discardOp(r.db, op.id)).toBe(true);
    await r.checkView();
  }
  toString = () => `discard(#${this.index})`;
}

const faultArb = fc.constantFrom<Fault>('ok', 'ok', 'ok', 'reject', 'reject', 'transient', 'drop-response', 'drop-response', 'unauthorized', 'offline', 'in-progress', 'revoke-after-commit');
const nameArb = fc.constantFrom('Trial', 'Cohort', 'Review', 'Scoping');
const commands = [
  fc.tuple(nameArb, fc.boolean()).map(([n, inB]) => new Create(n, inB)),
  fc.tuple(fc.nat(20), nameArb).map(([i, n]) => new Rename(i, n)),
  fc.nat(20).map((i) => new Remove(i)),
  fc.tuple(fc.boolean(), fc.boolean(), fc.nat(2)).map(([add, inB, p]) => new OrgMember(add, inB, p)),
  fc.tuple(fc.nat(20), fc.nat(2)).map(([i, p]) => new ProjectMember(i, p)),
  fc.array(faultArb, { maxLength: 6 }).map((f) => new Drain(f)),
  fc.boolean().map((b) => new SetOffline(b)),
  fc.constant(new ExpireToken()),
  fc.constant(new RefreshToken()),
  fc.constant(new Crash()),
  fc.constant(new LoseAccess()),
  fc.nat(5).map((i) => new RetryFailed(i)),
  fc.nat(5).map((i) => new DiscardFailed(i)),
];

let runs = 0;

describe('outbox model', () => {
  it('converges to the server state with every op applied at most once, in lane and dependency order, one lane or several at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 2, 4), fc.commands(commands, { maxCommands: 40 }), async (concurrency, cmds) => {
        const real = new Real(`outbox-model-${runs++}`, concurrency);
        await fc.asyncModelRun(() => ({ model: { known: 0 }, real }), cmds);

        // Final drain: network back, a valid token, no faults; failed ops are recorded and discarded.
        real.offline = false;
        real.token = real.server.validToken;
        real.server.faults = [];
        for (let round = 0; round < 20 && (await real.db.ops.count()) > 0; round++) {
          const result = await real.drain();
          expect(result.state).toBe('drained');
          await real.noteFailures();
          for (const op of await opsWithStatus(real.db, 'failed').toArray()) await discardOp(real.db, op.id);
        }
        expect(await real.db.ops.count()).toBe(0);

        // Local state equals the server's, less what the user may no longer see.
        await real.checkView();
        const local = (await real.db.projects.toArray()).map((p) => `${p.id}:${p.name}`).sort();
        const visible = real.server.alive().filter((p) => !real.server.revokedOrgs.has(p.orgId));
        expect(local).toEqual(visible.map((p) => `${p.id}:${p.name}`).sort());
        const localOrgMembers = (await real.db.orgMembers.toArray()).map((m) => `${m.orgId}:${m.userId}`).sort();
        const serverOrgMembers = [...real.server.orgMembers.values()].filter((m) => m.deletedAt === null && !real.server.revokedOrgs.has(m.orgId));
        expect(localOrgMembers).toEqual(serverOrgMembers.map((m) => `${m.orgId}:${m.userId}`).sort());
        expect(await real.db.shadows.count()).toBe(0);
        expect(real.violations).toEqual([]);

        // Every op applied at most once; an op with no effect failed with a reason (or was a no-op delete).
        const applied = new Map<string, number>();
        for (const key of real.server.effects) applied.set(key, (applied.get(key) ?? 0) + 1);
        for (const [id, op] of real.ops) {
          expect(applied.get(id) ?? 0, `op ${id} applied twice`).toBeLessThanOrEqual(1);
          if (!applied.has(id) && op.method !== 'DELETE') expect(real.failures.get(id), `op ${id} vanished`).toBeTruthy();
        }

        // Nothing was sent out of lane order: within a lane, sends never go back to an earlier op.
        const lastSent = new Map<string, number>();
        for (const key of real.sent) {
          const op = real.ops.get(key);
          if (!op) continue;
          expect(op.order, `lane ${op.lane} sent out of order`).toBeGreaterThanOrEqual(lastSent.get(op.lane) ?? 0);
          lastSent.set(op.lane, op.order);
        }
        real.db.close();
      }),
      { numRuns: 300 },
    );
    console.info(`outbox model: ${runs} runs`);
  }, 180_000);
});
