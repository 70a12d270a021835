import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { $ZodType } from 'zod/v4/core';
import { HttpError } from './http-error.js';

/**
 * What each validated part of a request is called in a VALIDATION_FAILED message. The body target is `json`
 * only because Hono names it after the parser: a body that reaches the schema was valid JSON already (malformed
 * JSON fails earlier, in Hono's parser), so "invalid json" would misname the fault.
 */
const PART: Record<keyof ValidationTargets, string> = {
  json: 'request body',
  form: 'form body',
  query: 'query parameters',
  param: 'path parameters',
  header: 'request headers',
  cookie: 'cookies',
};

/** How many issues the message names; details.issues carries them all. */
const ISSUES_IN_MESSAGE = 3;

type Issue = { path: string[]; message: string; code: string };

/** `invalid request body: entries.0.hlc: Invalid string; name: Too big (+2 more)`: what, where, how many. */
function summarize(target: keyof ValidationTargets, issues: readonly Issue[]): string {
  const named = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  const more = issues.length > ISSUES_IN_MESSAGE ? ` (+${issues.length - ISSUES_IN_MESSAGE} more)` : '';
  return `invalid ${PART[target] ?? String(target)}${named.length > 0 ? `: ${named.join('; ')}` : ''}${more}`;
}

/**
 * zod validation at the edge with our error body: 400 VALIDATION_FAILED naming the part of the request that is
 * wrong and its issues (path, message, code; all of them in details.issues), never echoing the offending values
 * back (zod's messages name the expected shape, not the value received).
 */
export function validate<T extends $ZodType, K extends keyof ValidationTargets>(target: K, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code }));
      throw new HttpError('VALIDATION_FAILED', summarize(target, issues), { issues });
    }
  });
}
