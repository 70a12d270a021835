import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { $ZodType } from 'zod/v4/core';
import { HttpError } from './http-error.js';

/**
 * zod validation at the edge with our error body: 400 VALIDATION_FAILED listing the issues (path, message,
 * code), never echoing the offending values back.
 */
export function validate<T extends $ZodType, K extends keyof ValidationTargets>(target: K, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code }));
      throw new HttpError('VALIDATION_FAILED', `invalid ${String(target)}`, { issues });
    }
  });
}
