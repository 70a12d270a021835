import ky, { TimeoutError } from 'ky';
import type { OpMethod } from '../../shared/index.js';
import { readToken, type TokenSource } from './read-token.js';
import { resolveRouteLayout, urlOf, type ResolvedRouteLayout } from './route-layout.js';

/** What one attempt produced, before any interpretation. The scheduler never sees a thrown error. */
export type SendOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly body: unknown; readonly headers: Headers }
  | { readonly kind: 'network-error'; readonly message: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'no-token' };

export interface SendRequest {
  readonly method: OpMethod | 'GET';
  /** A canonical path (`/api/…`, as ops store it); the client's route layout says where it really goes. */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

export interface HttpClient {
  /** Sends once with the current token; never retries and never throws for HTTP or network failures. */
  send(request: SendRequest): Promise<SendOutcome>;
  /**
   * The token of the last request answered 401 (null: none yet), to tell a refreshed token from the refused
   * one. The refused request's own token, not the last one sent: with requests in flight side by side, a 401
   * for an old token can arrive after a request with its replacement went out.
   */
  readonly refusedToken: () => string | null;
}

export interface HttpClientOptions {
  readonly baseUrl: string;
  /** Where each canonical path is sent (route-layout.ts); the default layout sends it as it is. */
  readonly routes?: ResolvedRouteLayout;
  readonly getToken: TokenSource;
  readonly fetch?: typeof fetch;
  /** The whole attempt's budget: sending, the response's headers and reading its body. Default 30 s. */
  readonly timeoutMs?: number;
  /** The timer the deadline runs on (the engine's Timers fit); the global one by default. */
  readonly timers?: DeadlineTimers;
}

export interface DeadlineTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: DeadlineTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Why an attempt's own deadline aborted it (an abort reason, told apart from the caller's abort). */
class AttemptTimeout extends Error {
  override name = 'AttemptTimeout';
}

/**
 * The transport: ky over an injected fetch, with ky's own retries off (the outbox owns retrying, with
 * idempotency keys) and HTTP errors returned as data.
 *
 * The deadline covers the whole attempt, the body included: ky's `timeout` ends when fetch resolves, i.e. at
 * the headers, so a body that stalls after them would hold the attempt (and its lane) forever. Here one timer
 * aborts the request's signal (a real fetch then errors the body stream) and also ends the wait on the body
 * read itself (a fetch that ignores its signal cannot hold the attempt either). Either way the outcome is
 * `timeout`, retried like any other; the caller's abort likewise ends the wait at once, as `aborted`.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const routes = options.routes ?? resolveRouteLayout(undefined);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timers = options.timers ?? globalTimers;
  const client = ky.create({
    retry: 0,
    throwHttpErrors: false,
    timeout: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  let refusedToken: string | null = null;
  return {
    refusedToken: () => refusedToken,
    async send(request) {
      // Mapped before anything else: a layout that cannot place the path throws here, with nothing sent.
      const url = urlOf(options.baseUrl, routes.pathOf(request.path));
      const token = await readToken(options.getToken);
      if (!token) return { kind: 'no-token' };
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...request.headers };
      const controller = new AbortController();
      let settle: (outcome: SendOutcome) => void = () => {};
      const settled = new Promise<SendOutcome>((resolve) => (settle = resolve));
      const callerAborted = () => {
        controller.abort(request.signal?.reason);
        settle({ kind: 'aborted' });
      };
      if (request.signal?.aborted) callerAborted();
      else request.signal?.addEventListener('abort', callerAborted, { once: true });
      const timer = timers.setTimeout(() => {
        controller.abort(new AttemptTimeout(`no complete answer within ${timeoutMs} ms`));
        settle({ kind: 'timeout' });
      }, timeoutMs);
      const attempt = (async (): Promise<SendOutcome> => {
        try {
          const response = await client(url, {
            method: request.method,
            headers,
            ...(request.body !== undefined ? { json: request.body } : {}),
            signal: controller.signal,
          });
          const text = await response.text();
          let body: unknown = null;
          if (text) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          if (response.status === 401) refusedToken = token;
          return { kind: 'response', status: response.status, body, headers: response.headers };
        } catch (error) {
          if (controller.signal.reason instanceof AttemptTimeout || error instanceof TimeoutError) return { kind: 'timeout' };
          if (request.signal?.aborted || (error instanceof Error && error.name === 'AbortError')) return { kind: 'aborted' };
          return { kind: 'network-error', message: error instanceof Error ? error.message : String(error) };
        }
      })();
      try {
        return await Promise.race([attempt, settled]);
      } finally {
        timers.clearTimeout(timer);
        request.signal?.removeEventListener('abort', callerAborted);
      }
    },
  };
}
