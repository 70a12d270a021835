import { errorBodySchema } from '../../shared/schemas/error-body.js';
import type { SendOutcome } from './http-client.js';

/**
 * How the outbox should treat one attempt's outcome:
 *
 *   2xx, and 404 on a DELETE (already gone) .......... success
 *   timeout, 5xx, 408, 429 ............................. retry (backoff; Retry-After honoured; attempt spent)
 *   409 IDEMPOTENCY_IN_PROGRESS ........................ retry, keyHeld: as above, but never the op's last
 *                                                        attempt (the server holds the key for a request that
 *                                                        may still commit, or crashed: up to its 60 s lock)
 *   network error (no answer at all) ................... offline (backoff, no attempt spent: a day offline
 *                                                        must not fail the queue)
 *   401, or no token at all ............................ auth (pause the queue, spend no attempt)
 *   aborted (logout, shutdown) ......................... abort (leave the op as it was)
 *   any other 4xx ...................................... permanent (fail with the server's code)
 */
export type Classified =
  | { readonly type: 'success'; readonly status: number; readonly body: unknown; readonly replayed: boolean }
  | {
      readonly type: 'retry';
      readonly reason: string;
      readonly retryAfterMs: number | null;
      /** 409 IDEMPOTENCY_IN_PROGRESS: no verdict on the op yet, so giving up on it now would be wrong. */
      readonly keyHeld?: true;
    }
  /** No answer at all: the device is offline. Retried with backoff, but never counted against the op. */
  | { readonly type: 'offline'; readonly reason: string }
  | { readonly type: 'auth' }
  | { readonly type: 'abort' }
  | { readonly type: 'permanent'; readonly code: string; readonly message: string; readonly statusCode: number; readonly details?: unknown };

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function classify(outcome: SendOutcome, method: string, now: number): Classified {
  switch (outcome.kind) {
    case 'network-error':
      return { type: 'offline', reason: `network: ${outcome.message}` };
    case 'timeout':
      return { type: 'retry', reason: 'timeout', retryAfterMs: null };
    case 'aborted':
      return { type: 'abort' };
    case 'no-token':
      return { type: 'auth' };
    case 'response':
      break;
  }
  const { status, body, headers } = outcome;
  if (status >= 200 && status < 300) {
    return { type: 'success', status, body, replayed: headers.get('Idempotent-Replayed') === 'true' };
  }
  const parsed = errorBodySchema.safeParse(body);
  const code = parsed.success ? parsed.data.code : `HTTP_${status}`;
  if (status === 401) return { type: 'auth' };
  if (status === 404 && method === 'DELETE') return { type: 'success', status, body: null, replayed: false };
  if (status >= 500 || status === 408 || status === 429 || code === 'IDEMPOTENCY_IN_PROGRESS') {
    const retryAfterMs = parseRetryAfter(headers.get('Retry-After'), now);
    return { type: 'retry', reason: `${status} ${code}`, retryAfterMs, ...(code === 'IDEMPOTENCY_IN_PROGRESS' && status === 409 ? { keyHeld: true as const } : {}) };
  }
  return {
    type: 'permanent',
    code,
    message: parsed.success ? parsed.data.message : `HTTP ${status}`,
    statusCode: status,
    ...(parsed.success && parsed.data.details ? { details: parsed.data.details } : {}),
  };
}
