import type * as z from 'zod/mini';
import { ERROR_CODES, errorBodySchema, type ErrorBody, type ErrorCode } from '../shared/index.js';
import { ConformanceFailure } from './conformance-failure.js';
import type { Exchange } from './exchange.js';

/*
 * Assertions of the checks. Each one names the contract rule it holds the answer to (`expected`), and fails with
 * a ConformanceFailure carrying the exchange.
 */

export function fail(expected: string, exchange?: Exchange, detail?: string): never {
  throw new ConformanceFailure(expected, exchange, detail);
}

export function expectThat(condition: boolean, expected: string, exchange?: Exchange, detail?: string): asserts condition {
  if (!condition) fail(expected, exchange, detail);
}

export function expectStatus(exchange: Exchange, status: number | readonly number[], expected: string): void {
  const allowed = typeof status === 'number' ? [status] : status;
  if (!allowed.includes(exchange.status)) fail(`${expected} (status ${allowed.join(' or ')})`, exchange, `status ${exchange.status}`);
}

function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, root: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : root}: ${i.message}`)
    .join('; ');
}

/** The answer's JSON body parsed by one of shared/'s wire schemas, the ones the client parses with. */
export function expectShape<S extends z.ZodMiniType>(exchange: Exchange, schema: S, expected: string): z.infer<S> {
  if (exchange.json === undefined) fail(expected, exchange, 'the body is not JSON');
  const parsed = schema.safeParse(exchange.json);
  if (!parsed.success) fail(expected, exchange, `the body does not match the wire schema: ${issuesOf(parsed.error, '(body)')}`);
  return parsed.data as z.infer<S>;
}

/** A value (not an answer) parsed by a wire schema. */
export function expectValue<S extends z.ZodMiniType>(value: unknown, schema: S, expected: string, exchange?: Exchange): z.infer<S> {
  if (value === undefined) fail(expected, exchange, 'nothing: it is absent');
  const parsed = schema.safeParse(value);
  if (!parsed.success) fail(expected, exchange, `${issuesOf(parsed.error, '(value)')} in ${JSON.stringify(value).slice(0, 300)}`);
  return parsed.data as z.infer<S>;
}

/**
 * The one error body of the contract, `{ code, message, statusCode, details?, timestamp }`, with `code`, the
 * status its code travels with (shared/errors: ERROR_CODES) and `statusCode` equal to the HTTP status.
 */
export function expectError(exchange: Exchange, code: ErrorCode, expected: string): ErrorBody {
  const status = ERROR_CODES[code];
  const what = `${expected}: ${status} ${code}`;
  if (exchange.status !== status) fail(what, exchange, `status ${exchange.status}`);
  const body = expectErrorBody(exchange, what);
  if (body.code !== code) fail(what, exchange, `code ${body.code}`);
  return body;
}

/** Any error body of the contract, with statusCode equal to the status. */
export function expectErrorBody(exchange: Exchange, expected: string): ErrorBody {
  const body = expectShape(exchange, errorBodySchema, `${expected}, as the error body { code, message, statusCode, details?, timestamp }`);
  if (body.statusCode !== exchange.status) fail(`${expected}: statusCode equal to the HTTP status`, exchange, `statusCode ${body.statusCode}`);
  return body;
}

/** Never a 5xx, and every 4xx is the contract's error body. */
export function expectWellFormed(exchange: Exchange, expected: string): void {
  if (exchange.status >= 500) fail(`${expected}: an answer below 500 (no input may make a route answer 5xx)`, exchange, `status ${exchange.status}`);
  if (exchange.status >= 400) expectErrorBody(exchange, expected);
}

/** `Idempotent-Replayed: true`, the mark of an answer served from an idempotency record. */
export const isReplayed = (exchange: Exchange) => exchange.headers.get('idempotent-replayed')?.toLowerCase() === 'true';
