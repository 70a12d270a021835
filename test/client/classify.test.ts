import { describe, expect, it } from 'vitest';
import { classify, parseRetryAfter } from '../../client/transport/classify.js';
import type { SendOutcome } from '../../client/transport/http-client.js';

const response = (status: number, body: unknown = null, headers: Record<string, string> = {}): SendOutcome => ({
  kind: 'response',
  status,
  body,
  headers: new Headers(headers),
});
const err = (code: string, statusCode: number) => ({ code, message: 'm', statusCode, timestamp: 1 });

describe('classify', () => {
  it('treats 2xx as success and notices replays', () => {
    expect(classify(response(201, { id: 'x' }), 'POST', 0)).toMatchObject({ type: 'success', replayed: false });
    expect(classify(response(200, {}, { 'Idempotent-Replayed': 'true' }), 'PATCH', 0)).toMatchObject({ type: 'success', replayed: true });
  });

  it.each([
    [response(500, err('INTERNAL', 500))],
    [response(502, '<html>bad gateway</html>')],
    [response(503)],
    [response(408)],
    [response(429, err('RATE_LIMITED', 429))],
    [response(409, err('IDEMPOTENCY_IN_PROGRESS', 409))],
    [{ kind: 'timeout' } as SendOutcome],
  ])('retries %#', (outcome) => {
    expect(classify(outcome, 'POST', 0).type).toBe('retry');
  });

  it('treats no answer at all as offline: retried without spending attempts', () => {
    expect(classify({ kind: 'network-error', message: 'Failed to fetch' }, 'POST', 0).type).toBe('offline');
  });

  it('honours Retry-After in seconds and as a date', () => {
    expect(classify(response(429, null, { 'Retry-After': '7' }), 'POST', 0)).toMatchObject({ type: 'retry', retryAfterMs: 7000 });
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('pauses for auth on 401 and when there is no token', () => {
    expect(classify(response(401, err('AUTH_REQUIRED', 401)), 'POST', 0).type).toBe('auth');
    expect(classify({ kind: 'no-token' }, 'POST', 0).type).toBe('auth');
  });

  it('fails other 4xx for good with the server’s code', () => {
    expect(classify(response(400, err('VALIDATION_FAILED', 400)), 'POST', 0)).toMatchObject({ type: 'permanent', code: 'VALIDATION_FAILED', statusCode: 400 });
    expect(classify(response(412, err('PRECONDITION_FAILED', 412)), 'PATCH', 0)).toMatchObject({ type: 'permanent', code: 'PRECONDITION_FAILED' });
    expect(classify(response(403, err('AUTH_FORBIDDEN', 403)), 'PATCH', 0)).toMatchObject({ type: 'permanent', code: 'AUTH_FORBIDDEN' });
    expect(classify(response(422, 'not ours'), 'PATCH', 0)).toMatchObject({ type: 'permanent', code: 'HTTP_422' });
  });

  it('counts a 404 on DELETE as done (already gone), not on other methods', () => {
    expect(classify(response(404, err('PROJECT_NOT_FOUND', 404)), 'DELETE', 0).type).toBe('success');
    expect(classify(response(404, err('PROJECT_NOT_FOUND', 404)), 'PATCH', 0).type).toBe('permanent');
  });

  it('leaves aborted sends alone', () => {
    expect(classify({ kind: 'aborted' }, 'POST', 0).type).toBe('abort');
  });
});
