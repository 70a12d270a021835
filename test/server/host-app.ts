import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import type { Hono } from 'hono';
import type { Env } from '../../server/env.js';
import { ORIGIN } from './helpers.js';

/** The test bindings as an app that mounts the sync server sees them: the repo's, plus the second D1. */
export type HostBindings = Env & { SECOND_DB: D1Database };

export interface HostCall {
  method?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HostResponse {
  status: number;
  body: any;
  headers: Headers;
  webSocket: WebSocket | null;
}

/**
 * Calls an app of the test's own (not the repo's Worker: SELF is that) the way the runtime would: its fetch
 * with the test bindings and an execution context whose waitUntil work (the hub pokes) is awaited.
 */
export async function callHost(app: Hono<any>, path: string, options: HostCall = {}): Promise<HostResponse> {
  const headers: Record<string, string> = { origin: ORIGIN, ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, { method: options.method ?? 'GET', headers, body }), env, ctx);
  await waitOnExecutionContext(ctx);
  if (res.webSocket) return { status: res.status, body: null, headers: res.headers, webSocket: res.webSocket };
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text so the assertion shows it
  }
  return { status: res.status, body: parsed, headers: res.headers, webSocket: null };
}

let counter = 0;
/** A name no other test run used (the local D1 outlives a run). */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
