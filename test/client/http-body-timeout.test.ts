import { describe, expect, it } from 'vitest';
import { classify } from '../../client/transport/classify.js';
import { createHttpClient, type DeadlineTimers } from '../../client/transport/http-client.js';

/** A fetch that answers 200 with its headers and the first bytes of a JSON body, then never sends the rest. */
function stallingBodyFetch(): { fetch: typeof fetch; cancelled: () => boolean } {
  let cancelled = false;
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    // ky hands fetch a Request carrying the signal.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"items":['));
        // What a real fetch does when its signal aborts mid-body: the stream errors.
        signal?.addEventListener('abort', () => {
          cancelled = true;
          controller.error(signal.reason);
        });
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetch: fetchFn, cancelled: () => cancelled };
}

/** The same stall from a fetch that ignores its signal altogether. */
const deafStallingFetch = (async () =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"items":['));
      },
    }),
    { status: 200 },
  )) as unknown as typeof fetch;

/** Timers fired by hand: the test says when the deadline passes. */
function manualTimers(): DeadlineTimers & { fire: () => void; pending: () => number } {
  const due = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (fn) => {
      due.set(++next, fn);
      return next;
    },
    clearTimeout: (handle) => void due.delete(handle as number),
    fire: () => {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
    pending: () => due.size,
  };
}

describe('http client deadline', () => {
  it('times out an attempt whose body stalls after the headers, within the timeout, as a retryable timeout', async () => {
    const stalling = stallingBodyFetch();
    const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch: stalling.fetch, timeoutMs: 150 });
    const started = performance.now();
    const outcome = await Promise.race([
      http.send({ method: 'GET', path: '/api/orgs' }),
      new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 5000)),
    ]);
    expect(outcome).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(stalling.cancelled()).toBe(true);
    if (outcome === 'still waiting') return;
    expect(classify(outcome, 'GET', 0).type).toBe('retry');
  });

  it('ends the wait on its injected deadline even when the fetch ignores its signal', async () => {
    const timers = manualTimers();
    const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch: deafStallingFetch, timeoutMs: 30_000, timers });
    const sent = http.send({ method: 'PATCH', path: '/api/settings', body: { entries: [] } });
    let settled = false;
    void sent.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    expect(timers.pending()).toBe(1);
    timers.fire();
    expect(await sent).toEqual({ kind: 'timeout' });
  });

  it('answers a complete response and clears its deadline; a caller abort during a stalled body is aborted', async () => {
    const timers = manualTimers();
    const answering = (async () => new Response('{"ok":true}', { status: 200 })) as unknown as typeof fetch;
    const ok = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch: answering, timers });
    expect(await ok.send({ method: 'GET', path: '/api/health' })).toMatchObject({ kind: 'response', status: 200, body: { ok: true } });
    expect(timers.pending()).toBe(0);
    const stalled = createHttpClient({ baseUrl: 'http://server.test', getToken: () => 't', fetch: deafStallingFetch, timers });
    const abort = new AbortController();
    const sent = stalled.send({ method: 'GET', path: '/api/orgs', signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    expect(await sent).toEqual({ kind: 'aborted' });
    expect(timers.pending()).toBe(0);
  });
});
