// A bench-only entry for `wrangler dev bench/suites/server-probe-worker.mts` (startWorker({ script })): the real
// Worker, with its D1 binding wrapped to count what reaches it, plus the D1 floor the capacity row compares with.
// Never deployed: wrangler.toml's `main` is server/worker.ts, and nothing in server/ knows this file exists.
// (.mts, not .ts: the client tsconfig covers bench/**/*.ts without the Workers types; this file is checked by
// bench/suites/server-probe-worker.tsconfig.json.)
import worker, { Hub } from '../../server/worker.js';
import type { Env } from '../../server/env.js';

export { Hub };

/** What the real Worker sent to D1 since the last reset: statements executed and rows written (D1's meta). */
interface D1Counters {
  statements: number;
  batches: number;
  rowsWritten: number;
  rowsRead: number;
}

const counters: D1Counters = { statements: 0, batches: 0, rowsWritten: 0, rowsRead: 0 };

function count(results: unknown): void {
  for (const result of Array.isArray(results) ? results : [results]) {
    const meta = (result as { meta?: { rows_written?: number; rows_read?: number } } | null)?.meta;
    counters.rowsWritten += meta?.rows_written ?? 0;
    counters.rowsRead += meta?.rows_read ?? 0;
  }
}

/** The statement behind a wrapped one, for batch(). */
const inner = new WeakMap<object, D1PreparedStatement>();

function wrapStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const wrapped: D1PreparedStatement = new Proxy(statement, {
    get(target, prop) {
      if (prop === 'bind') return (...values: unknown[]) => wrapStatement(target.bind(...values));
      if (prop === 'run' || prop === 'all') {
        return async (...args: unknown[]) => {
          counters.statements++;
          const result = await (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          count(result);
          return result;
        };
      }
      if (prop === 'first' || prop === 'raw') {
        // No meta comes back from these: counted as statements, their rows are not known.
        return async (...args: unknown[]) => {
          counters.statements++;
          return (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  inner.set(wrapped, statement);
  return wrapped;
}

function countingD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => wrapStatement(target.prepare(query));
      if (prop === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          counters.batches++;
          counters.statements += statements.length;
          const results = await target.batch(statements.map((s) => inner.get(s) ?? s));
          count(results);
          return results;
        };
      }
      if (prop === 'exec') {
        return async (query: string) => {
          const result = await target.exec(query);
          counters.statements += result.count;
          return result;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
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
      const snapshot = { ...counters };
      if (request.method === 'POST') Object.assign(counters, { statements: 0, batches: 0, rowsWritten: 0, rowsRead: 0 });
      return Response.json(snapshot);
    }
    if (url.pathname === '/api/__bench/floor' && request.method === 'POST') {
      const written = await floor(env.DB, (await request.json()) as FloorRequest, Date.now());
      return Response.json({ written });
    }
    return worker.fetch(request, { ...env, DB: countingD1(env.DB) }, ctx);
  },
  scheduled: worker.scheduled,
} satisfies ExportedHandler<Env>;
