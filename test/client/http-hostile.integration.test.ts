import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { errorBodySchema, LIMITS } from '../../shared/index.js';
import { workerForFile } from './worker-for-file.js';

/**
 * Hostile HTTP against the real Worker under `wrangler dev`: what workerd in the test pool cannot show, since
 * there a request body is never a socket that is still streaming in.
 */
const worker = workerForFile();

interface Answer {
  status: number;
  body: string;
}

function collect(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    res.on('error', reject);
  });
}

/**
 * Fails `req` with a clear error unless it is answered within `ms`; the timer is cleared once it is answered.
 */
function deadline(req: ClientRequest, ms: number, what: string): void {
  const timer = setTimeout(() => req.destroy(new Error(`no answer to ${what} within ${ms} ms`)), ms);
  req.once('response', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
}

/**
 * POSTs `body` (or that many bytes) with `Transfer-Encoding: chunked` and no Content-Length, one chunk at a time
 * as the socket drains, on its own connection. The answer may arrive before the body is fully sent; a reset
 * after it (the server stopped reading) is expected, one before it is a failure.
 */
function chunkedPost(path: string, body: number | Buffer, chunkBytes = 64 * 1024): Promise<Answer> {
  const bytes = typeof body === 'number' ? Buffer.alloc(body, 'x') : body;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, worker().baseUrl), {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', origin: worker().baseUrl },
    });
    deadline(req, 15_000, `POST ${path}`);
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      collect(res).then(resolve, reject);
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    let sent = 0;
    const pump = () => {
      while (sent < bytes.length && !req.destroyed) {
        const chunk = bytes.subarray(sent, sent + chunkBytes);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

/** GET on a fresh connection, answering how long it took; fails after `timeoutMs`. */
function timedGet(path: string, timeoutMs: number): Promise<Answer & { ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, worker().baseUrl), { agent: false });
    deadline(req, timeoutMs, `GET ${path}`);
    req.on('response', (res) => collect(res).then((a) => resolve({ ...a, ms: performance.now() - started }), reject));
    req.on('error', reject);
    req.end();
  });
}

describe('hostile HTTP under wrangler dev', () => {
  it('answers an oversize chunked POST 413 and the next request from another connection promptly', async () => {
    for (const size of [LIMITS.maxBodyBytes + 512 * 1024, 4 * LIMITS.maxBodyBytes]) {
      const oversize = await chunkedPost('/api/orgs', size);
      expect(oversize.status).toBe(413);
      const body = errorBodySchema.parse(JSON.parse(oversize.body));
      expect(body).toMatchObject({ code: 'BODY_TOO_LARGE', statusCode: 413 });

      const health = await timedGet('/api/health', 10_000);
      expect(health.status).toBe(200);
      expect(health.ms, `follow-up after a ${size}-byte chunked POST`).toBeLessThan(2_000);
    }
  }, 60_000);

  it('passes a chunked body within the limit on to the route intact', async () => {
    const email = `chunked-${Date.now().toString(36)}@example.com`;
    const signUp = Buffer.from(JSON.stringify({ email, password: 'correct horse battery', name: 'Chunked' }));
    const res = await chunkedPost('/api/auth/sign-up/email', signUp, 7);
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body).user.email).toBe(email);
  }, 30_000);
});
