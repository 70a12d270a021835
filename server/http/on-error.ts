import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { $ZodError } from 'zod/v4/core';
import type { Vars } from '../env.js';
import { HttpError, errorBody } from './http-error.js';
import { log, type LogSink } from './log.js';

/**
 * The one mapping from thrown errors to the error body. Expected failures are HttpError; malformed input caught
 * by Hono or zod becomes 400 VALIDATION_FAILED; anything else is a bug: logged with its stack here, answered
 * as INTERNAL without one (to the request's `log` sink when the sync server set one). Any app's error handler
 * can be this one: it reads no binding.
 */
export function onError(error: Error, c: Context): Response {
  if (error instanceof HttpError) {
    return c.json(errorBody(error.code, error.message, error.details), error.status as ContentfulStatusCode, error.headers);
  }
  if (error instanceof $ZodError) {
    return c.json(errorBody('VALIDATION_FAILED', 'invalid request', { issues: error.issues }), 400);
  }
  if (error instanceof HTTPException && error.status < 500) {
    if (error.status === 413) return c.json(errorBody('BODY_TOO_LARGE', 'request body exceeds 1 MiB'), 413);
    return c.json(errorBody('VALIDATION_FAILED', error.message || 'malformed request'), 400);
  }
  const vars = c.var as Partial<Vars>;
  const sink: LogSink = vars.log ?? log;
  sink({ level: 'error', msg: 'unhandled error', requestId: vars.requestId, error: error.message, stack: error.stack });
  return c.json(errorBody('INTERNAL', 'internal error'), 500);
}
