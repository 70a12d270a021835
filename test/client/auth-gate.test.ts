import { describe, expect, it } from 'vitest';
import { createAuthGate } from '../../client/engine/auth-gate.js';
import { createHttpClient, type HttpClient, type SendOutcome, type SendRequest } from '../../client/transport/http-client.js';

/** An HTTP client whose /api/me answers are scripted per token. */
function server(users: Record<string, string>, getToken: () => string | null) {
  const sent: SendRequest[] = [];
  let offline = false;
  let refused: string | null = null;
  const http: HttpClient = {
    refusedToken: () => refused,
    async send(request): Promise<SendOutcome> {
      sent.push(request);
      const token = getToken();
      if (token === null) return { kind: 'no-token' };
      if (offline) return { kind: 'network-error', message: 'offline' };
      const id = users[token];
      const headers = new Headers();
      if (id) return { kind: 'response', status: 200, body: { user: { id } }, headers };
      refused = token;
      return { kind: 'response', status: 401, body: null, headers };
    },
  };
  return { http, sent, setOffline: (o: boolean) => (offline = o), expire: (token: string) => delete users[token] };
}

const signal = new AbortController().signal;

describe('auth gate', () => {
  it('checks each new token once with /api/me, and pauses for another user’s token', async () => {
    let token: string | null = 'ann-1';
    const s = server({ 'ann-1': 'ann', 'bob-1': 'bob', 'ann-2': 'ann' }, () => token);
    let pauses = 0;
    const gate = createAuthGate({ userId: 'ann', getToken: () => token, http: s.http, onPause: async () => void pauses++ });
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
    expect(s.sent).toHaveLength(1);
    token = 'bob-1';
    expect(await gate.verify(signal)).toEqual({ state: 'mismatch' });
    expect(gate.paused).toBe(true);
    expect(await gate.verify(signal)).toEqual({ state: 'paused' }); // the same refused token: nothing sent
    expect(s.sent).toHaveLength(2);
    token = 'ann-2';
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
    expect(gate.paused).toBe(false);
    expect(pauses).toBe(1);
  });

  it('a 401, no token or a throwing getToken pauses; offline verifies nothing and does not pause', async () => {
    let token: string | null = 'expired';
    const s = server({ fresh: 'ann' }, () => token);
    const gate = createAuthGate({ userId: 'ann', getToken: () => token, http: s.http, onPause: async () => {} });
    expect(await gate.verify(signal)).toEqual({ state: 'paused' });
    token = 'fresh';
    s.setOffline(true);
    expect(await gate.verify(signal)).toEqual({ state: 'unavailable' });
    expect(gate.paused).toBe(false);
    s.setOffline(false);
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
    const throwing = createAuthGate({
      userId: 'ann',
      getToken: () => {
        throw new Error('refresh failed');
      },
      http: server({}, () => null).http,
      onPause: async () => {},
    });
    expect(await throwing.verify(signal)).toEqual({ state: 'paused' });
  });

  it('pause() after a 401 elsewhere holds until the token changes, and counts once', async () => {
    let token = 'ann-1';
    const s = server({ 'ann-1': 'ann', 'ann-2': 'ann' }, () => token);
    let pauses = 0;
    const gate = createAuthGate({ userId: 'ann', getToken: () => token, http: s.http, onPause: async () => void pauses++ });
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
    // The 401 elsewhere: the session behind ann-1 ended, and a push with it was refused.
    s.expire('ann-1');
    expect(await s.http.send({ method: 'POST', path: '/api/orgs' })).toMatchObject({ status: 401 });
    await gate.pause();
    await gate.pause();
    expect(pauses).toBe(1);
    expect(await gate.verify(signal)).toEqual({ state: 'paused' });
    token = 'ann-2';
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
  });
});

describe('the refused token is the 401’s own', () => {
  it('a 401 for an old token that arrives after its replacement went out pauses on the old token, so the new one is checked', async () => {
    let token = 'old';
    let answerOld: (res: Response) => void = () => {};
    const fetchFake = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const auth = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('authorization');
      if (auth === 'Bearer old') return new Promise<Response>((resolve) => (answerOld = resolve));
      return Response.json({ user: { id: 'ann' } });
    }) as typeof fetch;
    const http = createHttpClient({ baseUrl: 'http://server.test', getToken: () => token, fetch: fetchFake });
    // A push with the old token is in flight when the app repairs the token; a request with the new one goes out
    // and is answered; then the old one's 401 arrives.
    const inFlight = http.send({ method: 'POST', path: '/api/orgs', body: {} });
    await new Promise((r) => setTimeout(r, 0));
    token = 'new';
    expect((await http.send({ method: 'GET', path: '/api/me' })).kind).toBe('response');
    answerOld(new Response(null, { status: 401 }));
    expect(await inFlight).toMatchObject({ kind: 'response', status: 401 });
    expect(http.refusedToken()).toBe('old');

    const gate = createAuthGate({ userId: 'ann', getToken: () => token, http, onPause: async () => {} });
    await gate.pause();
    // The current token is not the refused one: the gate checks it instead of waiting for another forever.
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
  });
});
