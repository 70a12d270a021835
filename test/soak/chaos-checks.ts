import type { SettingScope } from '../../shared/index.js';
import { api } from '../client/worker-harness.js';
import type { WireExchange } from './chaos-fetch.js';
import { registerId, type Ledger, type LedgerEntry } from './chaos-ledger.js';
import { countersBroken, type EngineRun } from './chaos-scenario.js';

/**
 * The chaos run's verdict, once everyone has drained and pulled. Each check returns readable violations (empty
 * when it holds):
 *
 * 1. cache = server: every engine's tables equal what the server shows its user through the API (orgs,
 *    members, projects, project members, settings), so the cache holds nothing the user may not see; and what
 *    the server shows equals the visibility rule applied to an owner's full listing;
 * 2. exactly once: every op the ledger holds was applied once, or failed with a reason and was discarded; the
 *    wire shows at most one fresh (not replayed) success per idempotency key; the server's project rows are
 *    exactly those created by committed ops, at the version their committed edits and deletes explain;
 * 3. registers: every settings register on the server holds the highest stamp the server accepted for it (and
 *    its value), and engines hold the same;
 * 4. counters: enqueued = applied + discarded + failed + pending, and they agree with the ledger.
 */
export interface ChaosWorld {
  readonly baseUrl: string;
  readonly runs: readonly EngineRun[];
  readonly ledger: Ledger;
  readonly wire: readonly WireExchange[];
  readonly orgIds: readonly string[];
  readonly setupProjects: ReadonlySet<string>;
}

type Row = Record<string, unknown>;

/** What the server shows one user. `allProjects` keeps tombstones (an admin's full listing has them all). */
interface ServerView {
  orgs: Row[];
  orgMembers: Row[];
  projects: Row[];
  allProjects: Row[];
  projectMembers: Row[];
  settings: Row[];
}

const alive = (row: Row) => row.deletedAt === null;
const is2xx = (status: number | null) => status !== null && status >= 200 && status < 300;

/** JSON with sorted keys, so equal rows print equal. */
function stable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  const entries = Object.entries(value as Row).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
}

async function readAll(baseUrl: string, token: string, path: string): Promise<Row[]> {
  const items: Row[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res = await api(baseUrl, token, 'GET', `${path}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...(res.body.items as Row[]));
    if (!res.body.hasMore) return items;
    cursor = res.body.nextCursor as string;
  }
  throw new Error(`GET ${path} never ended`);
}

async function serverView(baseUrl: string, run: EngineRun): Promise<ServerView> {
  const token = run.token.value as string;
  const view: ServerView = { orgs: [], orgMembers: [], projects: [], allProjects: [], projectMembers: [], settings: [] };
  view.orgs = (await readAll(baseUrl, token, '/api/orgs')).filter(alive);
  for (const s of await readAll(baseUrl, token, '/api/settings')) view.settings.push({ scope: 'user', scopeId: run.account.id, ...s });
  for (const org of view.orgs) {
    const base = `/api/orgs/${org.id as string}`;
    view.orgMembers.push(...(await readAll(baseUrl, token, `${base}/members`)).filter(alive));
    const projects = await readAll(baseUrl, token, `${base}/projects`);
    view.allProjects.push(...projects);
    view.projects.push(...projects.filter(alive));
    view.projectMembers.push(...(await readAll(baseUrl, token, `${base}/project-members`)).filter(alive));
    for (const s of await readAll(baseUrl, token, `${base}/settings`)) view.settings.push({ scope: 'org', scopeId: org.id, ...s });
  }
  return view;
}

const keyOf = {
  orgs: (r: Row) => r.id as string,
  orgMembers: (r: Row) => `${r.orgId as string}/${r.userId as string}`,
  projects: (r: Row) => r.id as string,
  projectMembers: (r: Row) => `${r.projectId as string}/${r.userId as string}`,
  settings: (r: Row) => registerId(r.scope as SettingScope, r.scopeId as string, r.key as string),
};

/** Rows as compared: settings by register (key, value, hlc); everything else whole. */
const comparable = (table: keyof typeof keyOf, row: Row): Row => (table === 'settings' ? { key: row.key, value: row.value ?? null, hlc: row.hlc } : row);

function diffTable(who: string, table: keyof typeof keyOf, cache: Row[], server: Row[]): string[] {
  const out: string[] = [];
  const cached = new Map(cache.map((r) => [keyOf[table](r), r]));
  const shown = new Map<string, Row>();
  for (const r of server) {
    const k = keyOf[table](r);
    if (shown.has(k)) out.push(`${who}: the server lists ${table} ${k} twice`);
    shown.set(k, r);
  }
  for (const [k, r] of shown) {
    const mine = cached.get(k);
    if (!mine) out.push(`${who}: ${table} ${k} is on the server but not in the cache: ${stable(comparable(table, r))}`);
    else if (stable(comparable(table, mine)) !== stable(comparable(table, r))) {
      out.push(`${who}: ${table} ${k} differs\n    cache:  ${stable(comparable(table, mine))}\n    server: ${stable(comparable(table, r))}`);
    }
  }
  for (const [k, r] of cached) if (!shown.has(k)) out.push(`${who}: ${table} ${k} is in the cache but the server does not show it to this user: ${stable(comparable(table, r))}`);
  return out;
}

export async function runChecks(world: ChaosWorld): Promise<string[]> {
  const violations: string[] = [];
  const views = new Map<number, ServerView>();
  for (const run of world.runs) views.set(run.index, await serverView(world.baseUrl, run));

  // 1. Every cache equals its user's server view.
  for (const run of world.runs) {
    const view = views.get(run.index)!;
    const { db } = run.engine;
    const who = `engine ${run.index}`;
    violations.push(...diffTable(who, 'orgs', await db.orgs.toArray(), view.orgs));
    violations.push(...diffTable(who, 'orgMembers', await db.orgMembers.toArray(), view.orgMembers));
    violations.push(...diffTable(who, 'projects', await db.projects.toArray(), view.projects));
    violations.push(...diffTable(who, 'projectMembers', await db.projectMembers.toArray(), view.projectMembers));
    violations.push(...diffTable(who, 'settings', (await db.settings.toArray()) as unknown as Row[], view.settings));
    const dirty = await db.settings.where('dirty').equals(1).count();
    if (dirty > 0) violations.push(`${who}: ${dirty} settings registers still dirty after the drain`);
  }

  // 1b. What the server shows each user follows the visibility rule, from an owner's full listing of the org.
  const owned = new Map<string, { all: Row[]; memberships: Row[] }>();
  for (const orgId of world.orgIds) {
    const owner = world.runs.find((r) => views.get(r.index)!.orgs.some((o) => o.id === orgId && o.role === 'owner'));
    if (!owner) {
      violations.push(`org ${orgId} has no owner left (the last-owner guard should prevent that)`);
      continue;
    }
    const view = views.get(owner.index)!;
    owned.set(orgId, { all: view.allProjects.filter((p) => p.orgId === orgId), memberships: view.projectMembers.filter((m) => m.orgId === orgId) });
  }
  for (const run of world.runs) {
    const view = views.get(run.index)!;
    for (const org of view.orgs) {
      const full = owned.get(org.id as string);
      if (!full) continue;
      const mine = new Set(full.memberships.filter((m) => m.userId === run.account.id).map((m) => m.projectId as string));
      const expected = full.all.filter(alive).filter((p) => org.role !== 'member' || mine.has(p.id as string)).map((p) => p.id as string).sort();
      const shown = view.projects.filter((p) => p.orgId === org.id).map((p) => p.id as string).sort();
      if (stable(expected) !== stable(shown)) {
        violations.push(`engine ${run.index} (${org.role as string} of org ${org.id as string}): the server shows projects ${stable(shown)}, the visibility rule says ${stable(expected)}`);
      }
    }
  }

  // 2. Exactly once: the ledger against the wire and the server's rows.
  const byKey = new Map<string, WireExchange[]>();
  for (const x of world.wire) if (x.key) byKey.set(x.key, [...(byKey.get(x.key) ?? []), x]);
  const committed = (opId: string) => (byKey.get(opId) ?? []).some((x) => is2xx(x.status));
  for (const [key, exchanges] of byKey) {
    const fresh = exchanges.filter((x) => is2xx(x.status) && !x.replayed);
    if (fresh.length > 1) violations.push(`op ${key}: the server applied it ${fresh.length} times (${fresh.map((x) => `${x.method} ${x.path} ${x.status}`).join(', ')})`);
    if (!world.ledger.ops.has(key)) violations.push(`op ${key} went over the wire but no engine queued it through the API (${exchanges[0]!.method} ${exchanges[0]!.path})`);
  }
  for (const entry of world.ledger.ops.values()) violations.push(...checkEntry(entry, byKey.get(entry.opId) ?? []));
  for (const [orgId, { all }] of owned) {
    const ops = [...world.ledger.ops.values()].filter((e) => e.orgId === orgId);
    const creates = new Map(ops.filter((e) => e.kind === 'project.create').map((e) => [e.projectId as string, e]));
    for (const entry of creates.values()) {
      const row = all.find((p) => p.id === entry.projectId);
      if (committed(entry.opId) && !row) violations.push(`project ${entry.projectId} (engine ${entry.engine}): its create committed but the server has no such row`);
      if (!committed(entry.opId) && row) violations.push(`project ${entry.projectId} (engine ${entry.engine}): its create never committed yet the server has the row`);
    }
    for (const row of all) {
      const id = row.id as string;
      if (!world.setupProjects.has(id) && !creates.has(id)) violations.push(`project ${id} on the server was created by no op of the run`);
      const edits = ops.filter((e) => e.kind === 'project.update' && e.projectId === id && committed(e.opId)).length;
      const deletes = ops.filter((e) => e.kind === 'project.delete' && e.projectId === id && (byKey.get(e.opId) ?? []).some((x) => x.status === 200)).length;
      if (deletes > 1) violations.push(`project ${id}: ${deletes} deletes answered 200 (a tombstone can be made once)`);
      if ((row.deletedAt !== null) !== (deletes === 1)) violations.push(`project ${id}: deletedAt ${String(row.deletedAt)} but ${deletes} committed deletes`);
      const expected = 1 + edits + deletes;
      if (row.version !== expected) {
        violations.push(`project ${id}: version ${String(row.version)} on the server, but 1 + ${edits} committed edits + ${deletes} delete = ${expected} (an op applied twice, or lost)`);
      }
    }
  }

  // 3. Registers: the server holds, for each, the highest stamp it accepted, with that stamp's value.
  const accepted = new Map<string, Map<string, unknown>>();
  const maybe = new Map<string, Map<string, unknown>>();
  for (const x of world.wire) {
    if (x.method !== 'PATCH' || !/^\/api\/(orgs\/[^/]+\/)?settings$/.test(x.path)) continue;
    const scope: SettingScope = x.path === '/api/settings' ? 'user' : 'org';
    const scopeId = scope === 'user' ? world.runs[x.engine]!.account.id : x.path.split('/')[3]!;
    const entries = ((x.body as { entries?: { key: string; value: unknown; hlc: string }[] } | null)?.entries ?? []);
    const results = x.status === 200 ? ((x.response as { results?: { key: string; status: string }[] }).results ?? []) : [];
    for (const e of entries) {
      const id = registerId(scope, scopeId, e.key);
      const target = x.status === null ? maybe : results.some((r) => r.key === e.key && r.status === 'applied') ? accepted : null;
      if (!target) continue;
      if (!target.has(id)) target.set(id, new Map());
      target.get(id)!.set(e.hlc, e.value);
    }
  }
  const serverRegisters = new Map<string, Row>();
  for (const view of views.values()) for (const s of view.settings) serverRegisters.set(keyOf.settings(s), s);
  const reachable = new Set<string>([...serverRegisters.keys()]);
  for (const id of new Set([...accepted.keys(), ...maybe.keys()])) {
    const register = serverRegisters.get(id);
    const ok = accepted.get(id) ?? new Map<string, unknown>();
    const unsure = maybe.get(id) ?? new Map<string, unknown>();
    const top = [...ok.keys()].sort().pop();
    if (!register) {
      // Only a scope nobody can read any more (an org everyone left) hides a register; both orgs keep an owner.
      if (top !== undefined) violations.push(`register ${id}: the server accepted ${top} but nobody sees the register`);
      continue;
    }
    const hlc = register.hlc as string;
    if (!ok.has(hlc) && !unsure.has(hlc)) violations.push(`register ${id}: the server holds ${hlc}, a stamp it never accepted`);
    else if (stable((ok.has(hlc) ? ok : unsure).get(hlc) ?? null) !== stable(register.value ?? null)) {
      violations.push(`register ${id}: the server holds ${stable(register.value)} at ${hlc}, but that stamp was written with ${stable((ok.has(hlc) ? ok : unsure).get(hlc))}`);
    }
    if (top !== undefined && hlc < top) violations.push(`register ${id}: the server holds ${hlc}, lower than ${top} which it accepted (a write lost to an older one)`);
    reachable.delete(id);
  }
  for (const id of reachable) violations.push(`register ${id} is on the server but no engine ever pushed it`);
  // A write made after seeing a register must be stamped above it, whenever the seen stamp is one the server
  // took (a stamp it refused as drifted, say the device's own before its offset was known, cannot win anyway).
  for (const w of world.ledger.settings) {
    if (w.seenHlc === null || w.hlc > w.seenHlc) continue;
    const id = registerId(w.scope, w.scopeId, w.key);
    if (accepted.get(id)?.has(w.seenHlc) || maybe.get(id)?.has(w.seenHlc)) {
      violations.push(`register ${id}: engine ${w.engine} wrote after seeing ${w.seenHlc}, which the server took, but stamped ${w.hlc}: the later write loses`);
    }
  }

  // 4. Counters agree with the ops table and with the ledger.
  for (const run of world.runs) {
    const who = `engine ${run.index}`;
    const broken = await countersBroken(run.engine);
    if (broken) violations.push(`${who}: ${broken}`);
    const c = await run.engine.counters();
    const mine = world.ledger.ofEngine(run.index);
    const expect = (name: string, counter: number, ledger: number) => {
      if (counter !== ledger) violations.push(`${who}: counter ${name} is ${counter}, the ledger says ${ledger}`);
    };
    expect('enqueued', c.enqueued, mine.length);
    expect('applied', c.applied, mine.filter((e) => e.applied > 0).length);
    expect('discarded', c.discarded, mine.filter((e) => e.discarded).length);
    expect('deduplicated', c.deduplicated, mine.reduce((sum, e) => sum + e.replayed, 0));
    if (c.failed < mine.filter((e) => e.failures.length > 0).length) violations.push(`${who}: counter failed ${c.failed} is below the ops that failed`);
    const status = await run.engine.status();
    if (status.pendingCount !== 0 || status.failedCount !== 0) violations.push(`${who}: status shows ${status.pendingCount} pending and ${status.failedCount} failed after the drain`);
  }
  return violations;
}

/** One op's fate: applied once, or failed with a reason and discarded, and the wire agrees. */
function checkEntry(entry: LedgerEntry, exchanges: WireExchange[]): string[] {
  const who = `op ${entry.opId} (engine ${entry.engine}, ${entry.kind}${entry.projectId ? ` project ${entry.projectId}` : ''}${entry.userId ? ` user ${entry.userId}` : ''})`;
  const out: string[] = [];
  if (entry.kind === 'unknown') out.push(`${who}: the engine reported an op the test never queued`);
  const appliedOnce = entry.applied === 1 && !entry.discarded;
  const failedWithReason = entry.applied === 0 && entry.discarded && entry.failures.length > 0;
  if (!appliedOnce && !failedWithReason) {
    out.push(`${who}: applied ${entry.applied} times, discarded ${entry.discarded}, failures [${entry.failures.join(', ')}]: neither applied once nor failed with a reason`);
  }
  const answers = exchanges.filter((x) => x.delivered && x.status !== null);
  const success = (x: WireExchange) => is2xx(x.status) || (x.method === 'DELETE' && x.status === 404);
  if (entry.applied > 0 && !answers.some(success)) out.push(`${who}: applied, but the engine never got a success for it`);
  if (entry.discarded) {
    if (exchanges.some((x) => is2xx(x.status))) out.push(`${who}: discarded as failed, yet the server committed it (${exchanges.filter((x) => is2xx(x.status)).map((x) => x.status).join(', ')})`);
    const last = entry.failures[entry.failures.length - 1];
    if (last && last !== 'RETRIES_EXHAUSTED' && !answers.some((x) => (x.response as { code?: string } | null)?.code === last)) {
      out.push(`${who}: failed with ${last}, which no answer of the server said`);
    }
  }
  return out;
}
