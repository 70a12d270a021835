import { describe, expect, it } from 'vitest';
import { api, signIn, signUp } from './worker-harness.js';
import { workerForFile } from './worker-for-file.js';

/**
 * The Worker keeps one Better Auth instance per isolate (server/auth/create-auth.ts), shared by every request
 * it serves at once. Whatever Better Auth tracks for one call (the session it resolved, the session a sign-in
 * created) must stay with that call: a sign-in that answered with another user's token, or a read resolved to
 * another user's session, would hand one user another's account. Under wrangler dev every request lands in the
 * same isolate, so concurrent sign-ins, sign-outs and reads of several users run through that one instance.
 */
const worker = workerForFile();

describe('one Better Auth instance for concurrent requests', () => {
  it('keeps every token its own user’s while users sign in, sign out and read at the same time', async () => {
    const { baseUrl } = worker();
    const accounts = await Promise.all(Array.from({ length: 5 }, (_, i) => signUp(baseUrl, `Shared${i}`)));
    const wrong: string[] = [];
    for (let round = 0; round < 8; round++) {
      await Promise.all(
        accounts.map(async (account, i) => {
          if ((round + i) % 3 === 0) {
            const old = account.token;
            expect((await api(baseUrl, old, 'POST', '/api/auth/sign-out', {})).status).toBe(200);
            account.token = await signIn(baseUrl, account);
            // The signed-out token is refused at once, whatever else the instance is doing.
            const revoked = await api(baseUrl, old, 'GET', '/api/me');
            if (revoked.status !== 401) wrong.push(`round ${round}: ${account.email}'s signed-out token answered ${revoked.status}`);
          }
          const reads = await Promise.all([0, 1, 2].map(() => api(baseUrl, account.token, 'GET', '/api/me')));
          for (const read of reads) {
            if (read.status !== 200 || read.body.user.id !== account.id) {
              wrong.push(`round ${round}: ${account.email}'s token answered ${read.status} ${JSON.stringify(read.body).slice(0, 120)}`);
            }
          }
        }),
      );
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
