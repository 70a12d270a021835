/** Retry policy of the outbox (DESIGN section 5). */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** Attempts (sends) before an op fails with RETRIES_EXHAUSTED. */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 5 * 60_000, maxAttempts: 10 };

/**
 * Capped exponential backoff with full jitter (AWS architecture blog): a uniform delay in
 * [0, min(cap, base * 2^(attempt-1))). A server's Retry-After is a floor, still capped, so a 429 is honoured
 * without letting a server park the queue for hours.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number, retryAfterMs: number | null = null): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === null ? jittered : Math.min(policy.capMs, Math.max(retryAfterMs, jittered));
}
