// A bench-only entry for `wrangler dev bench/suites/server-probe-worker.mts` (startWorker({ script })): the real
// Worker, with its D1 binding wrapped to count what reaches it, plus the D1 floor the capacity row compares with,
// and a Hub subclass (the org objects of `org-objects` storage) whose D1 binding is counted apart and which
// writes the object floor of the capacity-modes suite.
// Never deployed: wrangler.toml's `main` is server/worker.ts, and nothing in server/ knows this file exists.
// (.mts, not .ts: the client tsconfig covers bench/**/*.ts without the Workers types; this file is checked by
// bench/suites/server-probe-worker.tsconfig.json.)
import worker, { Hub as ServerHub } from '../../server/worker.js';
import type { Env } from '../../server/env.js';

/**
 * What reached D1 since the last reset: round trips (`calls`: a batch is one, as is each statement run on its
 * own), statements executed, and D1's rows_written / rows_read meta.
 */
interface D1Counters {
  calls: number;
  statements: number;
  batches: number;
  rowsWritten: number;
  rowsRead: number;
}

const zero = (): D1Counters => ({ calls: 0, statements: 0, batches: 0, rowsWritten: 0, rowsRead: 0 });

/**
 * Counters by origin. Worker and objects share this module's state under `wrangler dev` (one isolate: issue 19
 * spike, fact 5), so each binding adds to its own bucket: `worker` is everything the Worker sent (`auth` is
 * the part of it Better Auth sent: statements on its session, account or verification tables), `objects` what
 * the org objects sent through their own binding (the directory deliveries of `org-objects` storage).
 */
const counters = { worker: zero(), auth: zero(), objects: zero() };
type Bucket = 'worker' | 'objects';

/** Better Auth's statements: the session lookup every request makes, and sign-up/sign-in. */
const AUTH_SQL = /"(session|account|verification)"/;

function count(into: D1Counters[], results: unknown): void {
  for (const result of Array.isArray(results) ? results : [results]) {
    const meta = (result as { meta?: { rows_written?: number; rows_read?: number } } | null)?.meta;
    for (const c of into) {
      c.rowsWritten += meta?.rows_written ?? 0;
      c.rowsRead += meta?.rows_read ?? 0;
    }
  }
}

/** The buckets a statement counts in. */
const bucketsOf = (bucket: Bucket, query: string): D1Counters[] =>
  bucket === 'worker' && AUTH_SQL.test(query) ? [counters.worker, counters.auth] : [counters[bucket]];

/** The statement behind a wrapped one and its SQL, for batch(). */
const inner = new WeakMap<object, { statement: D1PreparedStatement; query: string }>();

function wrapStatement(statement: D1PreparedStatement, bucket: Bucket, query: string): D1PreparedStatement {
  const wrapped: D1PreparedStatement = new Proxy(statement, {
    get(target, prop) {
      if (prop === 'bind') return (...values: unknown[]) => wrapStatement(target.bind(...values), bucket, query);
      if (prop === 'run' || prop === 'all' || prop === 'first' || prop === 'raw') {
        return async (...args: unknown[]) => {
          const into = bucketsOf(bucket, query);
          for (const c of into) {
            c.calls++;
            c.statements++;
          }
          const result = await (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          // No meta comes back from first() and raw(): their rows are not known.
          if (prop === 'run' || prop === 'all') count(into, result);
          return result;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  inner.set(wrapped, { statement, query });
  return wrapped;
}

function countingD1(db: D1Database, bucket: Bucket): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => wrapStatement(target.prepare(query), bucket, query);
      if (prop === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          const into = bucketsOf(bucket, statements.map((s) => inner.get(s)?.query ?? '').join('\n'));
          for (const c of into) {
            c.calls++;
            c.batches++;
            c.statements += statements.length;
          }
          const results = await target.batch(statements.map((s) => inner.get(s)?.statement ?? s));
          count(into, results);
          return results;
        };
      }
      if (prop === 'exec') {
        return async (query: string) => {
          const result = await target.exec(query);
          for (const c of bucketsOf(bucket, query)) {
            c.calls++;
            c.statements += result.count;
          }
          return result;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The Worker's bindings with D1 counted, one object per bindings object: workerd hands every request the same
 * env, and the app keys its Better Auth instances on it (createAuthCache), so a fresh copy per request would
 * rebuild Better Auth on every request and measure that.
 */
const countedEnvs = new WeakMap<Env, Env>();
function countedEnv(env: Env): Env {
  let counted = countedEnvs.get(env);
  if (!counted) countedEnvs.set(env, (counted = { ...env, DB: countingD1(env.DB, 'worker') }));
  return counted;
}

/** The object floor's body: the rows a project rename or an org-settings merge writes in an org's object. */
export type ObjectFloorRequest =
  | { kind: 'settings'; orgId: string; entries: { key: string; value: unknown; hlc: string }[] }
  | { kind: 'project'; id: string; orgId: string; name: string; createdBy: string };

/**
 * The server's Hub (every org's object in `org-objects` storage), with its D1 binding counted in the `objects`
 * bucket, plus the object floor: the same rows as bare `sql.exec` in one `transactionSync` (no access check,
 * no idempotency record, no change sequence or heads, no outbox, no stored response).
 */
export class Hub extends ServerHub {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, { ...env, DB: countingD1(env.DB, 'objects') });
  }

  benchFloor(request: ObjectFloorRequest, now: number): number {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      if (request.kind === 'settings') {
        for (const e of request.entries) {
          sql.exec(
            `INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq) VALUES ('org', ?, ?, ?, ?, ?, 0)
             ON CONFLICT (scope, scope_id, key) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, updated_at = excluded.updated_at
             WHERE excluded.hlc > settings.hlc`,
            request.orgId, e.key, JSON.stringify(e.value), e.hlc, now,
          );
        }
        return request.entries.length;
      }
      sql.exec(
        `INSERT INTO projects (id, org_id, name, description, created_by, created_at, updated_at, deleted_at, version, seq)
         VALUES (?, ?, ?, '', ?, ?, ?, NULL, 1, 0)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at, version = projects.version + 1`,
        request.id, request.orgId, request.name, request.createdBy, now, now,
      );
      return 1;
    });
  }
}

/** D1 allows 100 bound parameters a statement; a floor register binds 6, as the Worker's upsert does. */
const ROWS_PER_UPSERT = 16;

/** The floor's body: the rows a merge or a project write puts in D1, and nothing else. */
type FloorRequest =
  | { kind: 'settings'; scopeId: string; entries: { key: string; value: unknown; hlc: string }[] }
  | { kind: 'project'; id: string; orgId: string; name: string; createdBy: string };

/**
 * The same row writes the Worker makes for a merge or a project write, as bare statements through the D1
 * binding in one batch: no auth, no idempotency record, no change sequence, no planning read, no response
 * stored. What a server could not do with less.
 */
async function floor(db: D1Database, request: FloorRequest, now: number): Promise<number> {
  const statements: D1PreparedStatement[] = [];
  if (request.kind === 'settings') {
    for (let i = 0; i < request.entries.length; i += ROWS_PER_UPSERT) {
      const rows = request.entries.slice(i, i + ROWS_PER_UPSERT);
      statements.push(
        db
          .prepare(
            `INSERT INTO settings (scope, scope_id, key, value, hlc, updated_at, seq) VALUES ${rows.map(() => `('user', ?, ?, ?, ?, ?, 0)`).join(', ')}
             ON CONFLICT (scope, scope_id, key) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, updated_at = excluded.updated_at
             WHERE excluded.hlc > settings.hlc`,
          )
          .bind(...rows.flatMap((e) => [request.scopeId, e.key, JSON.stringify(e.value), e.hlc, now])),
      );
    }
    await db.batch(statements);
    return request.entries.length;
  }
  await db
    .prepare(
      `INSERT INTO projects (id, org_id, name, description, created_by, created_at, updated_at, deleted_at, version, seq)
       VALUES (?, ?, ?, '', ?, ?, ?, NULL, 1, 0)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at, version = projects.version + 1`,
    )
    .bind(request.id, request.orgId, request.name, request.createdBy, now, now)
    .run();
  return 1;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/api/__bench/d1-counters') {
      // The Worker's counts at the top level (as the d1-mode rows read them), Better Auth's share and the
      // objects' apart.
      const snapshot = { ...counters.worker, auth: { ...counters.auth }, objects: { ...counters.objects } };
      if (request.method === 'POST') Object.assign(counters, { worker: zero(), auth: zero(), objects: zero() });
      return Response.json(snapshot);
    }
    if (url.pathname === '/api/__bench/object-floor' && request.method === 'POST') {
      const body = (await request.json()) as ObjectFloorRequest;
      if (!env.HUB) return new Response('no HUB binding', { status: 500 });
      const stub = env.HUB.get(env.HUB.idFromName(`org:${body.orgId}`)) as unknown as { benchFloor(r: ObjectFloorRequest, now: number): Promise<number> };
      return Response.json({ written: await stub.benchFloor(body, Date.now()) });
    }
    if (url.pathname === '/api/__bench/floor' && request.method === 'POST') {
      const written = await floor(env.DB, (await request.json()) as FloorRequest, Date.now());
      return Response.json({ written });
    }
    return worker.fetch(request, countedEnv(env), ctx);
  },
  scheduled: worker.scheduled,
} satisfies ExportedHandler<Env>;
