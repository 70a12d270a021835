import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHlc, createNodeId } from '../../shared/index.js';
import { signUp, type RunningWorker, type TestAccount } from '../../test/client/worker-harness.js';
import { atLeast, atMost, median, reported, type BenchResult } from '../harness.js';
import { devProxy, envNumber, percentile, send, startProbeWorker, takeD1Counts, type D1Counts } from './server-probe.js';

/**
 * `npm run bench -- capacity-modes` (issue 19 item 6): capacity by simulation in both storage modes, on
 * `wrangler dev` through the probe entry (server-probe-worker.mts: D1 counted by origin, the object floor).
 * N orgs x W writers per org, each writer a loop alternating a project rename (PATCH, Idempotency-Key) and a
 * merge of 5 org registers (PATCH /orgs/:orgId/settings, keys custom.cap.<writer>.<i>: no two writers share a
 * register, so none is ever stale), BENCH_CAPACITY_MODES_S seconds a cell (20). A write is one request: a
 * rename, or a merge of 5 registers. 16 users are signed up once (scrypt is slow) and are admins of every org;
 * writer w of every org is user w. Both modes run on one persisted state, one after the other (the users and
 * their sessions carry over; each mode creates its own orgs).
 *
 * Grid: by default N in {1, 4, 16} x W in {1, 16} (12 cells, ~4 min at 20 s); BENCH_CAPACITY_MODES_GRID=full
 * runs the issue's N in {1, 4, 16, 64} x W in {1, 4, 16} (24 cells, ~8 min plus the setup of 64 orgs).
 *
 * What is counted as a D1 call: a round trip to the binding (a batch is one call, a statement run alone is one),
 * split by origin: Better Auth's (the session lookup: statements on its session/account/verification tables),
 * the rest of the Worker's (the write path), and the org objects' own binding (org-objects: the directory
 * deliveries, one batch per 250 ms per busy org). CPU: utime+stime (/proc/<pid>/stat) of every workerd process
 * under this one, of wrangler's node process (it relays every request), of this bench process, and the whole
 * machine's busy time (/proc/stat), over the cell's wall time, in cores.
 */
const USERS = 16;
const ENTRIES = 5;
const MODES = ['d1', 'org-objects'] as const;
type Mode = (typeof MODES)[number];
const CAVEAT =
  'miniflare runs every Durable Object (and local D1) in one workerd process (workers-sdk#14239), so locally total throughput rises with N only until workerd\'s JS thread saturates a core; the CPU column shows where. On Cloudflare each org\'s object runs on its own.';

interface Writer {
  account: TestAccount;
  index: number;
  orgId: string;
  projectId: string;
  floorProjectId: string;
  stamp: () => string;
}

/** CPU over a cell, in cores (CPU seconds / wall seconds). */
interface Cpu {
  /** Every workerd process under this one (the Worker, its objects and local D1; wrangler's proxy worker). */
  workerd: number;
  /** wrangler's own node process (it relays every request to workerd under `wrangler dev`). */
  wrangler: number;
  bench: number;
  /** The whole machine (/proc/stat), whoever runs: this shows when the machine, not workerd, is the limit. */
  machine: number;
}

interface Cell {
  mode: Mode;
  orgs: number;
  writers: number;
  seconds: number;
  writes: number;
  latencies: number[];
  statuses: Map<number, number>;
  d1: D1Counts;
  cpu: Cpu;
}

const TICKS = 100; // CLK_TCK on Linux
const CORES = availableParallelism();

/** utime + stime in seconds of the workerd and node processes descending from this one, and the machine's. */
function cpuSeconds(): Cpu {
  const stats = new Map<number, { ppid: number; comm: string; seconds: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = text.lastIndexOf(')');
      const comm = text.slice(text.indexOf('(') + 1, close);
      const fields = text.slice(close + 2).split(' ');
      stats.set(Number(name), { ppid: Number(fields[1]), comm, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS });
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = stats.get(pid)?.ppid ?? 0, hops = 0; p > 1 && hops < 20; hops++) {
      if (p === process.pid) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  const cpu: Cpu = { workerd: 0, wrangler: 0, bench: 0, machine: 0 };
  for (const [pid, s] of stats) {
    if (!ours(pid)) continue;
    if (s.comm.startsWith('workerd')) cpu.workerd += s.seconds;
    else if (s.comm === 'node') cpu.wrangler += s.seconds;
  }
  const u = process.cpuUsage();
  cpu.bench = (u.user + u.system) / 1e6;
  // /proc/stat's first line: user nice system idle iowait irq softirq steal (ticks); busy = all but idle, iowait.
  const all = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1, 9).map(Number);
  cpu.machine = (all.reduce((a, b) => a + b, 0) - (all[3] as number) - (all[4] as number)) / TICKS;
  return cpu;
}

async function ok<T>(what: string, res: Promise<{ status: number; body: unknown }>): Promise<T> {
  const r = await res;
  if (r.status >= 300) throw new Error(`capacity-modes setup: ${what} answered ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body as T;
}

/** maxOrgs orgs owned by user 0, every other user an admin, and one project per writer per org. */
async function setUp(worker: RunningWorker, users: TestAccount[], maxOrgs: number, mode: Mode): Promise<Writer[][]> {
  const owner = users[0] as TestAccount;
  const url = worker.baseUrl;
  return Promise.all(
    Array.from({ length: maxOrgs }, async (_, n) => {
      const orgId = (await ok<{ id: string }>('create org', send(url, owner.token, 'POST', '/api/orgs', { name: `Capacity ${mode} ${n}` }))).id;
      for (const user of users.slice(1)) await ok('add admin', send(url, owner.token, 'POST', `/api/orgs/${orgId}/members`, { userId: user.id, role: 'admin' }));
      return Promise.all(
        users.map(async (account, index) => {
          const project = await ok<{ id: string }>('create project', send(url, account.token, 'POST', `/api/orgs/${orgId}/projects`, { name: `Writer ${index}` }));
          const hlc = createHlc({ nodeId: createNodeId() });
          return { account, index, orgId, projectId: project.id, floorProjectId: crypto.randomUUID(), stamp: () => hlc.next() };
        }),
      );
    }),
  );
}

/** ours: the writes; floor: the same rows to the object floor; session: GET /api/me (the session lookup alone). */
type Side = 'ours' | 'floor' | 'session';

/** One write as the client sends it (ours), or the same rows to the object floor. Returns status and writes. */
async function oneWrite(url: string, w: Writer, turn: number, side: Side): Promise<{ status: number; written: boolean }> {
  const token = w.account.token;
  if (side === 'session') {
    const res = await send(url, token, 'GET', '/api/me');
    return { status: res.status, written: res.status < 300 };
  }
  if (turn % 2 === 0) {
    if (side === 'floor') {
      const entries = Array.from({ length: ENTRIES }, (_, i) => ({ key: `custom.floor.${w.index}.${i}`, value: turn, hlc: w.stamp() }));
      const res = await send(url, token, 'POST', '/api/__bench/object-floor', { kind: 'settings', orgId: w.orgId, entries });
      return { status: res.status, written: res.status < 300 };
    }
    const entries = Array.from({ length: ENTRIES }, (_, i) => ({ key: `custom.cap.${w.index}.${i}`, value: turn, hlc: w.stamp() }));
    const res = await send(url, token, 'PATCH', `/api/orgs/${w.orgId}/settings`, { entries });
    const applied = ((res.body as { results?: { status: string }[] } | null)?.results ?? []).filter((r) => r.status === 'applied').length;
    return { status: res.status, written: res.status < 300 && applied === ENTRIES };
  }
  const name = `Capacity ${turn}`;
  if (side === 'floor') {
    const res = await send(url, token, 'POST', '/api/__bench/object-floor', { kind: 'project', id: w.floorProjectId, orgId: w.orgId, name, createdBy: w.account.id });
    return { status: res.status, written: res.status < 300 };
  }
  const res = await send(url, token, 'PATCH', `/api/orgs/${w.orgId}/projects/${w.projectId}`, { name }, { 'Idempotency-Key': crypto.randomUUID() });
  return { status: res.status, written: res.status < 300 };
}

/** Every writer's loop for `seconds`; D1 counted from the start to the deliveries the last writes queued. */
async function runCell(worker: RunningWorker, mode: Mode, writers: Writer[][], seconds: number, side: Side = 'ours'): Promise<Cell> {
  const loops = writers.flat();
  const cell: Cell = { mode, orgs: writers.length, writers: writers[0]?.length ?? 0, seconds: 0, writes: 0, latencies: [], statuses: new Map(), d1: undefined as unknown as D1Counts, cpu: { workerd: 0, wrangler: 0, bench: 0, machine: 0 } };
  await takeD1Counts(worker.baseUrl);
  const cpu0 = cpuSeconds();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    loops.map(async (w) => {
      for (let turn = w.index; performance.now() < deadline; turn++) {
        const sent = performance.now();
        // A connection wrangler dev's proxy reset under load (no answer at all) is counted as status 0 ("net"),
        // as a client would see a network error, and the loop goes on.
        const { status, written } = await oneWrite(worker.baseUrl, w, turn, side).catch(() => ({ status: 0, written: false }));
        cell.latencies.push(performance.now() - sent);
        if (written) cell.writes++;
        if (status >= 300 || status === 0) cell.statuses.set(status, (cell.statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  cell.seconds = (performance.now() - start) / 1000;
  const cpu1 = cpuSeconds();
  const per = (k: keyof Cpu) => (cpu1[k] - cpu0[k]) / cell.seconds;
  cell.cpu = { workerd: per('workerd'), wrangler: per('wrangler'), bench: per('bench'), machine: per('machine') };
  // The directory deliveries the last writes queued fire within 250 ms (the alarm): counted with the cell.
  await new Promise((r) => setTimeout(r, 500));
  cell.d1 = await takeD1Counts(worker.baseUrl);
  return cell;
}

const rate = (c: Cell) => c.writes / c.seconds;
const fivexx = (c: Cell) => [...c.statuses].filter(([s]) => s >= 500).reduce((n, [, k]) => n + k, 0);
const perWrite = (n: number, c: Cell) => (c.writes ? n / c.writes : Number.NaN);

interface Replay {
  replays: number;
  allReplayed: boolean;
  d1: D1Counts;
}

/** A rename, then the same request (same key, same body) `replays` times: what a replayed duplicate costs D1. */
async function measureReplay(worker: RunningWorker, w: Writer, replays: number): Promise<Replay> {
  const key = { 'Idempotency-Key': crypto.randomUUID() };
  const path = `/api/orgs/${w.orgId}/projects/${w.projectId}`;
  await ok('rename', send(worker.baseUrl, w.account.token, 'PATCH', path, { name: 'Replayed' }, key));
  await new Promise((r) => setTimeout(r, 500)); // its delivery (org-objects) lands outside the window
  await takeD1Counts(worker.baseUrl);
  let allReplayed = true;
  for (let i = 0; i < replays; i++) {
    const res = await send(worker.baseUrl, w.account.token, 'PATCH', path, { name: 'Replayed' }, key);
    allReplayed &&= res.status === 200 && res.replayed;
  }
  await new Promise((r) => setTimeout(r, 500));
  return { replays, allReplayed, d1: await takeD1Counts(worker.baseUrl) };
}

interface ModeRun {
  cells: Cell[];
  replay: Replay;
  floor: { ours: Cell[]; floor: Cell[] };
  /** GET /api/me by the same writers: what the session lookup alone costs (org-objects only). */
  session?: Cell;
}

async function runMode(mode: Mode, persistDir: string, users: TestAccount[] | null, grid: { orgs: number[]; writers: number[] }, seconds: number): Promise<{ run: ModeRun; users: TestAccount[] }> {
  const worker = await startProbeWorker({ storage: mode, persistDir });
  try {
    const accounts = users ?? (await Promise.all(Array.from({ length: USERS }, (_, i) => signUp(worker.baseUrl, `CapModes${i}`))));
    const all = await setUp(worker, accounts, Math.max(...grid.orgs), mode);
    const of = (orgs: number, writers: number) => all.slice(0, orgs).map((org) => org.slice(0, writers));
    await runCell(worker, mode, of(Math.max(...grid.orgs), 2), 2); // warm-up: JIT, every object awake
    const cells: Cell[] = [];
    for (const orgs of grid.orgs) {
      for (const writers of grid.writers) {
        const cell = await runCell(worker, mode, of(orgs, writers), seconds);
        console.log(`  ${cellLine(cell)}`);
        cells.push(cell);
      }
    }
    const replay = await measureReplay(worker, all[0]?.[0] as Writer, 20);
    // Single-org W=16 against the same rows as bare SQL in the org's object, interleaved (A B, B A).
    const floor = { ours: [] as Cell[], floor: [] as Cell[] };
    if (mode === 'org-objects') {
      const single = of(1, USERS);
      for (let i = 0; i < envNumber('BENCH_CAPACITY_MODES_PAIRS', 2); i++) {
        const first = i % 2 === 0 ? 'ours' : 'floor';
        const second = first === 'ours' ? 'floor' : 'ours';
        floor[first].push(await runCell(worker, mode, single, seconds, first));
        floor[second].push(await runCell(worker, mode, single, seconds, second));
      }
      const session = await runCell(worker, mode, single, seconds, 'session');
      return { run: { cells, replay, floor, session }, users: accounts };
    }
    return { run: { cells, replay, floor }, users: accounts };
  } finally {
    await worker.stop();
  }
}

function cellLine(c: Cell): string {
  const statuses = [...c.statuses].map(([s, n]) => `${s || 'net'}x${n}`).join(' ') || '-';
  return [
    `${c.mode.padEnd(11)} N=${String(c.orgs).padStart(2)} W=${String(c.writers).padStart(2)}`,
    `${rate(c).toFixed(0).padStart(5)} writes/s`,
    `${(rate(c) / c.orgs).toFixed(1).padStart(6)}/org`,
    `p50 ${percentile(c.latencies, 50).toFixed(0).padStart(4)} ms`,
    `p95 ${percentile(c.latencies, 95).toFixed(0).padStart(5)} ms`,
    `D1/write: auth ${perWrite(c.d1.auth.calls, c).toFixed(2)} + write path ${perWrite(c.d1.calls - c.d1.auth.calls, c).toFixed(2)} + objects ${perWrite(c.d1.objects.calls, c).toFixed(3)} (${(c.d1.objects.calls / c.seconds / c.orgs).toFixed(1)}/s/org)`,
    `5xx ${fivexx(c)}`,
    `non-2xx ${statuses}`,
    `CPU cores: workerd ${c.cpu.workerd.toFixed(2)} wrangler ${c.cpu.wrangler.toFixed(2)} bench ${c.cpu.bench.toFixed(2)} machine ${c.cpu.machine.toFixed(2)}/${CORES}`,
  ].join(' | ');
}

const sumCells = (cells: Cell[], f: (c: Cell) => number) => cells.reduce((n, c) => n + f(c), 0);

function rows(runs: Record<Mode, ModeRun>, seconds: number, grid: { orgs: number[]; writers: number[] }): BenchResult[] {
  const d1 = runs.d1;
  const org = runs['org-objects'];
  const find = (run: ModeRun, orgs: number, writers: number) => run.cells.find((c) => c.orgs === orgs && c.writers === writers) as Cell;
  const maxW = Math.max(...grid.writers);
  const maxN = Math.max(...grid.orgs.filter((n) => n <= 16));
  const out: BenchResult[] = [];

  // D1 calls per write in org-objects over every cell: the Worker's (auth + write path), the objects' apart.
  const writes = sumCells(org.cells, (c) => c.writes);
  const workerCalls = sumCells(org.cells, (c) => c.d1.calls);
  const authCalls = sumCells(org.cells, (c) => c.d1.auth.calls);
  const objectCalls = sumCells(org.cells, (c) => c.d1.objects.calls);
  const d1Writes = sumCells(d1.cells, (c) => c.writes);
  const d1Calls = sumCells(d1.cells, (c) => c.d1.calls);
  const d1Auth = sumCells(d1.cells, (c) => c.d1.auth.calls);
  out.push(
    atMost(
      'capacity-modes: org-objects, Worker D1 calls per write (session lookup + write path), all cells, vs the 1-call budget',
      'calls',
      workerCalls / writes,
      1,
      1,
      `${writes} writes: auth ${(authCalls / writes).toFixed(3)} + write path ${((workerCalls - authCalls) / writes).toFixed(3)} a write; not in this figure: the objects' directory deliveries, ${(objectCalls / writes).toFixed(3)} a write (${objectCalls} batches); d1 mode for comparison: ${(d1Calls / d1Writes).toFixed(2)} a write (auth ${(d1Auth / d1Writes).toFixed(2)} + write path ${((d1Calls - d1Auth) / d1Writes).toFixed(2)})`,
    ),
  );
  const beyondAuth = (r: Replay) => (r.d1.calls - r.d1.auth.calls + r.d1.objects.calls) / r.replays;
  out.push(
    atMost(
      'capacity-modes: org-objects, D1 calls beyond auth per replayed duplicate vs d1 mode\'s',
      'calls',
      beyondAuth(org.replay),
      beyondAuth(d1.replay),
      0,
      `${org.replay.replays} replays of one rename each mode (objects' calls included); auth ${(org.replay.d1.auth.calls / org.replay.replays).toFixed(2)} a replay; ${org.replay.allReplayed && d1.replay.allReplayed ? 'every replay answered Idempotent-Replayed' : 'NOT every replay answered Idempotent-Replayed'}`,
    ),
  );

  // Scaling with N at the same writers per org.
  const orgLow = find(org, 1, maxW);
  const orgHigh = find(org, maxN, maxW);
  const d1Low = find(d1, 1, maxW);
  const d1High = find(d1, maxN, maxW);
  // CPU is the limit when workerd's thread is near a core, or the machine is near all of its cores (with
  // wrangler's relay, this bench and whatever else runs here).
  const cpuBound = (c: Cell) => c.cpu.workerd >= 0.9 || c.cpu.machine >= 0.9 * CORES;
  const growth = rate(orgHigh) / rate(orgLow);
  out.push({
    ...atLeast(`capacity-modes: org-objects total writes/s, N=${maxN} vs N=1 orgs (W=${maxW})`, 'writes/s', rate(orgHigh), rate(orgLow), 1.5, true),
    goal: `ratio >= 1.5, or CPU-bound at N=1 (workerd >= 0.9 core or machine >= ${(0.9 * CORES).toFixed(1)} of ${CORES})`,
    pass: growth >= 1.5 || cpuBound(orgLow),
    note: `CPU cores at N=1 / N=${maxN}: workerd ${orgLow.cpu.workerd.toFixed(2)} / ${orgHigh.cpu.workerd.toFixed(2)}, wrangler ${orgLow.cpu.wrangler.toFixed(2)} / ${orgHigh.cpu.wrangler.toFixed(2)}, machine ${orgLow.cpu.machine.toFixed(2)} / ${orgHigh.cpu.machine.toFixed(2)} of ${CORES}; ${growth >= 1.5 ? 'grows' : cpuBound(orgLow) ? 'does not grow: CPU is the limit already at N=1' : 'does not grow, and CPU is not the limit'}; ${CAVEAT}`,
  });
  out.push(
    atMost(`capacity-modes: d1 total writes/s, N=${maxN} vs N=1 orgs (W=${maxW}): flat`, 'writes/s', rate(d1High), rate(d1Low), 1.25, `CPU cores at N=1 / N=${maxN}: workerd ${d1Low.cpu.workerd.toFixed(2)} / ${d1High.cpu.workerd.toFixed(2)}, machine ${d1Low.cpu.machine.toFixed(2)} / ${d1High.cpu.machine.toFixed(2)} of ${CORES}; one database and one change-sequence row for every org`),
  );

  // Single org, W=16, against the same rows as bare SQL in its object.
  const ratios = org.floor.ours.map((o, i) => rate(o) / rate(org.floor.floor[i] as Cell));
  const floorFivexx = sumCells(org.floor.ours, fivexx);
  out.push({
    name: `capacity-modes: org-objects single org W=${USERS}, writes/s vs the same rows as bare SQL in its object`,
    unit: 'writes/s',
    value: median(org.floor.ours.map(rate)),
    baseline: median(org.floor.floor.map(rate)),
    ratio: median(ratios),
    goal: 'ratio >= 0.8, no 5xx',
    pass: median(ratios) >= 0.8 && floorFivexx === 0,
    spread: [Math.min(...ratios), Math.max(...ratios)],
    samples: ratios.length,
    note: `${ratios.length} interleaved pairs of ${seconds} s; floor = HTTP to the Worker (no auth) + RPC + one transactionSync of the bare upserts; ours p50 ${org.floor.ours.map((c) => percentile(c.latencies, 50).toFixed(0)).join('/')} ms, floor p50 ${org.floor.floor.map((c) => percentile(c.latencies, 50).toFixed(0)).join('/')} ms`,
  });

  if (org.session) {
    const s = org.session;
    out.push(
      reported(
        `capacity-modes: org-objects single org W=${USERS}, writes/s vs GET /api/me (the session lookup alone) requests/s`,
        'req/s',
        median(org.floor.ours.map(rate)),
        rate(s),
        `what authentication alone costs the same writers: GET /api/me p50 ${percentile(s.latencies, 50).toFixed(0)} ms, ${perWrite(s.d1.calls, s).toFixed(2)} D1 calls a request, workerd CPU ${s.cpu.workerd.toFixed(2)} cores; the floor has no auth, so auth alone caps ours at about ${(rate(s) / median(org.floor.floor.map(rate))).toFixed(2)}x the floor here`,
      ),
    );
  }

  // Every cell: org-objects against d1, reported.
  for (const c of org.cells) {
    const base = find(d1, c.orgs, c.writers);
    out.push(
      reported(
        `capacity-modes: N=${c.orgs} W=${c.writers}, org-objects vs d1 total writes/s`,
        'writes/s',
        rate(c),
        rate(base),
        `org-objects p50/p95 ${percentile(c.latencies, 50).toFixed(0)}/${percentile(c.latencies, 95).toFixed(0)} ms, CPU workerd/machine ${c.cpu.workerd.toFixed(2)}/${c.cpu.machine.toFixed(2)}, 5xx ${fivexx(c)}; d1 p50/p95 ${percentile(base.latencies, 50).toFixed(0)}/${percentile(base.latencies, 95).toFixed(0)} ms, CPU workerd/machine ${base.cpu.workerd.toFixed(2)}/${base.cpu.machine.toFixed(2)}, 5xx ${fivexx(base)}`,
      ),
    );
  }
  return out;
}

export async function serverCapacityModesSuite(): Promise<BenchResult[]> {
  const seconds = envNumber('BENCH_CAPACITY_MODES_S', 20);
  const full = process.env.BENCH_CAPACITY_MODES_GRID === 'full';
  const grid = full ? { orgs: [1, 4, 16, 64], writers: [1, 4, 16] } : { orgs: [1, 4, 16], writers: [1, 16] };
  console.log(`  grid ${full ? 'full' : 'default (BENCH_CAPACITY_MODES_GRID=full for the issue\'s)'}: N in {${grid.orgs.join(', ')}} x W in {${grid.writers.join(', ')}}, ${seconds} s a cell, both modes`);
  console.log(`  caveat: ${CAVEAT}`);
  const persistDir = mkdtempSync(join(tmpdir(), 'capacity-modes-'));
  try {
    const first = await runMode('d1', persistDir, null, grid, seconds);
    const second = await runMode('org-objects', persistDir, first.users, grid, seconds);
    const out = rows({ d1: first.run, 'org-objects': second.run }, seconds, grid);
    console.log(`  requests wrangler dev's proxy dropped and were resent (workers-sdk#14641), whole suite so far: ${devProxy.drops}`);
    return out;
  } finally {
    rmSync(persistDir, { recursive: true, force: true });
  }
}
