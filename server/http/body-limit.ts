import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.js';
import { errorBody } from './http-error.js';

export interface BodyLimitOptions {
  /** Largest body accepted, bytes. */
  maxBytes: number;
  /**
   * How many bytes in all an oversize body is read before the stream is cancelled. Under `wrangler dev` a
   * proxy pipes each request body into the Worker; answering while a chunked body is still streaming in makes
   * that pipe throw ("Can't read from request stream after response has been sent") and the proxy then holds
   * every request from any client for 6-300 s. Reading the rest before answering avoids it. The cap bounds
   * what a hostile sender can make the Worker read; past it the stream is cancelled and the stall can recur
   * under `wrangler dev` (the deployed edge has no such proxy).
   */
  drainBytes: number;
}

/**
 * Refuses bodies over `maxBytes` with 413 BODY_TOO_LARGE. A Content-Length is trusted (the runtime enforces
 * it), so such a body is refused unread; a chunked body is counted as it arrives and buffered for the routes,
 * and once it is over the limit the rest is drained up to `drainBytes` and then cancelled. A second limit on one
 * request (an app's, around the sync server's routes) checks what the first left, or nothing once it was read.
 */
export function bodyLimit({ maxBytes, drainBytes }: BodyLimitOptions) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const body = c.req.raw.body;
    // A body already read (by a route's middleware behind an earlier limit: the sync server's, in front of the
    // app's own 404) is past limiting, and reading it again would throw.
    if (!body || c.req.raw.bodyUsed || body.locked) return next();
    const tooLarge = () => c.json(errorBody('BODY_TOO_LARGE', `request body exceeds ${maxBytes} bytes`), 413);
    const declared = c.req.raw.headers.get('content-length');
    if (declared !== null && !c.req.raw.headers.has('transfer-encoding')) {
      return Number(declared) > maxBytes ? tooLarge() : next();
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drain(reader, drainBytes - size);
        return tooLarge();
      }
      chunks.push(value);
    }
    const buffered = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      buffered.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: buffered });
    return next();
  });
}

/** Reads and drops up to `budget` more bytes; cancels the stream if it has more than that. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  let left = budget;
  try {
    while (left > 0) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
    }
    await reader.cancel('request body too large');
  } catch {
    // the sender hung up: nothing left to drain
  }
}
