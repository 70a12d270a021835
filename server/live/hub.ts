import { DurableObject } from 'cloudflare:workers';
import type { CreateOrgRequest, Page } from '../../shared/index.js';
import type { WriteOutcome } from '../http/write-response.js';
import type { ObjectAnswer } from '../store/org-object/object-answer.js';
import type { IdempotencyIntent } from '../http/idempotency.js';
import { isInitialized, migrateOrgObject } from '../store/org-object/migrate-org-object.js';
import { ObjectChores } from '../store/org-object/object-chores.js';
import { moveOrgIn, type MoveResult } from '../store/org-object/move-org.js';
import { objectCreateOrg, objectLiveRefusal, objectRead, objectWrite } from '../store/org-object/object-ops.js';
import { objectSeq } from '../store/org-object/object-state.js';
import type { OrgCall, OrgReadOp, OrgWriteOp } from '../store/org-ops.js';
import { orgScope } from './notify.js';

/** The write ops that change an org's row in its members' org lists (not only its heads). */
const LISTED_CHANGES = new Set<OrgWriteOp['op']>(['updateOrg', 'addOrgMember', 'updateOrgMember', 'removeOrgMember']);

/** Close code sent to a socket whose user lost access to the hub's scope (removed from the org). */
export const CLOSE_ACCESS_REVOKED = 4403;

/** Internal headers set by the Worker on the upgrade it forwards (after its own auth and access check). */
export const HUB_USER_HEADER = 'x-hub-user';
export const HUB_PROTOCOL_HEADER = 'x-hub-protocol';
/** Set on an upgrade to an org's object (`org-objects` storage): the object checks the user's membership itself. */
export const HUB_ORG_HEADER = 'x-hub-org';

/**
 * One hub per scope name (`org:<orgId>`, `user:<userId>`), holding that scope's live sockets through the
 * WebSocket Hibernation API: the object may be evicted while sockets stay open, and wakes for a poke, a kick or
 * a message. Each socket is tagged with its user id, so a kick closes exactly that user's sockets.
 *
 * It reads no binding: an app re-exports this class from its Worker under the class name its wrangler config
 * binds, and passes that namespace as the sync server's `hub` option.
 *
 * Only the Worker reaches it (a Durable Object has no public route):
 * - a WebSocket upgrade carrying `x-hub-user` (the caller the Worker authenticated and checked);
 * - `POST /poke` `{ scope, seq }`: sends `{ type: 'poke', scope, seq }` to every socket;
 * - `POST /kick` `{ userId }`: closes that user's sockets with 4403.
 * A poke carries no data: the client answers it with its normal authenticated pull.
 *
 * The session is checked once, at the upgrade. A socket whose session is revoked or expires later stays open and
 * keeps getting pokes: harmless, since they carry nothing and the pull each one prompts is refused (401). The
 * engine then pauses for auth and closes its sockets until it has a new token (create-sync-engine.ts), so a dead
 * session does not keep a socket for long. Only a removal from the org must cut a socket at once (the kick).
 */
export class Hub extends DurableObject<unknown> {
  /**
   * `org-objects` storage: the hub of `org:<orgId>` is also that org's object, holding its rows (design
   * section 2). These RPC methods run the org's ops on its own storage (store/org-object/object-ops.ts); a user
   * hub never calls them, so it never gets tables. Pokes of the org's own scope go to this object's sockets
   * at once; the rest (user scopes) go back to the Worker in the outcome.
   */
  /** The org's background work: directory deliveries and the purge, on the object's alarm. */
  private readonly chores: ObjectChores;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    this.chores = new ObjectChores({
      storage: ctx.storage,
      directory: () => this.directory(),
      poke: (orgId, seq) => void this.poke(orgScope(orgId), seq),
    });
    // An org's object brings its storage to the current schema before any request (a deploy may add
    // migrations), and re-arms an alarm a crash may have lost. A user hub, or an object nobody created an org
    // in, has no tables and gets none (isInitialized only reads).
    void ctx.blockConcurrencyWhile(async () => {
      if (!isInitialized(ctx.storage)) return;
      await migrateOrgObject(ctx.storage);
      await this.chores.rearm();
    });
  }

  async orgWrite(orgId: string, op: OrgWriteOp, call: OrgCall, intent?: IdempotencyIntent): Promise<WriteOutcome> {
    const outcome = await objectWrite(this.ctx.storage, orgId, op, call, intent, undefined);
    // A change to what the org list says (the org's name, a membership: rare) is delivered before it is
    // answered, so the members' next GET /orgs shows it; a change inside the org only moves heads, delivered
    // with the writes around it by the alarm.
    // (A refused write may have queued a delivery too: a guard that failed after the commit's batch ran.)
    const listed = LISTED_CHANGES.has(op.op) && outcome.seq > 0;
    if (isInitialized(this.ctx.storage)) await this.chores.afterWrite(orgId, listed);
    // A change inside the org reaches its members' clients through the org list's heads, which the delivery
    // moves: its poke waits for that delivery (the alarm pokes after it), or the pull it prompts would find
    // the old heads and pull nothing. Writes within one delivery interval share that poke.
    return this.deliverLocally(orgId, outcome, listed);
  }

  async orgRead(orgId: string, op: OrgReadOp, call: OrgCall): Promise<ObjectAnswer<Page<unknown>>> {
    return objectRead(this.ctx.storage, orgId, op, call);
  }

  async orgCreate(orgId: string, input: CreateOrgRequest, call: OrgCall, intent?: IdempotencyIntent): Promise<WriteOutcome> {
    const outcome = await objectCreateOrg(this.ctx.storage, orgId, input, call, intent);
    // The creator's next GET /orgs should list it: delivered before the create is answered.
    if (isInitialized(this.ctx.storage)) await this.chores.afterWrite(orgId, outcome.seq > 0);
    return this.deliverLocally(orgId, outcome, true);
  }

  /**
   * Moves the org from D1 into this object (store/org-object/move-org.ts); safe to call again wherever a
   * previous call stopped. The org's sockets are poked after it: their clients pull, and resync from here.
   */
  async orgMoveIn(orgId: string): Promise<MoveResult> {
    while (this.moving) await this.moving.catch(() => undefined);
    const d1 = this.directory();
    if (!d1) throw new Error('Hub: no DB binding (a move reads the org from D1)');
    const run = moveOrgIn(this.ctx.storage, d1, orgId, Date.now());
    this.moving = run;
    try {
      const result = await run;
      if (result.result !== 'not_found') {
        await this.chores.afterWrite(orgId, false);
        this.poke(orgScope(orgId), objectSeq(this.ctx.storage));
      }
      return result;
    } finally {
      this.moving = undefined;
    }
  }

  /** The D1 database the directory lives in: the Worker's `DB` binding, which the object shares. */
  private directory(): D1Database | undefined {
    return (this.env as { DB?: D1Database } | undefined)?.DB;
  }

  /** A move in progress (one at a time per object). */
  private moving: Promise<unknown> | undefined;

  /** The alarm: directory deliveries and the purge (ObjectChores); a failure throws, and the runtime retries. */
  override async alarm(): Promise<void> {
    await this.chores.alarm();
  }

  /**
   * Sends the outcome's kicks of this org's scope to this object's sockets, and its poke when `pokeNow` (else
   * the delivery's alarm pokes); answers the rest (user scopes) for the Worker to send.
   */
  private deliverLocally(orgId: string, outcome: WriteOutcome, pokeNow: boolean): WriteOutcome {
    const live = outcome.live;
    if (!live) return outcome;
    const own = orgScope(orgId);
    if (pokeNow && live.pokes.includes(own)) this.poke(own, outcome.seq);
    for (const kick of live.kicks ?? []) if (kick.scope === own) this.kick(kick.userId);
    const pokes = live.pokes.filter((scope) => scope !== own);
    const kicks = (live.kicks ?? []).filter((kick) => kick.scope !== own);
    return { ...outcome, live: pokes.length > 0 || kicks.length > 0 ? { pokes, kicks } : undefined };
  }

  private poke(scope: string, seq: number): number {
    const message = JSON.stringify({ type: 'poke', scope, seq });
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(message);
        sent++;
      } catch {
        // a socket closing under us: its client reconnects and pulls
      }
    }
    return sent;
  }

  private kick(userId: string): number {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(userId)) {
      try {
        ws.close(CLOSE_ACCESS_REVOKED, 'access revoked');
        closed++;
      } catch {
        // already closed
      }
    }
    return closed;
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      const userId = request.headers.get(HUB_USER_HEADER);
      if (!userId) return new Response('missing user', { status: 400 });
      const orgId = request.headers.get(HUB_ORG_HEADER);
      if (orgId !== null) {
        const refusal = await objectLiveRefusal(this.ctx.storage, orgId, userId, Date.now());
        if (refusal) return new Response(refusal.body, { status: refusal.status, headers: { 'content-type': 'application/json' } });
      }
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1], [userId]);
      const protocol = request.headers.get(HUB_PROTOCOL_HEADER);
      return new Response(null, { status: 101, webSocket: pair[0], headers: protocol ? { 'Sec-WebSocket-Protocol': protocol } : {} });
    }
    const path = new URL(request.url).pathname;
    if (request.method === 'POST' && path === '/poke') {
      const { scope, seq } = await request.json<{ scope: string; seq: number }>();
      return Response.json({ sent: this.poke(scope, seq) });
    }
    if (request.method === 'POST' && path === '/kick') {
      const { userId } = await request.json<{ userId: string }>();
      return Response.json({ closed: this.kick(userId) });
    }
    return new Response('not found', { status: 404 });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === 'ping') ws.send('pong');
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(1011, 'socket error');
    } catch {
      // already closed
    }
  }
}
