import type { FetchLike } from './target.js';

/** A request as the kit sent it (credentials redacted when shown). */
export interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One request and its answer: what a failure message shows. */
export interface Exchange {
  readonly sent: SentRequest;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON; `undefined` when it is empty or not JSON. */
  readonly json: unknown;
  readonly ms: number;
}

export interface SendOptions {
  /** A JSON body: stringified, with `content-type: application/json`. */
  readonly json?: unknown;
  /** A raw body, sent as is (with `contentType`, default `application/json`): malformed JSON, say. */
  readonly body?: string;
  readonly contentType?: string;
  readonly idempotencyKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number>>;
}

/** The request never got an answer (refused, reset, timed out). */
export class NoAnswerError extends Error {
  readonly sent: SentRequest;
  constructor(sent: SentRequest, cause: unknown) {
    super(`no answer to ${sent.method} ${sent.url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'NoAnswerError';
    this.sent = sent;
  }
}

export interface Transport {
  readonly fetch: FetchLike;
  readonly baseUrl: string;
  readonly timeoutMs: number;
}

/** Joins the target's base URL and a route path (`/orgs`) without assuming any prefix. */
export function routeUrl(baseUrl: string, path: string, query?: SendOptions['query']): string {
  const url = `${baseUrl.replace(/\/+$/, '')}${path}`;
  const params = new URLSearchParams(Object.entries(query ?? {}).map(([k, v]): [string, string] => [k, String(v)]));
  const search = params.toString();
  return search === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${search}`;
}

/** Sends one request to the target and reads the whole answer. */
export async function send(
  transport: Transport,
  method: string,
  path: string,
  auth: Readonly<Record<string, string>> | null,
  options: SendOptions = {},
): Promise<Exchange> {
  const headers: Record<string, string> = { ...(auth ?? {}), ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  else if (options.body !== undefined) body = options.body;
  if (body !== undefined) headers['content-type'] ??= options.contentType ?? 'application/json';
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const sent: SentRequest = { method, url: routeUrl(transport.baseUrl, path, options.query), headers, ...(body === undefined ? {} : { body }) };
  const started = Date.now();
  let response: Response;
  let text: string;
  try {
    response = await transport.fetch(
      new Request(sent.url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(transport.timeoutMs) }),
    );
    text = await response.text();
  } catch (error) {
    throw new NoAnswerError(sent, error);
  }
  let json: unknown;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { sent, status: response.status, headers: response.headers, text, json, ms: Date.now() - started };
}

const SHOWN_BODY_CHARS = 600;
/** Answer headers worth showing: the ones the contract speaks about. */
const SHOWN_HEADERS = ['content-type', 'idempotent-replayed', 'retry-after'];
const SECRET_HEADERS = new Set(['authorization', 'cookie']);

function clip(text: string): string {
  return text.length > SHOWN_BODY_CHARS ? `${text.slice(0, SHOWN_BODY_CHARS)}… (${text.length} chars)` : text;
}

/** What was sent, for a failure message. Credentials never appear in it. */
export function formatSent(sent: SentRequest): string {
  const lines = [`${sent.method} ${sent.url}`];
  for (const [name, value] of Object.entries(sent.headers)) {
    lines.push(`  ${name.toLowerCase()}: ${SECRET_HEADERS.has(name.toLowerCase()) ? '<redacted>' : clip(value)}`);
  }
  if (sent.body !== undefined) lines.push(`  ${clip(sent.body)}`);
  return lines.join('\n');
}

/** What came back, for a failure message. */
export function formatAnswer(exchange: Exchange): string {
  const lines = [`${exchange.status} (${exchange.ms} ms)`];
  for (const name of SHOWN_HEADERS) {
    const value = exchange.headers.get(name);
    if (value !== null) lines.push(`  ${name}: ${value}`);
  }
  lines.push(`  ${exchange.text === '' ? '<empty body>' : clip(exchange.text)}`);
  return lines.join('\n');
}
