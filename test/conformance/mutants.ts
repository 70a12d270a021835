import { ERROR_CODES, createHlc, type ErrorCode } from '../../shared/index.js';
import type { FetchLike } from '../../testing/index.js';

/**
 * Mutants of this repo's server: each wraps the real Worker's fetch and breaks one rule of the routes contract,
 * the way an app's own routes plausibly would (a framework's text 404, a pager that drops rows, If-Match ignored,
 * stamps replaced by arrival time…). Every check of the kit must fail against its mutant: a check that passes a
 * server breaking its rule checks nothing.
 */
export interface Mutant {
  /** The check that must fail. */
  readonly check: string;
  /** The broken rule, as an app would break it. */
  readonly breaks: string;
  readonly wrap: (fetch: FetchLike) => FetchLike;
}

type Json = any;

const path = (request: Request) => new URL(request.url).pathname;
const isPage = (request: Request) => request.method === 'GET' && !path(request).endsWith('/me');

async function json(res: Response): Promise<Json> {
  const text = await res.clone().text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A new answer with `body` as JSON and `res`'s headers (`headers` on top). */
function answer(res: Response, body: Json, status = res.status, headers: Record<string, string> = {}): Response {
  const h = new Headers(res.headers);
  h.delete('content-length');
  h.delete('content-encoding');
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  h.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** The answer's body rewritten by `edit` when `when` holds for it. */
const rewrite =
  (when: (request: Request, res: Response, body: Json) => boolean, edit: (body: Json, request: Request) => Json) =>
  (fetch: FetchLike): FetchLike =>
  async (request) => {
    const res = await fetch(request);
    const body = await json(res);
    return body !== undefined && when(request, res, body) ? answer(res, edit(body, request)) : res;
  };

/** One error code answered as another (with that code's status). */
const recode = (from: ErrorCode, to: ErrorCode) => (fetch: FetchLike): FetchLike => async (request) => {
  const res = await fetch(request);
  const body = await json(res);
  return body?.code === from ? answer(res, { ...body, code: to, statusCode: ERROR_CODES[to] }, ERROR_CODES[to]) : res;
};

/** The request changed before the Worker sees it. */
const onRequest = (edit: (request: Request, body: string) => Request | Promise<Request>) => (fetch: FetchLike): FetchLike => async (request) => {
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.clone().text();
  return fetch(await edit(request, body));
};

function withHeaders(request: Request, body: string, edit: (h: Headers) => void): Request {
  const headers = new Headers(request.headers);
  edit(headers);
  return new Request(request.url, { method: request.method, headers, ...(body === '' ? {} : { body }) });
}

function withBody(request: Request, body: string): Request {
  const headers = new Headers(request.headers);
  headers.delete('content-length');
  return new Request(request.url, { method: request.method, headers, body });
}

function withQuery(request: Request, edit: (q: URLSearchParams) => void): Request {
  const url = new URL(request.url);
  edit(url.searchParams);
  return new Request(url, { method: request.method, headers: request.headers });
}

/** A merge request's entries edited (PATCH …/settings). */
const onMergeEntries = (edit: (entries: Json[], auth: string) => Json[]) =>
  onRequest((request, body) => {
    if (request.method !== 'PATCH' || !path(request).endsWith('/settings')) return request;
    let parsed: Json;
    try {
      parsed = JSON.parse(body);
    } catch {
      return withBody(request, body);
    }
    if (!Array.isArray(parsed?.entries)) return withBody(request, body);
    return withBody(request, JSON.stringify({ ...parsed, entries: edit(parsed.entries, request.headers.get('authorization') ?? '') }));
  });

/** Ignores bad cursors: a rejected cursor is retried as a pull from the start. */
const restartOn = (code: ErrorCode) => (fetch: FetchLike): FetchLike => async (request) => {
  const res = await fetch(request);
  if ((await json(res))?.code !== code) return res;
  return fetch(withQuery(request, (q) => q.delete('cursor')));
};

const arrivalClock = createHlc({ nodeId: 'a0a0a0a0a0a0a0a0' });

export const MUTANTS: readonly Mutant[] = [
  { check: 'errors.auth-required', breaks: 'no credentials answered 403 AUTH_FORBIDDEN', wrap: recode('AUTH_REQUIRED', 'AUTH_FORBIDDEN') },
  {
    check: 'errors.unknown-route',
    breaks: 'the framework’s plain-text 404',
    wrap: (fetch) => async (request) => {
      const res = await fetch(request);
      return (await json(res))?.code === 'NOT_FOUND' ? new Response('404 Not Found', { status: 404, headers: { 'content-type': 'text/plain' } }) : res;
    },
  },
  { check: 'errors.not-found', breaks: 'an unknown org is 403 (leaks existence)', wrap: recode('ORG_NOT_FOUND', 'AUTH_FORBIDDEN') },
  {
    check: 'errors.validation',
    breaks: 'VALIDATION_FAILED without details.issues',
    wrap: rewrite((_q, _r, b) => b.code === 'VALIDATION_FAILED', ({ details: _details, ...rest }) => rest),
  },
  {
    check: 'errors.malformed-json',
    breaks: 'a body that is not JSON crashes the route (500)',
    wrap: (fetch) => async (request) => {
      if (request.method !== 'GET') {
        const text = await request.clone().text();
        try {
          const parsed = JSON.parse(text);
          if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
        } catch {
          return new Response('Internal Server Error', { status: 500 });
        }
      }
      return fetch(request);
    },
  },
  { check: 'errors.body-too-large', breaks: 'an oversize body answered 400', wrap: recode('BODY_TOO_LARGE', 'VALIDATION_FAILED') },
  { check: 'errors.conflict', breaks: 'a taken id answered as a generic CONFLICT', wrap: recode('ALREADY_EXISTS', 'CONFLICT') },
  {
    check: 'errors.hostile-input',
    breaks: 'a lone surrogate in a body crashes the route',
    wrap: (fetch) => async (request) =>
      request.method !== 'GET' && /\\ud800/i.test(await request.clone().text()) ? new Response('boom', { status: 500 }) : fetch(request),
  },
  {
    check: 'idempotency.optional-key',
    breaks: 'writes without Idempotency-Key are refused',
    wrap: (fetch) => async (request) =>
      request.method !== 'GET' && !request.headers.has('idempotency-key')
        ? answer(new Response(), { code: 'VALIDATION_FAILED', message: 'Idempotency-Key required', statusCode: 400, timestamp: Date.now() }, 400)
        : fetch(request),
  },
  {
    check: 'idempotency.malformed-key',
    breaks: 'a malformed key is ignored and the write runs',
    wrap: onRequest((request, body) =>
      withHeaders(request, body, (h) => {
        const key = h.get('idempotency-key');
        if (key !== null && (key.includes(' ') || key.length > 255)) h.delete('idempotency-key');
      }),
    ),
  },
  {
    check: 'idempotency.replay',
    breaks: 'replays are not marked Idempotent-Replayed',
    wrap: (fetch) => async (request) => {
      const res = await fetch(request);
      if (!res.headers.has('idempotent-replayed')) return res;
      const h = new Headers(res.headers);
      h.delete('idempotent-replayed');
      return new Response(await res.text(), { status: res.status, headers: h });
    },
  },
  {
    check: 'idempotency.replay-update-delete',
    breaks: 'keys honoured on creates only: a repeated PATCH applies again',
    wrap: onRequest((request, body) => withHeaders(request, body, (h) => request.method === 'PATCH' && h.delete('idempotency-key'))),
  },
  { check: 'idempotency.key-reused', breaks: 'a reused key answered 409 CONFLICT', wrap: recode('IDEMPOTENCY_KEY_REUSED', 'CONFLICT') },
  {
    check: 'idempotency.per-user',
    breaks: 'records keyed by the key alone: another user’s key replays the first user’s answer',
    wrap: (fetch) => {
      const byKey = new Map<string, { status: number; text: string }>();
      return async (request) => {
        const key = request.headers.get('idempotency-key');
        const stored = key === null ? undefined : byKey.get(key);
        if (stored) return new Response(stored.text, { status: stored.status, headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' } });
        const res = await fetch(request);
        if (key !== null && res.status < 500) byKey.set(key, { status: res.status, text: await res.clone().text() });
        return res;
      };
    },
  },
  {
    check: 'idempotency.stores-4xx',
    breaks: 'a 4xx is not stored: the retry runs again',
    wrap: onRequest((request, body) => withHeaders(request, body, (h) => request.method === 'PATCH' && /\/orgs\/[^/]+$/.test(path(request)) && h.delete('idempotency-key'))),
  },
  {
    check: 'idempotency.concurrent',
    breaks: 'concurrent duplicates each apply (no claim before the effect)',
    wrap: onRequest((request, body) => withHeaders(request, body, (h) => /\/projects$/.test(path(request)) && h.delete('idempotency-key'))),
  },
  { check: 'cursors.page-shape', breaks: 'the last page has no nextCursor', wrap: rewrite((q, _r, b) => isPage(q) && b.hasMore === false, ({ nextCursor: _c, ...rest }) => rest) },
  {
    check: 'cursors.exactly-once',
    breaks: 'a pager that skips the first row past each cursor',
    wrap: rewrite((q, _r, b) => isPage(q) && new URL(q.url).searchParams.has('cursor') && Array.isArray(b.items), (b) => ({ ...b, items: b.items.slice(1) })),
  },
  {
    check: 'cursors.change-order',
    breaks: 'rows ordered by creation, not by their last change',
    wrap: rewrite((q, _r, b) => isPage(q) && Array.isArray(b.items), (b) => ({ ...b, items: [...b.items].sort((x: Json, y: Json) => (x.createdAt ?? 0) - (y.createdAt ?? 0)) })),
  },
  {
    check: 'cursors.tombstone',
    breaks: 'deleted rows vanish from pulls instead of coming as tombstones',
    wrap: rewrite((q, _r, b) => isPage(q) && Array.isArray(b.items), (b) => ({ ...b, items: b.items.filter((i: Json) => i.deletedAt === null) })),
  },
  {
    check: 'cursors.revocation-tombstone',
    breaks: 'GET /orgs lists live memberships only: a removal sends no tombstone',
    wrap: rewrite((q, _r, b) => isPage(q) && path(q).endsWith('/orgs') && Array.isArray(b.items), (b) => ({ ...b, items: b.items.filter((i: Json) => i.deletedAt === null) })),
  },
  { check: 'cursors.garbage', breaks: 'a garbage cursor restarts from the beginning', wrap: restartOn('CURSOR_INVALID') },
  {
    check: 'cursors.foreign',
    breaks: 'another collection’s cursor is accepted (only undecodable ones are refused)',
    wrap: (fetch) => async (request) => {
      const res = await fetch(request);
      const cursor = new URL(request.url).searchParams.get('cursor');
      if ((await json(res))?.code !== 'CURSOR_INVALID' || cursor === null) return res;
      try {
        JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
      } catch {
        return res;
      }
      return fetch(withQuery(request, (q) => q.delete('cursor')));
    },
  },
  { check: 'cursors.expired-after-role-change', breaks: 'cursors never expire on a role change', wrap: restartOn('CURSOR_EXPIRED') },
  {
    check: 'cursors.limit-bounds',
    breaks: 'an out-of-range limit is clamped instead of refused',
    wrap: onRequest((request) =>
      request.method !== 'GET'
        ? request
        : withQuery(request, (q) => {
            const limit = q.get('limit');
            if (limit !== null && !/^([1-9]\d{0,2}|1000)$/.test(limit)) q.set('limit', '200');
          }),
    ),
  },
  {
    check: 'if-match.current-applies',
    breaks: 'If-Match compared as text with its quotes: every precondition fails',
    wrap: (fetch) => async (request) =>
      request.headers.has('if-match')
        ? answer(new Response(), { code: 'PRECONDITION_FAILED', message: 'changed', statusCode: 412, timestamp: Date.now() }, 412)
        : fetch(request),
  },
  { check: 'if-match.stale-refused', breaks: 'If-Match ignored', wrap: onRequest((request, body) => withHeaders(request, body, (h) => h.delete('if-match'))) },
  {
    check: 'if-match.malformed',
    breaks: 'a malformed If-Match silently skipped',
    wrap: onRequest((request, body) => withHeaders(request, body, (h) => !/^"\d+"$/.test(h.get('if-match') ?? '""0') && h.delete('if-match'))),
  },
  {
    check: 'settings.later-stamp-wins',
    breaks: 'first writer wins: a stored key is never written again (answered applied)',
    wrap: (fetch) => {
      const seen = new Set<string>();
      return async (request) => {
        if (request.method !== 'PATCH' || !path(request).endsWith('/settings')) return fetch(request);
        const text = await request.clone().text();
        const body = JSON.parse(text) as { entries: { key: string }[] };
        const auth = request.headers.get('authorization') ?? '';
        const dropped = body.entries.map((e) => seen.has(`${auth} ${e.key}`));
        for (const e of body.entries) seen.add(`${auth} ${e.key}`);
        const res = await fetch(withBody(request, JSON.stringify({ ...body, entries: body.entries.filter((_, i) => !dropped[i]) })));
        const merged = await json(res);
        if (!Array.isArray(merged?.results)) return res;
        const results = [...merged.results];
        const all = body.entries.map((e, i) => (dropped[i] ? { key: e.key, status: 'applied' } : results.shift()));
        return answer(res, { ...merged, results: all });
      };
    },
  },
  {
    check: 'settings.earlier-stamp-loses',
    breaks: 'client stamps replaced by arrival time: the last arrival wins',
    wrap: onMergeEntries((entries) => entries.map((e) => ({ ...e, hlc: arrivalClock.next() }))),
  },
  {
    check: 'settings.same-stamp-idempotent',
    breaks: 'a redelivered entry is applied again (stamps replaced by arrival time)',
    wrap: onMergeEntries((entries) => entries.map((e) => ({ ...e, hlc: arrivalClock.next() }))),
  },
  {
    check: 'settings.equal-stamp-tie-break',
    breaks: 'an equal stamp goes to the later arrival',
    wrap: (fetch) => {
      const stamps = new Map<string, string>();
      return onMergeEntries((entries, auth) =>
        entries.map((e) => {
          const seen = stamps.get(`${auth} ${e.key}`);
          const hlc = seen === e.hlc ? arrivalClock.next() : e.hlc;
          stamps.set(`${auth} ${e.key}`, e.hlc);
          return { ...e, hlc };
        }),
      )(fetch);
    },
  },
  {
    check: 'settings.clock-drift',
    breaks: 'a stamp from the future is clamped to now instead of refused',
    wrap: onMergeEntries((entries) => entries.map((e) => (typeof e.hlc === 'string' && e.hlc > new Date(Date.now() + 60_000).toISOString() ? { ...e, hlc: arrivalClock.next() } : e))),
  },
  {
    check: 'settings.per-entry-rejection',
    breaks: 'one bad entry fails the whole merge (400)',
    wrap: (fetch) => async (request) => {
      const res = await fetch(request);
      const body = await json(res);
      if (request.method !== 'PATCH' || !Array.isArray(body?.results) || !body.results.some((r: Json) => r.status === 'rejected')) return res;
      return answer(res, { code: 'VALIDATION_FAILED', message: 'bad entry', statusCode: 400, timestamp: Date.now() }, 400);
    },
  },
  {
    check: 'settings.changes-since-cursor',
    breaks: 'the merge answers no changes',
    wrap: rewrite((q, _r, b) => q.method === 'PATCH' && Array.isArray(b.changes), (b) => ({ ...b, changes: [] })),
  },
  {
    check: 'settings.put-server-stamped',
    breaks: 'PUT stores the value without a register stamp in its answer',
    wrap: rewrite((q, r) => q.method === 'PUT' && r.status === 200, ({ hlc: _hlc, ...rest }) => rest),
  },
  { check: 'isolation.foreign-org', breaks: 'an org the caller is not in answers 403 (its id leaks)', wrap: recode('ORG_NOT_FOUND', 'AUTH_FORBIDDEN') },
  { check: 'isolation.hidden-project', breaks: 'a project the member is not in answers 403', wrap: recode('PROJECT_NOT_FOUND', 'AUTH_FORBIDDEN') },
  { check: 'isolation.role-forbidden', breaks: '403 without details.reason', wrap: rewrite((_q, _r, b) => b.code === 'AUTH_FORBIDDEN', ({ details: _d, ...rest }) => rest) },
  {
    check: 'isolation.user-settings',
    breaks: 'GET /settings reads the scope of the last user who wrote settings (a cached session)',
    wrap: (fetch) => {
      let lastWriter: string | null = null;
      return async (request) => {
        const userSettings = /\/settings$/.test(path(request)) && !/\/orgs\//.test(path(request));
        if (userSettings && request.method === 'PATCH') lastWriter = request.headers.get('authorization');
        if (!userSettings || request.method !== 'GET' || lastWriter === null) return fetch(request);
        const writer = lastWriter;
        return fetch(withHeaders(request, '', (h) => h.set('authorization', writer)));
      };
    },
  },
];
