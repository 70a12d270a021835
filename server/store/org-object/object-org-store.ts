import { sql } from 'drizzle-orm';
import type { Page } from '../../../shared/index.js';
import type { IdempotencyIntent } from '../../http/idempotency.js';
import type { AuthUser } from '../../env.js';
import { HttpError } from '../../http/http-error.js';
import { HUB_ORG_HEADER, HUB_PROTOCOL_HEADER, HUB_USER_HEADER, type Hub } from '../../live/hub.js';
import { orgScope } from '../../live/notify.js';
import { listOrgs } from '../../services/orgs.js';
import type { OrgStore } from '../org-store.js';
import type { SqlStore } from '../sql-store.js';
import { remember } from '../../http/org-route.js';
import { throwRefusal, type ObjectAnswer } from './object-answer.js';

export interface ObjectOrgStoreOptions {
  /** The hub namespace: each org's object is its hub, `org:<orgId>`. */
  readonly hub: DurableObjectNamespace;
  /** The D1 store: the directory (the org list, users). */
  readonly directory: SqlStore;
  /** The request's Idempotency-Key, checked and fingerprinted (orgIdempotency), for the object to look up. */
  readonly intent?: IdempotencyIntent | undefined;
  /** The orgs known to be in their objects (org-route.ts): a created one is added, so it is not looked up. */
  readonly inObjects?: Set<string> | undefined;
}

/** Version-8 UUID bits over a SHA-256: an id that `idSchema` (z.uuid) accepts, the same for the same input. */
async function derivedId(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A user of the directory by id or email (as resolveUser finds one), with the profile member lists show; null: none. */
async function directoryUser(directory: SqlStore, target: { email?: string | undefined; userId?: string | undefined }): Promise<AuthUser | null> {
  const where = target.userId !== undefined ? sql`id = ${target.userId}` : sql`email = ${(target.email ?? '').toLowerCase()}`;
  return (await directory.all<AuthUser>(sql`SELECT id, name, email FROM user WHERE ${where}`))[0] ?? null;
}

/**
 * The org store of `org-objects` storage, in the Worker: each org op goes over RPC to the org's object, which
 * checks access from its own tables, runs the op on its own storage and answers data (object-ops.ts). The
 * Worker authenticated the caller and validated the request; it reads nothing of the org. What the object
 * answers as a refusal is sent as it is for a write (its body is the one stored for a replay) and thrown again
 * for a read.
 *
 * `POST /orgs` picks the org's id here, because the id names the object: the request's own, else with a key one
 * derived from (user, key) so a retry reaches the same object and replays there, else a random one.
 */
export function objectOrgStore(options: ObjectOrgStoreOptions): OrgStore {
  const { hub, directory, intent } = options;
  const org = (orgId: string) => hub.get(hub.idFromName(orgScope(orgId))) as DurableObjectStub<Hub>;
  return {
    // The directory in D1 (issue 19 step 7 writes it from the objects): the orgs D1 itself holds.
    listOrgs: (call, query) => listOrgs(directory, call.user, query, call.now),
    async createOrg(call, input) {
      const id = input.id ?? (intent ? await derivedId(`${call.user.id}\n${intent.key}`) : crypto.randomUUID());
      // An org D1 holds (not a directory copy of an object's org) has this id: the object must not take it.
      const legacy = await directory.all(sql`SELECT 1 FROM orgs WHERE id = ${id} AND storage <> 'object'`);
      if (legacy.length > 0) throw new HttpError('ALREADY_EXISTS', 'an org with this id exists');
      const outcome = await org(id).orgCreate(id, { ...input, id }, call, intent);
      if (outcome.status < 300 && options.inObjects) remember(options.inObjects, id);
      return outcome;
    },
    async read(orgId, op, call) {
      // The stub's types wrap the answer for RPC (Disposable): it is the object's ObjectAnswer.
      const answer = (await org(orgId).orgRead(orgId, op, call)) as ObjectAnswer<Page<unknown>>;
      if (!answer.ok) throwRefusal(answer);
      return answer.value;
    },
    async write(orgId, op, call) {
      // The user a member request names is found in the directory, where users are (the object's profiles are
      // a cache whose emails can go stale, so it never looks one up): the op carries them, or null for none,
      // which the object answers 404 only after the caller's access checks, as D1's services do.
      if (op.op === 'addOrgMember' || op.op === 'addProjectMember') {
        return org(orgId).orgWrite(orgId, { ...op, target: await directoryUser(directory, op.input) }, call, intent);
      }
      return org(orgId).orgWrite(orgId, op, call, intent);
    },
    async connect(orgId, call, live) {
      const forward = new Headers({ upgrade: 'websocket', [HUB_USER_HEADER]: call.user.id, [HUB_ORG_HEADER]: orgId });
      if (live.protocol) forward.set(HUB_PROTOCOL_HEADER, live.protocol);
      const res = await org(orgId).fetch(`https://hub/connect?scope=${encodeURIComponent(orgScope(orgId))}`, { headers: forward });
      // A fresh Response: the stub's headers are immutable and the middlewares (CORS) add theirs.
      return new Response(res.webSocket ? null : res.body, { status: res.status, webSocket: res.webSocket, headers: res.headers });
    },
  };
}
