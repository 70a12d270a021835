/**
 * An in-memory stand-in for the Worker's project routes, with the Worker's idempotency semantics, used where a
 * test needs to inject faults at precise points (after commit, before commit) thousands of times. The real
 * Worker is exercised by the integration tests; this fake is checked against the same rules.
 */
export type Fault =
  | 'ok'
  | 'reject'
  | 'transient'
  | 'drop-response'
  | 'unauthorized'
  | 'offline'
  | 'in-progress'
  | 'hang-after-commit'
  /** The request commits, then the caller loses access to its org before the response arrives. */
  | 'revoke-after-commit';

export interface ServerProject {
  id: string;
  orgId: string;
  name: string;
  description: string;
  version: number;
  deletedAt: number | null;
}

/** An org or project membership (`scope` is the org id or the project id). */
export interface ServerMember {
  scope: string;
  orgId: string;
  userId: string;
  role: string;
  version: number;
  deletedAt: number | null;
}

export class FakeServer {
  readonly projects = new Map<string, ServerProject>();
  /** `${orgId}:${userId}` → org membership; `${projectId}:${userId}` → project membership, as the Worker keeps them. */
  readonly orgMembers = new Map<string, ServerMember>();
  readonly projectMembers = new Map<string, ServerMember>();
  /**
   * Idempotency keys of mutating requests as they arrived and as they were answered (a committed answer the
   * 'drop-response' fault then loses counts as answered: the server decided), in order.
   */
  readonly arrivals: string[] = [];
  readonly answered: string[] = [];
  /** Idempotency-Key → stored response (only for completed requests, like the Worker). */
  readonly records = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  /** Every effect applied, in order, by Idempotency-Key: a key appearing twice is a double apply. */
  readonly effects: string[] = [];
  faults: Fault[] = [];
  validToken = 'token-1';
  /** Orgs the caller was removed from: their routes answer 404 ORG_NOT_FOUND (a stored response still replays). */
  readonly revokedOrgs = new Set<string>();
  /** Which org 'revoke-after-commit' takes away, and what the client does on learning it (its pull's purge). */
  revocable: string | null = null;
  onRevoke: (orgId: string) => Promise<void> = async () => {};
  /** Idempotency keys of requests answered 401, in order. */
  readonly unauthorized: (string | null)[] = [];
  private now = 1_000;

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const fault = this.faults.shift() ?? 'ok';
    if (fault === 'offline') throw new TypeError('Failed to fetch');
    if (request.headers.get('authorization') !== `Bearer ${this.validToken}` || fault === 'unauthorized') {
      this.unauthorized.push(request.headers.get('idempotency-key'));
      return json(401, error('AUTH_REQUIRED', 401));
    }
    if (fault === 'transient') return json(503, error('INTERNAL', 500));
    if (fault === 'in-progress') return json(409, error('IDEMPOTENCY_IN_PROGRESS', 409), { 'Retry-After': '1' });
    const key = request.headers.get('idempotency-key');
    if (key) this.arrivals.push(key);
    const bodyText = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
    const url = new URL(request.url);
    const fingerprint = `${request.method} ${url.pathname}\n${bodyText}`;
    if (key) {
      const record = this.records.get(key);
      if (record) {
        if (record.fingerprint !== fingerprint) return json(422, error('IDEMPOTENCY_KEY_REUSED', 422));
        return json(record.status, record.body, { 'Idempotent-Replayed': 'true' });
      }
    }
    if (fault === 'reject') {
      const rejected = error('VALIDATION_FAILED', 400);
      if (key) this.records.set(key, { fingerprint, status: 400, body: rejected });
      return json(400, rejected);
    }
    const [status, body] = this.handle(request.method, url.pathname, bodyText ? JSON.parse(bodyText) : undefined, key);
    if (key && status < 500) this.records.set(key, { fingerprint, status, body });
    if (key) this.answered.push(key);
    if (fault === 'revoke-after-commit' && this.revocable !== null) {
      this.revokedOrgs.add(this.revocable);
      await this.onRevoke(this.revocable);
    }
    if (fault === 'drop-response') throw new TypeError('connection reset after the server committed');
    if (fault === 'hang-after-commit') return new Promise<Response>(() => {});
    return json(status, body);
  };

  /** Answers for the engine's reads: who am I, and empty pages everywhere (this fake only models projects' writes). */
  userId = 'user-1';
  /** The server's wall clock, reported as `serverTime` (the engine measures its offset from it). */
  clock: () => number = () => this.now;

  private handle(method: string, path: string, body: any, key: string | null): [number, unknown] {
    if (method === 'GET' && path === '/api/me') return [200, { user: { id: this.userId, email: 'u@example.com', name: 'U' }, serverTime: this.clock() }];
    if (method === 'GET') return [200, { items: [], nextCursor: 'c0', hasMore: false, serverTime: this.clock() }];
    const members = /^\/api\/orgs\/([^/]+)(?:\/projects\/([^/]+))?\/members(?:\/([^/]+))?$/.exec(path);
    if (members) return this.handleMember(method, members[1]!, members[2], members[3], body, key);
    const match = /^\/api\/orgs\/([^/]+)\/projects(?:\/([^/]+))?$/.exec(path);
    if (!match) return [404, error('NOT_FOUND', 404)];
    const [, orgId, projectId] = match as unknown as [string, string, string | undefined];
    if (this.revokedOrgs.has(orgId)) return [404, error('ORG_NOT_FOUND', 404)];
    const at = ++this.now;
    if (method === 'POST' && !projectId) {
      if (this.projects.has(body.id)) return [409, error('ALREADY_EXISTS', 409)];
      const row: ServerProject = { id: body.id, orgId, name: body.name, description: body.description ?? '', version: 1, deletedAt: null };
      this.projects.set(row.id, row);
      this.effects.push(key ?? '');
      return [201, wire(row, at)];
    }
    const row = projectId ? this.projects.get(projectId) : undefined;
    if (!row || row.deletedAt !== null) return [404, error('PROJECT_NOT_FOUND', 404)];
    if (method === 'PATCH') {
      Object.assign(row, body.name !== undefined ? { name: body.name } : {}, body.description !== undefined ? { description: body.description } : {});
      row.version++;
      this.effects.push(key ?? '');
      return [200, wire(row, at)];
    }
    if (method === 'DELETE') {
      row.deletedAt = at;
      row.version++;
      this.effects.push(key ?? '');
      return [200, wire(row, at)];
    }
    return [404, error('NOT_FOUND', 404)];
  }

  /**
   * Memberships as the Worker rules them: a project member must be a member of the project's org, and removing
   * an org member removes them from every project of the org.
   */
  private handleMember(method: string, orgId: string, projectId: string | undefined, userId: string | undefined, body: any, key: string | null): [number, unknown] {
    if (this.revokedOrgs.has(orgId)) return [404, error('ORG_NOT_FOUND', 404)];
    const at = ++this.now;
    const table = projectId ? this.projectMembers : this.orgMembers;
    if (projectId) {
      const project = this.projects.get(projectId);
      if (!project || project.deletedAt !== null || project.orgId !== orgId) return [404, error('PROJECT_NOT_FOUND', 404)];
    }
    const scope = projectId ?? orgId;
    if (method === 'POST' && !userId) {
      const target = body.userId as string;
      if (projectId && this.orgMembers.get(`${orgId}:${target}`)?.deletedAt !== null) return [404, error('MEMBER_NOT_FOUND', 404)];
      const existing = table.get(`${scope}:${target}`);
      if (existing && existing.deletedAt === null) return [409, error('ALREADY_MEMBER', 409)];
      const row: ServerMember = { scope, orgId, userId: target, role: body.role, version: (existing?.version ?? 0) + 1, deletedAt: null };
      table.set(`${scope}:${target}`, row);
      this.effects.push(key ?? '');
      return [201, memberWire(row, at)];
    }
    const row = userId ? table.get(`${scope}:${userId}`) : undefined;
    if (!row || row.deletedAt !== null) return [404, error('MEMBER_NOT_FOUND', 404)];
    if (method === 'DELETE') {
      row.deletedAt = at;
      row.version++;
      if (!projectId) {
        for (const member of this.projectMembers.values()) {
          if (member.orgId === orgId && member.userId === row.userId && member.deletedAt === null) Object.assign(member, { deletedAt: at, version: member.version + 1 });
        }
      }
      this.effects.push(key ?? '');
      return [200, memberWire(row, at)];
    }
    return [404, error('NOT_FOUND', 404)];
  }

  alive(): ServerProject[] {
    return [...this.projects.values()].filter((p) => p.deletedAt === null);
  }
}

function wire(row: ServerProject, at: number) {
  return { ...row, createdBy: 'user-1', createdAt: at, updatedAt: at };
}

function memberWire(row: ServerMember, at: number) {
  const { scope, ...rest } = row;
  return { ...rest, ...(scope === row.orgId ? {} : { projectId: scope }), email: `${row.userId}@example.com`, name: row.userId, createdAt: at, updatedAt: at };
}

function error(code: string, statusCode: number) {
  return { code, message: code.toLowerCase(), statusCode, timestamp: 0 };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}
