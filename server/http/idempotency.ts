import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { LIMITS } from '../../shared/index.js';
import type { AppEnv } from '../env.js';
import { requestStore } from '../store/request-store.js';
import { HttpError } from './http-error.js';
import { orgIdOf } from './org-route.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
type IdempotencyRecord = { fingerprint: string; state: string; status: number | null; body: string | null };
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How long a claim holds before a crashed request's key may be taken over. */
const LOCK_MS = 60_000;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A keyed request's Idempotency-Key, checked, and its fingerprint. */
export interface IdempotencyIntent {
  readonly key: string;
  readonly fingerprint: string;
}

/**
 * The request's Idempotency-Key and fingerprint (method, path with query, and the body text), or undefined for
 * a request without one (or one that does not mutate). A malformed key is 400 VALIDATION_FAILED.
 */
export async function idempotencyIntentOf(c: Context<AppEnv>): Promise<IdempotencyIntent | undefined> {
  const key = c.req.header('Idempotency-Key');
  if (!MUTATING.has(c.req.method) || key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new HttpError('VALIDATION_FAILED', 'Idempotency-Key must be 1-255 visible ASCII characters');
  }
  const url = new URL(c.req.url);
  const fingerprint = await sha256Hex(`${c.req.method} ${url.pathname}${url.search}\n${await c.req.text()}`);
  return { key, fingerprint };
}

/**
 * The Idempotency-Key of an org-scoped route (`/orgs/...`): with `org-objects` storage the key is checked and
 * fingerprinted here and handed to the org's object (the `idempotencyIntent` variable), which looks it up and
 * stores the answer with the write itself: nothing is claimed in D1. With `d1` storage it is `idempotency`.
 */
export const orgIdempotency = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.storage !== 'org-objects') return idempotency(c, next);
  const intent = await idempotencyIntentOf(c);
  c.set('idempotency', intent ? 'new' : 'none');
  if (intent) c.set('idempotencyIntent', intent);
  return next();
});

/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header), scoped per user:
 *
 *   no record / expired / abandoned ──claim──▶ in_progress ──effect + response in one batch──▶ done
 *   done, same fingerprint      ──▶ stored status and body, `Idempotent-Replayed: true`, nothing written
 *   in_progress, same fingerprint ─▶ 409 IDEMPOTENCY_IN_PROGRESS (Retry-After: 1)
 *   any state, other fingerprint ─▶ 422 IDEMPOTENCY_KEY_REUSED
 *
 * The fingerprint covers method, path with query, and the body text. 4xx outcomes are stored (the same request
 * would fail the same way); 5xx are not: the claim is released so a retry can run.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const intent = await idempotencyIntentOf(c);
  if (!intent) {
    c.set('idempotency', 'none');
    return next();
  }
  const { key, fingerprint } = intent;
  const store = requestStore(c);
  const userId = c.var.user.id;
  const now = c.var.now;
  // An org's records go with it when it moves to its own storage (the org-scoped paths name it).
  const orgId = orgIdOf(c);
  const claimId = crypto.randomUUID();

  // Claim atomically: insert, or take over a record that expired or whose holder crashed (same request only).
  // The record is read back in the same batch (one round trip, not two): when the claim changed nothing, that
  // read is the record that stopped it, which a duplicate delivery replays without another trip to D1.
  const [claim, read] = await store.batch([
    sql`
    INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, state, status, body, created_at, locked_until, expires_at, org_id)
    VALUES (${userId}, ${key}, ${fingerprint}, ${claimId}, 'in_progress', NULL, NULL, ${now}, ${now + LOCK_MS}, ${now + LIMITS.idempotencyTtlMs}, ${orgId ?? null})
    ON CONFLICT (user_id, key) DO UPDATE SET
      fingerprint = excluded.fingerprint, claim = excluded.claim, state = 'in_progress', status = NULL, body = NULL,
      created_at = excluded.created_at, locked_until = excluded.locked_until, expires_at = excluded.expires_at, org_id = excluded.org_id
    WHERE idempotency_keys.expires_at <= ${now}
       OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.locked_until <= ${now}
           AND idempotency_keys.fingerprint = excluded.fingerprint)`,
    sql`SELECT fingerprint, state, status, body FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`,
  ]);

  if ((claim?.changes ?? 0) === 0) {
    const record = read?.rows[0] as IdempotencyRecord | undefined;
    if (!record) throw new HttpError('IDEMPOTENCY_IN_PROGRESS', 'retry shortly', undefined, { 'Retry-After': '1' });
    if (record.fingerprint !== fingerprint) {
      c.set('idempotency', 'key_reused');
      throw new HttpError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    }
    if (record.state !== 'done' || record.status === null || record.body === null) {
      c.set('idempotency', 'in_progress');
      throw new HttpError('IDEMPOTENCY_IN_PROGRESS', 'the first request with this key is still running', undefined, {
        'Retry-After': '1',
      });
    }
    c.set('idempotency', 'replayed');
    return new Response(record.body, {
      status: record.status,
      headers: { 'content-type': 'application/json', 'Idempotent-Replayed': 'true' },
    });
  }

  const held = { userId, key, claim: claimId, stored: false };
  c.set('idempotencyClaim', held);
  c.set('idempotency', 'new');
  await next();
  if (held.stored) return;
  // Passing failures are not the request's answer: a 5xx, or a 429 (too busy now). The claim goes, so a retry
  // with the same key runs afresh instead of replaying them.
  if (c.res.status >= 500 || c.res.status === 429) {
    await store.all(sql`DELETE FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key} AND claim = ${claimId} AND state = 'in_progress'`);
    return;
  }
  // A response that did not go through commit(): a 4xx, or a success with no effect to pair it with.
  const body = await c.res.clone().text();
  await store.all(sql`UPDATE idempotency_keys SET state = 'done', status = ${c.res.status}, body = ${body}
                   WHERE user_id = ${userId} AND key = ${key} AND claim = ${claimId} AND state = 'in_progress'`);
});
