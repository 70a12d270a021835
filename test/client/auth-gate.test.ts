import { describe, expect, it } from 'vitest';
import { createAuthGate } from '../../client/engine/auth-gate.js';
import type { HttpClient, SendOutcome, SendRequest } from '../../client/transport/http-client.js';

/** An HTTP client whose /api/me answers are scripted per token. */
function server(users: Record<string, string>, getToken: () => string | null) {
  const sent: SendRequest[] = [];
  let offline = false;
  let last: string | null = null;
  const http: HttpClient = {
    lastToken: () => last,
    async send(request): Promise<SendOutcome> {
      sent.push(request);
      last = getToken();
      if (last === null) return { kind: 'no-token' };
      if (offline) return { kind: 'network-error', message: 'offline' };
      const id = users[last];
      const headers = new Headers();
      return id ? { kind: 'response', status: 200, body: { user: { id } }, headers } : { kind: 'response', status: 401, body: null, headers };
    },
  };
  return { http, sent, setOffline: (o: boolean) => (offline = o) };
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
    await gate.pause();
    await gate.pause();
    expect(pauses).toBe(1);
    expect(await gate.verify(signal)).toEqual({ state: 'paused' });
    token = 'ann-2';
    expect(await gate.verify(signal)).toEqual({ state: 'verified' });
  });
});
