import ky, { TimeoutError } from 'ky';
import type { OpMethod } from '../../shared/index.js';
import { readToken, type TokenSource } from './read-token.js';

/** What one attempt produced, before any interpretation. The scheduler never sees a thrown error. */
export type SendOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly body: unknown; readonly headers: Headers }
  | { readonly kind: 'network-error'; readonly message: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'no-token' };

export interface SendRequest {
  readonly method: OpMethod | 'GET';
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

export interface HttpClient {
  /** Sends once with the current token; never retries and never throws for HTTP or network failures. */
  send(request: SendRequest): Promise<SendOutcome>;
  /** The token the last send used, to tell a refreshed token from the one that got a 401. */
  readonly lastToken: () => string | null;
}

export interface HttpClientOptions {
  readonly baseUrl: string;
  readonly getToken: TokenSource;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/**
 * The transport: ky over an injected fetch, with ky's own retries off (the outbox owns retrying, with
 * idempotency keys) and HTTP errors returned as data.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const client = ky.create({
    retry: 0,
    throwHttpErrors: false,
    timeout: options.timeoutMs ?? 30_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  let lastToken: string | null = null;
  return {
    lastToken: () => lastToken,
    async send(request) {
      const token = await readToken(options.getToken);
      lastToken = token;
      if (!token) return { kind: 'no-token' };
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...request.headers };
      try {
        const response = await client(`${base}${request.path}`, {
          method: request.method,
          headers,
          ...(request.body !== undefined ? { json: request.body } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
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
        return { kind: 'response', status: response.status, body, headers: response.headers };
      } catch (error) {
        if (error instanceof TimeoutError) return { kind: 'timeout' };
        if (request.signal?.aborted || (error instanceof Error && error.name === 'AbortError')) return { kind: 'aborted' };
        return { kind: 'network-error', message: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
