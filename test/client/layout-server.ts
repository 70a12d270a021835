/**
 * A server that answers only at one app's URLs: the routes of a layout (under `/v2/sync`, projects as studies of
 * workspaces, project members as people of a study, org members as people of a team) and nothing else, so a
 * request the engine sends anywhere else (the default `/api/…` included) is a 404 the test sees. It records every
 * request and every socket the engine opens. Just enough state for a pass: two orgs (one with change heads, one
 * without, so both ways of pulling project members run), one project in the second, and whatever the engine writes.
 */
export const ORG_A = '1a1a1a1a-0000-4000-8000-000000000001';
export const ORG_B = '1b1b1b1b-0000-4000-8000-000000000002';
export const PROJECT_B = '2b2b2b2b-0000-4000-8000-000000000003';
export const USER = 'user-1';
export const TOKEN = 'token-1';
const STAMP = '2026-01-01T00:00:00.000Z-0000-00000000000000aa';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly idempotencyKey: string | null;
  readonly body: unknown;
  readonly status: number;
}

export class LayoutServer {
  readonly requests: Recorded[] = [];
  /** What a request was refused for being nowhere this server answers. */
  readonly strays: Recorded[] = [];
  /** Throw as a network failure: an offline device. */
  offline = false;
  readonly projects = new Map<string, Record<string, unknown>>([[PROJECT_B, projectRow(PROJECT_B, ORG_B, 'Seeded')]]);

  constructor(readonly origin = 'http://server.test', readonly base = '/v2/sync') {}

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    if (this.offline) throw new TypeError('Failed to fetch');
    const text = request.method === 'GET' ? '' : await request.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const [status, answer] = request.headers.get('authorization') === `Bearer ${TOKEN}` ? this.answer(request.method, new URL(request.url), body) : [401, error('AUTH_REQUIRED', 401)];
    const recorded = { method: request.method, url: request.url, idempotencyKey: request.headers.get('idempotency-key'), body, status };
    this.requests.push(recorded);
    if (status === 404) this.strays.push(recorded);
    return new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } });
  };

  private answer(method: string, url: URL, body: any): [number, unknown] {
    const now = Date.now();
    if (url.origin !== this.origin || !url.pathname.startsWith(`${this.base}/`)) return [404, error('NOT_FOUND', 404)];
    const path = url.pathname.slice(this.base.length);
    const page = (items: unknown[]) => [200, { items, nextCursor: 'c1', hasMore: false, serverTime: now }] as [number, unknown];
    if (method === 'GET' && path === '/me') return [200, { user: { id: USER, email: 'u@example.com', name: 'U' }, serverTime: now }];
    if (method === 'GET' && path === '/orgs') {
      const org = (id: string) => ({ id, name: id.slice(0, 4), role: 'owner', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 });
      return page([{ ...org(ORG_A), heads: { members: 1, projects: 1, settings: 1, projectMembers: 1 } }, org(ORG_B)]);
    }
    if (path === '/settings' || path === `/orgs/${ORG_A}/settings` || path === `/orgs/${ORG_B}/settings`) {
      if (method === 'GET') return page([]);
      if (method === 'PATCH') {
        const entries = (body as { entries: { key: string }[] }).entries;
        return [200, { results: entries.map((e) => ({ key: e.key, status: 'applied' })), changes: [], cursor: 'c2', hasMore: false, serverHlc: STAMP, serverTime: now }];
      }
    }
    let match = /^\/teams\/([^/]+)\/people(?:\/([^/]+))?$/.exec(path);
    if (match) {
      if (method === 'GET' && !match[2]) return page([]);
      const row = { orgId: match[1], userId: match[2] ?? body.userId, role: body?.role ?? 'member', email: 'x@example.com', name: 'X', createdAt: now, updatedAt: now, deletedAt: null, version: 1 };
      if (method === 'POST' && !match[2]) return [201, row];
      if (method === 'PATCH' && match[2]) return [200, row];
      if (method === 'DELETE' && match[2]) return [200, { ...row, deletedAt: now, version: 2 }];
    }
    match = /^\/workspaces\/([^/]+)\/studies\/([^/]+)\/people(?:\/([^/]+))?$/.exec(path);
    if (match) {
      if (method === 'GET' && !match[3]) return page([]);
      const row = { projectId: match[2], orgId: match[1], userId: match[3] ?? body.userId, role: body?.role ?? 'member', email: 'x@example.com', name: 'X', createdAt: now, updatedAt: now, deletedAt: null, version: 1 };
      if (method === 'POST' && !match[3]) return [201, row];
      if (method === 'DELETE' && match[3]) return [200, { ...row, deletedAt: now, version: 2 }];
    }
    match = /^\/workspaces\/([^/]+)\/studies(?:\/([^/]+))?$/.exec(path);
    if (match) {
      const [, orgId, projectId] = match as unknown as [string, string, string | undefined];
      if (method === 'GET' && !projectId) return page([...this.projects.values()].filter((p) => p.orgId === orgId));
      if (method === 'POST' && !projectId) {
        const row = projectRow(body.id, orgId, body.name);
        this.projects.set(body.id, row);
        return [201, row];
      }
      const row = projectId ? this.projects.get(projectId) : undefined;
      if (row && method === 'PATCH') return [200, Object.assign(row, body, { version: (row.version as number) + 1, updatedAt: now })];
      if (row && method === 'DELETE') {
        this.projects.delete(projectId!);
        return [200, { ...row, deletedAt: now, version: (row.version as number) + 1 }];
      }
    }
    if (method === 'GET' && path === `/orgs/${ORG_A}/project-members`) return page([]);
    return [404, error('NOT_FOUND', 404)];
  }
}

function projectRow(id: string, orgId: string, name: string): Record<string, unknown> {
  return { id, orgId, name, description: '', createdBy: USER, createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 };
}

function error(code: string, statusCode: number) {
  return { code, message: code.toLowerCase(), statusCode, timestamp: 0 };
}

/** Live sockets that open at once and record where they were pointed and with which subprotocols. */
export function recordingSockets() {
  const opened: { url: string; protocols: string[] }[] = [];
  class RecordingSocket {
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onclose: ((event: { code: number }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    constructor(url: string, protocols?: string | string[]) {
      opened.push({ url, protocols: protocols === undefined ? [] : ([] as string[]).concat(protocols) });
      setTimeout(() => this.onopen?.({}), 0);
    }
    close() {}
  }
  return { opened, WebSocket: RecordingSocket };
}
